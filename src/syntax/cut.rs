//! What full_moon is given: the file without what it would only read to throw away. The
//! insides of the elided tables ([`ElidedTables`]) are cut out, and each run of white space and
//! comments between two tokens (the scan has them) goes, or becomes one line break where the
//! tokens must stay apart; full_moon spends on a blank or commented character what it spends on
//! code (decoded, lexed, kept as trivia, line by line), on a token with trivia a list of its
//! own, and on a line break less than on a space (no string of its own). [`Shifts`] place the
//! tree's offsets back in the file.

use super::span::{token_end, token_start, NodeSpan};
use super::ElidedTables;
use crate::source::Span;
use full_moon::tokenizer::TokenReference;
use std::cmp::Reverse;

/// A run of white space and comments between two tokens (or a file's end), as the scan found
/// it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Trivia {
    pub(super) start: usize,
    pub(super) end: usize,
    /// The tokens around it would read as other tokens side by side (see
    /// [`super::lexer::must_stay_apart`]).
    pub(super) apart: bool,
}

/// `text` without the insides of the elided tables (a table's braces become adjacent) and
/// without each run of `trivia` (in order, none overlapping), replaced by a line break where
/// its tokens must stay apart; and where full_moon's offsets in it are in `text`. `None` when
/// there is nothing to cut.
pub(super) fn cut(
    text: &str,
    tables: &ElidedTables,
    trivia: &[Trivia],
) -> Option<(String, Shifts)> {
    if tables.is_empty() && trivia.is_empty() {
        return None;
    }
    let mut elided: Vec<(usize, usize)> = tables
        .numeric
        .iter()
        .chain(&tables.literal)
        .copied()
        .collect();
    elided.sort_unstable();
    // Both lists are in order: merged, a table before the trivia that starts where it does
    // (the white space after its `{`, inside it).
    let (mut tables, mut trivia) = (elided.iter().peekable(), trivia.iter().peekable());
    let mut out = String::with_capacity(text.len());
    let mut shifts = Shifts::default();
    let (mut copied_to, mut removed) = (0, 0);
    loop {
        let table_first = match (tables.peek(), trivia.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(&&(start, end)), Some(run)) => {
                (start, Reverse(end)) <= (run.start, Reverse(run.end))
            }
        };
        let ((start, end), replacement) = if table_first {
            (*tables.next().expect("peeked"), "")
        } else {
            let run = trivia.next().expect("peeked");
            ((run.start, run.end), if run.apart { "\n" } else { "" })
        };
        // Inside a table already cut (a nested table, a comment).
        if start < copied_to {
            continue;
        }
        out.push_str(&text[copied_to..start]);
        out.push_str(replacement);
        copied_to = end;
        if end - start != replacement.len() {
            removed += end - start - replacement.len();
            shifts.push(out.len(), removed);
        }
    }
    out.push_str(&text[copied_to..]);
    shifts.index(out.len());
    Some((out, shifts))
}

/// Where full_moon's byte offsets are in the file, when full_moon was given the file cut
/// ([`cut`]): every offset after a cut is that many bytes further in the file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shifts {
    /// For each cut, by offset in full_moon's text (where the text after it resumes): the
    /// bytes removed up to and including it.
    cuts: Vec<(usize, usize)>,
    /// For each [`BLOCK`] bytes of full_moon's text, the cuts before the block's first byte:
    /// lowering asks for every node's span, and a file has a cut per run of white space (one
    /// every few bytes of the cut text), so a lookup starts a step or two from its answer
    /// instead of searching all the cuts.
    cuts_before_block: Vec<u32>,
}

/// See [`Shifts::cuts_before_block`].
const BLOCK: usize = 16;

impl Shifts {
    fn push(&mut self, at: usize, removed_so_far: usize) {
        self.cuts.push((at, removed_so_far));
    }

    /// Indexes the cuts of a text of `len` bytes (see [`Self::cuts_before_block`]).
    fn index(&mut self, len: usize) {
        let mut cut = 0;
        self.cuts_before_block = (0..=len / BLOCK)
            .map(|block| {
                while self
                    .cuts
                    .get(cut)
                    .is_some_and(|&(at, _)| at < block * BLOCK)
                {
                    cut += 1;
                }
                cut as u32
            })
            .collect();
    }

    /// The bytes removed by the cuts before `offset`, and by one at `offset` when `at_too`.
    fn removed_before(&self, offset: usize, at_too: bool) -> usize {
        let Some(&first) = self.cuts_before_block.get(offset / BLOCK) else {
            return self.cuts.last().map_or(0, |&(_, removed)| removed);
        };
        let mut cut = first as usize;
        while let Some(&(at, _)) = self.cuts.get(cut) {
            if at > offset || (at == offset && !at_too) {
                break;
            }
            cut += 1;
        }
        match cut {
            0 => 0,
            n => self.cuts[n - 1].1,
        }
    }

    /// The bytes removed before a token starting at `offset`: the cuts at or before it (the
    /// closing brace of a cut table starts at its cut).
    fn before_start(&self, offset: usize) -> usize {
        self.removed_before(offset, true)
    }

    /// The bytes removed before a token ending at `offset`: the cuts strictly before it (the
    /// opening brace of a cut table ends at its cut).
    fn before_end(&self, offset: usize) -> usize {
        self.removed_before(offset, false)
    }

    /// Where a token or node starting at `offset` in full_moon's text starts in the file.
    pub fn start(&self, offset: usize) -> usize {
        offset + self.before_start(offset)
    }

    /// A span in full_moon's text, in the file.
    pub fn span(&self, span: Span) -> Span {
        if self.cuts.is_empty() {
            return span;
        }
        Span::new(self.start(span.start), span.end + self.before_end(span.end))
    }

    /// A token's span in the file.
    pub fn token(&self, token: &TokenReference) -> Span {
        self.span(Span::new(token_start(token), token_end(token)))
    }

    /// A node's span in the file (see [`NodeSpan`]).
    pub fn node(&self, node: &impl NodeSpan) -> Span {
        self.span(node.span())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lookup through blocks gives what a search of all the cuts gives, at every offset,
    /// for cuts at block edges, side by side and far apart.
    #[test]
    fn lookups_through_blocks_agree_with_a_full_search() {
        let len = 5 * BLOCK + 7;
        let mut shifts = Shifts::default();
        let mut removed = 0;
        for at in [
            1,
            BLOCK - 1,
            BLOCK,
            BLOCK + 1,
            2 * BLOCK,
            4 * BLOCK + 3,
            len,
        ] {
            removed += at % 5 + 1;
            shifts.push(at, removed);
        }
        shifts.index(len);
        let search = |offset: usize, at_too: bool| match shifts
            .cuts
            .partition_point(|&(at, _)| at < offset || (at_too && at == offset))
        {
            0 => 0,
            n => shifts.cuts[n - 1].1,
        };
        for offset in 0..=len + 1 {
            assert_eq!(
                shifts.before_start(offset),
                search(offset, true),
                "{offset}"
            );
            assert_eq!(shifts.before_end(offset), search(offset, false), "{offset}");
        }
    }
}
