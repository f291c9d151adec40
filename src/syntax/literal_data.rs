//! The literal-data fast path: generated files of plain tables (map presets, lookup tables)
//! hold nothing a rule reads, yet their full_moon trees cost hundreds of bytes per token. Such
//! files are validated by our scanner instead. Inside code, full_moon is given large tables of
//! numbers without their insides, and other large tables of literals (prototypes, icon and
//! sound lists) too, whose fields the scanner reads back for lowering.

use super::guard::is_lua_number;
use super::lexer::{long_bracket_level, Kind, Lexeme, Scanner};
use crate::source::Span;

/// Tables this large holding only numbers (and tables of numbers) are blanked before parsing
/// and lowered as empty tables (tiny under the fuzzer, so that its short inputs reach this
/// path). 1 KiB is some 200 numbers: sprite, noise and lookup data that no rule reads, while
/// the short lists a rule might (ticks, positions) stay parsed.
pub(super) const ELIDE_MIN_BYTES: usize = if cfg!(fuzzing) { 16 } else { 1024 };

/// Tables this large holding only literals (strings, numbers, booleans, `nil`, with `name =`
/// and `[literal] =` keys, nested) are blanked before parsing too, and their fields read back
/// by the scanner when lowering asks ([`read_literal_table`]): prototype definitions, icon and
/// sound lists, settings. The lowered file is the same; full_moon builds no tree for them.
/// (Below 64 bytes, say a color, the saving would not show.)
pub(super) const LITERAL_MIN_BYTES: usize = if cfg!(fuzzing) { 16 } else { 64 };

/// The tables of a file blanked before parsing. Each region is the inside of a table, between
/// its braces; a region may hold others.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ElidedTables {
    /// Large tables of numbers: lowered as empty tables.
    pub numeric: Vec<(usize, usize)>,
    /// Other tables of literals, by start: lowered from the scanner's reading of them.
    pub literal: Vec<(usize, usize)>,
}

impl ElidedTables {
    pub fn is_empty(&self) -> bool {
        self.numeric.is_empty() && self.literal.is_empty()
    }

    /// Whether the table opened by the brace at `open` was blanked as a table of literals.
    pub fn is_literal_table(&self, open: usize) -> bool {
        self.literal
            .binary_search_by_key(&(open + 1), |&(start, _)| start)
            .is_ok()
    }

    /// `text` as full_moon is given it: every region blanked, line breaks kept so no offset
    /// moves; `None` when there is nothing to blank.
    pub(super) fn blank(&self, text: &str) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        let mut regions: Vec<(usize, usize)> =
            self.numeric.iter().chain(&self.literal).copied().collect();
        regions.sort_unstable();
        let mut out = text.as_bytes().to_vec();
        let mut blanked_to = 0;
        for (start, end) in regions {
            // A table inside one already blanked.
            if end <= blanked_to {
                continue;
            }
            for line in out[start..end].split_mut(|&b| b == b'\n' || b == b'\r') {
                line.fill(b' ');
            }
            blanked_to = end;
        }
        Some(String::from_utf8(out).expect("only whole characters were blanked"))
    }

    /// The blanked table of numbers whose inside starts at `inside`: its end.
    fn numeric_ending(&self, inside: usize) -> Option<usize> {
        self.numeric
            .iter()
            .find(|&&(start, _)| start == inside)
            .map(|&(_, end)| end)
    }
}

/// The large tables of literals in `text` ([`LiteralTables`]).
pub(super) fn elided_tables(text: &str) -> ElidedTables {
    if text.len() < LITERAL_MIN_BYTES {
        return ElidedTables::default();
    }
    let bytes = text.as_bytes();
    let mut tables = LiteralTables::default();
    for t in Scanner::new(text) {
        tables.token(&t, &bytes[t.start..t.end]);
    }
    tables.finish()
}

/// `text` with its large tables of literals blanked ([`ElidedTables::blank`]), when it has any.
#[cfg(test)]
pub(super) fn elide_tables(text: &str) -> Option<String> {
    elided_tables(text).blank(text)
}

/// What a table constructor expects next, as far as it is still a table of literals.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A field: a value, `name =`, `[key] =`, or the closing brace.
    Field,
    /// The value after `=`.
    Value,
    /// The number after a unary minus.
    Negated,
    /// `=` after a name key.
    NameEquals,
    /// The literal inside `[ ]`, the number after its minus, then `]`, then `=`.
    Key,
    KeyNegated,
    KeyClose,
    KeyEquals,
    /// `,`, `;` or the closing brace.
    Separator,
}

/// Finds the large tables of literals along the tokens of a file, fed one token at a time.
#[derive(Default)]
pub(super) struct LiteralTables {
    open: Vec<OpenTable>,
    found: ElidedTables,
}

struct OpenTable {
    start: usize,
    /// Only literals so far, and valid Lua.
    literal: bool,
    /// Only numbers and tables of numbers, without keys.
    numeric: bool,
    expect: Expect,
}

