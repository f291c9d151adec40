//! Whether a table has the same contents and insertion history on every peer: what decides
//! whether a `pairs()` loop over it can run in a different order on a joining client than on
//! the host (Factorio's `pairs()` follows each table's insertion history).
//!
//! Same on every peer: `storage` (saved and loaded with its history), game data (API objects,
//! `defines`, prototypes, event data, another mod's remote-call results), table constructors,
//! module-level tables written only while the mod loads, and tables a function builds from
//! those. Can differ: module-level tables (file-level locals, module-table fields, globals)
//! written at run time, and tables rebuilt in on_load. Anything else is unknown.
//!
//! The module-state part (which module-level places are written, and in which lifecycle
//! contexts) is the minimal query these rules need; FL203's module-state facts answer the same
//! question and can replace [`Histories::state_writes`] when the two meet.

use super::ir::*;
use super::kinds::Kind;
use super::model::{Context, FnRef, Model};
use crate::source::Span;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

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
    /// Written at run time (an event, command, remote call, on_init or
    /// on_configuration_changed) and not rebuilt in on_load: a joining client lacks what the
    /// host added.
    WrittenAtRuntime,
    /// Written in on_load: a joining client builds it in one go, the host built it over time.
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
struct StateWrite<'a> {
    file: usize,
    func: FuncId,
    span: Span,
    /// `Some(v)` when the place itself is given the value `v` (`t = v`, `M.t = v`); `None`
    /// when an entry is put into the table (`t[k] = v`, `t.f = v`, `table.insert(t, v)`).
    replaced_by: Option<&'a Value>,
}

/// Table histories over one unit's model, with the index of writes they need.
pub struct Histories<'m, 'a> {
    model: &'m Model<'a>,
    /// Writes by the canonical key of the place they change.
    writes: HashMap<String, Vec<StateWrite<'a>>>,
    cache: RefCell<HashMap<(usize, *const Value), History>>,
}

impl<'m, 'a> Histories<'m, 'a> {
    pub fn new(model: &'m Model<'a>) -> Self {
        let mut histories = Histories {
            model,
            writes: HashMap::new(),
            cache: RefCell::new(HashMap::new()),
        };
        let mut writes: HashMap<String, Vec<StateWrite<'a>>> = HashMap::new();
        for (file, facts) in model.files.iter().enumerate() {
            let ir: &'a FileIr = facts.ir;
            let mut record = |place: &'a Value, write: StateWrite<'a>| {
                for key in histories.place_keys(file, place, 0) {
                    writes.entry(key).or_default().push(write);
                }
            };
            for assign in &ir.assigns {
                let write = |replaced_by| StateWrite {
                    file,
                    func: assign.func,
                    span: assign.span,
                    replaced_by,
                };
                record(&assign.target, write(Some(&assign.value)));
                if let Value::Index(container, _) = &assign.target {
                    record(container, write(None));
                }
            }
            for call in &ir.calls {
                let mutates = matches!(
                    call.callee.global_path().as_deref(),
                    Some(["table", "insert" | "remove"] | ["rawset"])
                );
                if let (true, Some(table)) = (mutates, call.args.first()) {
                    let write = StateWrite {
                        file,
                        func: call.func,
                        span: call.span,
                        replaced_by: None,
                    };
                    record(table, write);
                }
            }
        }
        histories.writes = writes;
        histories
    }

    /// The history of the table `value` (in `file`) evaluates to.
    pub fn of(&self, file: usize, value: &'a Value) -> History {
        let history = self.history(file, value, 0);
        if history.is_on_cycle() {
            return History::Unknown(self.name(file, value));
        }
        history
    }

