//! Renderers: the same diagnostics as human text, one-line text, JSON, GitHub workflow
//! commands or SARIF.

mod events;
mod github;
mod human;
mod json;
mod sarif;
mod statistics;

use crate::diagnostics::Diagnostic;
use crate::engine::Report;
use crate::source::{LineCol, SourceDb};

pub use events::{human as events_human, json as events_json};
pub use github::render as github;
pub use human::{render as human, ColorMode};
pub use json::render as json;
pub use sarif::render as sarif;
pub use statistics::render as statistics;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Rich diagnostics with source snippets (codespan-reporting).
    Human,
    /// One line per finding: `path:line:col: CODE message`.
    Concise,
    /// One JSON document (`version`, `diagnostics`, `summary`).
    Json,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}

/// Start and end of a diagnostic's primary span, 1-based; the end column is exclusive.
pub fn range(sources: &SourceDb, diagnostic: &Diagnostic) -> (LineCol, LineCol) {
    let file = sources.get(diagnostic.file);
    (
        file.line_col(diagnostic.span.start),
        file.line_col(diagnostic.span.end),
    )
}

pub fn concise(report: &Report) -> String {
    report
        .diagnostics
        .iter()
        .map(|d| concise_line(report, d))
        .collect()
}

/// `path:line:col: CODE [level] message`, one finding per line.
pub fn concise_line(report: &Report, d: &Diagnostic) -> String {
    let (start, _) = range(&report.sources, d);
    let path = &report.sources.get(d.file).display;
    format!(
        "{path}:{}:{}: {} [{}] {}\n",
        start.line,
        start.column,
        d.code,
        d.severity.as_str(),
        d.message
    )
}

/// The closing line of human and concise output.
pub fn summary_line(report: &Report, fixable: usize) -> String {
    use crate::diagnostics::Severity::*;
    let (errors, warnings, infos) = (
        report.count(Error),
        report.count(Warning),
        report.count(Info),
    );
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("{n} {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let mut line = if report.diagnostics.is_empty() {
        format!(
            "No problems found in {}.",
            plural(report.files_checked, "file")
        )
    } else {
        format!(
            "Found {}, {}, {} in {}.",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(infos, "info"),
            plural(report.files_checked, "file")
        )
    };
    if fixable > 0 {
        line.push_str(&format!(" {fixable} fixable with `--fix`."));
    }
    if let Some(baselined) = report.baselined.filter(|n| *n > 0) {
        line.push_str(&format!(
            " {} in the baseline not shown.",
            plural(baselined, "finding")
        ));
    }
    line
}
