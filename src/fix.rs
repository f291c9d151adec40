//! Applying fixes: `--fix` writes them, `--diff` shows them as a unified diff.

use crate::diagnostics::{Diagnostic, Edit};
use crate::source::{FileId, SourceDb};
use std::collections::BTreeMap;

/// The safe edits of each file, sorted and without overlaps (the first of two overlapping wins).
pub fn safe_edits(diagnostics: &[Diagnostic], skip: &[FileId]) -> BTreeMap<FileId, Vec<Edit>> {
    let mut by_file: BTreeMap<FileId, Vec<Edit>> = BTreeMap::new();
    for d in diagnostics {
        if let Some(fix) = d.fix.as_ref().filter(|f| f.safe) {
            if !skip.contains(&d.file) {
                by_file
                    .entry(d.file)
                    .or_default()
                    .extend(fix.edits.iter().cloned());
            }
        }
    }
    for edits in by_file.values_mut() {
        edits.sort();
        edits.dedup();
        let mut kept: Vec<Edit> = Vec::with_capacity(edits.len());
        for edit in edits.drain(..) {
            if kept
                .last()
                .is_none_or(|last| last.span.end <= edit.span.start)
            {
                kept.push(edit);
            }
        }
        *edits = kept;
    }
    by_file
}

pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut cursor = 0;
    for edit in edits {
        out.push_str(&text[cursor..edit.span.start]);
        out.push_str(&edit.replacement);
        cursor = edit.span.end;
    }
    out.push_str(&text[cursor..]);
    out
}

/// The fixed text of every file that has safe fixes.
pub fn fixed_files(
    sources: &SourceDb,
    diagnostics: &[Diagnostic],
    skip: &[FileId],
) -> Vec<(FileId, String)> {
    safe_edits(diagnostics, skip)
        .into_iter()
        .map(|(file, edits)| (file, apply(&sources.get(file).text, &edits)))
        .collect()
}

pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn applies_non_overlapping_edits_in_order() {
        let text = "global.a = global.b";
        let edits = vec![
            Edit {
                span: Span::new(0, 6),
                replacement: "storage".into(),
            },
            Edit {
                span: Span::new(11, 17),
                replacement: "storage".into(),
            },
        ];
        assert_eq!(apply(text, &edits), "storage.a = storage.b");
    }
}
