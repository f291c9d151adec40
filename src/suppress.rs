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
    /// The list of codes after `ignore` / `ignore-file`, with the space before it: what a fix
    /// rewrites when only some codes are stale, keeping any reason and the comment's brackets.
    pub list: Span,
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

/// Where a comment's text starts: after `--`, or after `--[[` / `--[==[` for a long comment.
fn inner_start(raw: &str) -> usize {
    let after = raw.get(2..).unwrap_or("");
    if let Some(rest) = after.strip_prefix('[') {
        let level = rest.bytes().take_while(|&b| b == b'=').count();
        if rest[level..].starts_with('[') {
            return 2 + 2 + level;
        }
    }
    2
}

/// Where the 0-based line's text starts: after a byte-order mark on the first line, so that a
/// comment after one still stands alone and removing its line keeps the mark.
fn line_start(file: &SourceFile, line: usize) -> usize {
    let start = file.line_starts()[line];
    if start == 0 && file.text.starts_with('\u{feff}') {
        return '\u{feff}'.len_utf8();
    }
    start
}

/// Finds suppression comments in a file's comments.
pub fn parse(file: &SourceFile, comments: &[Comment]) -> Vec<Suppression> {
    let mut out = Vec::new();
    for comment in comments {
        let raw = &file.text[comment.span.range()];
        // Offsets below are into `inner`, which starts at `base` in the file.
        let base = comment.span.start + inner_start(raw);
        let inner = &file.text[base.min(comment.span.end)..comment.span.end];
        let text = inner.trim_start_matches('-').trim_start();
        let Some(rest) = text.strip_prefix(MARKER) else {
            continue;
        };
        let rest = rest.trim_start();
        let (whole_file, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
            (true, r)
        } else if let Some(r) = rest.strip_prefix("ignore") {
            (false, r)
        } else {
            continue;
        };
        if !(rest.is_empty() || rest.starts_with(|c: char| c == ',' || c.is_whitespace())) {
            continue;
        }
        // The codes run to the end of the line; a reason may follow after `--`, and a long
        // comment may go on with more text on later lines.
        let list_start = base + (inner.len() - rest.len());
        let line = rest.split('\n').next().unwrap_or("");
        let list = line.split("--").next().unwrap_or("");
        let list = list
            .strip_suffix(']')
            .map_or(list, |l| l.trim_end_matches(['=', ']']));
        let list = list.trim_end();
        let codes = list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|written| SuppressedCode {
                written: written.to_string(),
                code: crate::catalog::lookup(written).map(|m| m.code.as_str()),
                used: false,
            })
            .collect();
        let first_line = file.line_col(comment.span.start).line;
        let last_line = file.line_col(comment.span.end).line;
        let line_start = line_start(file, first_line - 1);
        let line_end = file
            .line_starts()
            .get(last_line)
            .copied()
            .unwrap_or(file.text.len());
        let own_line = file.text[line_start..comment.span.start].trim().is_empty()
            && file.text[comment.span.end..line_end].trim().is_empty();
        let line = if whole_file {
            None
        } else if own_line {
            Some(last_line + 1)
        } else {
            Some(first_line)
        };
        out.push(Suppression {
            comment: comment.span,
            list: Span::new(list_start, list_start + list.len()),
            line,
            codes,
            used_without_codes: false,
            own_line,
        });
    }
    out
}

