//! The memo of kind queries, kept so that an answer never depends on which queries came first.
//!
//! An answer is what a walk from that query alone finds: each query worked out once, the
//! first time the walk meets it; a query met again while it is still open (a value that
//! depends on itself) gives no kind from that cycle, and one met deeper than [`MAX_DEPTH`]
//! none at all. Within a walk every answer is kept, or the search grows exponentially (the
//! same values are reached along many paths: callers, callees, fields). Across walks only
//! answers whose own walk met no open query and no depth bound are kept, with their heights
//! (how deep that walk went): such an answer is the same from any start (an open query it met
//! would have to have been met inside its own walk as well) and is used where its walk fits
//! under the bound again. The others depend on where their walk started (`a = b; b = a` with
//! other values after: each local takes the other's value without itself) and are worked out
//! again by the next walk that needs them.

use super::{Kind, MAX_DEPTH};
use crate::semantic::ir::{BindingId, CallId, Value};
use crate::semantic::model::FastMap;
use std::cell::{Cell, RefCell};

/// One kind query.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Query {
    /// The kind of a value, by (file, value).
    Value(usize, *const Value),
    /// The kind of a local.
    Local(usize, BindingId),
    /// The kind of a call's (first) result.
    Call(usize, CallId),
    /// The kind of what is assigned to a path key (`G:storage.players`).
    Path(String),
    /// What callers stored in `field` of the table they pass for a parameter.
    CallerField(usize, BindingId, String),
}

#[derive(Default)]
pub struct KindMemo {
    /// Answers whose walk met no cycle and no depth bound, with their heights: the same from
    /// any start.
    kept: RefCell<FastMap<Query, Found>>,
    /// Every answer of the walk under way (from the outermost open query), kept or not.
    walk: RefCell<FastMap<Query, Found>>,
    /// The queries being worked out, outermost first.
    open: RefCell<Vec<Query>>,
    /// How many times a walk has stopped short (see [`KindMemo::cut`]).
    cut_off: Cell<u64>,
    /// The deepest query met since the innermost open query began.
    deepest: Cell<u32>,
}

#[derive(Clone)]
struct Found {
    kind: Option<Kind>,
    /// How much deeper than its query the walk that found it went.
    height: u32,
    /// The walk met no cycle and no depth bound.
    whole: bool,
}

impl KindMemo {
    /// The answer to `query` asked at `depth`: found earlier, or worked out by `work` (which
    /// asks its own queries deeper).
    pub(super) fn answer(
        &self,
        query: Query,
        depth: u32,
        work: impl FnOnce() -> Option<Kind>,
    ) -> Option<Kind> {
        let outermost = self.open.borrow().is_empty();
        let kind = self.find(query, depth, work);
        if outermost {
            self.walk.borrow_mut().clear();
        }
        kind
    }

    fn find(&self, query: Query, depth: u32, work: impl FnOnce() -> Option<Kind>) -> Option<Kind> {
        if depth > MAX_DEPTH || self.open.borrow().contains(&query) {
            self.cut();
            return None;
        }
        if let Some(found) = self.walk.borrow().get(&query) {
            // Worked out earlier in this walk: the same answer, but the open queries are whole
            // only if it was and would be again from here.
            self.deepest
                .set(self.deepest.get().max(depth + found.height));
            if !found.whole || depth + found.height > MAX_DEPTH {
                self.cut();
            }
            return found.kind.clone();
        }
        let kept = self.kept.borrow().get(&query).cloned();
        if let Some(found) = kept.filter(|found| depth + found.height <= MAX_DEPTH) {
            self.deepest
                .set(self.deepest.get().max(depth + found.height));
            let kind = found.kind.clone();
            self.walk.borrow_mut().insert(query, found);
            return kind;
        }
        let cut_off = self.cut_off.get();
        let outer_deepest = self.deepest.replace(depth);
        self.open.borrow_mut().push(query);
        let kind = work();
        let query = self
            .open
            .borrow_mut()
            .pop()
            .expect("the query pushed above");
        let deepest = self.deepest.get();
        self.deepest.set(outer_deepest.max(deepest));
        let found = Found {
            kind: kind.clone(),
            height: deepest - depth,
            whole: self.cut_off.get() == cut_off,
        };
        if found.whole {
            self.kept.borrow_mut().insert(query.clone(), found.clone());
        }
        self.walk.borrow_mut().insert(query, found);
        kind
    }

    /// The walk stopped short (a cycle, the depth bound): the open queries' answers depend
    /// on where it started.
    pub(super) fn cut(&self) {
        self.cut_off.set(self.cut_off.get() + 1);
    }
}
