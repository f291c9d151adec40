//! The command line: `check`, `events`, `rule`, `rules`, `completions`, `lsp`.

mod baseline;
mod check;
mod docs;
mod progress;
mod suppressions;

use crate::config::{Config, RuleLayer, Selector};
use crate::engine::Report;
use crate::output::{self, ColorMode, Format};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;

pub use crate::catalog::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};

#[derive(Parser, Debug)]
#[command(
    name = "factolint",
    version,
    about = "Finds multiplayer, desync and 2.0-migration hazards in Factorio mod Lua"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check mods, scenarios, mod zips, `mods` folders or single files (default: the current
    /// directory).
    Check(Box<CheckArgs>),
    /// Print the documentation of one rule, or of every rule with --all.
    Rule {
        /// A code (FL501) or a name (global-in-2-0).
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        code_or_name: Option<String>,
        /// Every rule's documentation, one after the other.
        #[arg(long)]
        all: bool,
    },
    /// List every rule with its code, name, default level and whether it can be fixed.
    Rules {
        #[arg(long, value_enum, default_value = "human")]
        format: ListFormat,
    },
    /// Show each mod's registration map: event handlers, nth-tick handlers, commands, remote
    /// interfaces and on_init/on_load/on_configuration_changed, with the contexts they run in.
    Events(EventsArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Run the language server on stdin/stdout (editors start this).
    Lsp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct EventsArgs {
    /// Files or folders (default: the current directory).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: ListFormat,
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files, folders, mod zips or a Factorio `mods` folder; a file is checked together with
    /// the rest of its mod. `-` reads standard input (with --stdin-filename).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorMode,
    /// Write the report to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Print only the findings: no summary line, no warnings about skipped paths.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print how many findings each rule has (most first) instead of the findings.
    #[arg(long, conflicts_with_all = ["diff", "add_suppressions"])]
    pub statistics: bool,

    /// Only these rules: codes (FL501), families (FL5), names (global-in-2-0) or ALL,
    /// comma-separated. Replaces `select` of factolint.toml.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Option<Vec<String>>,
    /// Rules to add to the selection.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,
    /// Rules to leave out.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Apply safe fixes in place, then report what is left (with `-`: print the fixed text).
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,
    /// Print the safe fixes as a unified diff instead of applying them.
    #[arg(long)]
    pub diff: bool,
    /// Exit with code 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Exit with code 0 even with findings (2 still means a failure).
    #[arg(long)]
    pub exit_zero: bool,

    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in this baseline file, then exit 0.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff", "add_suppressions", "baseline"])]
    pub write_baseline: Option<PathBuf>,
    /// Add a `-- factolint: ignore CODE -- TODO: reason` comment above every finding.
    #[arg(long, conflicts_with_all = ["fix", "diff"])]
    pub add_suppressions: bool,

    /// The path of the file read from standard input (`-`): it is checked as that file of
    /// its mod, the rest of the mod read from disk.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Skip named paths that `.gitignore`, `.ignore` or `exclude` skip in a folder (for
    /// pre-commit and editors, which name files one by one).
    #[arg(long)]
    pub force_exclude: bool,
    /// Use this factolint.toml instead of looking upward from each path.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Work everything out again: neither read nor write the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Keep the cache here instead of `.factolint_cache` in the working directory.
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_FAILURE
            } else {
                EXIT_OK
            };
        }
    };
    match cli.command {
        Command::Check(args) => check::run(*args),
        Command::Rule { code_or_name, all } => docs::rule(code_or_name.as_deref(), all),
        Command::Rules { format } => docs::rules(format),
        Command::Events(args) => check::events(args),
        Command::Completions { shell } => docs::completions(shell),
        Command::Lsp => crate::lsp::run(),
    }
}

/// Prints a message about the run (not a finding) on standard error.
fn say(message: impl std::fmt::Display) {
    eprintln!("factolint: {message}");
}

/// The command line's rule selection; a usage error names the word it does not know.
fn rule_layer(
    select: Option<&[String]>,
    extend_select: &[String],
    ignore: &[String],
) -> Result<RuleLayer, String> {
    let parse = |flag: &str, words: &[String]| -> Result<Vec<Selector>, String> {
        words
            .iter()
            .filter(|w| !w.trim().is_empty())
            .map(|w| Selector::parse(w).map_err(|e| format!("{flag}: {e}")))
            .collect()
    };
    Ok(RuleLayer {
        select: select.map(|words| parse("--select", words)).transpose()?,
        extend_select: parse("--extend-select", extend_select)?,
        ignore: parse("--ignore", ignore)?,
        levels: Vec::new(),
    })
}

/// `--config FILE`, loaded; exit code 2 on failure.
fn load_config(path: Option<&PathBuf>) -> Result<Option<Arc<Config>>, i32> {
    let Some(path) = path else {
        return Ok(None);
    };
    match Config::load(path) {
        Ok(config) => Ok(Some(Arc::new(config))),
        Err(e) => {
            say(format!("invalid configuration: {}", config_error(&e)));
            Err(EXIT_FAILURE)
        }
    }
}

/// `path:line:column: message`, with the path shown like diagnostic paths (relative to the
/// working directory).
fn config_error(e: &crate::config::ConfigError) -> String {
    format!(
        "{}:{}:{}: {}",
        crate::engine::display_path(&e.path),
        e.line,
        e.column,
        e.message
    )
}

pub fn render(report: &Report, format: Format, color: bool) -> Vec<u8> {
    render_with(report, format, color, true)
}

/// The report in `format`; `summary` adds the closing line of human and concise output.
fn render_with(report: &Report, format: Format, color: bool, summary: bool) -> Vec<u8> {
    let fixable = report
        .diagnostics
        .iter()
        .filter(|d| d.fix.as_ref().is_some_and(|f| f.safe))
        .count();
    let summary_line = || {
        if summary {
            format!("{}\n", output::summary_line(report, fixable))
        } else {
            String::new()
        }
    };
    match format {
        Format::Human => {
            let mut out = output::human(report, color);
            out.extend_from_slice(summary_line().as_bytes());
            out
        }
        Format::Concise => {
            let mut out = output::concise(report);
            out.push_str(&summary_line());
            out.into_bytes()
        }
        Format::Json => output::json(report).into_bytes(),
        Format::Github => output::github(report).into_bytes(),
        Format::Sarif => output::sarif(report).into_bytes(),
    }
}

pub fn exit_code(report: &Report, deny_warnings: bool) -> i32 {
    use crate::diagnostics::Severity;
    if report.io_failure {
        return EXIT_FAILURE;
    }
    let failing = report.diagnostics.iter().any(|d| {
        d.severity == Severity::Error || (deny_warnings && d.severity == Severity::Warning)
    });
    if failing {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuration_errors_show_the_path_like_diagnostics_do() {
        let path = std::env::current_dir()
            .unwrap()
            .join("fixtures/config/broken/factolint.toml");
        let error = crate::config::ConfigError {
            path,
            line: 5,
            column: 9,
            message: "bad level".into(),
        };
        assert_eq!(
            config_error(&error),
            "fixtures/config/broken/factolint.toml:5:9: bad level"
        );
    }

    #[test]
    fn selection_flags_name_the_unknown_word() {
        let err = rule_layer(Some(&["FL5".into(), "FL9".into()]), &[], &[]).unwrap_err();
        assert!(
            err.starts_with("--select: no rule code starts with FL9"),
            "{err}"
        );
        let layer = rule_layer(None, &[], &["pairs-order-registration".into()]).unwrap();
        assert_eq!(layer.ignore.len(), 1);
        assert!(layer.select.is_none());
    }
}
