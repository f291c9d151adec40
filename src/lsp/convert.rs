//! Between the engine's types (paths, byte spans, [`Diagnostic`]) and the protocol's (URIs,
//! UTF-16 positions, `lsp_types::Diagnostic`).

use crate::diagnostics::{Diagnostic, Severity};
use crate::source::{SourceDb, SourceFile, Span};
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position, Range,
    TextEdit, Url,
};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Shown as the diagnostic's source in editors.
pub const SOURCE: &str = "factolint";

/// The file a `file:` URI names, normalised like the paths discovery produces.
pub fn uri_to_path(uri: &Url) -> Option<PathBuf> {
    if uri.scheme() != "file" {
        return None;
    }
    uri.to_file_path()
        .ok()
        .map(|p| crate::workspace::absolute(&p))
}

pub fn path_to_uri(path: &Path) -> Option<Url> {
    Url::from_file_path(path).ok()
}

pub fn range(file: &SourceFile, span: Span) -> Range {
    let (start_line, start_col) = file.line_col_utf16(span.start);
    let (end_line, end_col) = file.line_col_utf16(span.end);
    Range::new(
        Position::new(start_line, start_col),
        Position::new(end_line, end_col),
    )
}

pub fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// The message as `check` prints it: the headline, then its notes and help.
pub fn message(diagnostic: &Diagnostic) -> String {
    let mut text = diagnostic.message.clone();
    for note in &diagnostic.notes {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    if let Some(help) = &diagnostic.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    text
}

/// One engine diagnostic as the protocol carries it. There is no rule documentation site, so
/// no `codeDescription`: the rule's name and summary travel in `data` and hover shows the rest.
pub fn diagnostic(sources: &SourceDb, d: &Diagnostic) -> lsp_types::Diagnostic {
    let file = sources.get(d.file);
    let related: Vec<DiagnosticRelatedInformation> = d
        .secondary
        .iter()
        .filter_map(|label| {
            let label_file = sources.get(label.file);
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: path_to_uri(&label_file.path)?,
                    range: range(label_file, label.span),
                },
                message: label.message.clone(),
            })
        })
        .collect();
    let summary = crate::catalog::meta(d.code).map(|m| m.summary.trim().to_string());
    lsp_types::Diagnostic {
        range: range(file, d.span),
        severity: Some(severity(d.severity)),
        code: Some(NumberOrString::String(d.code.to_string())),
        code_description: None,
        source: Some(SOURCE.to_string()),
        message: message(d),
        related_information: if related.is_empty() {
            None
        } else {
            Some(related)
        },
        tags: None,
        data: Some(
            json!({ "rule": d.rule_name(), "summary": summary, "fixable": d.fix.is_some() }),
        ),
    }
}

/// A fix's edits as text edits on the file they belong to.
pub fn text_edits(file: &SourceFile, edits: &[crate::diagnostics::Edit]) -> Vec<TextEdit> {
    edits
        .iter()
        .map(|e| TextEdit {
            range: range(file, e.span),
            new_text: e.replacement.clone(),
        })
        .collect()
}

/// Markdown for hovering a rule: code, name, summary and the full explanation.
pub fn rule_hover(code: &str) -> Option<String> {
    let meta = crate::catalog::meta(code)?;
    Some(format!(
        "**{}** `{}`: {}\n\n{}",
        meta.code,
        meta.name,
        meta.summary.trim(),
        meta.explanation.trim()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_count_utf16_units() {
        // "😀" is 4 bytes and 2 UTF-16 units.
        let file = SourceFile::new("a.lua".into(), "a.lua".into(), "x = \"😀\" global\n".into());
        let start = file.text.find("global").unwrap();
        let r = range(&file, Span::new(start, start + 6));
        assert_eq!(r, Range::new(Position::new(0, 9), Position::new(0, 15)));
    }

    #[test]
    fn uris_round_trip_through_paths() {
        let path = std::env::temp_dir().join("a dir").join("contrôl.lua");
        let uri = path_to_uri(&path).unwrap();
        assert_eq!(uri_to_path(&uri).unwrap(), path);
        assert!(uri_to_path(&Url::parse("untitled:Untitled-1").unwrap()).is_none());
    }
}
