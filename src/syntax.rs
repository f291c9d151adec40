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
    let prepared = prepare(text);
    let result = full_moon::parse_fallible(&prepared, LuaVersion::lua52());
    if !result.errors().is_empty() {
        return Err(result
            .errors()
            .iter()
            .map(|e| convert_error(text, e))
            .collect());
    }
    let ast = result.into_ast();
    let mut collector = CommentCollector::default();
    collector.visit_ast(&ast);
    Ok(Parsed {
        ast,
        comments: collector.comments,
    })
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

/// The deepest nesting of brackets, blocks and operators, from a cheap scan that skips strings
/// and comments. Used to refuse input too deep to parse safely before full_moon recurses into it.
///
/// Operators count too: full_moon parses `not not ... x` and `a .. b .. ...` recursively, and
/// lowering recurses once per operator of a chain such as `1 + 1 + ...`. So each level adds the
/// operators seen in it since the last `,`, `;`, `=` or statement keyword.
pub fn nesting_depth(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut depth: usize = 0;
    // Operators in the current level's expression, and the counts of the enclosing levels.
    let mut chain: usize = 0;
    let mut outer: Vec<usize> = Vec::new();
    let mut outer_sum: usize = 0;
    let mut max_depth = 0;
    let open =
        |depth: &mut usize, chain: &mut usize, outer: &mut Vec<usize>, outer_sum: &mut usize| {
            *depth += 1;
            outer.push(*chain);
            *outer_sum += *chain;
            *chain = 0;
        };
    let close =
        |depth: &mut usize, chain: &mut usize, outer: &mut Vec<usize>, outer_sum: &mut usize| {
            *depth = depth.saturating_sub(1);
            *chain = outer.pop().unwrap_or(0);
            *outer_sum -= *chain;
        };
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
                open(&mut depth, &mut chain, &mut outer, &mut outer_sum);
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
            b'(' | b'{' => open(&mut depth, &mut chain, &mut outer, &mut outer_sum),
            b')' | b'}' | b']' => close(&mut depth, &mut chain, &mut outer, &mut outer_sum),
            b',' | b';' => chain = 0,
            b'=' | b'~' | b'<' | b'>' => {
                if bytes.get(i + 1) == Some(&b'=') {
                    chain += 1;
                    i += 1;
                } else if b == b'=' {
                    chain = 0;
                } else {
                    chain += 1;
                }
            }
            b'.' if bytes.get(i + 1) == Some(&b'.') => {
                if bytes.get(i + 2) == Some(&b'.') {
                    i += 2;
                } else {
                    chain += 1;
                    i += 1;
                }
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'#' => chain += 1,
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                match &bytes[start..i] {
                    b"function" | b"do" | b"if" | b"repeat" => {
                        open(&mut depth, &mut chain, &mut outer, &mut outer_sum)
                    }
                    b"end" | b"until" => {
                        close(&mut depth, &mut chain, &mut outer, &mut outer_sum);
                        chain = 0;
                    }
                    b"and" | b"or" | b"not" => chain += 1,
                    b"local" | b"return" | b"then" | b"else" | b"elseif" | b"while" | b"for"
                    | b"in" | b"break" | b"goto" => chain = 0,
                    _ => {}
                }
                max_depth = max_depth.max(depth + outer_sum + chain);
                continue;
            }
            _ => {}
        }
        max_depth = max_depth.max(depth + outer_sum + chain);
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

    /// The span of every expression statement's value, by the fast path and by the slow one.
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
        assert_eq!(nesting_depth("x = a + b * c"), 2);
        assert_eq!(nesting_depth("x = not not not y"), 3);
        assert_eq!(nesting_depth("x = a .. b .. c, d ... e"), 2);
        // Statements and fields start new expressions.
        assert_eq!(
            nesting_depth("a = 1 + 2\nb = 3 + 4\nlocal t = {x = 1 + 1, y = 2 + 2}"),
            2
        );
        assert_eq!(nesting_depth("if a == b then return a >= b end"), 2);
        assert_eq!(nesting_depth("x = f(a + b) + g(c + d)"), 3);
        let chain = format!("x = 1{}", " + 1".repeat(5000));
        assert_eq!(nesting_depth(&chain), 5000);
        let unary = format!("x = {}true", "not ".repeat(5000));
        assert_eq!(nesting_depth(&unary), 5000);
    }
}
