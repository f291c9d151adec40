//! The memo of kind queries: a [`WalkMemo`] (answers never depend on which queries came
//! first), where a cycle or the depth bound gives no kind.

use super::{Kind, MAX_DEPTH};
use crate::semantic::ir::{BindingId, CallId, Value};
use crate::semantic::model::PathId;
use crate::semantic::walk_memo::WalkMemo;

/// One kind query.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Query {
    /// The kind of a value, by (file, value).
    Value(usize, *const Value),
    /// The kind of a local.
    Local(usize, BindingId),
    /// The kind of a call's (first) result.
    Call(usize, CallId),
    /// The kind of what is assigned to a path (`storage.players`).
    Path(PathId),
    /// What callers stored in `field` of the table they pass for a parameter.
    CallerField(usize, BindingId, String),
}

pub struct KindMemo(WalkMemo<Query, Option<Kind>>);

impl Default for KindMemo {
    fn default() -> Self {
        KindMemo(WalkMemo::new(MAX_DEPTH))
    }
}

impl KindMemo {
    /// The kind `query` asked at `depth` has: found earlier, or worked out by `work` (which
    /// asks its own queries deeper).
    pub(super) fn answer(
        &self,
        query: Query,
        depth: u32,
        work: impl FnOnce() -> Option<Kind>,
    ) -> Option<Kind> {
        self.0.answer(query, depth, |_| None, work)
    }

    /// Whether a query that asks no other (a global, a literal) can be answered at `depth`:
    /// the same bound and height as [`KindMemo::answer`] gives it, without keeping it.
    pub(super) fn leaf(&self, depth: u32) -> bool {
        self.0.leaf(depth)
    }

    /// The walk stopped short outside [`KindMemo::answer`].
    pub(super) fn cut(&self) {
        self.0.cut();
    }
}
