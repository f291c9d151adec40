//! Whether a table has the same contents and insertion history on every peer: what decides
//! whether a `pairs()` loop over it can run in a different order on a joining client than on
//! the host (Factorio's `pairs()` follows each table's insertion history).
//!
//! Same on every peer: `storage` (saved and loaded with its history), game data (API objects,
//! `defines`, prototypes, event data, another mod's remote-call results), table constructors,
//! module-level tables written only while the mod loads (or rebuilt by the same code in
//! on_init and on_load, and not changed during play), and tables a function builds from those.
//! Can differ: module-level tables (file-level locals, module-table fields, globals) changed
//! during play or only on the host, and tables rebuilt in on_load that play also changes (or
//! that only on_load builds). Anything else is unknown.
//!
//! The module-state part (which module-level places are written, and in which lifecycle
//! contexts) is the minimal query these rules need; FL203's module-state facts answer the same
//! question and can replace [`Histories::state_writes`] when the two meet.

use super::ir::*;
use super::kinds::Kind;
use super::model::{push_path_step, Context, FastMap, FastSet, FnRef, Model};
use super::walk_memo::{Stop, WalkMemo};
use crate::source::Span;

const MAX_DEPTH: u32 = 10;

/// What the model knows of a table's insertion history across peers.
#[derive(Clone, Debug, PartialEq)]
pub enum History {
    /// The same on every peer.
    Same(Same),
    /// Can differ between peers.
    Differs(Divergence),
    /// The model cannot tell; the text says why, as a clause (`` `t` is a parameter of `f`
    /// that no call in this mod passes ``).
    Unknown(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Same {
    /// The saved table (the path).
    Storage(String),
    /// Game data: API objects and tables, `defines`, prototypes, event data (the path or kind).
    Game(String),
    /// A table constructor written in the code.
    Constant,
    /// A module-level table written only while the mod loads (its name).
    LoadTime(String),
    /// A module-level table built by the same code in on_init (or on_configuration_changed)
    /// and in on_load, and not changed during play: every peer builds it in one go.
    RebuiltAlike(String),
    /// Another mod's data: what `remote.call` returns, what a remote interface function is
    /// passed.
    OtherMod,
}

/// A module-level table whose history can differ, and the write that makes it so.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// The table as the code names it (`surface_entities`, `M.cache`).
    pub name: String,
    pub how: DivergenceKind,
    /// The write: file index and span.
    pub file: usize,
    pub span: Span,
    /// The entry point that runs it: `the on_tick handler`, `on_load`.
    pub origin: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DivergenceKind {
    /// Written during play (an event, command or remote call), or only on the host (on_init,
    /// on_configuration_changed), and not rebuilt in on_load: a joining client lacks what the
    /// host added.
    WrittenAtRuntime,
    /// Rebuilt in on_load and changed during play (or built only in on_load): a joining client
    /// builds it in one go, the host built it over time.
    RebuiltInOnLoad,
}

impl History {
    pub fn is_same(&self) -> bool {
        matches!(self, History::Same(_))
    }

    /// What a value that depends on itself contributes along that cycle: nothing. It is an
    /// `Unknown` with no reason, which [`History::all_of`] skips and [`Histories::of`] never
    /// returns.
    fn on_cycle() -> History {
        History::Unknown(String::new())
    }

    fn is_on_cycle(&self) -> bool {
        matches!(self, History::Unknown(why) if why.is_empty())
    }

    /// All of several possibilities: differs if one differs, unknown if one is unknown.
    /// Contributions along a cycle are skipped; `None` when nothing else is left.
    fn all_of(parts: impl IntoIterator<Item = History>) -> Option<History> {
        let mut result: Option<History> = None;
        let mut cycle = false;
        for part in parts {
            if part.is_on_cycle() {
                cycle = true;
                continue;
            }
            result = Some(match (result, part) {
                (Some(d @ History::Differs(_)), _) => d,
                (_, d @ History::Differs(_)) => d,
                (Some(u @ History::Unknown(_)), _) => u,
                (_, u @ History::Unknown(_)) => u,
                (Some(same), _) => same,
                (None, same) => same,
            });
        }
        result.or_else(|| cycle.then(History::on_cycle))
    }
}

/// A write to a place that may be module state.
#[derive(Clone, Copy, Debug)]
pub(super) struct StateWrite {
    file: usize,
    func: FuncId,
    span: Span,
    /// `Some(a)` when the place itself is given the value of the file's assignment `a` (`t =
    /// v`, `M.t = v`); `None` when an entry is put into the table (`t[k] = v`, `t.f = v`,
    /// `table.insert(t, v)`).
    replacing: Option<usize>,
}

impl StateWrite {
    /// The value the place itself is given, if the write replaces it.
    fn replaced_by<'a>(&self, model: &Model<'a>) -> Option<&'a Value> {
        self.replacing
            .map(|assign| &model.ir(self.file).assigns[assign].value)
    }
}

