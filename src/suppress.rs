//! `-- factolint: ignore CODE` comments, and FL002 for the ones that suppress nothing.

use crate::diagnostics::{Diagnostic, Edit, Fix};
use crate::source::{FileId, SourceFile, Span};
use crate::syntax::Comment;

const MARKER: &str = "factolint:";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuppressedCode {
    /// As written (`FL301`, `storage-userdata`).
    pub written: String,
    /// The rule's code, if the name is known.
    pub code: Option<&'static str>,
    pub used: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    pub comment: Span,
    /// The 1-based line it covers; `None` for `ignore-file`.
    pub line: Option<usize>,
    /// Empty means every rule.
    pub codes: Vec<SuppressedCode>,
    pub used_without_codes: bool,
    /// The comment is alone on its line (so removing it removes the line).
    pub own_line: bool,
}

impl Suppression {
    fn covers(&mut self, diagnostic: &Diagnostic, line: usize) -> bool {
        if self.line.is_some_and(|l| l != line) {
            return false;
        }
        if self.codes.is_empty() {
            self.used_without_codes = true;
            return true;
        }
        let mut hit = false;
        for code in &mut self.codes {
            if code.code == Some(diagnostic.code) {
                code.used = true;
                hit = true;
            }
        }
        hit
    }
}

/// Finds suppression comments in a file's comments.
pub fn parse(file: &SourceFile, comments: &[Comment]) -> Vec<Suppression> {
    let mut out = Vec::new();
    for comment in comments {
        let text = comment.text.trim_start_matches('-').trim_start();
        let Some(rest) = text.strip_prefix(MARKER) else { continue };
        let rest = rest.trim_start();
        let (whole_file, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
            (true, r)
        } else if let Some(r) = rest.strip_prefix("ignore") {
            (false, r)
        } else {
            continue;
        };
        if !(rest.is_empty() || rest.starts_with([' ', '\t', ',', '\r'])) {
            continue;
        }
        // A reason may follow after `--`; `\r` is part of the comment in CRLF files.
        let list = rest.split("--").next().unwrap_or("");
        let codes = list
            .split([',', ' ', '\t', '\r'])
            .filter(|s| !s.is_empty())
            .map(|written| SuppressedCode {
                written: written.to_string(),
                code: crate::rules::lookup(written).map(|m| m.code.as_str()),
                used: false,
            })
            .collect();
        let comment_line = file.line_col(comment.span.start).line;
        let line_start = file.line_starts()[comment_line - 1];
        let own_line = file.text[line_start..comment.span.start].trim().is_empty();
        let line = if whole_file {
            None
        } else if own_line {
            Some(comment_line + 1)
        } else {
            Some(comment_line)
        };
        out.push(Suppression { comment: comment.span, line, codes, used_without_codes: false, own_line });
    }
    out
}

/// Removes suppressed diagnostics of one file (in place) and marks what each comment used.
pub fn apply(file: &SourceFile, suppressions: &mut [Suppression], diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.retain(|d| {
        let line = file.line_col(d.span.start).line;
        // Every matching comment counts as used, so none of them is reported as stale.
        let mut suppressed = false;
        for s in suppressions.iter_mut() {
            suppressed |= s.covers(d, line);
        }
        !suppressed
    });
}

/// FL002 for comments (or codes in them) that suppressed nothing. `enabled` says whether a
/// rule is on for this file: suppressions of disabled rules are left alone.
pub fn unused(file_id: FileId, file: &SourceFile, suppressions: &[Suppression], enabled: &dyn Fn(&str) -> bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for s in suppressions {
        if s.codes.is_empty() {
            if !s.used_without_codes {
                out.push(stale(file_id, file, s, "this `factolint: ignore` comment suppresses nothing".into(), &[]));
            }
            continue;
        }
        let unknown: Vec<&SuppressedCode> = s.codes.iter().filter(|c| c.code.is_none()).collect();
        let unused: Vec<&SuppressedCode> =
            s.codes.iter().filter(|c| c.code.is_some_and(|code| !c.used && enabled(code))).collect();
        if unknown.is_empty() && unused.is_empty() {
            continue;
        }
        let mut parts = Vec::new();
        if !unknown.is_empty() {
            parts.push(format!("unknown rule {}", names(&unknown)));
        }
        if !unused.is_empty() {
            parts.push(format!("{} suppresses nothing here", names(&unused)));
        }
        let stale_codes: Vec<&str> = unknown.iter().chain(&unused).map(|c| c.written.as_str()).collect();
        out.push(stale(file_id, file, s, parts.join("; "), &stale_codes));
    }
    out
}

fn names(codes: &[&SuppressedCode]) -> String {
    codes.iter().map(|c| format!("`{}`", c.written)).collect::<Vec<_>>().join(", ")
}

fn stale(file_id: FileId, file: &SourceFile, s: &Suppression, message: String, stale_codes: &[&str]) -> Diagnostic {
    let keep: Vec<&str> = s
        .codes
        .iter()
        .map(|c| c.written.as_str())
        .filter(|w| !stale_codes.contains(w))
        .collect();
    let fix = if keep.is_empty() || s.codes.is_empty() {
        Fix { description: "remove the comment".into(), edits: vec![removal(file, s)], safe: true }
    } else {
        let directive = if s.line.is_none() { "ignore-file" } else { "ignore" };
        let replacement = format!("-- {MARKER} {directive} {}", keep.join(", "));
        Fix {
            description: "remove the stale rule from the comment".into(),
            edits: vec![Edit { span: s.comment, replacement }],
            safe: true,
        }
    };
    Diagnostic::new("FL002", file_id, s.comment, message)
        .with_label("stale suppression")
        .with_help("remove it, or name the rule that still fires on this line")
        .with_fix(fix)
}

/// The edit that deletes a comment: the whole line when it stands alone, else with the
/// whitespace before it.
fn removal(file: &SourceFile, s: &Suppression) -> Edit {
    let text = &file.text;
    if s.own_line {
        let line = file.line_index(s.comment.start);
        let start = file.line_starts()[line];
        let end = file.line_starts().get(line + 1).copied().unwrap_or(text.len());
        return Edit { span: Span::new(start, end), replacement: String::new() };
    }
    let start = text[..s.comment.start].trim_end_matches([' ', '\t']).len();
    Edit { span: Span::new(start, s.comment.end), replacement: String::new() }
}
