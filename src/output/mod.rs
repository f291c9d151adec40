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

/// Findings per tag: (hazards, coding standards), whatever their configured levels.
pub fn tag_counts(report: &Report) -> (usize, usize) {
    use crate::catalog::Tag;
    let tagged = |tag: Tag| {
        report
            .diagnostics
            .iter()
            .filter(|d| crate::catalog::meta(d.code).is_some_and(|m| m.tag == tag))
            .count()
    };
    (tagged(Tag::Hazard), tagged(Tag::Standard))
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
        let (hazards, standards) = tag_counts(report);
        // "warnings" while the coding standards keep their default level, as they mostly do.
        let standard_word = if report.diagnostics.iter().all(|d| {
            d.severity == Warning
                || crate::catalog::meta(d.code)
                    .is_none_or(|m| m.tag != crate::catalog::Tag::Standard)
        }) {
            "coding-standard warning"
        } else {
            "coding-standard finding"
        };
        format!(
            "Found {}, {}, {} in {}: {}, {}.",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(infos, "info"),
            plural(report.files_checked, "file"),
            plural(hazards, "hazard"),
            plural(standards, standard_word)
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
