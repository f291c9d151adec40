//! The command line: `check`, `rule`, `rules`.

use crate::config::Config;
use crate::engine::{self, CheckOptions, Report};
use crate::output::{self, ColorMode, Format};
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write};
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
    /// Check mods, scenarios or single files (default: the current directory).
    Check(CheckArgs),
    /// Print the documentation of one rule.
    Rule {
        /// A code (FL501) or a name (global-in-2-0).
        code_or_name: String,
    },
    /// List every rule with its code, name, default level and whether it can be fixed.
    Rules,
    /// Show each mod's registration map: event handlers, nth-tick handlers, commands, remote
    /// interfaces and on_init/on_load/on_configuration_changed, with the contexts they run in.
    Events(EventsArgs),
    /// Run the language server on stdin/stdout (editors start this).
    Lsp,
}

#[derive(clap::Args, Debug)]
pub struct EventsArgs {
    /// Files or folders (default: the current directory).
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: EventsFormat,
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EventsFormat {
    Human,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files or folders; a file is checked together with the rest of its mod.
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorMode,
    /// Apply safe fixes in place, then report what is left.
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,
    /// Print the safe fixes as a unified diff instead of applying them.
    #[arg(long)]
    pub diff: bool,
    /// Exit with code 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Use this factolint.toml instead of looking upward from each path.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    pub threads: Option<usize>,
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
        Command::Check(args) => check(args),
        Command::Rule { code_or_name } => rule(&code_or_name),
        Command::Rules => rules(),
        Command::Events(args) => events(args),
        Command::Lsp => crate::lsp::run(),
    }
}

fn rule(code_or_name: &str) -> i32 {
    let Some(meta) = crate::catalog::lookup(code_or_name) else {
        eprintln!("factolint: no rule {code_or_name:?}; run `factolint rules` for the list");
        return EXIT_FAILURE;
    };
    let mut text = format!(
        "{} {}\n\nDefault level: {}{}\n\n{}\n\n{}\n",
        meta.code,
        meta.name,
        meta.default_severity.as_str(),
        if meta.fixable { " (fixable)" } else { "" },
        meta.summary,
        meta.explanation.trim()
    );
    if let Some(bad) = &meta.bad {
        text.push_str(&format!("\nFlagged:\n\n{}\n", indent(bad)));
    }
    if let Some(good) = &meta.good {
        text.push_str(&format!("\nInstead:\n\n{}\n", indent(good)));
    }
    print!("{text}");
    EXIT_OK
}

fn indent(code: &str) -> String {
    code.trim_matches('\n')
        .lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn rules() -> i32 {
    println!(
        "{:<6} {:<36} {:<8} {:<9} fix",
        "code", "name", "level", "tag"
    );
    for meta in crate::catalog::all() {
        println!(
            "{:<6} {:<36} {:<8} {:<9} {}",
            meta.code,
            meta.name,
            meta.default_severity.as_str(),
            meta.tag.as_str(),
            if meta.fixable { "yes" } else { "no" }
        );
    }
    EXIT_OK
}

fn load_options(config: Option<&PathBuf>, threads: Option<usize>) -> Result<CheckOptions, i32> {
    let mut options = CheckOptions {
        threads,
        ..CheckOptions::default()
    };
    if let Some(path) = config {
        match Config::load(path) {
            Ok(config) => options.config = Some(Arc::new(config)),
            Err(e) => {
                eprintln!("factolint: invalid configuration: {}", config_error(&e));
                return Err(EXIT_FAILURE);
            }
        }
    }
    Ok(options)
}

fn run_check(paths: &[PathBuf], options: &CheckOptions) -> Result<Report, i32> {
    match engine::check_paths(paths, options) {
        Ok(report) => Ok(report),
        Err(crate::workspace::DiscoverError::Config(e)) => {
            eprintln!("factolint: invalid configuration: {}", config_error(&e));
            Err(EXIT_FAILURE)
        }
        Err(e) => {
            eprintln!("factolint: {e}");
            Err(EXIT_FAILURE)
        }
    }
}

fn events(args: EventsArgs) -> i32 {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let options = match load_options(args.config.as_ref(), None) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let report = match run_check(&paths, &options) {
        Ok(report) => report,
        Err(code) => return code,
    };
    let text = match args.format {
        EventsFormat::Json => output::events_json(&report),
        EventsFormat::Human => output::events_human(&report),
    };
    print!("{text}");
    if report.io_failure {
        EXIT_FAILURE
    } else {
        EXIT_OK
    }
}

fn check(args: CheckArgs) -> i32 {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let options = match load_options(args.config.as_ref(), args.threads) {
        Ok(options) => options,
        Err(code) => return code,
    };
    let run = |options: &CheckOptions| run_check(&paths, options);
    let mut report = match run(&options) {
        Ok(report) => report,
        Err(code) => return code,
    };

    if args.diff {
        let fixed =
            crate::fix::fixed_files(&report.sources, &report.diagnostics, &report.lossy_files);
        let mut out = std::io::stdout().lock();
        for (file, new_text) in &fixed {
            let source = report.sources.get(*file);
            let _ = out.write_all(
                crate::fix::unified_diff(&source.display, &source.text, new_text).as_bytes(),
            );
        }
        return if fixed.is_empty() {
            EXIT_OK
        } else {
            EXIT_FINDINGS
        };
    }

    if args.fix {
        let fixed =
            crate::fix::fixed_files(&report.sources, &report.diagnostics, &report.lossy_files);
        let mut fixed_count = 0;
        for (file, new_text) in &fixed {
            let source = report.sources.get(*file);
            if let Err(e) = std::fs::write(&source.path, new_text) {
                eprintln!("factolint: cannot write {}: {e}", source.display);
                return EXIT_FAILURE;
            }
            fixed_count += crate::fix::safe_edits(&report.diagnostics, &report.lossy_files)
                .get(file)
                .map_or(0, Vec::len);
        }
        if !fixed.is_empty() {
            eprintln!(
                "factolint: applied {fixed_count} fixes in {} files",
                fixed.len()
            );
            report = match run(&options) {
                Ok(report) => report,
                Err(code) => return code,
            };
        }
    }

    let color = match args.color {
        ColorMode::Always => true,
        ColorMode::Never => false,
        ColorMode::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let rendered = render(&report, args.format, color);
    let _ = std::io::stdout().lock().write_all(&rendered);
    exit_code(&report, args.deny_warnings)
}

/// `path:line:column: message`, with the path shown like diagnostic paths (relative to the
/// working directory).
fn config_error(e: &crate::config::ConfigError) -> String {
    format!(
        "{}:{}:{}: {}",
        engine::display_path(&e.path),
        e.line,
        e.column,
        e.message
    )
}

pub fn render(report: &Report, format: Format, color: bool) -> Vec<u8> {
    let fixable = report
        .diagnostics
        .iter()
        .filter(|d| d.fix.as_ref().is_some_and(|f| f.safe))
        .count();
    match format {
        Format::Human => {
            let mut out = output::human(report, color);
            out.extend_from_slice(output::summary_line(report, fixable).as_bytes());
            out.push(b'\n');
            out
        }
        Format::Concise => {
            let mut out = output::concise(report);
            out.push_str(&output::summary_line(report, fixable));
            out.push('\n');
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
}
