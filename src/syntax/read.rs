//! Reading one file for analysis: one pass of the scanner finds what every pre-parse check
//! needs (nesting depth, large tables of numbers, comments, the white space full_moon need not
//! read), then the file is refused as too deep, checked as literal data, or parsed.

use super::cut::Trivia;
use super::guard::{guard_backticks, nesting, Nesting, NestingCounter};
use super::lexer::{comment, comments, must_stay_apart, Kind, Lexeme, Scanner};
use super::literal_data::{is_literal_data_file, ElidedTables, LiteralTables, LITERAL_MIN_BYTES};
use super::parse::parse_scanned;
use super::rewrite::{prepare, rewrites_first_line};
use super::{Comment, ParseError, Parsed};
use std::borrow::Cow;

/// What reading a file gave.
pub enum FileSyntax {
    // Boxed: the tree's root is far larger than the other variants.
    Parsed(Box<Parsed>),
    /// Literal data ([`super::is_literal_data_file`]): valid, not parsed; its comments.
    LiteralData(Vec<Comment>),
    /// Nested deeper than the limit: not parsed.
    TooDeep(Nesting),
    Errors(Vec<ParseError>),
}

/// Reads one file: the nesting limit first, then literal data, then the parse. Callers run
/// this on a thread with a large stack (see [`super::parse`]).
pub fn read_file(text: &str, max_nesting: usize) -> FileSyntax {
    let too_deep = |nesting: Nesting| nesting.depth > max_nesting;
    if is_literal_data_file(text) {
        let nesting = nesting(text, max_nesting);
        return if too_deep(nesting) {
            FileSyntax::TooDeep(nesting)
        } else {
            FileSyntax::LiteralData(comments(text))
        };
    }
    let guarded = match guard_backticks(text) {
        Ok(guarded) => guarded,
        Err(error) => {
            let nesting = nesting(text, max_nesting);
            return if too_deep(nesting) {
                FileSyntax::TooDeep(nesting)
            } else {
                FileSyntax::Errors(vec![error])
            };
        }
    };
    let (prepared, scan) = scan(text, &guarded, max_nesting, true);
    if too_deep(scan.nesting) {
        return FileSyntax::TooDeep(scan.nesting);
    }
    match parse_scanned(text, &prepared, scan) {
        Ok(parsed) => FileSyntax::Parsed(Box::new(parsed)),
        Err(errors) => FileSyntax::Errors(errors),
    }
}

/// What one pass of the scanner found in the text full_moon will read.
pub(super) struct Scan {
    pub(super) nesting: Nesting,
    /// Large tables of literals, to blank before parsing (see [`super::literal_data`]).
    pub(super) tables: ElidedTables,
    /// Every comment, its text as the file has it.
    pub(super) comments: Vec<Comment>,
    /// What full_moon need not read (see `cut`), in order: each run of white space and
    /// comments between two tokens of code or before the first or after the last. In a file
    /// with a vertical tab or form feed, only the comments: white space to Lua, not to
    /// full_moon, which must go on rejecting them.
    pub(super) trivia: Vec<Trivia>,
}

/// The run of white space and comments between two tokens of code (`None`: the file's start
/// or end), if there is one.
fn run_between(bytes: &[u8], before: Option<&Lexeme>, after: Option<&Lexeme>) -> Option<Trivia> {
    let start = before.map_or(0, |t| t.end);
    let end = after.map_or(bytes.len(), |t| t.start);
    let apart = match (before, after) {
        (Some(before), Some(after)) => must_stay_apart(bytes, before, after),
        _ => false,
    };
    (end > start).then_some(Trivia { start, end, apart })
}

/// Scans `prepared` (the file with its backticks guarded and its first line prepared, no
/// byte moved: see `rewrite::prepare`) once. `original` is the file as written: comments take
/// their text from it (the guard may have replaced backticks in them). With `elide`, large
/// tables of literals are looked for (in files large enough to hold one).
pub(super) fn scan_prepared(original: &str, prepared: &str, limit: usize, elide: bool) -> Scan {
    let bytes = prepared.as_bytes();
    let mut nesting = NestingCounter::new(limit);
    let mut tables = (elide && prepared.len() >= LITERAL_MIN_BYTES).then(LiteralTables::default);
    let mut found = Vec::new();
    let mut trivia = Vec::new();
    let runs = memchr::memchr2(0x0B, 0x0C, bytes).is_none();
    let mut last_code: Option<Lexeme> = None;
    for token in Scanner::new(prepared) {
        let here = &bytes[token.start..token.end];
        if token.kind != Kind::Comment {
            if runs {
                trivia.extend(run_between(bytes, last_code.as_ref(), Some(&token)));
            }
            last_code = Some(token);
        } else if !runs {
            trivia.push(Trivia {
                start: token.start,
                end: token.end,
                apart: true,
            });
        }
        nesting.token(&token, here);
        if let Some(tables) = &mut tables {
            tables.token(&token, here);
        }
        if token.kind == Kind::Comment {
            // A rewritten first line (`#!...` became dashes) is only in the prepared text.
            let source = if original.as_bytes().get(token.start..token.start + 2) == Some(b"--") {
                original
            } else {
                prepared
            };
            found.push(comment(source, &token));
        }
    }
    if runs {
        trivia.extend(run_between(bytes, last_code.as_ref(), None));
    }
    Scan {
        nesting: nesting.finish(),
        tables: tables.map(LiteralTables::finish).unwrap_or_default(),
        comments: found,
        trivia,
    }
}

/// `guarded` prepared for full_moon, and [`scan_prepared`] of it, with the nesting measured
/// on the file as written (a `#` first line counts as the code it is, not as the comment
/// full_moon is given).
pub(super) fn scan<'g>(
    original: &str,
    guarded: &'g str,
    limit: usize,
    elide: bool,
) -> (Cow<'g, str>, Scan) {
    let prepared = prepare(guarded);
    let mut scan = scan_prepared(original, &prepared, limit, elide);
    if rewrites_first_line(guarded) {
        scan.nesting = nesting(guarded, limit);
    }
    (prepared, scan)
}
