//! Parsing one file with full_moon (Lua 5.2, as Factorio runs it): the entry point, the retry
//! with rewritten text for valid Lua that full_moon rejects, panic isolation and error
//! conversion. Comments come from the scan before parsing (see `read`).

use super::cut::{cut, Shifts, Trivia};
use super::guard::guard_backticks;
use super::literal_data::ElidedTables;
use super::read::{scan, Scan};
use super::rewrite::rewrite_for_full_moon;
use super::{ParseError, Parsed};
use crate::source::Span;
use full_moon::ast::Ast;
use full_moon::tokenizer::TokenType;
use full_moon::LuaVersion;

/// Parses one file (the checks of [`super::read_file`] aside). Callers run this on a thread
/// with a large stack (see `engine`), since full_moon's parser and our walkers recurse once
/// per nesting level.
pub fn parse(text: &str) -> Result<Parsed, Vec<ParseError>> {
    parse_with(text, true)
}

/// [`parse`] without blanking tables of literals, for the fuzzer to compare against: both must
/// accept and reject the same files.
#[doc(hidden)]
pub fn parse_without_elision(text: &str) -> Result<Parsed, Vec<ParseError>> {
    parse_with(text, false)
}

fn parse_with(text: &str, elide: bool) -> Result<Parsed, Vec<ParseError>> {
    let guarded = guard_backticks(text).map_err(|e| vec![e])?;
    let (prepared, scan) = scan(text, &guarded, usize::MAX, elide);
    parse_scanned(text, &prepared, scan)
}

/// Parses `prepared` (the file with its backticks guarded and first line prepared; see
/// [`scan`]) with what the scan found: large tables of literals, comments and white space are
/// cut out first (see [`parse_cut`]), and the comments are the scan's.
pub(super) fn parse_scanned(
    text: &str,
    prepared: &str,
    scan: Scan,
) -> Result<Parsed, Vec<ParseError>> {
    let Scan {
        comments,
        tables,
        trivia,
        ..
    } = scan;
    let parsed = parse_cut(text, prepared, &tables, &trivia);
    // full_moon never sees a comment inside an elided table of numbers. (Those in a table of
    // literals stay: the file's lowering is the same as if full_moon had read the table.)
    let comments = if tables.numeric.is_empty() {
        comments
    } else {
        comments
            .into_iter()
            .filter(|c| {
                !tables
                    .numeric
                    .iter()
                    .any(|&(start, end)| start <= c.span.start && c.span.end <= end)
            })
            .collect()
    };
    parsed
        .map(|(ast, shifts)| Parsed {
            ast,
            comments,
            tables,
            shifts,
        })
        .map_err(|mut errors| {
            // Name the character the file has, not the `$` that replaced it.
            for error in &mut errors {
                if text.as_bytes().get(error.span.start) == Some(&b'`') {
                    error.message = error.message.replace("'$'", "'`'");
                }
            }
            errors
        })
}

/// full_moon on `prepared` cut ([`cut`]), and where its offsets are in the file. A file
/// full_moon rejects is parsed again uncut, its tables blanked in place,
/// so that its errors are found and placed exactly as without the cut (a cut only takes out
/// what lies between two tokens: it cannot change whether the file parses).
fn parse_cut(
    text: &str,
    prepared: &str,
    tables: &ElidedTables,
    trivia: &[Trivia],
) -> Result<(Ast, Shifts), Vec<ParseError>> {
    if let Some((cut, shifts)) = cut(prepared, tables, trivia) {
        if let Ok(parsed) = parse_guarded(&cut) {
            if parsed.errors().is_empty() {
                return Ok((parsed.into_ast(), shifts));
            }
        }
    }
    let blanked = tables.blank(prepared);
    parse_prepared(text, blanked.as_deref().unwrap_or(prepared)).map(|ast| (ast, Shifts::default()))
}

/// full_moon on the prepared text, then, only for files it rejected, on the text rewritten
/// for the valid Lua 5.2 it cannot read. Errors point into `text` (the file as written).
fn parse_prepared(text: &str, prepared: &str) -> Result<Ast, Vec<ParseError>> {
    let first = parse_guarded(prepared)?;
    if first.errors().is_empty() {
        return Ok(first.into_ast());
    }
    let first_errors: Vec<ParseError> = first
        .errors()
        .iter()
        .map(|e| convert_error(text, e))
        .collect();
    drop(first);
    let Some((rewritten, edits)) = rewrite_for_full_moon(prepared) else {
        return Err(first_errors);
    };
    let second = parse_guarded(&rewritten)?;
    if second.errors().is_empty() {
        return Ok(second.into_ast());
    }
    let second_errors: Vec<ParseError> = second
        .errors()
        .iter()
        .map(|e| convert_error(text, e))
        .collect();
    // An error inside a rewritten token would quote text that is not in the file.
    let touches_edit = second_errors.first().is_some_and(|e| {
        edits
            .iter()
            .any(|s| e.span.start < s.end && s.start <= e.span.end)
    });
    Err(if touches_edit {
        first_errors
    } else {
        second_errors
    })
}

/// full_moon, with its panics turned into a parse error: a bug in the parser must cost one
/// file, not the run.
pub(super) fn parse_guarded(text: &str) -> Result<full_moon::ast::AstResult, Vec<ParseError>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        full_moon::parse_fallible(text, LuaVersion::lua52())
    }))
    .map_err(|_| {
        vec![ParseError {
            span: Span::new(0, 0),
            context: None,
            message: "the Lua parser failed on this file (an internal error; please report it)"
                .to_string(),
        }]
    })
}

pub(super) fn convert_error(text: &str, error: &full_moon::Error) -> ParseError {
    let (start, end) = error.range();
    let range = Span::new(start.bytes(), end.bytes());
    match error {
        full_moon::Error::AstError(e) => {
            let token = e.token();
            let span = if matches!(token.token_type(), TokenType::Eof) {
                // After the last token, not after trailing blank lines: where Lua says `near <eof>`.
                let end = text.trim_end().len();
                Span::new(end, end)
            } else {
                Span::new(token.start_position().bytes(), token.end_position().bytes())
            };
            // A ranged error covers what was being parsed, not where parsing stopped.
            let context = (range != span && range.end > range.start).then_some(range);
            ParseError {
                span,
                context,
                message: e.error_message().to_string(),
            }
        }
        full_moon::Error::TokenizerError(e) => ParseError {
            span: range,
            context: None,
            message: describe_tokenizer_error(e.error()),
        },
    }
}

pub(super) fn describe_tokenizer_error(error: &full_moon::tokenizer::TokenizerErrorType) -> String {
    use full_moon::tokenizer::TokenizerErrorType::*;
    match error {
        UnclosedComment => "unclosed comment".to_string(),
        UnclosedString => "unclosed string".to_string(),
        InvalidNumber => "invalid number".to_string(),
        UnexpectedToken(c) => format!("unexpected character {c:?}"),
        InvalidSymbol(s) => format!("invalid symbol {s:?}"),
    }
}
