//! Guards against input that would crash or stall the parser: backticks full_moon 3 panics on,
//! and nesting deep enough to overflow the stack of its recursive descent. Both are cheap scans
//! that run before full_moon sees the file.

use super::lexer::{Kind, Lexeme, Scanner};
use super::ParseError;
use crate::source::Span;

/// full_moon 3.0 panics on a backtick it reads as code (it only knows backtick strings in
/// other dialects). A backtick our scanner sees in code is reported here. When the file is
/// broken in a way that could make full_moon disagree with our scanner about where strings
/// and comments end, every backtick becomes `$` (also invalid, same length): only the file's
/// errors are wanted then, and full_moon reports them without panicking.
pub(super) fn guard_backticks(text: &str) -> Result<std::borrow::Cow<'_, str>, ParseError> {
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
pub(super) fn is_lua_number(n: &[u8]) -> bool {
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

pub(super) fn is_lua_symbol(symbol: &[u8]) -> bool {
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
    let bytes = text.as_bytes();
    let mut counter = NestingCounter::new(limit);
    for token in Scanner::new(text) {
        counter.token(&token, &bytes[token.start..token.end]);
    }
    counter.finish()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Paren,
    Brace,
    Bracket,
    Block,
    Repeat,
}

/// The state of [`nesting`] along the tokens of a file, fed one token at a time (the
/// one-pass scan in `read` feeds it with the other scanners).
pub(super) struct NestingCounter {
    limit: usize,
    /// Each open level with the operator chain of the level around it.
    levels: Vec<(Open, usize)>,
    chain: usize,
    outer_chains: usize,
    after_operand: bool,
    max_depth: usize,
    offset: usize,
}

impl NestingCounter {
    pub(super) fn new(limit: usize) -> Self {
        NestingCounter {
            limit,
            levels: Vec::new(),
            chain: 0,
            outer_chains: 0,
            after_operand: false,
            max_depth: 0,
            offset: 0,
        }
    }

    /// Opens a level at the token starting at `at`.
    fn open(&mut self, kind: Open, at: usize) {
        self.levels.push((kind, self.chain));
        self.outer_chains += self.chain;
        self.chain = 0;
        self.deeper(at);
    }

    /// One more operator in the current chain, at the token starting at `at`.
    fn chain_operator(&mut self, at: usize) {
        self.chain += 1;
        self.deeper(at);
    }

    /// Takes in the depth after a token that may have deepened it: only opening a level and
    /// chaining an operator do, so the other tokens skip this.
    fn deeper(&mut self, at: usize) {
        let depth = self.levels.len() + self.outer_chains + self.chain;
        if depth > self.max_depth {
            if self.max_depth <= self.limit {
                self.offset = at;
            }
            self.max_depth = depth;
        }
    }

    /// A closer only closes its own kind of opener, so mismatched input never lowers the count.
    fn close(&mut self, kind: Open) {
        if self.levels.last().is_some_and(|(k, _)| *k == kind) {
            let (_, saved) = self.levels.pop().expect("checked");
            self.outer_chains -= saved;
            self.chain = saved;
        }
    }

    /// One token, with its text (inlined into the scan's loop, like the scanner).
    #[inline(always)]
    pub(super) fn token(&mut self, token: &Lexeme, here: &[u8]) {
        match token.kind {
            Kind::Comment | Kind::Invalid => {}
            Kind::String => self.after_operand = true,
            Kind::Number => {
                if self.after_operand {
                    self.chain = 0;
                }
                self.after_operand = true;
            }
            Kind::Name => match here {
                b"function" => {
                    self.open(Open::Block, token.start);
                    self.after_operand = false;
                }
                b"do" | b"if" | b"repeat" => {
                    self.chain = 0;
                    let kind = if here == b"repeat" {
                        Open::Repeat
                    } else {
                        Open::Block
                    };
                    self.open(kind, token.start);
                    self.after_operand = false;
                }
                b"end" => {
                    self.close(Open::Block);
                    self.after_operand = true;
                }
                b"until" => {
                    self.close(Open::Repeat);
                    self.after_operand = false;
                }
                b"and" | b"or" | b"not" => {
                    self.chain_operator(token.start);
                    self.after_operand = false;
                }
                b"break" | b"else" | b"elseif" | b"for" | b"goto" | b"in" | b"local"
                | b"return" | b"then" | b"while" => {
                    self.chain = 0;
                    self.after_operand = false;
                }
                // A name right after an operand starts a new statement.
                _ => {
                    if self.after_operand {
                        self.chain = 0;
                    }
                    self.after_operand = true;
                }
            },
            Kind::Symbol => match here {
                b"(" | b"{" | b"[" => {
                    let kind = match here {
                        b"(" => Open::Paren,
                        b"{" => Open::Brace,
                        _ => Open::Bracket,
                    };
                    self.open(kind, token.start);
                    self.after_operand = false;
                }
                b")" | b"}" | b"]" => {
                    self.close(match here {
                        b")" => Open::Paren,
                        b"}" => Open::Brace,
                        _ => Open::Bracket,
                    });
                    self.after_operand = true;
                }
                b"," | b"=" | b";" | b"::" => {
                    self.chain = 0;
                    self.after_operand = false;
                }
                b"." | b":" => self.after_operand = false,
                b"..." => {
                    if self.after_operand {
                        self.chain = 0;
                    }
                    self.after_operand = true;
                }
                // Binary and unary operators.
                _ => {
                    self.chain_operator(token.start);
                    self.after_operand = false;
                }
            },
        }
    }

    pub(super) fn finish(self) -> Nesting {
        Nesting {
            depth: self.max_depth,
            offset: self.offset,
        }
    }
}
