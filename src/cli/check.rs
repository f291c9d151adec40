//! `factolint check` and `factolint events`: discovery with a message for every path that
//! fails or yields nothing, the check, fixes, baselines, and the report.

use super::progress::ProgressLine;
use super::{
    baseline, config_error, load_config, render_with, rule_layer, say, suppressions, CheckArgs,
    EventsArgs, ListFormat, EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK,
};
use crate::cache::Cache;
use crate::engine::{self, CheckOptions, Report};
use crate::output::{self, ColorMode, Format};
use crate::source::FileId;
use crate::workspace::{self, DiscoverOptions, NamedPath, Problem, VirtualFile};
use std::collections::BTreeSet;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One discovery and check.
struct Checked {
    named: Vec<NamedPath>,
    problems: Vec<Problem>,
    report: Report,
    /// Files held in memory (standard input, zips): never written back.
    in_memory: BTreeSet<FileId>,
    /// The files reported on.
    reported: BTreeSet<PathBuf>,
    stdin_file: Option<FileId>,
}

impl Checked {
    fn run(paths: &[PathBuf], discover: &DiscoverOptions, options: &CheckOptions) -> Checked {
        let discovery = workspace::discover_paths(paths, discover);
        let mut report = engine::check_units(&discovery.units, options);
        let mut in_memory_paths = BTreeSet::new();
        let mut reported = BTreeSet::new();
        for file in discovery.units.iter().flat_map(|u| &u.files) {
            if file.content.is_some() {
                in_memory_paths.insert(file.path.clone());
            }
            if file.report {
                reported.insert(file.path.clone());
            }
        }
        let in_memory: BTreeSet<FileId> = report
            .sources
            .iter()
            .filter(|(_, f)| in_memory_paths.contains(&f.path))
            .map(|(id, _)| id)
            .collect();
        let stdin_file = discover.stdin.as_ref().and_then(|stdin| {
            report
                .sources
                .iter()
                .find(|(_, f)| f.path == stdin.path)
                .map(|(id, _)| id)
        });
        // A zip is never rewritten: its fixes are offered, not counted as fixable.
        for d in &mut report.diagnostics {
            let in_zip = in_memory.contains(&d.file) && Some(d.file) != stdin_file;
            if let (Some(fix), true) = (&mut d.fix, in_zip) {
                if fix.safe {
                    fix.safe = false;
                    d.notes
                        .push("not fixed automatically: this file is inside a zip".into());
                }
            }
        }
        Checked {
            named: discovery.named,
            problems: discovery.problems,
            report,
            in_memory,
            reported,
            stdin_file,
        }
    }

    /// Prints what went wrong per path and per configuration, and what yielded nothing.
    fn tell(&self, quiet: bool) {
        for problem in &self.problems {
            match problem {
                Problem::Path { path, message } => {
                    say(format!("{}: {message}", engine::display_path(path)))
                }
                Problem::Config { error, unchecked } => {
                    let unchecked: Vec<String> = unchecked
                        .iter()
                        .map(|p| engine::display_path(p))
                        .map(|p| if p.is_empty() { ".".into() } else { p })
                        .collect();
                    say(format!(
                        "invalid configuration: {}\n  not checked because of it: {}",
                        config_error(error),
                        unchecked.join(", ")
                    ))
                }
            }
        }
        if !quiet {
            for named in &self.named {
                if let Some(why) = &named.nothing_because {
                    say(format!("warning: {}: {why}", named.given.display()));
                }
                if let Some(note) = &named.skipped_from_above {
                    say(format!("note: {}: {note}", named.given.display()));
                }
            }
        }
        if self.nothing_checked() && self.problems.is_empty() {
            say("error: nothing was checked: no path named holds a Lua file to check");
        }
    }

    fn nothing_checked(&self) -> bool {
        self.named.iter().all(|n| n.files == 0)
    }

    /// Exit code 2: a path or configuration failed, a file was unreadable, or nothing was
    /// checked.
    fn failed(&self) -> bool {
        !self.problems.is_empty() || self.report.io_failure || self.nothing_checked()
    }

    /// Files `--fix` and `--add-suppressions` must not rewrite.
    fn not_writable(&self) -> BTreeSet<FileId> {
        self.in_memory
            .iter()
            .chain(&self.report.lossy_files)
            .copied()
            .collect()
    }
}

