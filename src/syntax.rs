//! Parsing with full_moon (Lua 5.2, as Factorio runs it), comments, and input guards.

use crate::source::Span;
use full_moon::ast::Ast;
use full_moon::tokenizer::{Token, TokenType};
use full_moon::visitors::Visitor;
use full_moon::LuaVersion;

/// A parse failure with the span it points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The token where the parser stopped (the end of the code, for an unexpected end of file).
    pub span: Span,
    /// The construct the parser was reading, when it names one (for a block without `end`, the
    /// block's last statement).
    pub context: Option<Span>,
    pub message: String,
}

/// A `--` comment: its span and its text after the dashes (long comments included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    pub text: String,
}

pub struct Parsed {
    pub ast: Ast,
    pub comments: Vec<Comment>,
}

/// Parses one file. Callers run this on a thread with a large stack (see `engine`), since
/// full_moon's parser and our walkers recurse once per nesting level.
pub fn parse(text: &str) -> Result<Parsed, Vec<ParseError>> {
    let prepared = prepare(text);
    let result = full_moon::parse_fallible(&prepared, LuaVersion::lua52());
    if !result.errors().is_empty() {
        return Err(result.errors().iter().map(|e| convert_error(text, e)).collect());
    }
    let ast = result.into_ast();
    let mut collector = CommentCollector::default();
    collector.visit_ast(&ast);
    Ok(Parsed { ast, comments: collector.comments })
}

/// Rewrites what full_moon cannot read but Lua 5.2 can, keeping every byte offset unchanged.
fn prepare(text: &str) -> std::borrow::Cow<'_, str> {
    // Lua's loader skips a UTF-8 byte-order mark; three spaces keep the offsets.
    if let Some(rest) = text.strip_prefix('\u{feff}') {
        return format!("   {rest}").into();
    }
    text.into()
}

fn convert_error(text: &str, error: &full_moon::Error) -> ParseError {
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
            ParseError { span, context, message: e.error_message().to_string() }
        }
        full_moon::Error::TokenizerError(e) => {
            ParseError { span: range, context: None, message: describe_tokenizer_error(e.error()) }
        }
    }
}

fn describe_tokenizer_error(error: &full_moon::tokenizer::TokenizerErrorType) -> String {
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
struct CommentCollector {
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

/// The deepest nesting of brackets and blocks, from a cheap scan that skips strings and
/// comments. Used to refuse input too deep to parse safely before full_moon recurses into it.
pub fn nesting_depth(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut depth: usize = 0;
    let mut max_depth = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i += 2;
                if let Some(level) = long_bracket_level(bytes, i) {
                    i = skip_long_bracket(bytes, i, level);
                } else {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                continue;
            }
            b'[' => {
                if let Some(level) = long_bracket_level(bytes, i) {
                    i = skip_long_bracket(bytes, i, level);
                    continue;
                }
                depth += 1;
            }
            b'\'' | b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'{' => depth += 1,
            b')' | b'}' | b']' => depth = depth.saturating_sub(1),
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                match &bytes[start..i] {
                    b"function" | b"do" | b"if" | b"repeat" => depth += 1,
                    b"end" | b"until" => depth = depth.saturating_sub(1),
                    _ => {}
                }
                max_depth = max_depth.max(depth);
                continue;
            }
            _ => {}
        }
        max_depth = max_depth.max(depth);
        i += 1;
    }
    max_depth
}

/// `[[`, `[==[`: the number of `=` signs, if a long bracket opens at `i`.
fn long_bracket_level(bytes: &[u8], i: usize) -> Option<usize> {
    if bytes.get(i) != Some(&b'[') {
        return None;
    }
    let mut j = i + 1;
    while bytes.get(j) == Some(&b'=') {
        j += 1;
    }
    (bytes.get(j) == Some(&b'[')).then_some(j - i - 1)
}

fn skip_long_bracket(bytes: &[u8], i: usize, level: usize) -> usize {
    let mut j = i + level + 2;
    while j < bytes.len() {
        if bytes[j] == b']' {
            let mut k = j + 1;
            while k < bytes.len() && bytes[k] == b'=' {
                k += 1;
            }
            if k - j - 1 == level && bytes.get(k) == Some(&b']') {
                return k + 1;
            }
        }
        j += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lua52_goto_and_labels() {
        assert!(parse("for i = 1, 3 do if i == 2 then goto continue end ::continue:: end").is_ok());
    }

    #[test]
    fn reports_errors_with_spans() {
        let errors = parse("local x = = 2").err().expect("must fail");
        assert!(errors[0].span.start >= 8, "{errors:?}");
    }

    #[test]
    fn an_unclosed_block_points_at_the_end_of_the_code() {
        let text = "local function f()\n  if x then\n    return 1\n  end\n\n";
        let errors = parse(text).err().expect("must fail");
        // Parsing stopped at the end of the file: after the last `end`, not on the `if`.
        let end = text.trim_end().len();
        assert_eq!(errors[0].span, Span::new(end, end), "{errors:?}");
        let context = errors[0].context.expect("the unclosed block");
        assert_eq!(&text[context.range()], "if x then\n    return 1\n  end");
    }

    #[test]
    fn an_unexpected_token_is_the_span() {
        let text = "local t = {\n  \"a\"\n  \"b\",\n}\n";
        let errors = parse(text).err().expect("must fail");
        assert_eq!(&text[errors[0].span.range()], "\"b\"");
        assert_eq!(errors[0].context, None);
    }

    #[test]
    fn byte_order_mark_is_skipped() {
        assert!(parse("\u{feff}local x = 1").is_ok());
    }

    #[test]
    fn collects_comments() {
        let parsed = parse("local x = 1 -- hello\n--[[ long ]] return x").unwrap();
        let texts: Vec<_> = parsed.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, vec![" hello", " long "]);
    }

    #[test]
    fn nesting_depth_ignores_strings_and_comments() {
        assert_eq!(nesting_depth("x = ((1))"), 2);
        assert_eq!(nesting_depth("x = '((((' -- ((((\n--[[ (((( ]] y = {1}"), 1);
        assert_eq!(nesting_depth("function f() if a then end end"), 2);
        let deep = format!("x = {}1{}", "(".repeat(3000), ")".repeat(3000));
        assert_eq!(nesting_depth(&deep), 3000);
    }
}
