//! `--add-suppressions`: a `-- factolint: ignore CODE -- TODO: …` comment above every line
//! with findings, the other way to adopt factolint on an existing mod (beside a baseline).

use crate::engine::Report;
use crate::source::{FileId, SourceFile};
use std::collections::{BTreeMap, BTreeSet};

/// The reason left for the author to fill in.
pub const REASON_PLACEHOLDER: &str = "TODO: say why this is safe";

/// Rules a comment cannot or should not silence: findings about the file as a whole (not
/// parsed, unreadable, skipped, info.json) and stale suppressions themselves.
const NOT_SUPPRESSIBLE: &[&str] = &["FL001", "FL002", "FL003", "FL004", "FL005"];

/// What was added: comments, files, and files left alone (with why).
#[derive(Debug, Default)]
pub struct Added {
    pub comments: usize,
    pub files: Vec<(FileId, String)>,
    pub refused: Vec<(FileId, String)>,
}

/// The new text of every file that gets comments. `skip` are files never rewritten (not
/// UTF-8, inside a zip, standard input).
pub fn add(report: &Report, skip: &BTreeSet<FileId>) -> Added {
    let mut lines: BTreeMap<FileId, BTreeMap<usize, BTreeSet<&'static str>>> = BTreeMap::new();
    let broken: BTreeSet<FileId> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "FL001")
        .map(|d| d.file)
        .collect();
    for d in &report.diagnostics {
        if NOT_SUPPRESSIBLE.contains(&d.code) || skip.contains(&d.file) || broken.contains(&d.file)
        {
            continue;
        }
        let line = report.sources.get(d.file).line_col(d.span.start).line;
        lines
            .entry(d.file)
            .or_default()
            .entry(line)
            .or_default()
            .insert(d.code);
    }
    let mut added = Added::default();
    for (file, by_line) in lines {
        let source = report.sources.get(file);
        match with_comments(source, &by_line) {
            Ok(text) => {
                added.comments += by_line.len();
                added.files.push((file, text));
            }
            Err(why) => added.refused.push((file, why)),
        }
    }
    added
}

/// The file's text with a suppression above each line in `by_line` (merged into one already
/// there), checked to still parse with exactly the comments added.
fn with_comments(
    source: &SourceFile,
    by_line: &BTreeMap<usize, BTreeSet<&'static str>>,
) -> Result<String, String> {
    let text = &source.text;
    let comments = crate::syntax::comments(text);
    let existing = crate::suppress::parse(source, &comments);
    // (offset, removed length, inserted text), applied from the end.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut inserted = 0;
    for (&line, codes) in by_line {
        let covering = existing
            .iter()
            .find(|s| s.own_line && s.line == Some(line) && !s.codes.is_empty());
        match covering {
            Some(suppression) => {
                let mut list: Vec<String> = suppression
                    .codes
                    .iter()
                    .map(|c| c.written.clone())
                    .collect();
                list.extend(codes.iter().map(|c| c.to_string()));
                edits.push((
                    suppression.list.start,
                    suppression.list.end - suppression.list.start,
                    format!(" {}", list.join(", ")),
                ));
            }
            None => {
                let mut start = source.line_starts()[line - 1];
                if start == 0 && text.starts_with('\u{feff}') {
                    start = '\u{feff}'.len_utf8();
                }
                let indent: String = source
                    .line_text(line)
                    .trim_start_matches('\u{feff}')
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                let codes: Vec<&str> = codes.iter().copied().collect();
                let line_end = source
                    .line_starts()
                    .get(line)
                    .copied()
                    .unwrap_or(text.len());
                let newline = if text[..line_end].ends_with("\r\n") {
                    "\r\n"
                } else {
                    "\n"
                };
                edits.push((
                    start,
                    0,
                    format!(
                        "{indent}-- factolint: ignore {} -- {REASON_PLACEHOLDER}{newline}",
                        codes.join(", ")
                    ),
                ));
                inserted += 1;
            }
        }
    }
    edits.sort_by_key(|(offset, ..)| std::cmp::Reverse(*offset));
    let mut new_text = text.clone();
    for (offset, removed, insert) in edits {
        new_text.replace_range(offset..offset + removed, &insert);
    }
    // A line that starts inside a long string or comment would swallow the new comment.
    let parsed_before = crate::syntax::parse(text).is_ok();
    if crate::syntax::comments(&new_text).len() != comments.len() + inserted
        || (parsed_before && crate::syntax::parse(&new_text).is_err())
    {
        return Err(
            "a finding's line starts inside a long string or comment; add its suppression by hand"
                .into(),
        );
    }
    Ok(new_text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(text: &str, lines: &[(usize, &'static str)]) -> Result<String, String> {
        let source = SourceFile::new("/m/c.lua".into(), "c.lua".into(), text.into());
        let mut by_line: BTreeMap<usize, BTreeSet<&'static str>> = BTreeMap::new();
        for (line, code) in lines {
            by_line.entry(*line).or_default().insert(code);
        }
        with_comments(&source, &by_line)
    }

    #[test]
    fn comments_go_above_with_the_line_indentation() {
        assert_eq!(
            added("if x then\n  global.a = 1\nend\n", &[(2, "FL501"), (2, "FL301")]).unwrap(),
            "if x then\n  -- factolint: ignore FL301, FL501 -- TODO: say why this is safe\n  global.a = 1\nend\n"
        );
    }

    #[test]
    fn an_existing_suppression_above_is_extended() {
        assert_eq!(
            added(
                "-- factolint: ignore FL202 -- kept\nglobal.a = 1\n",
                &[(2, "FL501")]
            )
            .unwrap(),
            "-- factolint: ignore FL202, FL501 -- kept\nglobal.a = 1\n"
        );
    }

    #[test]
    fn a_line_inside_a_long_string_is_refused() {
        assert!(added("local s = [[\nx]] .. global.a\n", &[(2, "FL501")]).is_err());
    }
}
