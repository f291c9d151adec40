//! Parsing with full_moon (Lua 5.2, as Factorio runs it), comments, and input guards.

use crate::source::Span;
use full_moon::ast::span::ContainedSpan;
use full_moon::ast::{self, Ast};
use full_moon::node::Node;
use full_moon::tokenizer::{Token, TokenReference, TokenType};
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

fn parse_prepared(text: &str) -> Result<Parsed, Vec<ParseError>> {
    parse_prepared_with(text, true)
}

fn parse_prepared_with(text: &str, elide: bool) -> Result<Parsed, Vec<ParseError>> {
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
fn parse_guarded(text: &str) -> Result<full_moon::ast::AstResult, Vec<ParseError>> {
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

/// full_moon 3.0 panics on a backtick it reads as code (it only knows backtick strings in
/// other dialects). A backtick our scanner sees in code is reported here. When the file is
/// broken in a way that could make full_moon disagree with our scanner about where strings
/// and comments end, every backtick becomes `$` (also invalid, same length): only the file's
/// errors are wanted then, and full_moon reports them without panicking.
fn guard_backticks(text: &str) -> Result<std::borrow::Cow<'_, str>, ParseError> {
    if !text.contains('`') {
        return Ok(text.into());
    }
    let bytes = text.as_bytes();
    let mut broken = false;
    let mut in_comments = Vec::new();
    for t in Scanner::new(text) {
        let here = &bytes[t.start..t.end];
        match t.kind {
            Kind::Symbol if here == b"`" => {
                return Err(ParseError {
                    span: Span::new(t.start, t.end),
                    context: None,
                    message: "unexpected character '`'".into(),
                })
            }
            Kind::Symbol => broken |= !is_lua_symbol(here),
            Kind::Invalid => broken = true,
            Kind::Number => broken |= !is_lua_number(here),
            Kind::String => broken |= !t.closed,
            Kind::Comment => {
                broken |= !t.closed;
                in_comments.extend(
                    here.iter()
                        .enumerate()
                        .filter(|(_, &b)| b == b'`')
                        .map(|(i, _)| t.start + i),
                );
            }
            Kind::Name => {}
        }
    }
    if broken {
        return Ok(text.replace('`', "$").into());
    }
    if in_comments.is_empty() {
        return Ok(text.into());
    }
    // Comments mean nothing to the code: no reason to trust full_moon with their backticks.
    let mut out = text.as_bytes().to_vec();
    for i in in_comments {
        out[i] = b'$';
    }
    Ok(String::from_utf8(out).expect("ASCII for ASCII").into())
}

/// Whether Lua 5.2 converts this numeral: `3`, `3.`, `.5`, `1e-3`, `0xA.8p1`. full_moon
/// reads a malformed one differently from Lua, so strings after it cannot be trusted.
fn is_lua_number(n: &[u8]) -> bool {
    type Digit = fn(&u8) -> bool;
    let (digits, exponent, n): (Digit, &[u8], &[u8]) = match n {
        [b'0', b'x' | b'X', rest @ ..] => (u8::is_ascii_hexdigit, b"pP", rest),
        _ => (u8::is_ascii_digit, b"eE", n),
    };
    let mantissa_end = n
        .iter()
        .position(|b| exponent.contains(b))
        .unwrap_or(n.len());
    let (mantissa, exp) = n.split_at(mantissa_end);
    let mut parts = mantissa.splitn(2, |&b| b == b'.');
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next().unwrap_or_default();
    let mantissa_ok = whole.iter().all(digits)
        && fraction.iter().all(digits)
        && !(whole.is_empty() && fraction.is_empty())
        && mantissa.iter().filter(|&&b| b == b'.').count() <= 1;
    let exp_ok = match exp {
        [] => true,
        [_, b'+' | b'-', rest @ ..] | [_, rest @ ..] => {
            !rest.is_empty() && rest.iter().all(u8::is_ascii_digit)
        }
    };
    mantissa_ok && exp_ok
}

fn is_lua_symbol(symbol: &[u8]) -> bool {
    matches!(
        symbol,
        b"+" | b"-"
            | b"*"
            | b"/"
            | b"%"
            | b"^"
            | b"#"
            | b"=="
            | b"~="
            | b"<="
            | b">="
            | b"<"
            | b">"
            | b"="
            | b"("
            | b")"
            | b"{"
            | b"}"
            | b"["
            | b"]"
            | b";"
            | b":"
            | b"::"
            | b","
            | b"."
            | b".."
            | b"..."
    )
}

fn finish(ast: Ast) -> Parsed {
    let mut collector = CommentCollector::default();
    collector.visit_ast(&ast);
    Parsed {
        ast,
        comments: collector.comments,
    }
}

/// Rewrites what Lua's loader skips before the code, keeping every byte offset unchanged.
fn prepare(text: &str) -> std::borrow::Cow<'_, str> {
    // Lua's loader skips a UTF-8 byte-order mark, then a first line starting with `#`.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let first_line_len = if text[bom..].starts_with('#') {
        text[bom..].find(['\n', '\r']).unwrap_or(text.len() - bom)
    } else {
        0
    };
    if bom == 0 && first_line_len == 0 {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(&"   "[..bom]);
    // A comment of dashes only (never `--[[`); a lone `#` becomes a space.
    let line = &text[bom..bom + first_line_len];
    out.extend(std::iter::repeat_n(
        if line.len() == 1 { ' ' } else { '-' },
        line.len(),
    ));
    out.push_str(&text[bom + first_line_len..]);
    out.into()
}

