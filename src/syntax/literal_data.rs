//! The literal-data fast path: generated files of plain tables (map presets, lookup tables)
//! hold nothing a rule reads, yet their full_moon trees cost hundreds of bytes per token. Such
//! files are validated by our scanner instead, and large tables of numbers inside code are
//! blanked in place before parsing.

use super::guard::is_lua_number;
use super::lexer::{Kind, Lexeme, Scanner};

/// Tables this large holding only numbers (and tables of numbers) are blanked before parsing
/// (tiny under the fuzzer, so that its short inputs reach this path). 1 KiB is some 200
/// numbers: sprite, noise and lookup data that no rule reads, while the short lists a rule
/// might (ticks, positions) stay parsed.
pub(super) const ELIDE_MIN_BYTES: usize = if cfg!(fuzzing) { 16 } else { 1024 };

/// Blanks the inside of large tables of numbers (map and image data: `{3,898,33,1,…}` by the
/// megabyte), keeping line breaks so no offset moves. full_moon's tree costs a few hundred
/// bytes per token: a 2 MB preset took 860 MB. The tables are checked here to be valid Lua
/// first, and no rule looks inside a table of numbers; lowering sees an empty table.
pub(super) fn elide_numeric_tables(text: &str) -> Option<String> {
    if text.len() < ELIDE_MIN_BYTES {
        return None;
    }
    let bytes = text.as_bytes();
    let mut tables = NumericTables::default();
    for t in Scanner::new(text) {
        tables.token(&t, &bytes[t.start..t.end]);
    }
    blank(text, &tables.finish())
}

/// The text with these byte ranges blanked (line breaks kept), or `None` when there are none.
pub(super) fn blank(text: &str, regions: &[(usize, usize)]) -> Option<String> {
    if regions.is_empty() {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    for &(start, end) in regions {
        for b in &mut out[start..end] {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
    }
    Some(String::from_utf8(out).expect("only whole characters were blanked"))
}

/// Finds the large tables of numbers along the tokens of a file, fed one token at a time.
#[derive(Default)]
pub(super) struct NumericTables {
    open: Vec<OpenTable>,
    /// The inside of each large table of numbers (between its braces).
    regions: Vec<(usize, usize)>,
}

struct OpenTable {
    start: usize,
    numeric: bool,
    expect_item: bool,
    after_minus: bool,
}

impl NumericTables {
    pub(super) fn token(&mut self, t: &Lexeme, here: &[u8]) {
        if t.kind == Kind::Comment && t.closed {
            return;
        }
        match (t.kind, here) {
            (Kind::Symbol, b"{") => {
                if let Some(parent) = self.open.last_mut() {
                    parent.numeric &= parent.expect_item && !parent.after_minus;
                }
                self.open.push(OpenTable {
                    start: t.start,
                    numeric: true,
                    expect_item: true,
                    after_minus: false,
                });
                return;
            }
            (Kind::Symbol, b"}") => {
                let Some(table) = self.open.pop() else { return };
                let numeric = table.numeric && !table.after_minus;
                if numeric && t.end - table.start >= ELIDE_MIN_BYTES {
                    self.regions.push((table.start + 1, t.start));
                }
                if let Some(parent) = self.open.last_mut() {
                    parent.numeric &= numeric;
                    parent.expect_item = false;
                }
                return;
            }
            _ => {}
        }
        let Some(table) = self.open.last_mut() else {
            return;
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

    /// The regions to blank, in the order their tables close (a large table of large tables
    /// gives nested regions).
    pub(super) fn finish(self) -> Vec<(usize, usize)> {
        self.regions
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

/// Whether factolint reads some of this file's literal data with its scanner instead of
/// full_moon: a literal-data file ([`is_literal_data_file`]), or one with tables of numbers
/// large enough to be blanked before parsing (generated map presets).
pub fn has_literal_data(text: &str) -> bool {
    is_literal_data_file(text) || elide_numeric_tables(text).is_some()
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
