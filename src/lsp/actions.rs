//! Code actions: a finding's own fix, a suppression comment, and "fix all" for a file.

use super::convert;
use crate::diagnostics::{Diagnostic, Edit};
use crate::source::{SourceFile, Span};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, DocumentChanges, OneOf,
    OptionalVersionedTextDocumentIdentifier, Range, TextDocumentEdit, TextEdit, Url, WorkspaceEdit,
};
use std::collections::HashMap;

/// The kind of the "fix all" action (`source.fixAll` plus our name, as editors expect).
pub const FIX_ALL_KIND: &str = "source.fixAll.factolint";

/// One published finding with what the actions need from the engine.
#[derive(Clone, Debug)]
pub struct Finding {
    pub lsp: lsp_types::Diagnostic,
    pub engine: Diagnostic,
}

/// Where the edits go: the document and the version they were computed for.
pub struct Target<'a> {
    pub uri: &'a Url,
    pub version: Option<i32>,
    pub file: &'a SourceFile,
    /// The client applies versioned `documentChanges`; otherwise plain `changes`.
    pub versioned_edits: bool,
}

impl Target<'_> {
    fn workspace_edit(&self, edits: Vec<TextEdit>) -> WorkspaceEdit {
        if self.versioned_edits {
            let document = TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: self.uri.clone(),
                    version: self.version,
                },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            };
            WorkspaceEdit {
                document_changes: Some(DocumentChanges::Edits(vec![document])),
                ..WorkspaceEdit::default()
            }
        } else {
            WorkspaceEdit {
                changes: Some(HashMap::from([(self.uri.clone(), edits)])),
                ..WorkspaceEdit::default()
            }
        }
    }
}

fn overlaps(a: &Range, b: &Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// `only` from the request: a kind is wanted if it equals or refines a requested kind.
fn wanted(only: Option<&[CodeActionKind]>, kind: &str) -> bool {
    match only {
        None => true,
        Some(kinds) => kinds
            .iter()
            .any(|k| kind == k.as_str() || kind.starts_with(&format!("{}.", k.as_str()))),
    }
}

/// The actions for `range` in one document whose findings are `findings`.
pub fn code_actions(
    target: &Target<'_>,
    findings: &[Finding],
    range: &Range,
    only: Option<&[CodeActionKind]>,
) -> Vec<CodeActionOrCommand> {
    let mut actions = Vec::new();
    let quick = CodeActionKind::QUICKFIX;
    for finding in findings.iter().filter(|f| overlaps(&f.lsp.range, range)) {
        let code = finding.engine.code;
        if let (Some(fix), true) = (&finding.engine.fix, wanted(only, quick.as_str())) {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("{code}: {}", fix.description),
                kind: Some(quick.clone()),
                diagnostics: Some(vec![finding.lsp.clone()]),
                edit: Some(target.workspace_edit(convert::text_edits(target.file, &fix.edits))),
                is_preferred: Some(fix.safe),
                ..CodeAction::default()
            }));
        }
        if !wanted(only, quick.as_str()) || is_unsuppressible(code) {
            continue;
        }
        if let Some(edit) = suppression_edit(&target.file.text, code, finding.engine.span.start) {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("{code}: suppress with `-- factolint: ignore {code}`"),
                kind: Some(quick.clone()),
                diagnostics: Some(vec![finding.lsp.clone()]),
                edit: Some(target.workspace_edit(convert::text_edits(target.file, &[edit]))),
                ..CodeAction::default()
            }));
        }
    }
    // Offered with the quick fixes only when there is more than one thing to fix, and always
    // when the client asks for fix-all actions (e.g. VS Code's codeActionsOnSave).
    let all_edits = safe_edits(findings);
    let fixable = findings
        .iter()
        .filter(|f| f.engine.fix.as_ref().is_some_and(|fix| fix.safe))
        .count();
    let asked_for_fix_all = only.is_some() && wanted(only, FIX_ALL_KIND);
    if !all_edits.is_empty() && wanted(only, FIX_ALL_KIND) && (fixable > 1 || asked_for_fix_all) {
        actions.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("factolint: apply all {fixable} safe fixes in this file"),
            kind: Some(CodeActionKind::from(FIX_ALL_KIND.to_string())),
            edit: Some(target.workspace_edit(convert::text_edits(target.file, &all_edits))),
            ..CodeAction::default()
        }));
    }
    actions
}

