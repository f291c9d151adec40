//! The memo of recursive queries (value kinds, table histories), kept so that an answer never
//! depends on which queries came first.
//!
//! An answer is what a walk from that query alone finds: each query worked out once, the
//! first time the walk meets it; a query met again while it is still open (a value that
//! depends on itself) learns nothing from that cycle, and one met deeper than the bound
//! nothing at all. Within a walk every answer is kept, or the search grows exponentially (the
//! same values are reached along many paths: callers, callees, fields). Across walks only
//! answers whose own walk met no open query and no depth bound are kept, with their heights
//! (how deep that walk went): such an answer is the same from any start (an open query it met
//! would have to have been met inside its own walk as well) and is used where its walk fits
//! under the bound again. The others depend on where their walk started (`a = b; b = a` with
//! other values after: each local takes the other's value without itself) and are worked out
//! again by the next walk that needs them, except when asked again first (outermost): a walk
//! from the query itself is what found them, so that answer is kept for that case.

use crate::semantic::model::FastMap;
use std::cell::{Cell, RefCell};
use std::hash::Hash;

/// Why a walk stopped short of working a query out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The query is still open: a value that depends on itself.
    Cycle,
    /// The query lies deeper than the bound.
    TooDeep,
}

pub struct WalkMemo<Q, A> {
    max_depth: u32,
    /// Answers whose walk met no cycle and no depth bound, with their heights: the same from
    /// any start. Those the walk under way has met count as its answers too (see
    /// [`Found::walk`]): one map, so that most queries cost one lookup and one insert.
    kept: RefCell<FastMap<Q, Found<A>>>,
    /// The other answers of the walk under way (from the outermost open query).
    walk: RefCell<FastMap<Q, Found<A>>>,
    /// Answers of outermost queries asked at depth 0 that are not in `kept`: each is what a
    /// walk from that query alone finds, by definition, so the same query asked first again
    /// has it (a rule asks the kind of one local at each of its members).
    outermost: RefCell<FastMap<Q, A>>,
    /// The number of the walk under way: outermost queries are numbered from 1.
    walk_number: Cell<u64>,
    /// The queries being worked out, outermost first.
    open: RefCell<Vec<Q>>,
    /// How many times a walk has stopped short (see [`WalkMemo::cut`]).
    cut_off: Cell<u64>,
    /// The deepest query met since the innermost open query began.
    deepest: Cell<u32>,
}

struct Found<A> {
    answer: A,
    /// How much deeper than its query the walk that found it went.
    height: u32,
    /// For a kept answer: the last walk that met it (worked it out or used it), which uses it
    /// as an answer of its own from then on, wherever it meets it again.
    walk: u64,
}

impl<Q: Clone + Eq + Hash, A: Clone> WalkMemo<Q, A> {
    /// A memo for walks that go at most `max_depth` queries deep.
    pub fn new(max_depth: u32) -> Self {
        WalkMemo {
            max_depth,
            kept: RefCell::default(),
            walk: RefCell::default(),
            outermost: RefCell::default(),
            walk_number: Cell::new(0),
            open: RefCell::default(),
            cut_off: Cell::new(0),
            deepest: Cell::new(0),
        }
    }

    /// The answer to `query` asked at `depth`: found earlier, `stopped` when the walk cannot
    /// work it out here, or worked out by `work` (which asks its own queries deeper).
    pub fn answer(
        &self,
        query: Q,
        depth: u32,
        stopped: impl FnOnce(Stop) -> A,
        work: impl FnOnce() -> A,
    ) -> A {
        if !self.open.borrow().is_empty() {
            return self.find(query, depth, stopped, work);
        }
        if depth == 0 {
            if let Some(answer) = self.outermost.borrow().get(&query) {
                return answer.clone();
            }
        }
        self.walk_number.set(self.walk_number.get() + 1);
        let answer = self.find(query.clone(), depth, stopped, work);
        let mut walk = self.walk.borrow_mut();
        // The walk keeps answers of its own only when it was cut, and then the query's answer
        // is among them (at depth 0 every kept answer fits).
        if !walk.is_empty() {
            walk.clear();
            if depth == 0 {
                self.outermost.borrow_mut().insert(query, answer.clone());
            }
        }
        answer
    }

    fn find(
        &self,
        query: Q,
        depth: u32,
        stopped: impl FnOnce(Stop) -> A,
        work: impl FnOnce() -> A,
    ) -> A {
        if depth > self.max_depth {
            self.cut();
            return stopped(Stop::TooDeep);
        }
        if self.open.borrow().contains(&query) {
            self.cut();
            return stopped(Stop::Cycle);
        }
        if let Some(found) = self.walk.borrow().get(&query) {
            // Worked out earlier in this walk, and not whole: the same answer, but the open
            // queries are not whole either.
            self.deepest
                .set(self.deepest.get().max(depth + found.height));
            self.cut();
            return found.answer.clone();
        }
        let walk_number = self.walk_number.get();
        if let Some(found) = self.kept.borrow_mut().get_mut(&query) {
            let fits = depth + found.height <= self.max_depth;
            let met = found.walk == walk_number;
            // Met earlier in this walk, it is the walk's answer, but the open queries are
            // whole only if it would be again from here; otherwise it is used where its walk
            // fits under the bound, and worked out again where it does not.
            if met || fits {
                if !fits {
                    self.cut();
                }
                found.walk = walk_number;
                self.deepest
                    .set(self.deepest.get().max(depth + found.height));
                return found.answer.clone();
            }
        }
        let cut_off = self.cut_off.get();
        let outer_deepest = self.deepest.replace(depth);
        self.open.borrow_mut().push(query);
        let answer = work();
        let query = self
            .open
            .borrow_mut()
            .pop()
            .expect("the query pushed above");
        let deepest = self.deepest.get();
        self.deepest.set(outer_deepest.max(deepest));
        let found = Found {
            answer: answer.clone(),
            height: deepest - depth,
            walk: walk_number,
        };
        if self.cut_off.get() == cut_off {
            self.kept.borrow_mut().insert(query, found);
        } else {
            self.walk.borrow_mut().insert(query, found);
        }
        answer
    }

    /// Whether a query that asks no other query can be answered at `depth`, with the same
    /// effect on the walk as [`WalkMemo::answer`] would have (its height is 0, its walk whole):
    /// false (and the walk cut) beyond the bound. Such an answer costs less to work out again
    /// than to keep.
    pub fn leaf(&self, depth: u32) -> bool {
        if depth > self.max_depth {
            self.cut();
            return false;
        }
        self.deepest.set(self.deepest.get().max(depth));
        true
    }

    /// The walk stopped short (a cycle, the depth bound) outside [`WalkMemo::answer`]: the
    /// open queries' answers depend on where it started.
    pub fn cut(&self) {
        self.cut_off.set(self.cut_off.get() + 1);
    }
}