/// Table histories over one unit's model: a view of the model's [`HistoryFacts`], which every
/// rule asking for histories shares.
pub struct Histories<'m, 'a> {
    model: &'m Model<'a>,
    /// Writes by the canonical key of the place they change, indexed on first use (only
    /// module-level places ask).
    writes: &'m std::cell::OnceCell<WriteIndex>,
    memo: &'m HistoryMemo,
}

/// What histories need of a model, worked out on first use and kept with it.
pub(super) struct HistoryFacts {
    writes: std::cell::OnceCell<WriteIndex>,
    memo: HistoryMemo,
}

impl<'m, 'a> Histories<'m, 'a> {
    pub fn new(model: &'m Model<'a>) -> Self {
        let facts = model.history.get_or_init(|| HistoryFacts {
            writes: std::cell::OnceCell::new(),
            memo: HistoryMemo::new(MAX_DEPTH),
        });
        Histories {
            model,
            writes: &facts.writes,
            memo: &facts.memo,
        }
    }

    /// The history of the table `value` (in `file`) evaluates to: what a walk from this
    /// query alone finds, whichever queries came before (see [`HistoryMemo`]).
    pub fn of(&self, file: usize, value: &'a Value) -> History {
        let history = self.history(file, value, 0);
        if history.is_on_cycle() {
            return History::Unknown(self.name(file, value));
        }
        history
    }

    fn history(&self, file: usize, value: &'a Value, depth: u32) -> History {
        self.memo.answer(
            (file, value as *const Value),
            depth,
            |stop| match stop {
                // A value that depends on itself learns nothing from the cycle.
                Stop::Cycle => History::on_cycle(),
                Stop::TooDeep => History::Unknown(self.name(file, value)),
            },
            || self.compute(file, value, depth),
        )
    }

    fn compute(&self, file: usize, value: &'a Value, depth: u32) -> History {
        let model = self.model;
        if let Some(path) = model.storage_path(file, value) {
            return History::Same(Same::Storage(path));
        }
        if let Some(path) = value.global_path() {
            if is_api_global(path[0]) {
                return History::Same(Same::Game(path.join(".")));
            }
        }
        if let Some(state) = self.module_state(file, value, depth) {
            return state;
        }
        if let Some(kind) = model.kind(file, value) {
            if matches!(kind, Kind::Class(_) | Kind::Api(_) | Kind::EventData(_)) {
                return History::Same(Same::Game(kind.describe()));
            }
        }
        let unknown = || History::Unknown(self.name(file, value));
        match value {
            // A literal or an expression: no table, so nothing to iterate differently (`for
            // _, id in pairs(ids)` where a caller passes one id).
            Value::Table(_)
            | Value::Nil
            | Value::Bool(_)
            | Value::Number(_)
            | Value::Str(_)
            | Value::Scalar(_)
            | Value::Length(_)
            | Value::Function(_) => History::Same(Same::Constant),
            Value::Local(binding) => self.local(file, *binding, depth),
            Value::Call(call) => self.call(file, *call, depth),
            Value::Either(a, b) => History::all_of([
                self.history(file, a, depth + 1),
                self.history(file, b, depth + 1),
            ])
            .unwrap_or_else(unknown),
            Value::Index(base, Key::Name(field)) => self
                .field(file, base, field, depth)
                .unwrap_or_else(|| self.history(file, base, depth + 1)),
            // An element of a table is filled where the table is.
            Value::Index(base, Key::Dynamic(_)) => self.history(file, base, depth + 1),
            _ => unknown(),
        }
    }