/// The safe edits of all findings, as `check --fix` would apply them.
fn safe_edits(findings: &[Finding]) -> Vec<Edit> {
    let diagnostics: Vec<Diagnostic> = findings.iter().map(|f| f.engine.clone()).collect();
    crate::fix::safe_edits(&diagnostics, &[])
        .into_values()
        .flatten()
        .collect()
}

/// The edit that suppresses `code` on the line holding byte `at`. Tries, in order: adding the
/// code to a suppression comment already ending that line, a new comment at the end of the
/// line, a new comment alone on the line before. Each candidate is parsed and read back with
/// the real suppression parser, so a comment that would land inside a long string, or after
/// another comment, is never offered.
pub fn suppression_edit(text: &str, code: &str, at: usize) -> Option<Edit> {
    let file = SourceFile::new("buffer.lua".into(), "buffer.lua".into(), text.to_string());
    let line_index = file.line_index(at.min(text.len()));
    let line_start = file.line_starts()[line_index];
    let line_text = file.line_text(line_index + 1);
    let line_end = line_start + line_text.len();
    let content_end = line_start + line_text.trim_end().len();
    let indent: String = line_text
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let newline = if text[line_end..].starts_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };

    let mut candidates = Vec::new();
    if line_text.contains("factolint:") && !line_text.trim_end().ends_with("--") {
        candidates.push((
            Edit {
                span: Span::new(content_end, content_end),
                replacement: format!(", {code}"),
            },
            0,
        ));
    }
    candidates.push((
        Edit {
            span: Span::new(content_end, line_end),
            replacement: format!(" -- factolint: ignore {code}"),
        },
        0,
    ));
    candidates.push((
        Edit {
            span: Span::new(line_start, line_start),
            replacement: format!("{indent}-- factolint: ignore {code}{newline}"),
        },
        1,
    ));

    let target_line = line_index + 1;
    candidates
        .into_iter()
        .find(|(edit, shift)| {
            suppresses(
                &crate::fix::apply(text, std::slice::from_ref(edit)),
                code,
                target_line + shift,
            )
        })
        .map(|(edit, _)| edit)
}

/// Whether `text` parses and has a suppression of `code` covering 1-based `line`.
fn suppresses(text: &str, code: &str, line: usize) -> bool {
    if crate::syntax::nesting_depth(text) > crate::config::Limits::default().max_nesting {
        return false;
    }
    let Ok(parsed) = crate::syntax::parse(text) else {
        return false;
    };
    let file = SourceFile::new("buffer.lua".into(), "buffer.lua".into(), text.to_string());
    crate::suppress::parse(&file, &parsed.comments)
        .iter()
        .any(|s| s.line == Some(line) && s.codes.iter().any(|c| c.code == Some(code)))
}