/// Removes suppressed diagnostics of one file (in place) and marks what each comment used.
pub fn apply(
    file: &SourceFile,
    suppressions: &mut [Suppression],
    diagnostics: &mut Vec<Diagnostic>,
) {
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
pub fn unused(
    file_id: FileId,
    file: &SourceFile,
    suppressions: &[Suppression],
    enabled: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for s in suppressions {
        if s.codes.is_empty() {
            if !s.used_without_codes {
                out.push(stale(
                    file_id,
                    file,
                    s,
                    "this `factolint: ignore` comment suppresses nothing".into(),
                    &[],
                ));
            }
            continue;
        }
        let unknown: Vec<&SuppressedCode> = s.codes.iter().filter(|c| c.code.is_none()).collect();
        let unused: Vec<&SuppressedCode> = s
            .codes
            .iter()
            .filter(|c| c.code.is_some_and(|code| !c.used && enabled(code)))
            .collect();
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
        let stale_codes: Vec<&str> = unknown
            .iter()
            .chain(&unused)
            .map(|c| c.written.as_str())
            .collect();
        out.push(stale(file_id, file, s, parts.join("; "), &stale_codes));
    }
    out
}

fn names(codes: &[&SuppressedCode]) -> String {
    codes
        .iter()
        .map(|c| format!("`{}`", c.written))
        .collect::<Vec<_>>()
        .join(", ")
}

fn stale(
    file_id: FileId,
    file: &SourceFile,
    s: &Suppression,
    message: String,
    stale_codes: &[&str],
) -> Diagnostic {
    let keep: Vec<&str> = s
        .codes
        .iter()
        .map(|c| c.written.as_str())
        .filter(|w| !stale_codes.contains(w))
        .collect();
    let fix = if keep.is_empty() || s.codes.is_empty() {
        Fix {
            description: "remove the comment".into(),
            edits: vec![removal(file, s)],
            safe: true,
        }
    } else {
        Fix {
            description: "remove the stale rule from the comment".into(),
            edits: vec![Edit {
                span: s.list,
                replacement: format!(" {}", keep.join(", ")),
            }],
            safe: true,
        }
    };
    Diagnostic::new(
        crate::rules::meta::UNUSED_SUPPRESSION,
        file_id,
        s.comment,
        message,
    )
    .with_label("stale suppression")
    .with_help("remove it, or name the rule that still fires on this line")
    .with_fix(fix)
}

/// The edit that deletes a comment: its whole lines when it stands alone, else with the
/// whitespace between it and the code beside it.
fn removal(file: &SourceFile, s: &Suppression) -> Edit {
    let text = &file.text;
    let first = file.line_index(s.comment.start);
    let line_start = line_start(file, first);
    if s.own_line {
        let last = file.line_index(s.comment.end);
        let end = file
            .line_starts()
            .get(last + 1)
            .copied()
            .unwrap_or(text.len());
        return Edit {
            span: Span::new(line_start, end),
            replacement: String::new(),
        };
    }
    if text[line_start..s.comment.start].trim().is_empty() {
        // Code follows on the same line (`--[[ ... ]] code`): keep it where it was.
        let end = s.comment.end
            + (text[s.comment.end..].len()
                - text[s.comment.end..].trim_start_matches([' ', '\t']).len());
        return Edit {
            span: Span::new(line_start, end),
            replacement: text[line_start..s.comment.start].to_string(),
        };
    }
    let start = text[..s.comment.start].trim_end_matches([' ', '\t']).len();
    Edit {
        span: Span::new(start, s.comment.end),
        replacement: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (SourceFile, Vec<Suppression>) {
        let file = SourceFile::new("c.lua".into(), "c.lua".into(), text.to_string());
        let comments = crate::syntax::parse(text).expect("parses").comments;
        let suppressions = parse(&file, &comments);
        (file, suppressions)
    }

    fn written(s: &Suppression) -> Vec<&str> {
        s.codes.iter().map(|c| c.written.as_str()).collect()
    }

    #[test]
    fn end_of_line_and_line_before() {
        let (_, s) = file(
            "x = 1 -- factolint: ignore FL501\n-- factolint: ignore global-in-2-0, FL002\ny = 2\n",
        );
        assert_eq!(
            (s[0].line, s[0].own_line, written(&s[0])),
            (Some(1), false, vec!["FL501"])
        );
        assert_eq!(
            (s[1].line, s[1].own_line, written(&s[1])),
            (Some(3), true, vec!["global-in-2-0", "FL002"])
        );
        assert_eq!(s[1].codes[0].code, Some("FL501"));
    }

    #[test]
    fn a_comment_after_a_byte_order_mark_stands_alone() {
        let text = "\u{feff}-- factolint: ignore FL501\nglobal.x = 1\n";
        let (file, s) = file(text);
        assert_eq!((s[0].line, s[0].own_line), (Some(2), true));
        assert_eq!(
            crate::fix::apply(text, &[removal(&file, &s[0])]),
            "\u{feff}global.x = 1\n"
        );
    }

    #[test]
    fn a_long_comment_before_code_covers_its_own_line() {
        let (_, s) = file("--[[ factolint: ignore FL501 ]] global.a = 1\n");
        assert_eq!(
            (s[0].line, s[0].own_line, written(&s[0])),
            (Some(1), false, vec!["FL501"])
        );
    }

    #[test]
    fn a_multi_line_comment_covers_the_line_after_its_end() {
        let (_, s) = file(
            "--[==[\nfactolint: ignore FL501\nlegacy code, see the wiki\n]==]\nglobal.e = 5\n",
        );
        assert_eq!(
            (s[0].line, s[0].own_line, written(&s[0])),
            (Some(5), true, vec!["FL501"])
        );
    }

    #[test]
    fn a_reason_after_dashes_is_not_a_code() {
        let (file, s) = file("x = 1 -- factolint: ignore FL501, FL9999 -- kept until 2.1\n");
        assert_eq!(written(&s[0]), vec!["FL501", "FL9999"]);
        assert_eq!(&file.text[s[0].list.range()], " FL501, FL9999");
    }

    #[test]
    fn removing_a_stale_comment_keeps_the_code_around_it() {
        let fixed = |text: &str| {
            let (file, s) = file(text);
            let edit = removal(&file, &s[0]);
            crate::fix::apply(text, &[edit])
        };
        assert_eq!(
            fixed("--[[ factolint: ignore FL501 ]] local a = 1\n"),
            "local a = 1\n"
        );
        assert_eq!(
            fixed("  --[[ factolint: ignore ]]  local a = 1\n"),
            "  local a = 1\n"
        );
        assert_eq!(
            fixed("local a = 1 --[[ factolint: ignore ]] local b = 2\n"),
            "local a = 1 local b = 2\n"
        );
        assert_eq!(fixed("local a = 1 -- factolint: ignore\n"), "local a = 1\n");
        assert_eq!(
            fixed("a = 1\n  -- factolint: ignore\nb = 2\n"),
            "a = 1\nb = 2\n"
        );
        assert_eq!(
            fixed("a = 1\n--[[\nfactolint: ignore\n]]\nb = 2\n"),
            "a = 1\nb = 2\n"
        );
    }

    #[test]
    fn a_partly_stale_comment_keeps_its_reason_and_brackets() {
        let text = "x = 1 --[[ factolint: ignore FL501, FL999 -- why ]] y = 2\n";
        let (file, mut s) = file(text);
        s[0].codes[0].used = true;
        let stale = unused(0, &file, &s, &|_| true);
        let edits = &stale[0].fix.as_ref().unwrap().edits;
        assert_eq!(
            crate::fix::apply(text, edits),
            "x = 1 --[[ factolint: ignore FL501 -- why ]] y = 2\n"
        );
    }
}