    fn local(&self, file: usize, binding: BindingId, depth: u32) -> History {
        let model = self.model;
        let ir = model.ir(file);
        let info = ir.binding(binding);
        let unknown = || History::Unknown(format!("`{}` is a value it cannot follow", info.name));
        match info.kind {
            BindingKind::LoopVar(loop_id) => match &ir.loop_(loop_id).kind {
                LoopKind::Pairs(table) | LoopKind::Ipairs(table) => {
                    self.history(file, table, depth + 1)
                }
                LoopKind::Generic(_) => History::Unknown(format!(
                    "`{}` comes from an iterator function it cannot follow",
                    info.name
                )),
                _ => unknown(),
            },
            BindingKind::Param => {
                let arguments = model.arguments_for(file, binding);
                let f = FnRef {
                    file,
                    func: info.func,
                };
                let is_entry = |context| {
                    model
                        .reach(f, context)
                        .is_some_and(|reach| reach.via.is_none())
                };
                if arguments.is_empty() && is_entry(Context::Remote) {
                    return History::Same(Same::OtherMod);
                }
                let first = ir.function(info.func).params.first() == Some(&binding);
                if arguments.is_empty()
                    && first
                    && (is_entry(Context::Event) || is_entry(Context::Command))
                {
                    return History::Same(Same::Game("event data".to_string()));
                }
                let function = &ir.function(info.func).name;
                History::all_of(
                    arguments
                        .into_iter()
                        .map(|(caller, arg)| self.history(caller, arg, depth + 1)),
                )
                .unwrap_or_else(|| {
                    History::Unknown(format!(
                        "`{}` is a parameter of `{function}` that no call in this mod passes",
                        info.name
                    ))
                })
            }
            BindingKind::Local | BindingKind::LocalFunction
                if self.model.ir(file).sorts(binding) =>
            {
                History::Same(Same::Constant)
            }
            // A local of a function: what it is given, and the loops that fill it.
            BindingKind::Local | BindingKind::LocalFunction => {
                let given = info.values.iter().map(|v| self.history(file, v, depth + 1));
                let fills = self.filling_loops(file, binding).into_iter().map(|l| {
                    match &ir.loop_(l).kind {
                        LoopKind::Pairs(table) => self.history(file, table, depth + 1),
                        _ => History::Same(Same::Constant),
                    }
                });
                History::all_of(given.chain(fills).collect::<Vec<_>>()).unwrap_or_else(unknown)
            }
        }
    }

    /// The `pairs` loops that add entries to a function's local table: around the writes in
    /// its function, or around the calls of a nested function that writes it. Loops the
    /// declaration itself is in do not count (the table is made anew on each of their turns).
    fn filling_loops(&self, file: usize, binding: BindingId) -> Vec<LoopId> {
        let model = self.model;
        let ir = model.ir(file);
        let info = ir.binding(binding);
        let is_table = |v: &Value| matches!(v, Value::Local(b) if *b == binding);
        let assigns = ir.assigns.iter().filter_map(|a| match &a.target {
            Value::Index(base, _) if is_table(base) => Some((a.func, &a.loops)),
            _ => None,
        });
        let inserts = ir.calls.iter().filter_map(|c| {
            let insert = c.callee.is_global_path(&["table", "insert"]);
            (insert && c.args.first().is_some_and(is_table)).then_some((c.func, &c.loops))
        });
        let owner = FnRef {
            file,
            func: info.func,
        };
        let mut loops: Vec<LoopId> = Vec::new();
        for (func, fill_loops) in assigns.chain(inserts) {
            if func == info.func {
                loops.extend(fill_loops);
                continue;
            }
            let calls = model
                .calls_to
                .get(&FnRef { file, func })
                .into_iter()
                .flatten();
            for (call, caller) in calls {
                if *caller == owner {
                    loops.extend(&ir.call(call.call).loops);
                }
            }
        }
        loops
            .retain(|l| !info.loops.contains(l) && matches!(ir.loop_(*l).kind, LoopKind::Pairs(_)));
        loops.sort_unstable();
        loops.dedup();
        loops
    }

    fn call(&self, file: usize, call_id: CallId, depth: u32) -> History {
        let model = self.model;
        let ir = model.ir(file);
        let call = ir.call(call_id);
        if let Some(Ok(module)) = model.require_target(file, call_id) {
            let export = model.ir(module).functions[MAIN_CHUNK as usize]
                .returns
                .last()
                .and_then(|r| r.first());
            return match export {
                Some(export) => self.history(module, export, depth + 1),
                None => History::Unknown(format!(
                    "`{}` returns nothing it can follow",
                    ir.describe(&Value::Call(call_id))
                )),
            };
        }
        let names = model.api_names(file, &call.callee);
        if names.iter().any(|n| n == "remote.call") {
            return History::Same(Same::OtherMod);
        }
        // A method of the game's objects, also one the API table of this version lacks.
        if let Some(path) = call.callee.global_path() {
            if is_api_global(path[0]) && path.len() > 1 {
                return History::Same(Same::Game(format!("{}(…)", path.join("."))));
            }
        }
        let copies = ["table.deepcopy", "util.table.deepcopy", "util.copy"];
        if names.iter().any(|n| copies.contains(&n.as_str())) {
            if let Some(original) = call.args.first() {
                return self.history(file, original, depth + 1);
            }
        }
        let returns: Vec<History> = model
            .callees(file, &call.callee)
            .into_iter()
            .flat_map(|callee| {
                let function = model.ir(callee.file).function(callee.func);
                function
                    .returns
                    .iter()
                    .filter_map(|values| values.first())
                    .map(move |v| (callee.file, v))
            })
            .map(|(f, v)| self.history(f, v, depth + 1))
            .collect();
        History::all_of(returns).unwrap_or_else(|| {
            History::Unknown(format!(
                "`{}` returns a value it cannot follow",
                ir.describe(&Value::Call(call_id))
            ))
        })
    }

