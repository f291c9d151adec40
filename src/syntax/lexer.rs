//! A Lua 5.2 lexer that only finds token boundaries, shared by the guards, the literal-data
//! path and comment collection.

use super::Comment;
use crate::source::Span;

/// The comments of a file, as full_moon reads them.
pub fn comments(text: &str) -> Vec<Comment> {
    Scanner::new(text)
        .filter(|t| t.kind == Kind::Comment)
        .map(|t| comment(text, &t))
        .collect()
}

/// A comment token's span and its text after the dashes (inside the brackets of a long one).
pub(super) fn comment(text: &str, t: &Lexeme) -> Comment {
    let inner = match long_bracket_level(text.as_bytes(), t.start + 2) {
        Some(level) if t.closed => (t.start + 2 + level + 2)..(t.end - level - 2),
        _ => (t.start + 2)..t.end,
    };
    Comment {
        span: Span::new(t.start, t.end),
        text: text[inner].to_string(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
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
pub(super) struct Lexeme {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
    /// False for a string or comment that runs to the end of its line or the file unclosed.
    pub(super) closed: bool,
}

/// The bytes a name goes on with: ASCII letters, digits and `_` (a table: the scan reads every
/// byte of every file).
static NAME_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_alphanumeric() || byte == b'_';
        b += 1;
    }
    table
};

/// A Lua 5.2 lexer that only finds token boundaries. It never fails: unterminated strings and
/// comments end at the line end or the end of the file, as far as Lua would have read them.
pub(super) struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Scanner {
            bytes: text.as_bytes(),
            pos: 0,
        }
    }

    /// A scanner starting at byte `pos` of `text` (a token boundary).
    pub(super) fn at(text: &'a str, pos: usize) -> Self {
        Scanner {
            bytes: text.as_bytes(),
            pos,
        }
    }

    /// Where the next token's search starts: the end of the last token read.
    pub(super) fn position(&self) -> usize {
        self.pos
    }
}

impl Iterator for Scanner<'_> {
    type Item = Lexeme;

    // Inlined into each pass's loop: the scan reads every token of every file, and a call per
    // token (its result returned through memory) cost more than the token itself.
    #[inline(always)]
    fn next(&mut self) -> Option<Lexeme> {
        let bytes = self.bytes;
        self.pos = skip_space(bytes, self.pos);
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
                let rest = &bytes[start + 1..];
                let len = rest
                    .iter()
                    .position(|&b| !NAME_BYTES[usize::from(b)])
                    .unwrap_or(rest.len());
                self.pos = start + 1 + len;
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

/// Whether two tokens of code, `before` then `after`, would lex as other tokens with nothing
/// between them (`a` `b`, `-` `-`, `[` `[`, `1` `.`, `=` `=`). Without a doubt only: apart
/// unless one side is a bracket, comma or semicolon that no longer token begins or ends with,
/// or `before` is a closed string.
pub(super) fn must_stay_apart(bytes: &[u8], before: &Lexeme, after: &Lexeme) -> bool {
    let stands_alone = |b: u8| matches!(b, b'(' | b')' | b'{' | b'}' | b']' | b',' | b';');
    let ends_alone = match before.kind {
        Kind::String => before.closed,
        Kind::Symbol => stands_alone(bytes[before.end - 1]),
        _ => false,
    };
    let starts_alone = after.kind == Kind::Symbol && stands_alone(bytes[after.start]);
    !(ends_alone || starts_alone)
}

/// Lua's white space bytes.
static SPACE_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(b as u8, b' ' | b'\t' | b'\r' | b'\n' | 0x0B | 0x0C);
        b += 1;
    }
    table
};

/// The first byte at or after `i` that is not white space. Indentation is most of the white
/// space the scan reads: runs of spaces are skipped eight bytes at a time.
#[inline(always)]
fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
    while i < bytes.len() && SPACE_BYTES[usize::from(bytes[i])] {
        i += 1;
        while let Some(chunk) = bytes.get(i..i + 8) {
            let chunk = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            let differs = chunk ^ SPACES;
            if differs != 0 {
                i += differs.trailing_zeros() as usize / 8;
                break;
            }
            i += 8;
        }
    }
    i
}

/// The end of a quoted string starting at `start`, or where Lua stops reading an unfinished one.
pub(super) fn skip_quoted(bytes: &[u8], start: usize) -> (usize, bool) {
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
pub(super) fn skip_number(bytes: &[u8], start: usize) -> usize {
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
pub(super) fn long_bracket_level(bytes: &[u8], i: usize) -> Option<usize> {
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
pub(super) fn skip_long_bracket(bytes: &[u8], i: usize, level: usize) -> (usize, bool) {
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