impl LiteralTables {
    pub(super) fn token(&mut self, t: &Lexeme, here: &[u8]) {
        if t.kind == Kind::Comment && t.closed {
            return;
        }
        match (t.kind, here) {
            (Kind::Symbol, b"{") => {
                if let Some(parent) = self.open.last_mut() {
                    parent.numeric &= parent.expect == Expect::Field;
                    parent.literal &= matches!(parent.expect, Expect::Field | Expect::Value);
                    parent.expect = Expect::Separator;
                }
                self.open.push(OpenTable {
                    start: t.start,
                    literal: true,
                    numeric: true,
                    expect: Expect::Field,
                });
                return;
            }
            (Kind::Symbol, b"}") => {
                let Some(table) = self.open.pop() else { return };
                let closes = matches!(table.expect, Expect::Field | Expect::Separator);
                let literal = table.literal && closes;
                let numeric = table.numeric && literal;
                let size = t.end - table.start;
                let inside = (table.start + 1, t.start);
                if numeric && size >= ELIDE_MIN_BYTES {
                    self.found.numeric.push(inside);
                } else if literal && size >= LITERAL_MIN_BYTES {
                    self.found.literal.push(inside);
                }
                if let Some(parent) = self.open.last_mut() {
                    parent.literal &= literal;
                    parent.numeric &= numeric;
                }
                return;
            }
            _ => {}
        }
        let Some(table) = self.open.last_mut() else {
            return;
        };
        if !table.literal {
            return;
        }
        let number = t.kind == Kind::Number && is_lua_number(here);
        let other_literal = match t.kind {
            Kind::String => t.closed,
            Kind::Name => matches!(here, b"true" | b"false" | b"nil"),
            _ => false,
        };
        let field_or_value = matches!(table.expect, Expect::Field | Expect::Value);
        let next = match (table.expect, t.kind, here) {
            (Expect::Field | Expect::Value, Kind::Symbol, b"-") => Some(Expect::Negated),
            (Expect::Negated, ..) if number => Some(Expect::Separator),
            _ if field_or_value && number => Some(Expect::Separator),
            _ if field_or_value && other_literal => {
                table.numeric = false;
                Some(Expect::Separator)
            }
            (Expect::Field, Kind::Name, name) if !is_keyword(name) => Some(Expect::NameEquals),
            (Expect::Field, Kind::Symbol, b"[") => Some(Expect::Key),
            (Expect::NameEquals | Expect::KeyEquals, Kind::Symbol, b"=") => {
                table.numeric = false;
                Some(Expect::Value)
            }
            (Expect::Key, Kind::Symbol, b"-") => Some(Expect::KeyNegated),
            (Expect::KeyNegated, ..) if number => Some(Expect::KeyClose),
            (Expect::Key, ..) if number || (other_literal && here != b"nil") => {
                Some(Expect::KeyClose)
            }
            (Expect::KeyClose, Kind::Symbol, b"]") => Some(Expect::KeyEquals),
            (Expect::Separator, Kind::Symbol, b"," | b";") => Some(Expect::Field),
            _ => None,
        };
        match next {
            Some(expect) => table.expect = expect,
            None => table.literal = false,
        }
    }

    pub(super) fn finish(mut self) -> ElidedTables {
        // Found as tables close: inner ones first.
        self.found.literal.sort_unstable();
        self.found
    }
}