    /// `base.field` where `base` is a table the code builds: what was put in that field.
    /// `None` when the code shows nothing (then the field shares `base`'s history).
    fn field(&self, file: usize, base: &'a Value, field: &str, depth: u32) -> Option<History> {
        if depth > MAX_DEPTH {
            self.memo.cut();
            return None;
        }
        let model = self.model;
        let ir = model.ir(file);
        match base {
            Value::Table(fields) => History::all_of(
                fields
                    .iter()
                    .filter(|f| matches!(&f.key, Some(Key::Name(n)) if n == field))
                    .map(|f| self.history(file, &f.value, depth + 1))
                    .collect::<Vec<_>>(),
            ),
            Value::Local(binding) => {
                let info = ir.binding(*binding);
                if info.kind == BindingKind::Param {
                    return None;
                }
                let assigned = model
                    .assigned_at_field(file, base, Some(field))
                    .unwrap_or_default()
                    .iter()
                    .map(|(f, v)| self.history(*f, v, depth + 1));
                let given = info
                    .values
                    .iter()
                    .filter_map(|v| self.field(file, v, field, depth + 1));
                History::all_of(assigned.chain(given).collect::<Vec<_>>())
            }
            Value::Call(call) => {
                let call = ir.call(*call);
                let found: Vec<History> = model
                    .callees(file, &call.callee)
                    .into_iter()
                    .flat_map(|callee| {
                        let function = model.ir(callee.file).function(callee.func);
                        function
                            .returns
                            .iter()
                            .filter_map(|values| values.first())
                            .filter_map(move |v| self.field(callee.file, v, field, depth + 1))
                    })
                    .collect();
                History::all_of(found)
            }
            _ => None,
        }
    }

    // ----- module state -----

