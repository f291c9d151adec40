//! Parsing one file with full_moon (Lua 5.2, as Factorio runs it): the entry point, the retry
//! with rewritten text for valid Lua that full_moon rejects, panic isolation, error conversion
//! and comment collection.

use super::guard::guard_backticks;
use super::literal_data::elide_numeric_tables;
use super::rewrite::{prepare, rewrite_for_full_moon};
use super::{Comment, ParseError, Parsed};
use crate::source::Span;
use full_moon::ast::Ast;
use full_moon::tokenizer::{Token, TokenType};
use full_moon::visitors::Visitor;
use full_moon::LuaVersion;

/// Parses one file. Callers run this on a thread with a large stack (see `engine`), since
/// full_moon's parser and our walkers recurse once per nesting level.
pub fn parse(text: &str) -> Result<Parsed, Vec<ParseError>> {
    let guarded = guard_backticks(text).map_err(|e| vec![e])?;
    match parse_prepared(&guarded) {
        Ok(mut parsed) => {
            if matches!(guarded, std::borrow::Cow::Owned(_)) {
                // Give comments back the backticks the guard replaced.
                for comment in &mut parsed.comments {
                    let within = &guarded[comment.span.range()];
                    if let Some(at) = within.find(comment.text.as_str()) {
                        let start = comment.span.start + at;
                        comment.text = text[start..start + comment.text.len()].to_string();
                    }
                }
            }
            Ok(parsed)
        }
        Err(mut errors) => {
            // Name the character the file has, not the `$` that replaced it.
            for error in &mut errors {
                if text.as_bytes().get(error.span.start) == Some(&b'`') {
                    error.message = error.message.replace("'$'", "'`'");
                }
            }
            Err(errors)
        }
    }
}

/// [`parse`] without blanking numeric tables, for the fuzzer to compare against: both must
/// accept and reject the same files.
#[doc(hidden)]
pub fn parse_without_elision(text: &str) -> Result<Parsed, Vec<ParseError>> {
    let guarded = guard_backticks(text).map_err(|e| vec![e])?;
    parse_prepared_with(&guarded, false)
}

pub(super) fn parse_prepared(text: &str) -> Result<Parsed, Vec<ParseError>> {
    parse_prepared_with(text, true)
}

pub(super) fn parse_prepared_with(text: &str, elide: bool) -> Result<Parsed, Vec<ParseError>> {
    let prepared = prepare(text);
    let prepared = match elide.then(|| elide_numeric_tables(&prepared)).flatten() {
        Some(elided) => std::borrow::Cow::Owned(elided),
        None => prepared,
    };
    let first = parse_guarded(&prepared)?;
    if first.errors().is_empty() {
        return Ok(finish(first.into_ast()));
    }
    let first_errors: Vec<ParseError> = first
        .errors()
        .iter()
        .map(|e| convert_error(text, e))
        .collect();
    drop(first);
    // Second attempt, only for files full_moon rejected: rewrite the valid Lua 5.2 it cannot read.
    let Some((rewritten, edits)) = rewrite_for_full_moon(&prepared) else {
        return Err(first_errors);
    };
    let second = parse_guarded(&rewritten)?;
    if second.errors().is_empty() {
        return Ok(finish(second.into_ast()));
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

pub(super) fn finish(ast: Ast) -> Parsed {
    let mut collector = CommentCollector::default();
    collector.visit_ast(&ast);
    Parsed {
        ast,
        comments: collector.comments,
    }
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

#[derive(Default)]
pub(super) struct CommentCollector {
    comments: Vec<Comment>,
}

impl Visitor for CommentCollector {
    fn visit_single_line_comment(&mut self, token: &Token) {
        self.push(token);
    }
    fn visit_multi_line_comment(&mut self, token: &Token) {
        self.push(token);
    }
}

impl CommentCollector {
    fn push(&mut self, token: &Token) {
        let text = match token.token_type() {
            TokenType::SingleLineComment { comment } => comment.to_string(),
            TokenType::MultiLineComment { comment, .. } => comment.to_string(),
            _ => return,
        };
        let span = Span::new(token.start_position().bytes(), token.end_position().bytes());
        self.comments.push(Comment { span, text });
    }
}