/// The paths to check, and standard input when `-` is one of them.
fn inputs(args: &CheckArgs) -> Result<(Vec<PathBuf>, Option<VirtualFile>), String> {
    let dash = Path::new("-");
    let wants_stdin = args.paths.iter().any(|p| p == dash)
        || (args.paths.is_empty() && args.stdin_filename.is_some());
    if !wants_stdin {
        if args.stdin_filename.is_some() {
            return Err(
                "--stdin-filename names the file read from standard input: pass `-` as the path"
                    .into(),
            );
        }
        let paths = if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        };
        return Ok((paths, None));
    }
    let Some(name) = &args.stdin_filename else {
        return Err("`-` (standard input) needs --stdin-filename PATH: the file's path in its mod, so that the rest of the mod can be read".into());
    };
    if args.paths.iter().any(|p| p != dash) {
        return Err("`-` (standard input) cannot be mixed with other paths".into());
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    let path = workspace::absolute(name);
    Ok((
        vec![path.clone()],
        Some(VirtualFile {
            path,
            bytes: Arc::from(bytes),
        }),
    ))
}

pub fn run(args: CheckArgs) -> i32 {
    let layer = match rule_layer(args.select.as_deref(), &args.extend_select, &args.ignore) {
        Ok(layer) => layer,
        Err(e) => {
            say(format!("error: {e}"));
            return EXIT_FAILURE;
        }
    };
    let config = match load_config(args.config.as_ref()) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let (paths, stdin) = match inputs(&args) {
        Ok(inputs) => inputs,
        Err(e) => {
            say(format!("error: {e}"));
            return EXIT_FAILURE;
        }
    };
    let mut discover = DiscoverOptions {
        config,
        command_line_rules: Some(Arc::new(layer)),
        force_exclude: args.force_exclude,
        stdin,
    };
    let people_watch = matches!(args.format, Format::Human | Format::Concise)
        && !args.quiet
        && std::io::stderr().is_terminal();
    let progress = ProgressLine::start(people_watch);
    let cache = (!args.no_cache).then(|| {
        let dir = args
            .cache_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(crate::cache::DIR_NAME));
        Arc::new(Cache::new(dir))
    });
    let options = CheckOptions {
        threads: args.threads,
        progress: Some(progress.counters()),
        // `--fix` prints standard input whole, fixed or not.
        keep_sources: discover.stdin.iter().map(|s| s.path.clone()).collect(),
        cache: cache.clone(),
        ..CheckOptions::default()
    };
    let mut checked = Checked::run(&paths, &discover, &options);
    drop(progress);
    checked.tell(args.quiet);
    if let Some(cache) = &cache {
        if let Some(warning) = cache.warning() {
            say(format!("warning: {warning}"));
        }
        cache.prune();
    }
    let failed = checked.failed();

    if args.diff {
        return diff(&checked, failed, args.output_file.as_deref());
    }
    if let Some(path) = &args.write_baseline {
        return match baseline::write(path, &checked.report) {
            Ok(count) => {
                say(format!(
                    "wrote {count} findings to {}; check with `--baseline {}` to see only new ones",
                    path.display(),
                    path.display()
                ));
                if failed {
                    EXIT_FAILURE
                } else {
                    EXIT_OK
                }
            }
            Err(e) => {
                say(format!("error: {e}"));
                EXIT_FAILURE
            }
        };
    }
    if args.add_suppressions {
        let added = suppressions::add(&checked.report, &checked.not_writable());
        for (file, why) in &added.refused {
            say(format!(
                "warning: {}: {why}",
                checked.report.sources.get(*file).display
            ));
        }
        for (file, text) in &added.files {
            let source = checked.report.sources.get(*file);
            if let Err(e) = std::fs::write(&source.path, text) {
                say(format!("error: cannot write {}: {e}", source.display));
                return EXIT_FAILURE;
            }
        }
        say(format!(
            "added {} suppression comments in {} files; replace each `{}` with the reason",
            added.comments,
            added.files.len(),
            suppressions::REASON_PLACEHOLDER
        ));
        if !added.files.is_empty() {
            checked = Checked::run(&paths, &discover, &options);
        }
    }
    let mut fixed_stdin = None;
    if args.fix {
        let skip: Vec<FileId> = checked.not_writable().into_iter().collect();
        let fixed =
            crate::fix::fixed_files(&checked.report.sources, &checked.report.diagnostics, &skip);
        let mut fixed_count = 0;
        for (file, new_text) in &fixed {
            let source = checked.report.sources.get(*file);
            if let Err(e) = std::fs::write(&source.path, new_text) {
                say(format!("error: cannot write {}: {e}", source.display));
                return EXIT_FAILURE;
            }
            fixed_count += crate::fix::safe_edits(&checked.report.diagnostics, &skip)
                .get(file)
                .map_or(0, Vec::len);
        }
        // Standard input is fixed onto standard output.
        if let (Some(file), Some(stdin)) = (checked.stdin_file, &mut discover.stdin) {
            let lossy = checked.report.lossy_files.clone();
            let text = crate::fix::fixed_files(
                &checked.report.sources,
                &checked.report.diagnostics,
                &lossy,
            )
            .into_iter()
            .find(|(f, _)| *f == file)
            .map(|(_, text)| text);
            if let Some(text) = &text {
                stdin.bytes = Arc::from(text.as_bytes());
                fixed_count += 1;
            }
            fixed_stdin =
                Some(text.unwrap_or_else(|| checked.report.sources.get(file).text.clone()));
        }
        if fixed_count > 0 {
            if !args.quiet && fixed_stdin.is_none() {
                say(format!(
                    "applied {fixed_count} fixes in {} files",
                    fixed.len()
                ));
            }
            checked = Checked::run(&paths, &discover, &options);
        }
    }
    if let Some(path) = &args.baseline {
        match baseline::apply(path, &mut checked.report, &checked.reported) {
            Ok(applied) => {
                checked.report.baselined = Some(applied.hidden);
                if !applied.stale.is_empty() && !args.quiet {
                    say(format!(
                        "warning: {} baseline entries match no finding any more (fixed, or the code changed); refresh the baseline with --write-baseline:",
                        applied.stale.len()
                    ));
                    for entry in &applied.stale {
                        eprintln!(
                            "  {} {}:{} {}",
                            entry.code, entry.path, entry.line, entry.message
                        );
                    }
                }
            }
            Err(e) => {
                say(format!("error: {e}"));
                return EXIT_FAILURE;
            }
        }
    }

    let to_terminal =
        args.output_file.is_none() && fixed_stdin.is_none() && std::io::stdout().is_terminal();
    let color = match args.color {
        ColorMode::Always => true,
        ColorMode::Never => false,
        ColorMode::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    let rendered = if args.statistics {
        match output::statistics(&checked.report, args.format) {
            Ok(text) => text.into_bytes(),
            Err(e) => {
                say(format!("error: {e}"));
                return EXIT_FAILURE;
            }
        }
    } else {
        let summary = !args.quiet && checked.report.files_checked > 0;
        render_with(&checked.report, args.format, color, summary)
    };
    let written = match (&args.output_file, &fixed_stdin) {
        (Some(path), _) => std::fs::write(path, &rendered)
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        (None, Some(text)) => {
            // The fixed text is the output; the findings left go to standard error.
            let _ = std::io::stderr().lock().write_all(&rendered);
            std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
                .map_err(|e| e.to_string())
        }
        (None, None) => std::io::stdout()
            .lock()
            .write_all(&rendered)
            .map_err(|e| e.to_string()),
    };
    if let Err(e) = written {
        say(format!("error: {e}"));
        return EXIT_FAILURE;
    }
    if failed || checked.failed() {
        return EXIT_FAILURE;
    }
    if args.exit_zero {
        return EXIT_OK;
    }
    super::exit_code(&checked.report, args.deny_warnings)
}