    /// For a module-level place (a file-level local, a field of a module table, a global, at
    /// any depth): whether it is filled or replaced at run time or in on_load, or only at load.
    ///
    /// An entry of a module table (`M.by_id[id]`) replaced at run time is another matter: it
    /// is whatever table was put there, so its history is that table's.
    fn module_state(&self, file: usize, value: &'a Value, depth: u32) -> Option<History> {
        if !self.is_module_level(file, value) {
            return None;
        }
        let keys = place_keys(self.model, file, value, 0);
        if keys.is_empty() {
            return None;
        }
        let name = self.describe(file, value);
        let is_entry = matches!(value, Value::Index(_, Key::Dynamic(_)));
        let writes = self.state_writes(&keys);
        let contexts = |w: &StateWrite| {
            self.model.contexts(FnRef {
                file: w.file,
                func: w.func,
            })
        };
        let divergence = |w: &StateWrite, how: DivergenceKind, context: Context| {
            let origin = self
                .model
                .reach(
                    FnRef {
                        file: w.file,
                        func: w.func,
                    },
                    context,
                )
                .map(|r| r.origin.clone())
                .unwrap_or_else(|| context.name().to_string());
            History::Differs(Divergence {
                name: name.clone(),
                how,
                file: w.file,
                span: w.span,
                origin,
            })
        };
        // `M.data = storage.data` in on_init and on_load: an alias of the saved table, the
        // documented pattern.
        // `M.data = storage.data` in on_init and on_load: an alias of the saved table, the
        // documented pattern.
        let rebinds: Vec<Option<String>> = writes
            .iter()
            .filter(|_| !is_entry)
            .filter_map(|w| Some(self.model.storage_path(w.file, w.replaced_by(self.model)?)))
            .collect();
        if let Some(Some(path)) = rebinds.first() {
            if rebinds.iter().all(Option::is_some) {
                return Some(History::Same(Same::Storage(path.clone())));
            }
        }
        // Entries put in, and the place replaced (except an entry of a table, see above).
        let changes: Vec<&StateWrite> = writes
            .iter()
            .filter(|w| !(is_entry && w.replacing.is_some()))
            .collect();
        // Replaced somewhere nothing is seen to run (a callback handed to a library, as event
        // and storage libraries do to rebind a module table to its saved copy in on_load):
        // what the table is on each peer cannot be told.
        let unplaced = |w: &StateWrite| w.func != MAIN_CHUNK && contexts(w).is_empty();
        if let Some(w) = changes
            .iter()
            .find(|w| w.replacing.is_some() && unplaced(w))
        {
            let function = &self.model.ir(w.file).function(w.func).name;
            return Some(History::Unknown(format!(
                "`{name}` is replaced in `{function}`, which nothing in this mod is seen to run"
            )));
        }
        // Replaced while loading by something it cannot follow (a library handing back the
        // saved copy, say): it may be an alias of `storage`, or not.
        let loading = |w: &StateWrite| {
            let contexts = contexts(w);
            contexts.contains(&Context::Load) || contexts.contains(&Context::OnLoad)
        };
        for w in changes.iter().filter(|w| loading(w)) {
            let Some(value) = w.replaced_by(self.model) else {
                continue;
            };
            if let History::Unknown(why) = self.history(w.file, value, depth + 1) {
                if !why.is_empty() {
                    return Some(History::Unknown(format!(
                        "`{name}` is replaced while the mod loads by a value it cannot follow ({why})"
                    )));
                }
            }
        }
        // The first write in a context of each kind.
        let first_in = |kind: fn(&Context) -> bool| {
            changes.iter().find_map(|w| {
                let context = contexts(w).into_iter().find(kind)?;
                Some((*w, context))
            })
        };
        let on_load = first_in(|c| *c == Context::OnLoad);
        let every_peer = first_in(|c| {
            matches!(
                c,
                Context::Event | Context::Command | Context::Remote | Context::Injected
            )
        });
        let host_only =
            first_in(|c| matches!(c, Context::OnInit | Context::OnConfigurationChanged));
        match (every_peer, host_only, on_load) {
            // Changed during play and rebuilt on load: the host's history is its play, a
            // joining client's the rebuild.
            (Some(_), _, Some((w, _))) => {
                return Some(divergence(
                    w,
                    DivergenceKind::RebuiltInOnLoad,
                    Context::OnLoad,
                ))
            }
            (Some((w, context)), _, None) => {
                return Some(divergence(w, DivergenceKind::WrittenAtRuntime, context))
            }
            // Built by the same code in on_init (or on_configuration_changed) and on_load:
            // every peer builds it in one go.
            (None, Some(_), Some(_)) => {
                return Some(History::Same(Same::RebuiltAlike(name)));
            }
            // Only the host builds it; a joining client has the load-time table.
            (None, Some((w, context)), None) => {
                return Some(divergence(w, DivergenceKind::WrittenAtRuntime, context))
            }
            // Built only in on_load: a host that started the game never ran it.
            (None, None, Some((w, _))) => {
                return Some(divergence(
                    w,
                    DivergenceKind::RebuiltInOnLoad,
                    Context::OnLoad,
                ))
            }
            (None, None, None) => {}
        }
        if let Some(w) = changes.iter().find(|w| unplaced(w)) {
            let function = &self.model.ir(w.file).function(w.func).name;
            return Some(History::Unknown(format!(
                "`{name}` is written in `{function}`, which nothing in this mod is seen to run"
            )));
        }
        let entries = writes
            .iter()
            .filter_map(|w| match (is_entry, w.replaced_by(self.model)) {
                (true, Some(v)) => Some(self.history(w.file, v, depth + 1)),
                _ => None,
            });
        // Otherwise written only while the mod loads, which every peer does alike.
        Some(
            History::all_of(entries.collect::<Vec<_>>())
                .unwrap_or(History::Same(Same::LoadTime(name))),
        )
    }

    /// Writes to any of `keys`, in a stable order.
    fn state_writes(&self, keys: &[String]) -> Vec<StateWrite> {
        let index = self.writes.get_or_init(|| index_writes(self.model));
        let mut seen = FastSet::default();
        let mut writes: Vec<StateWrite> = keys
            .iter()
            .filter_map(|k| index.get(k))
            .flatten()
            .filter(|w| seen.insert((w.file, w.span.start, w.span.end, w.replacing.is_some())))
            .copied()
            .collect();
        writes.sort_by_key(|w| (w.file, w.span.start));
        writes
    }

