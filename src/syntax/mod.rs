//! The syntax layer: Lua 5.2 source in, a full_moon tree and the file's comments out, with the
//! guards and rewrites that make real mod files parse safely. Each job is its own file:
//! [`read`] (one scan, then the checks and the parse), [`parse`] (full_moon), [`rewrite`]
//! (length-preserving text fixes), [`guard`] (backticks, nesting depth), [`literal_data`]
//! (generated data files), [`cut`] (what full_moon is not given), [`span`] (node spans) and
//! [`lexer`] (the token scanner the others share).

use crate::source::Span;
use full_moon::ast::Ast;

mod cut;
mod guard;
mod lexer;
mod literal_data;
mod parse;
mod read;
mod rewrite;
mod span;

pub use cut::Shifts;
pub use guard::{nesting, nesting_depth, Nesting};
pub use lexer::comments;
pub use literal_data::{
    has_literal_data, is_literal_data, is_literal_data_file, read_literal_table, ElidedTables,
    Literal, LiteralBuilder, LiteralKey, LITERAL_DATA_MIN_BYTES,
};
pub use parse::{parse, parse_without_elision};
pub use read::{read_file, FileSyntax};
pub use span::NodeSpan;

/// A parse failure with the span it points at.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ParseError {
    /// The token where the parser stopped (the end of the code, for an unexpected end of file).
    pub span: Span,
    /// The construct the parser was reading, when it names one (for a block without `end`, the
    /// block's last statement).
    pub context: Option<Span>,
    pub message: String,
}

/// A `--` comment: its span and its text after the dashes (long comments included).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Comment {
    pub span: Span,
    pub text: String,
}

pub struct Parsed {
    pub ast: Ast,
    pub comments: Vec<Comment>,
    /// The tables full_moon was given empty: lowering reads the tables of literals back
    /// with [`read_literal_table`].
    pub tables: ElidedTables,
    /// Where the tree's byte offsets are in the file: full_moon was given it with the insides
    /// of those tables and its comments cut out.
    pub shifts: Shifts,
}

#[cfg(test)]
mod tests;
