//! Length-preserving rewrites before parsing: what Lua's loader skips (byte-order mark, a `#`
//! first line) and the valid Lua 5.2 full_moon 3 rejects (`break` before more statements, empty
//! statements, form feeds). No byte moves, so every span still points into the original text.

use super::lexer::{Kind, Lexeme, Scanner};
use crate::source::Span;

/// Rewrites what Lua's loader skips before the code, keeping every byte offset unchanged.
pub(super) fn prepare(text: &str) -> std::borrow::Cow<'_, str> {
    // Lua's loader skips a UTF-8 byte-order mark, then a first line starting with `#`.
    let bom = bom_len(text);
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

fn bom_len(text: &str) -> usize {
    if text.starts_with('\u{feff}') {
        3
    } else {
        0
    }
}

/// Whether [`prepare`] turns the first line (`#!/usr/bin/lua`) into a comment.
pub(super) fn rewrites_first_line(text: &str) -> bool {
    text[bom_len(text)..].starts_with('#')
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
pub(super) fn rewrite_for_full_moon(text: &str) -> Option<(String, Vec<Span>)> {
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