    /// Rooted at a file-level local, a module's export, or a global other than the game's.
    fn is_module_level(&self, file: usize, value: &Value) -> bool {
        let mut root = value;
        while let Value::Index(base, _) = root {
            root = base;
        }
        match root {
            Value::Global(name) => !is_api_global(name),
            Value::Local(binding) => {
                let info = self.model.ir(file).binding(*binding);
                let file_level = info.func == MAIN_CHUNK
                    && matches!(info.kind, BindingKind::Local | BindingKind::LocalFunction)
                    && self.runs_at_load(file);
                file_level || required_module(self.model, file, *binding).is_some()
            }
            _ => false,
        }
    }

    /// A file whose main chunk runs while the mod loads (or that nothing is seen to run): its
    /// file-level locals live as long as the Lua state. A migration's or an injected script's
    /// main chunk runs once, so its file-level locals are scratch.
    fn runs_at_load(&self, file: usize) -> bool {
        let contexts = self.model.contexts(FnRef {
            file,
            func: MAIN_CHUNK,
        });
        contexts.is_empty() || contexts.contains(&Context::Load)
    }

    fn describe(&self, file: usize, value: &Value) -> String {
        self.model.ir(file).describe(value)
    }

    /// Why the history of `value` is unknown, when nothing more precise is known.
    fn name(&self, file: usize, value: &Value) -> String {
        format!(
            "`{}` is a value it cannot follow",
            self.describe(file, value)
        )
    }
}

/// The memo of history queries, by (file, value): a [`WalkMemo`], so that an answer never
/// depends on which queries came first (rules ask in different orders, and only about the
/// files they report on).
type HistoryMemo = WalkMemo<(usize, *const Value), History>;

/// Writes to places that may be module state, by every key of the place they change: built
/// once per model, for every rule that asks for histories.
pub(super) type WriteIndex = FastMap<String, Vec<StateWrite>>;

fn index_writes<'a>(model: &Model<'a>) -> WriteIndex {
    let mut writes = WriteIndex::default();
    // Most keys are written more than once: a key is put together in this buffer and
    // copied only when it is new.
    let mut key = String::new();
    let add = |writes: &mut WriteIndex, key: &str, write: StateWrite| match writes.get_mut(key) {
        Some(list) => list.push(write),
        None => {
            writes.insert(key.to_string(), vec![write]);
        }
    };
    for (file, facts) in model.files.iter().enumerate() {
        let ir: &'a FileIr = facts.ir;
        // A local's keys, once: a table's fields are written many times (`self.a = …`), and a
        // parameter's keys follow every caller.
        let mut local_keys: FastMap<BindingId, Vec<String>> = FastMap::default();
        let mut suffixes = Vec::new();
        let mut record = |place: &'a Value, write: StateWrite| {
            if !may_be_asked(model, file, place) {
                return;
            }
            let mut root = place;
            suffixes.clear();
            while let Value::Index(base, key) = root {
                suffixes.push(key);
                root = base;
            }
            let Value::Local(binding) = root else {
                for key in place_keys(model, file, place, 0) {
                    add(&mut writes, &key, write);
                }
                return;
            };
            let roots = local_keys
                .entry(*binding)
                .or_insert_with(|| place_keys(model, file, root, 0));
            for root_key in roots.iter() {
                key.clear();
                key.push_str(root_key);
                for suffix in suffixes.iter().rev() {
                    push_path_step(&mut key, suffix.name());
                }
                add(&mut writes, &key, write);
            }
        };
        for (id, assign) in ir.assigns.iter().enumerate() {
            let write = |replacing| StateWrite {
                file,
                func: assign.func,
                span: assign.span,
                replacing,
            };
            record(&assign.target, write(Some(id)));
            if let Value::Index(container, _) = &assign.target {
                record(container, write(None));
            }
        }
        for call in &ir.calls {
            let mutates = call.callee.is_global_path(&["table", "insert"])
                || call.callee.is_global_path(&["table", "remove"])
                || call.callee.is_global_path(&["rawset"]);
            if let (true, Some(table)) = (mutates, call.args.first()) {
                let write = StateWrite {
                    file,
                    func: call.func,
                    span: call.span,
                    replacing: None,
                };
                record(table, write);
            }
        }
    }
    writes
}

/// Whether a history query can ask about writes to `place`: those ask only about places
/// rooted at a global, a main chunk's local (a file-level local, a module's export) or a
/// required module, and reach a parameter's callers; a place rooted at another local of a
/// function (most writes) has keys no query asks for.
fn may_be_asked(model: &Model<'_>, file: usize, place: &Value) -> bool {
    let mut root = place;
    while let Value::Index(base, _) = root {
        root = base;
    }
    match root {
        Value::Local(binding) => {
            let info = model.ir(file).binding(*binding);
            info.func == MAIN_CHUNK
                || info.kind == BindingKind::Param
                || required_module(model, file, *binding).is_some()
        }
        _ => true,
    }
}