/// Meta findings (FL0xx) cannot be silenced by a comment: stale suppressions are found after
/// suppressions apply, and files that fail to parse have no comments to read.
fn is_unsuppressible(code: &str) -> bool {
    crate::catalog::Family::of_code(code) == Some(crate::catalog::Family::Meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suppressed(text: &str, needle: &str) -> Option<String> {
        let at = text.find(needle).unwrap();
        suppression_edit(text, "FL501", at).map(|edit| crate::fix::apply(text, &[edit]))
    }

    #[test]
    fn appends_a_comment_at_the_end_of_the_line() {
        assert_eq!(
            suppressed("local x = 1\nglobal.x = 1  \nreturn x\n", "global").unwrap(),
            "local x = 1\nglobal.x = 1 -- factolint: ignore FL501\nreturn x\n"
        );
        assert_eq!(
            suppressed("global.x = 1\r\n", "global").unwrap(),
            "global.x = 1 -- factolint: ignore FL501\r\n"
        );
    }

    #[test]
    fn extends_an_existing_suppression() {
        assert_eq!(
            suppressed("global.x = f() -- factolint: ignore FL301\n", "global").unwrap(),
            "global.x = f() -- factolint: ignore FL301, FL501\n"
        );
    }

    #[test]
    fn goes_on_the_line_before_when_the_line_ends_in_another_comment() {
        assert_eq!(
            suppressed("do\n  global.x = 1 -- keep\nend\n", "global").unwrap(),
            "do\n  -- factolint: ignore FL501\n  global.x = 1 -- keep\nend\n"
        );
        assert_eq!(
            suppressed("global.x = 1 -- keep\r\n", "global").unwrap(),
            "-- factolint: ignore FL501\r\nglobal.x = 1 -- keep\r\n"
        );
    }

    #[test]
    fn never_inside_a_long_string() {
        let text = "global.x = [[\nlong]]\n";
        let fixed = suppressed(text, "global").unwrap();
        assert_eq!(fixed, "-- factolint: ignore FL501\nglobal.x = [[\nlong]]\n");
    }

    #[test]
    fn nothing_for_unparsable_text() {
        assert_eq!(suppressed("global.x = = 1\n", "global"), None);
    }
}

#[cfg(test)]
mod action_tests {
    use super::*;
    use crate::diagnostics::Fix;
    use crate::source::SourceDb;

    fn findings(text: &str) -> (SourceDb, Vec<Finding>) {
        let mut sources = SourceDb::default();
        let id = sources.add(SourceFile::new(
            "/m/control.lua".into(),
            "control.lua".into(),
            text.to_string(),
        ));
        let findings = text
            .match_indices("global")
            .map(|(at, _)| {
                let span = Span::new(at, at + 6);
                let fix = Fix {
                    description: "replace `global` with `storage`".into(),
                    edits: vec![Edit {
                        span,
                        replacement: "storage".into(),
                    }],
                    safe: true,
                };
                let engine = Diagnostic::new("FL501", id, span, "global").with_fix(fix);
                Finding {
                    lsp: convert::diagnostic(&sources, &engine),
                    engine,
                }
            })
            .collect();
        (sources, findings)
    }

    fn titles(actions: &[CodeActionOrCommand]) -> Vec<String> {
        actions
            .iter()
            .map(|a| match a {
                CodeActionOrCommand::CodeAction(a) => a.title.clone(),
                CodeActionOrCommand::Command(c) => c.title.clone(),
            })
            .collect()
    }

    #[test]
    fn only_filters_kinds_and_fix_all_covers_the_file() {
        let text = "global.a = 1\nglobal.b = 2\n";
        let (sources, findings) = findings(text);
        let uri = Url::parse("file:///m/control.lua").unwrap();
        let target = Target {
            uri: &uri,
            version: Some(3),
            file: sources.get(0),
            versioned_edits: false,
        };
        let first_line = findings[0].lsp.range;

        let all = code_actions(&target, &findings, &first_line, None);
        assert_eq!(
            titles(&all),
            [
                "FL501: replace `global` with `storage`",
                "FL501: suppress with `-- factolint: ignore FL501`",
                "factolint: apply all 2 safe fixes in this file"
            ]
        );

        let fix_all_only = [CodeActionKind::SOURCE_FIX_ALL];
        let fix_all = code_actions(&target, &findings, &first_line, Some(&fix_all_only));
        assert_eq!(
            titles(&fix_all),
            ["factolint: apply all 2 safe fixes in this file"]
        );
        let CodeActionOrCommand::CodeAction(action) = &fix_all[0] else {
            panic!()
        };
        let edits = &action.edit.as_ref().unwrap().changes.as_ref().unwrap()[&uri];
        assert_eq!(edits.len(), 2);
        assert!(edits.iter().all(|e| e.new_text == "storage"));

        let quick_only = [CodeActionKind::QUICKFIX];
        assert_eq!(
            code_actions(&target, &findings, &first_line, Some(&quick_only)).len(),
            2
        );
    }
}