    fn history(&self, file: usize, value: &'a Value, depth: u32) -> History {
        let key = (file, value as *const Value);
        if let Some(known) = self.cache.borrow().get(&key) {
            return known.clone();
        }
        // A value that depends on itself learns nothing from the cycle.
        self.cache.borrow_mut().insert(key, History::on_cycle());
        let history = if depth > MAX_DEPTH {
            History::Unknown(self.name(file, value))
        } else {
            self.compute(file, value, depth)
        };
        self.cache.borrow_mut().insert(key, history.clone());
        history
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
            | Value::Bool
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
            BindingKind::Local | BindingKind::LocalFunction if self.is_sorted(file, binding) => {
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
            let insert = c.callee.global_path().as_deref() == Some(&["table", "insert"][..]);
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

    /// `table.sort(t)` is called on the local `t`: its order is the sort's.
    fn is_sorted(&self, file: usize, binding: BindingId) -> bool {
        self.model.ir(file).calls.iter().any(|c| {
            c.callee.global_path().as_deref() == Some(&["table", "sort"][..])
                && c.args.first() == Some(&Value::Local(binding))
        })
    }

    fn call(&self, file: usize, call_id: CallId, depth: u32) -> History {
        let model = self.model;
        let ir = model.ir(file);
        let call = ir.call(call_id);
        if let Some(Ok(module)) = model.require_target(file, call) {
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
                let assigned = super::model::path_key(file, base)
                    .and_then(|key| model.assigned_at(&format!("{key}.{field}")))
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
        let keys = self.place_keys(file, value, 0);
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
            .filter_map(|w| Some(self.model.storage_path(w.file, w.replaced_by?)))
            .collect();
        if let Some(Some(path)) = rebinds.first() {
            if rebinds.iter().all(Option::is_some) {
                return Some(History::Same(Same::Storage(path.clone())));
            }
        }
        // Entries put in, and the place replaced (except an entry of a table, see above).
        let changes: Vec<&StateWrite> = writes
            .iter()
            .filter(|w| !(is_entry && w.replaced_by.is_some()))
            .collect();
        if let Some(w) = changes
            .iter()
            .find(|w| contexts(w).contains(&Context::OnLoad))
        {
            return Some(divergence(
                w,
                DivergenceKind::RebuiltInOnLoad,
                Context::OnLoad,
            ));
        }
        for w in &changes {
            if let Some(context) = contexts(w).into_iter().find(|c| c.is_runtime()) {
                return Some(divergence(w, DivergenceKind::WrittenAtRuntime, context));
            }
        }
        if let Some(w) = changes
            .iter()
            .find(|w| w.func != MAIN_CHUNK && contexts(w).is_empty())
        {
            let function = &self.model.ir(w.file).function(w.func).name;
            return Some(History::Unknown(format!(
                "`{name}` is written in `{function}`, which nothing in this mod is seen to run"
            )));
        }
        let entries = writes
            .iter()
            .filter_map(|w| match (is_entry, w.replaced_by) {
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
    fn state_writes(&self, keys: &[String]) -> Vec<StateWrite<'a>> {
        let mut seen = HashSet::new();
        let mut writes: Vec<StateWrite<'a>> = keys
            .iter()
            .filter_map(|k| self.writes.get(k))
            .flatten()
            .filter(|w| seen.insert((w.file, w.span.start, w.span.end, w.replaced_by.is_some())))
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
                    && matches!(info.kind, BindingKind::Local | BindingKind::LocalFunction);
                file_level || self.required_module(file, *binding).is_some()
            }
            _ => false,
        }
    }

    /// `local m = require("x")`: the module file and its exported value.
    fn required_module(&self, file: usize, binding: BindingId) -> Option<(usize, &'a Value)> {
        let model = self.model;
        model
            .ir(file)
            .binding(binding)
            .values
            .iter()
            .find_map(|v| match v {
                Value::Call(call) => match model.require_target(file, model.ir(file).call(*call)) {
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
    fn place_keys(&self, file: usize, value: &Value, depth: u32) -> Vec<String> {
        if depth > 4 {
            return Vec::new();
        }
        match value {
            Value::Global(name) => vec![format!("G:{name}")],
            Value::Local(binding) => {
                let ir = self.model.ir(file);
                let mut keys = vec![format!("{file}:{binding}")];
                if let Some((module, export)) = self.required_module(file, *binding) {
                    keys.extend(self.place_keys(module, export, depth + 1));
                }
                if ir.binding(*binding).kind == BindingKind::Param {
                    for (caller, arg) in self.model.arguments_for(file, *binding) {
                        keys.extend(self.place_keys(caller, arg, depth + 1));
                    }
                }
                keys
            }
            Value::Index(base, key) => {
                let suffix = match key {
                    Key::Name(field) => format!(".{field}"),
                    Key::Dynamic(_) => "[]".to_string(),
                };
                self.place_keys(file, base, depth)
                    .into_iter()
                    .map(|k| k + &suffix)
                    .collect()
            }
            _ => Vec::new(),
        }
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

/// The game's globals: what they hold is game state, the same on every peer.
fn is_api_global(name: &str) -> bool {
    name == "defines" || crate::api::api().global_object(name).is_some()
}