/// `local m = require("x")`: the module file and its exported value.
fn required_module<'a>(
    model: &Model<'a>,
    file: usize,
    binding: BindingId,
) -> Option<(usize, &'a Value)> {
    model
        .ir(file)
        .binding(binding)
        .values
        .iter()
        .find_map(|v| match v {
            Value::Call(call) => match model.require_target(file, *call) {
                Some(Ok(module)) => model.ir(module).functions[MAIN_CHUNK as usize]
                    .returns
                    .last()
                    .and_then(|r| r.first())
                    .map(|export| (module, export)),
                _ => None,
            },
            _ => None,
        })
}

/// Every key that names the place `value` denotes: its own path key, and the same place
/// seen from the module that exports it (`m.cache` with `local m = require("x")` is also
/// `M.cache` in x) or from the callers that pass it (a parameter).
fn place_keys(model: &Model<'_>, file: usize, value: &Value, depth: u32) -> Vec<String> {
    if depth > 4 {
        return Vec::new();
    }
    match value {
        Value::Global(name) => vec![format!("G:{name}")],
        Value::Local(binding) => {
            let ir = model.ir(file);
            let mut keys = vec![format!("{file}:{binding}")];
            if let Some((module, export)) = required_module(model, file, *binding) {
                keys.extend(place_keys(model, module, export, depth + 1));
            }
            if ir.binding(*binding).kind == BindingKind::Param {
                for (caller, arg) in model.arguments_for(file, *binding) {
                    keys.extend(place_keys(model, caller, arg, depth + 1));
                }
            }
            keys
        }
        Value::Index(base, key) => place_keys(model, file, base, depth)
            .into_iter()
            .map(|mut place| {
                push_path_step(&mut place, key.name());
                place
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The game's globals: what they hold is game state, the same on every peer.
fn is_api_global(name: &str) -> bool {
    name == "defines" || crate::api::api().global_object(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::test_model::with_model;

    /// The history of the table each `pairs` loop iterates, per file, in source order.
    fn loop_histories(files: &[(&str, &str)]) -> Vec<Vec<History>> {
        let mut out = Vec::new();
        with_model(files, |model, facts| {
            let histories = Histories::new(model);
            for (file, facts) in facts.iter().enumerate() {
                let found = facts
                    .ir
                    .loops
                    .iter()
                    .filter_map(|l| match &l.kind {
                        LoopKind::Pairs(table) => Some(histories.of(file, table)),
                        _ => None,
                    })
                    .collect();
                out.push(found);
            }
        });
        out
    }

    fn differs(history: &History) -> Option<(DivergenceKind, &str, &str)> {
        match history {
            History::Differs(d) => Some((d.how, d.name.as_str(), d.origin.as_str())),
            _ => None,
        }
    }

    #[test]
    fn saved_game_and_constant_tables_are_the_same_everywhere() {
        let code = r#"
            local kinds = { a = 1, b = 2 }
            local names = {}
            names.first = "x"
            script.on_event(defines.events.on_train_created, function(event)
              for _ in pairs(storage.groups) do end
              for _ in pairs(game.players) do end
              for _ in pairs(defines.events) do end
              for _ in pairs(event.train.carriages) do end
              for _ in pairs(kinds) do end
              for _ in pairs(names) do end
              for _ in pairs(remote.call("other", "list")) do end
              local built = {}
              for k in pairs(storage.groups) do built[#built + 1] = k end
              for _ in pairs(built) do end
            end)
            remote.add_interface("m", { add = function(items) for _ in pairs(items) do end end })
        "#;
        let found = &loop_histories(&[("control.lua", code)])[0];
        assert!(matches!(&found[0], History::Same(Same::Storage(p)) if p == "storage.groups"));
        assert!(matches!(&found[1], History::Same(Same::Game(p)) if p == "game.players"));
        assert!(matches!(&found[2], History::Same(Same::Game(_))));
        assert!(
            matches!(&found[3], History::Same(Same::Game(_))),
            "{:?}",
            found[3]
        );
        assert!(matches!(&found[4], History::Same(Same::LoadTime(n)) if n == "kinds"));
        assert!(matches!(&found[5], History::Same(Same::LoadTime(_))));
        assert!(found[6].is_same(), "{:?}", found[6]);
        assert!(found[8].is_same(), "built from storage: {:?}", found[8]);
        assert!(
            found[9].is_same(),
            "a remote function's argument: {:?}",
            found[9]
        );
    }

    #[test]
    fn module_state_written_during_play_or_only_on_the_host_differs() {
        let state = r#"
            local state = { seen = {} }
            function state:add(entity) self.seen[entity.unit_number] = true end
            return state
        "#;
        let code = r#"
            local state = require("state")
            local cache = {}
            local host_only = {}
            watched = {}
            script.on_event(defines.events.on_built_entity, function(event)
              state:add(event.entity)
              cache[event.entity.unit_number] = true
              watched[event.player_index] = true
            end)
            script.on_init(function() host_only.x = 1 end)
            script.on_nth_tick(60, function()
              for _ in pairs(state.seen) do end
              for _ in pairs(cache) do end
              for _ in pairs(watched) do end
              for _ in pairs(host_only) do end
              local alias = cache
              for _ in pairs(alias) do end
            end)
        "#;
        let found = &loop_histories(&[("control.lua", code), ("state.lua", state)])[0];
        let runtime = DivergenceKind::WrittenAtRuntime;
        assert_eq!(
            differs(&found[0]),
            Some((runtime, "state.seen", "the on_built_entity handler"))
        );
        assert_eq!(differs(&found[1]).map(|d| d.1), Some("cache"));
        assert_eq!(differs(&found[2]).map(|d| d.1), Some("watched"));
        assert_eq!(differs(&found[3]), Some((runtime, "host_only", "on_init")));
        assert_eq!(
            differs(&found[4]).map(|d| d.1),
            Some("cache"),
            "through a local"
        );
    }

    #[test]
    fn rebuilt_tables_differ_when_play_changes_them_too() {
        let code = r#"
            local by_name = {}
            local recipes = {}
            local only_on_load = {}
            local function rebuild_names()
              by_name = {}
              for k, v in pairs(storage.stations) do by_name[v.name] = k end
            end
            local function rebuild_recipes()
              recipes = {}
              for name in pairs(prototypes.recipe) do recipes[name] = true end
            end
            script.on_init(function() rebuild_names() rebuild_recipes() end)
            script.on_load(function()
              rebuild_names()
              rebuild_recipes()
              only_on_load.ready = true
            end)
            script.on_event(defines.events.on_entity_renamed, function(event)
              by_name[event.entity.backer_name] = event.entity.unit_number
              for _ in pairs(by_name) do end
              for _ in pairs(recipes) do end
              for _ in pairs(only_on_load) do end
            end)
        "#;
        let found = &loop_histories(&[("control.lua", code)])[0];
        let rebuilt = DivergenceKind::RebuiltInOnLoad;
        assert_eq!(differs(&found[2]), Some((rebuilt, "by_name", "on_load")));
        assert!(matches!(&found[3], History::Same(Same::RebuiltAlike(n)) if n == "recipes"));
        assert_eq!(differs(&found[4]).map(|d| d.0), Some(rebuilt));
    }

    #[test]
    fn what_cannot_be_followed_is_unknown_and_says_why() {
        let code = r#"
            local lib = {}
            function lib.export(source)
              for _ in pairs(source) do end
            end
            local tracked = {}
            some_library.register(function(saved) tracked = saved.tracked end)
            script.on_event(defines.events.on_tick, function()
              tracked[1] = true
              for _ in pairs(tracked) do end
            end)
            -- A function calling itself with part of what it got learns nothing from that.
            local function walk(node)
              for _, child in pairs(node.children) do walk(child) end
            end
            walk({ children = {} })
            return lib
        "#;
        let found = &loop_histories(&[("control.lua", code)])[0];
        assert!(
            matches!(&found[0], History::Unknown(why) if why.contains("`source` is a parameter of `lib.export`")),
            "{:?}",
            found[0]
        );
        assert!(
            matches!(&found[1], History::Unknown(why) if why.contains("`tracked` is replaced in `<anonymous>`, which nothing in this mod is seen to run")),
            "{:?}",
            found[1]
        );
        assert!(found[2].is_same(), "{:?}", found[2]);
    }

    #[test]
    fn a_migration_s_file_level_locals_are_scratch() {
        let migration = r#"
            local old = {}
            for k, v in pairs(storage.items) do old[k] = v end
            for _ in pairs(old) do end
        "#;
        let found = &loop_histories(&[("control.lua", ""), ("migrations/1.1.0.lua", migration)])[1];
        assert!(found[1].is_same(), "{:?}", found[1]);
    }
}