/// A literal other than a table, as the scanner reads it from a blanked table
/// ([`read_literal_table`]).
#[derive(Debug, PartialEq)]
pub enum Literal<'t> {
    Nil,
    Bool(bool),
    /// As written.
    Number(&'t str),
    /// `-` and a number: the number as written.
    Negated(&'t str),
    /// A string's text between its quotes (escapes as written) or its long brackets.
    Str {
        text: &'t str,
        quoted: bool,
    },
}

#[derive(Debug, PartialEq)]
pub enum LiteralKey<'t> {
    /// `name = …`
    Name(&'t str),
    /// `[literal] = …`
    Bracketed(Literal<'t>),
}

/// What the values and fields of a table of literals are built into as the scanner reads
/// them ([`read_literal_table`]): lowering builds its own, with nothing in between.
pub trait LiteralBuilder<'t> {
    type Value;
    type Field;
    fn literal(literal: Literal<'t>) -> Self::Value;
    /// One field, its span from its first token to its last.
    fn field(key: Option<LiteralKey<'t>>, value: Self::Value, span: Span) -> Self::Field;
    /// A table of literals (empty for a blanked table of numbers).
    fn table(fields: Vec<Self::Field>) -> Self::Value;
}

/// The fields of the table of literals whose brace opens at `open` in `text` (one of
/// `elided.literal`), read by the scanner and built by `B`: the tree full_moon would have
/// built, in short.
pub fn read_literal_table<'t, B: LiteralBuilder<'t>>(
    text: &'t str,
    open: usize,
    elided: &ElidedTables,
) -> Vec<B::Field> {
    let mut reader = LiteralReader {
        text,
        tokens: Scanner::at(text, open + 1),
        elided,
    };
    reader.fields::<B>()
}

struct LiteralReader<'t, 'e> {
    text: &'t str,
    tokens: Scanner<'t>,
    elided: &'e ElidedTables,
}

impl<'t> LiteralReader<'t, '_> {
    /// The next token that is not a comment: its kind, text and span. (The scan checked the
    /// table to be closed; past the end of the text, a closing brace ends the reading.)
    fn next(&mut self) -> (Kind, &'t str, Span) {
        for t in self.tokens.by_ref() {
            if t.kind != Kind::Comment {
                return (
                    t.kind,
                    &self.text[t.start..t.end],
                    Span::new(t.start, t.end),
                );
            }
        }
        let end = self.text.len();
        (Kind::Symbol, "}", Span::new(end, end))
    }

    /// Fields up to and including the closing brace.
    fn fields<B: LiteralBuilder<'t>>(&mut self) -> Vec<B::Field> {
        let mut fields = Vec::new();
        loop {
            let (kind, here, span) = self.next();
            let (key, value, value_end) = match (kind, here) {
                (Kind::Symbol, "}") => return fields,
                (Kind::Symbol, "," | ";") => continue,
                (Kind::Symbol, "[") => {
                    // The scan let only a literal other than a table in as a key.
                    let first = self.next();
                    let (key, _) = self.literal(first);
                    self.next(); // `]`
                    self.next(); // `=`
                    let next = self.next();
                    let (value, end) = self.value::<B>(next);
                    (Some(LiteralKey::Bracketed(key)), value, end)
                }
                (Kind::Name, name) if !matches!(name, "true" | "false" | "nil") => {
                    self.next(); // `=`
                    let next = self.next();
                    let (value, end) = self.value::<B>(next);
                    (Some(LiteralKey::Name(name)), value, end)
                }
                _ => {
                    let (value, end) = self.value::<B>((kind, here, span));
                    (None, value, end)
                }
            };
            fields.push(B::field(key, value, Span::new(span.start, value_end)));
        }
    }

    /// The value starting with this token, and where it ends.
    fn value<B: LiteralBuilder<'t>>(&mut self, token: (Kind, &'t str, Span)) -> (B::Value, usize) {
        let (Kind::Symbol, "{", span) = token else {
            let (literal, end) = self.literal(token);
            return (B::literal(literal), end);
        };
        if let Some(end) = self.elided.numeric_ending(span.end) {
            self.tokens = Scanner::at(self.text, end + 1);
            return (B::table(Vec::new()), end + 1);
        }
        let fields = self.fields::<B>();
        (B::table(fields), self.tokens.position())
    }

    /// The literal other than a table starting with this token, and where it ends.
    fn literal(&mut self, (kind, here, span): (Kind, &'t str, Span)) -> (Literal<'t>, usize) {
        match (kind, here) {
            (Kind::Symbol, "-") => {
                let (_, number, at) = self.next();
                (Literal::Negated(number), at.end)
            }
            (Kind::Number, number) => (Literal::Number(number), span.end),
            (Kind::String, string) => {
                let literal = match long_bracket_level(string.as_bytes(), 0) {
                    Some(level) => Literal::Str {
                        text: &string[level + 2..string.len() - level - 2],
                        quoted: false,
                    },
                    None => Literal::Str {
                        text: &string[1..string.len() - 1],
                        quoted: true,
                    },
                };
                (literal, span.end)
            }
            (_, "true") => (Literal::Bool(true), span.end),
            (_, "false") => (Literal::Bool(false), span.end),
            _ => (Literal::Nil, span.end),
        }
    }
}

/// Below this size a literal data file is parsed like any other: the saving would not show
/// (tiny under the fuzzer, so that its short inputs reach this path).
pub const LITERAL_DATA_MIN_BYTES: usize = if cfg!(fuzzing) { 16 } else { 64 * 1024 };

/// Whether factolint checks this file with its scanner instead of parsing it: literal data
/// ([`is_literal_data`]) large enough for the saving to show.
pub fn is_literal_data_file(text: &str) -> bool {
    text.len() >= LITERAL_DATA_MIN_BYTES && is_literal_data(text)
}

/// Whether factolint leaves some of this file's literal data unread: a literal-data file
/// ([`is_literal_data_file`]), or one with tables of numbers large enough to be blanked before
/// parsing and lowered as empty (generated map presets). (Other tables of literals are blanked
/// too, but read back by the scanner: see [`read_literal_table`].)
pub fn has_literal_data(text: &str) -> bool {
    is_literal_data_file(text) || !elided_tables(text).numeric.is_empty()
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

pub(super) fn is_keyword(word: &[u8]) -> bool {
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