fn diff(checked: &Checked, failed: bool, output_file: Option<&Path>) -> i32 {
    let report = &checked.report;
    let fixed = crate::fix::fixed_files(&report.sources, &report.diagnostics, &report.lossy_files);
    let mut text = String::new();
    for (file, new_text) in &fixed {
        let source = report.sources.get(*file);
        text.push_str(&crate::fix::unified_diff(
            &source.display,
            &source.text,
            new_text,
        ));
    }
    let written = match output_file {
        Some(path) => std::fs::write(path, &text),
        None => std::io::stdout().lock().write_all(text.as_bytes()),
    };
    if let Err(e) = written {
        say(format!("error: cannot write the diff: {e}"));
        return EXIT_FAILURE;
    }
    if failed {
        EXIT_FAILURE
    } else if fixed.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}

pub fn events(args: EventsArgs) -> i32 {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let config = match load_config(args.config.as_ref()) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let discover = DiscoverOptions {
        config,
        ..DiscoverOptions::default()
    };
    let checked = Checked::run(&paths, &discover, &CheckOptions::default());
    checked.tell(false);
    let text = match args.format {
        ListFormat::Json => output::events_json(&checked.report),
        ListFormat::Human => output::events_human(&checked.report),
    };
    print!("{text}");
    if checked.failed() {
        EXIT_FAILURE
    } else {
        EXIT_OK
    }
}