/// Tables this large holding only numbers (and tables of numbers) are blanked before parsing
/// (tiny under the fuzzer, so that its short inputs reach this path).
const ELIDE_MIN_BYTES: usize = if cfg!(fuzzing) { 16 } else { 16 * 1024 };

/// Blanks the inside of large tables of numbers (map and image data: `{3,898,33,1,…}` by the
/// megabyte), keeping line breaks so no offset moves. full_moon's tree costs a few hundred
/// bytes per token: a 2 MB preset took 860 MB. The tables are checked here to be valid Lua
/// first, and no rule looks inside a table of numbers; lowering sees an empty table.
fn elide_numeric_tables(text: &str) -> Option<String> {
    struct Open {
        start: usize,
        numeric: bool,
        expect_item: bool,
        after_minus: bool,
    }
    if text.len() < ELIDE_MIN_BYTES {
        return None;
    }
    let bytes = text.as_bytes();
    let mut open: Vec<Open> = Vec::new();
    let mut regions: Vec<(usize, usize)> = Vec::new();
    for t in Scanner::new(text) {
        let here = &bytes[t.start..t.end];
        if t.kind == Kind::Comment && t.closed {
            continue;
        }
        match (t.kind, here) {
            (Kind::Symbol, b"{") => {
                if let Some(parent) = open.last_mut() {
                    parent.numeric &= parent.expect_item && !parent.after_minus;
                }
                open.push(Open {
                    start: t.start,
                    numeric: true,
                    expect_item: true,
                    after_minus: false,
                });
                continue;
            }
            (Kind::Symbol, b"}") => {
                let Some(table) = open.pop() else { continue };
                let numeric = table.numeric && !table.after_minus;
                if numeric && t.end - table.start >= ELIDE_MIN_BYTES {
                    regions.push((table.start + 1, t.start));
                }
                if let Some(parent) = open.last_mut() {
                    parent.numeric &= numeric;
                    parent.expect_item = false;
                }
                continue;
            }
            _ => {}
        }
        let Some(table) = open.last_mut() else {
            continue;
        };
        let valid = match (t.kind, here) {
            (Kind::Number, n) if is_lua_number(n) && (table.expect_item || table.after_minus) => {
                table.expect_item = false;
                table.after_minus = false;
                true
            }
            (Kind::Symbol, b"-") if table.expect_item => {
                table.expect_item = false;
                table.after_minus = true;
                true
            }
            (Kind::Symbol, b"," | b";") if !table.expect_item && !table.after_minus => {
                table.expect_item = true;
                true
            }
            _ => false,
        };
        table.numeric &= valid;
    }
    if regions.is_empty() {
        return None;
    }
    let mut out = bytes.to_vec();
    for (start, end) in regions {
        for b in &mut out[start..end] {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
    }
    Some(String::from_utf8(out).expect("only whole characters were blanked"))
}

/// Rewrites, without moving any byte, the valid Lua 5.2 that full_moon 3.0 rejects:
/// - `break` followed by more statements or a label (`break ::continue::`): full_moon only
///   accepts it last in a block. It becomes the label `::_::`, which lowering ignores as it
///   ignores `break`.
/// - empty statements (`;;`, `do ; end`): full_moon accepts one `;` after a statement only.
///   The extra `;` becomes a space.
/// - form feed and vertical tab between tokens, which Lua treats as spaces.
///
/// Returns the new text and the rewritten spans, or `None` when nothing applies.
fn rewrite_for_full_moon(text: &str) -> Option<(String, Vec<Span>)> {
    let bytes = text.as_bytes();
    let mut edits: Vec<(Span, &'static str)> = Vec::new();
    let mut significant: Vec<Lexeme> = Vec::new();
    let mut gap_start = 0;
    for token in Scanner::new(text) {
        for (i, &b) in bytes[gap_start..token.start].iter().enumerate() {
            if b == 0x0B || b == 0x0C {
                edits.push((Span::new(gap_start + i, gap_start + i + 1), " "));
            }
        }
        gap_start = token.end;
        if token.kind != Kind::Comment {
            significant.push(token);
        }
    }
    for (i, &b) in bytes[gap_start..].iter().enumerate() {
        if b == 0x0B || b == 0x0C {
            edits.push((Span::new(gap_start + i, gap_start + i + 1), " "));
        }
    }

    let word = |t: Option<&Lexeme>| t.map_or(&b""[..], |t| &bytes[t.start..t.end]);
    let mut function_pending = false;
    let mut in_params = false;
    let mut params_closed_at = usize::MAX;
    for (i, token) in significant.iter().enumerate() {
        let here = &bytes[token.start..token.end];
        match here {
            b"function" => function_pending = true,
            b"(" if function_pending => {
                function_pending = false;
                in_params = true;
            }
            b")" if in_params => {
                in_params = false;
                params_closed_at = i;
            }
            b"break" if token.kind == Kind::Name => {
                let mut next = i + 1;
                if word(significant.get(next)) == b";" {
                    next += 1;
                }
                let closes_block = matches!(
                    word(significant.get(next)),
                    b"" | b"end" | b"until" | b"else" | b"elseif"
                );
                if !closes_block {
                    edits.push((Span::new(token.start, token.end), "::_::"));
                }
            }
            b";" => {
                let empty_statement = i == 0
                    || params_closed_at == i - 1
                    || matches!(
                        word(significant.get(i - 1)),
                        b";" | b"do" | b"then" | b"else" | b"repeat"
                    );
                if empty_statement {
                    edits.push((Span::new(token.start, token.end), " "));
                }
            }
            _ => {}
        }
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|(span, _)| span.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (span, replacement) in &edits {
        debug_assert_eq!(span.end - span.start, replacement.len());
        out.push_str(&text[at..span.start]);
        out.push_str(replacement);
        at = span.end;
    }
    out.push_str(&text[at..]);
    Some((out, edits.into_iter().map(|(span, _)| span).collect()))
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

/// The byte span of a syntax node, from its first token to its last, in time proportional to
/// the nesting depth.
///
/// full_moon 3's derived `Node::range` computes both ends of every child to find either end of
/// a node, which is exponential in the nesting depth (`a[b[c[d[e[f[g[h[1]]]]]]]]` took 14 s).
/// Its token stream is no shortcut for the end either: a bracket pair comes before what it
/// encloses. So the end is found by following the last child of each known node type.
pub trait NodeSpan: Node {
    /// The end of the last token, when this node type knows it cheaply.
    fn end(&self) -> Option<usize>;

    fn span(&self) -> Span {
        // The token stream does start with the first token in the source.
        let Some(first) = self.tokens().next() else {
            return Span::default();
        };
        let start = first.token().start_position().bytes();
        let end = self.end().unwrap_or_else(|| {
            // Any other node: the largest end of all its tokens (linear in its size).
            self.tokens().rev().map(token_end).max().unwrap_or(start)
        });
        Span::new(start, end)
    }
}

fn token_end(token: &TokenReference) -> usize {
    token.token().end_position().bytes()
}

fn closing(span: &ContainedSpan) -> Option<usize> {
    Some(token_end(span.tokens().1))
}

impl NodeSpan for ast::Expression {
    fn end(&self) -> Option<usize> {
        use ast::Expression::*;
        match self {
            BinaryOperator { rhs, .. } => rhs.end(),
            UnaryOperator { expression, .. } => expression.end(),
            Parentheses { contained, .. } => closing(contained),
            Function(function) => Some(token_end(function.body().end_token())),
            FunctionCall(call) => call.suffixes().last().and_then(NodeSpan::end),
            TableConstructor(table) => table.end(),
            Number(token) | String(token) | Symbol(token) => Some(token_end(token)),
            Var(var) => var.end(),
            _ => None,
        }
    }
}

impl NodeSpan for ast::Var {
    fn end(&self) -> Option<usize> {
        match self {
            ast::Var::Name(token) => Some(token_end(token)),
            ast::Var::Expression(var) => match var.suffixes().last() {
                Some(suffix) => suffix.end(),
                None => var.prefix().end(),
            },
            _ => None,
        }
    }
}

impl NodeSpan for ast::Prefix {
    fn end(&self) -> Option<usize> {
        match self {
            ast::Prefix::Name(token) => Some(token_end(token)),
            ast::Prefix::Expression(expression) => expression.end(),
            _ => None,
        }
    }
}

impl NodeSpan for ast::Suffix {
    fn end(&self) -> Option<usize> {
        match self {
            ast::Suffix::Index(ast::Index::Dot { name, .. }) => Some(token_end(name)),
            ast::Suffix::Index(ast::Index::Brackets { brackets, .. }) => closing(brackets),
            ast::Suffix::Call(ast::Call::AnonymousCall(args)) => args.end(),
            ast::Suffix::Call(ast::Call::MethodCall(method)) => method.args().end(),
            _ => None,
        }
    }
}

impl NodeSpan for ast::FunctionArgs {
    fn end(&self) -> Option<usize> {
        match self {
            ast::FunctionArgs::Parentheses { parentheses, .. } => closing(parentheses),
            ast::FunctionArgs::String(token) => Some(token_end(token)),
            ast::FunctionArgs::TableConstructor(table) => table.end(),
            _ => None,
        }
    }
}

impl NodeSpan for ast::TableConstructor {
    fn end(&self) -> Option<usize> {
        closing(self.braces())
    }
}

impl NodeSpan for ast::Field {
    fn end(&self) -> Option<usize> {
        match self {
            ast::Field::NameKey { value, .. } | ast::Field::ExpressionKey { value, .. } => {
                value.end()
            }
            ast::Field::NoKey(value) => value.end(),
            _ => None,
        }
    }
}

impl NodeSpan for ast::FunctionBody {
    fn end(&self) -> Option<usize> {
        Some(token_end(self.end_token()))
    }
}

impl NodeSpan for ast::FunctionName {
    fn end(&self) -> Option<usize> {
        let last = self.method_name().or_else(|| self.names().iter().last())?;
        Some(token_end(last))
    }
}

/// The deepest nesting the parser will recurse through, from a cheap scan that skips strings
/// and comments. Used to refuse input too deep to parse safely before full_moon recurses into it.
///
/// Counts brackets, blocks, and the operators of one expression: full_moon builds a chain
/// `a + b + c` or `- - - x` as one tree level per operator, and every later walk of that
/// tree recurses once per level. Counting every operator over-estimates some expressions
/// (never under-estimates), which is the safe side of the limit.
pub fn nesting_depth(text: &str) -> usize {
    nesting(text, usize::MAX).depth
}

/// How deep a file nests, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nesting {
    pub depth: usize,
    /// Where the depth first went over `limit` (or where the deepest point is, when it did not).
    pub offset: usize,
}

/// [`nesting_depth`], with the position of the first token past `limit`.
pub fn nesting(text: &str, limit: usize) -> Nesting {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Open {
        Paren,
        Brace,
        Bracket,
        Block,
        Repeat,
    }
    let bytes = text.as_bytes();
    // Each open level with the operator chain of the level around it.
    let mut levels: Vec<(Open, usize)> = Vec::new();
    let mut chain = 0usize;
    let mut outer_chains = 0usize;
    let mut after_operand = false;
    let mut max_depth = 0;
    let mut offset = 0;
    let open =
        |levels: &mut Vec<(Open, usize)>, chain: &mut usize, outer: &mut usize, kind: Open| {
            levels.push((kind, *chain));
            *outer += *chain;
            *chain = 0;
        };
    // A closer only closes its own kind of opener, so mismatched input never lowers the count.
    let close =
        |levels: &mut Vec<(Open, usize)>, chain: &mut usize, outer: &mut usize, kind: Open| {
            if levels.last().is_some_and(|(k, _)| *k == kind) {
                let (_, saved) = levels.pop().expect("checked");
                *outer -= saved;
                *chain = saved;
            }
        };
    for token in Scanner::new(text) {
        let here = &bytes[token.start..token.end];
        match token.kind {
            Kind::Comment | Kind::Invalid => continue,
            Kind::String => after_operand = true,
            Kind::Number => {
                if after_operand {
                    chain = 0;
                }
                after_operand = true;
            }
            Kind::Name => match here {
                b"function" => {
                    open(&mut levels, &mut chain, &mut outer_chains, Open::Block);
                    after_operand = false;
                }
                b"do" | b"if" | b"repeat" => {
                    chain = 0;
                    let kind = if here == b"repeat" {
                        Open::Repeat
                    } else {
                        Open::Block
                    };
                    open(&mut levels, &mut chain, &mut outer_chains, kind);
                    after_operand = false;
                }
                b"end" => {
                    close(&mut levels, &mut chain, &mut outer_chains, Open::Block);
                    after_operand = true;
                }
                b"until" => {
                    close(&mut levels, &mut chain, &mut outer_chains, Open::Repeat);
                    after_operand = false;
                }
                b"and" | b"or" | b"not" => {
                    chain += 1;
                    after_operand = false;
                }
                b"break" | b"else" | b"elseif" | b"for" | b"goto" | b"in" | b"local"
                | b"return" | b"then" | b"while" => {
                    chain = 0;
                    after_operand = false;
                }
                // A name right after an operand starts a new statement.
                _ => {
                    if after_operand {
                        chain = 0;
                    }
                    after_operand = true;
                }
            },
            Kind::Symbol => match here {
                b"(" | b"{" | b"[" => {
                    let kind = match here {
                        b"(" => Open::Paren,
                        b"{" => Open::Brace,
                        _ => Open::Bracket,
                    };
                    open(&mut levels, &mut chain, &mut outer_chains, kind);
                    after_operand = false;
                }
                b")" | b"}" | b"]" => {
                    let kind = match here {
                        b")" => Open::Paren,
                        b"}" => Open::Brace,
                        _ => Open::Bracket,
                    };
                    close(&mut levels, &mut chain, &mut outer_chains, kind);
                    after_operand = true;
                }
                b"," | b"=" | b";" | b"::" => {
                    chain = 0;
                    after_operand = false;
                }
                b"." | b":" => after_operand = false,
                b"..." => {
                    if after_operand {
                        chain = 0;
                    }
                    after_operand = true;
                }
                // Binary and unary operators.
                _ => {
                    chain += 1;
                    after_operand = false;
                }
            },
        }
        let depth = levels.len() + outer_chains + chain;
        if depth > max_depth {
            if max_depth <= limit {
                offset = token.start;
            }
            max_depth = depth;
        }
    }
    Nesting {
        depth: max_depth,
        offset,
    }
}

/// Whether the file is only `return` and a table of literals (numbers, strings, booleans,
/// nested tables, `name =` and `[literal] =` keys): generated data such as map presets and
/// lookup tables. Such a file is valid Lua when this says so, and holds nothing any rule looks
/// at, so the engine can skip full_moon's tree for it: for a 3 MB table of numbers that tree
/// takes over 1 GB. Iterative, so depth costs no stack.
pub fn is_literal_data(text: &str) -> bool {
    enum Next {
        Value,
        FieldOrClose,
        AfterValue,
    }
    let bytes = text.as_bytes();
    let mut tokens = Scanner::new(text)
        .filter(|t| t.kind != Kind::Comment || !t.closed)
        .peekable();
    let mut take = || {
        tokens
            .next()
            .map(|t| (t.kind, t.closed, &bytes[t.start..t.end]))
    };
    if !matches!(take(), Some((Kind::Name, _, b"return"))) {
        return false;
    }
    let mut depth = 0usize;
    let mut next = Next::Value;
    loop {
        next = match next {
            Next::Value => match take() {
                Some((Kind::Symbol, _, b"{")) => {
                    depth += 1;
                    Next::FieldOrClose
                }
                Some((Kind::Symbol, _, b"-")) => match take() {
                    Some((Kind::Number, _, n)) if is_lua_number(n) => Next::AfterValue,
                    _ => return false,
                },
                Some((Kind::Number, _, n)) if is_lua_number(n) => Next::AfterValue,
                Some((Kind::String, true, _))
                | Some((Kind::Name, _, b"true" | b"false" | b"nil")) => Next::AfterValue,
                _ => return false,
            },
            Next::AfterValue if depth == 0 => {
                let rest = match take() {
                    Some((Kind::Symbol, _, b";")) => take(),
                    other => other,
                };
                return rest.is_none();
            }
            Next::AfterValue => match take() {
                Some((Kind::Symbol, _, b"," | b";")) => Next::FieldOrClose,
                Some((Kind::Symbol, _, b"}")) => {
                    depth -= 1;
                    Next::AfterValue
                }
                _ => return false,
            },
            Next::FieldOrClose => match take() {
                Some((Kind::Symbol, _, b"}")) => {
                    depth -= 1;
                    Next::AfterValue
                }
                Some((Kind::Name, _, b"true" | b"false" | b"nil")) => Next::AfterValue,
                Some((Kind::Name, _, name)) => {
                    if is_keyword(name) || !matches!(take(), Some((Kind::Symbol, _, b"="))) {
                        return false;
                    }
                    Next::Value
                }
                Some((Kind::Symbol, _, b"[")) => {
                    let key_ok = match take() {
                        Some((Kind::Symbol, _, b"-")) => {
                            matches!(take(), Some((Kind::Number, _, n)) if is_lua_number(n))
                        }
                        Some((Kind::Number, _, n)) => is_lua_number(n),
                        Some((Kind::String, closed, _)) => closed,
                        Some((Kind::Name, _, b"true" | b"false")) => true,
                        _ => false,
                    };
                    if !key_ok
                        || !matches!(take(), Some((Kind::Symbol, _, b"]")))
                        || !matches!(take(), Some((Kind::Symbol, _, b"=")))
                    {
                        return false;
                    }
                    Next::Value
                }
                Some((Kind::Symbol, _, b"{")) => {
                    depth += 1;
                    Next::FieldOrClose
                }
                Some((Kind::Symbol, _, b"-")) => match take() {
                    Some((Kind::Number, _, n)) if is_lua_number(n) => Next::AfterValue,
                    _ => return false,
                },
                Some((Kind::Number, _, n)) if is_lua_number(n) => Next::AfterValue,
                Some((Kind::String, true, _)) => Next::AfterValue,
                _ => return false,
            },
        };
    }
}

fn is_keyword(word: &[u8]) -> bool {
    matches!(
        word,
        b"and"
            | b"break"
            | b"do"
            | b"else"
            | b"elseif"
            | b"end"
            | b"false"
            | b"for"
            | b"function"
            | b"goto"
            | b"if"
            | b"in"
            | b"local"
            | b"nil"
            | b"not"
            | b"or"
            | b"repeat"
            | b"return"
            | b"then"
            | b"true"
            | b"until"
            | b"while"
    )
}

/// The comments of a file, as the parse would collect them (for files not parsed).
pub fn comments(text: &str) -> Vec<Comment> {
    let bytes = text.as_bytes();
    Scanner::new(text)
        .filter(|t| t.kind == Kind::Comment)
        .map(|t| {
            let inner = match long_bracket_level(bytes, t.start + 2) {
                Some(level) if t.closed => (t.start + 2 + level + 2)..(t.end - level - 2),
                _ => (t.start + 2)..t.end,
            };
            Comment {
                span: Span::new(t.start, t.end),
                text: text[inner].to_string(),
            }
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Identifiers and keywords.
    Name,
    Number,
    /// Quoted and long strings.
    String,
    Comment,
    Symbol,
    /// A byte Lua does not accept outside strings and comments.
    Invalid,
}

#[derive(Clone, Copy, Debug)]
struct Lexeme {
    kind: Kind,
    start: usize,
    end: usize,
    /// False for a string or comment that runs to the end of its line or the file unclosed.
    closed: bool,
}

/// A Lua 5.2 lexer that only finds token boundaries. It never fails: unterminated strings and
/// comments end at the line end or the end of the file, as far as Lua would have read them.
struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner {
            bytes: text.as_bytes(),
            pos: 0,
        }
    }
}

impl Iterator for Scanner<'_> {
    type Item = Lexeme;

    fn next(&mut self) -> Option<Lexeme> {
        let bytes = self.bytes;
        while self.pos < bytes.len()
            && matches!(bytes[self.pos], b' ' | b'\t' | b'\r' | b'\n' | 0x0B | 0x0C)
        {
            self.pos += 1;
        }
        let start = self.pos;
        let c = *bytes.get(start)?;
        let next = bytes.get(start + 1).copied();
        let mut closed = true;
        let kind = match c {
            b'-' if next == Some(b'-') => {
                self.pos = match long_bracket_level(bytes, start + 2) {
                    Some(level) => {
                        let (end, ok) = skip_long_bracket(bytes, start + 2, level);
                        closed = ok;
                        end
                    }
                    None => bytes[start..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(bytes.len(), |n| start + n),
                };
                Kind::Comment
            }
            b'[' if long_bracket_level(bytes, start).is_some() => {
                let level = long_bracket_level(bytes, start).expect("checked");
                (self.pos, closed) = skip_long_bracket(bytes, start, level);
                Kind::String
            }
            b'\'' | b'"' => {
                (self.pos, closed) = skip_quoted(bytes, start);
                Kind::String
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                self.pos = start + 1;
                while self.pos < bytes.len()
                    && (bytes[self.pos].is_ascii_alphanumeric() || bytes[self.pos] == b'_')
                {
                    self.pos += 1;
                }
                Kind::Name
            }
            c if c.is_ascii_digit() || (c == b'.' && next.is_some_and(|n| n.is_ascii_digit())) => {
                self.pos = skip_number(bytes, start);
                Kind::Number
            }
            b'.' => {
                self.pos = start
                    + 1
                    + bytes[start + 1..]
                        .iter()
                        .take(2)
                        .take_while(|&&b| b == b'.')
                        .count();
                Kind::Symbol
            }
            b'=' | b'~' | b'<' | b'>' if next == Some(b'=') => {
                self.pos = start + 2;
                Kind::Symbol
            }
            b':' if next == Some(b':') => {
                self.pos = start + 2;
                Kind::Symbol
            }
            c if c.is_ascii_punctuation() => {
                self.pos = start + 1;
                Kind::Symbol
            }
            _ => {
                // One whole character, so token boundaries stay on character boundaries.
                self.pos = start + 1;
                while self.pos < bytes.len() && bytes[self.pos] & 0xC0 == 0x80 {
                    self.pos += 1;
                }
                Kind::Invalid
            }
        };
        Some(Lexeme {
            kind,
            start,
            end: self.pos,
            closed,
        })
    }
}

/// The end of a quoted string starting at `start`, or where Lua stops reading an unfinished one.
fn skip_quoted(bytes: &[u8], start: usize) -> (usize, bool) {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b if b == quote => return (i + 1, true),
            b'\n' | b'\r' => return (i, false),
            b'\\' => {
                i += 1;
                match bytes.get(i) {
                    // `\z` skips the following white space, line breaks included.
                    Some(b'z') => {
                        i += 1;
                        while bytes.get(i).is_some_and(|&b| {
                            matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
                        }) {
                            i += 1;
                        }
                    }
                    // An escaped line break, `\r\n` and `\n\r` counting as one.
                    Some(&b @ (b'\n' | b'\r')) => {
                        i += 1;
                        if bytes
                            .get(i)
                            .is_some_and(|&n| (n == b'\n' || n == b'\r') && n != b)
                        {
                            i += 1;
                        }
                    }
                    Some(_) => i += 1,
                    None => {}
                }
            }
            _ => i += 1,
        }
    }
    (bytes.len(), false)
}

/// Lua's numeral rule: digits, letters and dots, with a sign allowed right after an exponent
/// marker (`e` in decimal, `p` in hexadecimal).
fn skip_number(bytes: &[u8], start: usize) -> usize {
    let hex = bytes[start] == b'0' && matches!(bytes.get(start + 1), Some(b'x' | b'X'));
    let exponent: &[u8] = if hex { b"Pp" } else { b"Ee" };
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        if exponent.contains(&b) && matches!(bytes.get(i + 1), Some(b'+' | b'-')) {
            i += 2;
        } else if b.is_ascii_alphanumeric() || b == b'.' {
            i += 1;
        } else {
            break;
        }
    }
    i
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

/// The end of the long bracket opened at `i`, and whether it is closed.
fn skip_long_bracket(bytes: &[u8], i: usize, level: usize) -> (usize, bool) {
    let mut j = i + level + 2;
    while j < bytes.len() {
        if bytes[j] == b']' {
            let mut k = j + 1;
            while k < bytes.len() && bytes[k] == b'=' {
                k += 1;
            }
            if k - j - 1 == level && bytes.get(k) == Some(&b']') {
                return (k + 1, true);
            }
        }
        j += 1;
    }
    (bytes.len(), false)
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

    #[test]
    fn nesting_depth_counts_operator_chains() {
        assert_eq!(nesting_depth(&format!("x = {}1", "- ".repeat(500))), 500);
        assert_eq!(nesting_depth(&format!("x = {}1", "not ".repeat(500))), 500);
        assert_eq!(
            nesting_depth(&format!("x = 'a'{}", " .. 'a'".repeat(500))),
            500
        );
        assert_eq!(nesting_depth(&format!("x = 1{}", " + 1".repeat(500))), 500);
        // Each statement starts a new chain; so do argument lists and table fields.
        assert_eq!(nesting_depth(&"x = a + b\ny = c + d\n".repeat(100)), 1);
        assert_eq!(nesting_depth("f(a + b, c + d)"), 2);
        assert_eq!(nesting_depth("if a and b then return c or d end"), 2);
        // `a.b` and `t[1]` are not operators; `-` after an operand is binary.
        assert_eq!(nesting_depth("x = a.b - t[1]"), 2);
    }

    #[test]
    fn nesting_depth_never_lets_mismatched_closers_lower_the_count() {
        let text = "( ] ".repeat(1000);
        assert_eq!(nesting_depth(&text), 1000);
        assert_eq!(
            nesting_depth(&format!("{}{}", "end ".repeat(50), "do ".repeat(10))),
            10
        );
    }

    #[test]
    fn scanner_skips_strings_escapes_and_long_brackets() {
        let kinds = |text: &str| -> Vec<(Kind, String)> {
            Scanner::new(text)
                .map(|t| (t.kind, text[t.start..t.end].to_string()))
                .collect()
        };
        assert_eq!(
            kinds("s = 'a\\'b' .. \"x\\z \n  y\""),
            vec![
                (Kind::Name, "s".into()),
                (Kind::Symbol, "=".into()),
                (Kind::String, "'a\\'b'".into()),
                (Kind::Symbol, "..".into()),
                (Kind::String, "\"x\\z \n  y\"".into()),
            ]
        );
        assert_eq!(
            kinds("--[==[ ]] ]==]x"),
            vec![
                (Kind::Comment, "--[==[ ]] ]==]".into()),
                (Kind::Name, "x".into())
            ]
        );
        assert_eq!(
            kinds("0x1p-4+1e+5 ..."),
            vec![
                (Kind::Number, "0x1p-4".into()),
                (Kind::Symbol, "+".into()),
                (Kind::Number, "1e+5".into()),
                (Kind::Symbol, "...".into()),
            ]
        );
        assert_eq!(
            kinds("a ::l:: é"),
            vec![
                (Kind::Name, "a".into()),
                (Kind::Symbol, "::".into()),
                (Kind::Name, "l".into()),
                (Kind::Symbol, "::".into()),
                (Kind::Invalid, "é".into()),
            ]
        );
    }

    fn rewritten(text: &str) -> Option<String> {
        rewrite_for_full_moon(text).map(|(t, _)| t)
    }

    #[test]
    fn rewrites_keep_every_offset() {
        let text = "for i = 1, 2 do\n  break ::continue:: ; ;\nend\x0c";
        let (new, spans) = rewrite_for_full_moon(text).expect("rewrites");
        assert_eq!(new.len(), text.len());
        assert_eq!(new, "for i = 1, 2 do\n  ::_:: ::continue:: ;  \nend ");
        assert_eq!(spans.len(), 3);
    }

    #[test]
    fn break_is_rewritten_only_where_full_moon_rejects_it() {
        assert_eq!(rewritten("while x do break end"), None);
        assert_eq!(rewritten("repeat break; until x"), None);
        assert_eq!(rewritten("if a then break else break end"), None);
        assert_eq!(
            rewritten("while x do break; f() end").as_deref(),
            Some("while x do ::_::; f() end")
        );
        // Not inside strings or comments, and not a name that merely starts with `break`.
        assert_eq!(rewritten("x = 'break' -- break f()\nbreaker = 1"), None);
        assert_eq!(
            rewritten("s = [[break f()]] ;;").as_deref(),
            Some("s = [[break f()]] ; ")
        );
    }

    #[test]
    fn empty_statements_are_rewritten() {
        assert_eq!(rewritten(";x = 1").as_deref(), Some(" x = 1"));
        assert_eq!(
            rewritten("function f(a, b); end").as_deref(),
            Some("function f(a, b)  end")
        );
        assert_eq!(rewritten("f(a); g()"), None);
        assert_eq!(rewritten("local t = {1; 2;}"), None);
    }

    #[test]
    fn parses_lua52_that_full_moon_rejects() {
        for text in [
            "while true do break ::l:: end",
            "for i = 1, 3 do if i then goto continue end f() break ::continue:: end",
            "while x do break; f() end",
            "repeat break return until x",
            "local x = 1;; ; do ; end",
            "local function f() ; end",
            "x = 1\x0cy = 2\x0bz = 3",
            "#!/usr/bin/env lua\nreturn 1",
            "# any first line\nreturn 1",
            "#",
            "\u{feff}#!/usr/bin/lua\r\nreturn 1",
            "local s = \"a\\z\n   b\\x41\\65\\\n\"",
        ] {
            assert!(parse(text).is_ok(), "{text:?}: {:?}", parse(text).err());
        }
    }

    #[test]
    fn backtick_in_code_is_an_error_not_a_panic() {
        let errors = parse("local s = '`' -- `\nx = `y`")
            .err()
            .expect("must fail");
        let at = "local s = '`' -- `\nx = ".len();
        assert_eq!(errors[0].span, Span::new(at, at + 1));
        assert!(parse("local s = '`' -- `\n--[[ ` ]] return [[`]]").is_ok());
    }

    #[test]
    fn backticks_in_broken_files_never_reach_full_moon() {
        // Found by fuzzing: full_moon and our scanner disagreed about where a string ended in
        // a file with other errors, and full_moon panicked on the backtick it then saw as code.
        for text in [
            "x = ?(f-- `b`",
            "local s = \"a\\u-- `b` \nx = 1",
            "x = [==[ ` ]]",
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
        // A malformed number: full_moon skipped more than Lua would have.
        assert!(parse("go 5.2.nilript.on_e-- `break`").is_err());
        let parsed = parse("-- `quoted` in a comment\nreturn 1").expect("parses");
        assert_eq!(parsed.comments[0].text, " `quoted` in a comment");
        let errors = parse("x = ? `").err().expect("must fail");
        assert!(
            errors.iter().all(|e| !e.message.contains('$')),
            "{errors:?}"
        );
    }

    #[test]
    fn literal_data_files() {
        for text in [
            "return {}",
            "return { 1, 2, -3, 0x1F, 1e5; 'a', \"b\", [[c]], true, false, nil, }",
            "-- generated\nreturn {\n  height = 3, data = { {1,2}, {3,4} },\n  [1] = 'x', ['k'] = { [-2] = 1 }, [true] = 1,\n} --[[ end ]];",
            "return 5",
        ] {
            assert!(is_literal_data(text), "{text:?}");
            assert!(parse(text).is_ok(), "{text:?}");
        }
        for text in [
            "",
            "return",
            "return {",
            "return { } }",
            "return { 1 2 }",
            "return { a }",
            "return { a = b }",
            "return { f() }",
            "return { function() end }",
            "return { end = 1 }",
            "return { [x] = 1 }",
            "return { 1 } x = 1",
            "return { 5.2.1 }",
            "return { 'unclosed }",
            "return { --[[ unclosed }",
            "local t = {}",
            "return {1} ;;",
        ] {
            assert!(!is_literal_data(text), "{text:?}");
        }
        let deep = format!("return {}{}", "{".repeat(100_000), "}".repeat(100_000));
        assert!(is_literal_data(&deep));
    }

    #[test]
    fn comments_without_parsing_match_the_parse() {
        let text = "-- one\r\nreturn { --[==[ two ]] ]==] 1, --[[three]]\n 2 } -- four";
        let scanned = comments(text);
        assert_eq!(scanned, parse(text).unwrap().comments);
        assert_eq!(scanned.len(), 4);
    }

    #[test]
    fn large_numeric_tables_are_blanked_in_place() {
        let row = "{3,898,-33,1.5,0x1F,},\n".repeat(2_000);
        let text = format!("local b = require 'builders'\nreturn b.decompress({{ height = 2, data = {{\n{row}}} }})\nx = = 1");
        let elided = elide_numeric_tables(&text).expect("elides");
        assert_eq!(elided.len(), text.len());
        assert_eq!(elided.lines().count(), text.lines().count());
        assert!(
            elided.contains("height = 2, data = {"),
            "keys outside the numbers stay"
        );
        assert!(!elided.contains("898"));
        // The error after the table is reported where it is.
        let errors = parse(&text).err().expect("must fail");
        assert_eq!(errors[0].span.start, text.rfind("x = = 1").unwrap() + 2);
        // Anything but numbers, or invalid Lua, is left alone.
        for bad in ["{1,,2},", "{1 2},", "{-},", "{x},", "{'s'},", "{1,-},"] {
            let text = format!("return {{ {}{} }}", row, bad);
            assert_eq!(elide_numeric_tables(&text), None, "{bad}");
        }
    }

    #[test]
    fn lua_numbers() {
        for n in [
            "3",
            "3.",
            ".5",
            "3.25",
            "1e5",
            "1E-3",
            "2.5e+10",
            "0x1F",
            "0xA.8p1",
            "0x.1P-4",
            "0xfffffffffffffffff",
        ] {
            assert!(is_lua_number(n.as_bytes()), "{n}");
        }
        for n in [
            "5.2.1", "1e", "1e+", "0x", "0xg", "3..2", "1x", "0x1e+5x", ".",
        ] {
            assert!(!is_lua_number(n.as_bytes()), "{n}");
        }
    }

    #[test]
    fn invalid_code_is_still_an_error_with_its_own_position() {
        // The rewrite fixes the `break`, and the real error after it is reported.
        let errors = parse("while x do break ::l:: end\nx = = 1")
            .err()
            .expect("must fail");
        assert!(
            errors[0].span.start > "while x do break ::l:: end".len(),
            "{errors:?}"
        );
        // An error at a rewritten token is reported from the original text.
        let errors = parse("local break = 1").err().expect("must fail");
        assert!(!errors[0].message.contains("::"), "{errors:?}");
        for text in [
            "x = 1 // 2",
            "local x <const> = 1",
            "goto = 1",
            "return;;",
            "x = \u{e9}",
        ] {
            if text == "return;;" {
                continue; // accepted: see rewrite_for_full_moon
            }
            assert!(parse(text).is_err(), "{text:?}");
        }
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

    fn value_spans(text: &str) -> Vec<(Span, Span)> {
        let parsed = parse(text).expect("parses");
        let mut out = Vec::new();
        for stmt in parsed.ast.nodes().stmts() {
            if let ast::Stmt::LocalAssignment(local) = stmt {
                for e in local.expressions().iter() {
                    let slow = e
                        .tokens()
                        .map(|t| Span::new(t.token().start_position().bytes(), token_end(t)));
                    let slow = slow.reduce(Span::cover).unwrap();
                    out.push((e.span(), slow));
                }
            }
        }
        out
    }

    #[test]
    fn node_spans_match_the_extremes_of_their_tokens() {
        let text = "local a = x[1], f(2)(3), t:m{4}, g'5', (6), -7 .. 8, {9}, function() end, a.b[c].d, nil\n\
                    local b = y[z[w[1]]], q[f(1)], ({})[1], #t[1]";
        let spans = value_spans(text);
        assert_eq!(spans.len(), 14);
        for (fast, slow) in spans {
            assert_eq!(
                fast,
                slow,
                "{:?} vs {:?}",
                &text[fast.range()],
                &text[slow.range()]
            );
        }
    }

    #[test]
    fn node_spans_of_deeply_nested_indexes() {
        // With full_moon's own ranges this would not finish (exponential in depth); speed is
        // measured by bench/, this checks the result.
        let text = format!("local x = {}1{}", "a[".repeat(60), "]".repeat(60));
        let spans = value_spans(&text);
        assert_eq!(spans[0].0, Span::new(10, text.len()));
    }
}
