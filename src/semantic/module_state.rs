//! Module state: Lua variables that outlive one handler call but are not `storage`.
//!
//! That is a file-level local of a control-stage file (or any local of a function that runs only
//! while the mod loads, kept alive by the closures made there), a field of a module table at any
//! depth, and a Lua global of the mod. Factorio saves only `storage`: a client that joins, or
//! anyone who loads a save, runs control.lua and on_load and nothing else, so module state holds
//! what loading gives it, while the host's copy holds whatever its handlers wrote since.
//!
//! These facts say which places are module state ([`Model::state_place`]), who writes them at run
//! time, at load and in on_load, who reads them, whether a read sees a value written earlier in
//! the same invocation ([`Model::read_is_fresh`]), and whether a written value carries the game's
//! history or is data every peer computes the same at any time ([`History`]). FL203 reports
//! state carried from one invocation to a later one. (Whether an iterated table's order can
//! differ between peers, FL202's question, is `history`'s.)

use super::ir::*;
use super::kinds::Kind;
use super::model::{Context, FastMap, FastSet, FnRef, Model, RegKind};
use crate::source::Span;
use smol_str::SmolStr;
use std::cell::OnceCell;

/// Factorio's and Lua's own globals: never the mod's state (`storage` is saved; `global` is
/// `storage` before 2.0 and FL501's business after).
pub fn is_builtin_global(name: &str) -> bool {
    const BUILTINS: &[&str] = &[
        // Factorio
        "game",
        "script",
        "remote",
        "commands",
        "settings",
        "rendering",
        "helpers",
        "prototypes",
        "defines",
        "storage",
        "global",
        "rcon",
        "log",
        "localised_print",
        "table_size",
        "serpent",
        "data",
        "mods",
        "feature_flags",
        "util",
        // Lua
        "_G",
        "_ENV",
        "_VERSION",
        "arg",
        "assert",
        "error",
        "ipairs",
        "pairs",
        "next",
        "pcall",
        "xpcall",
        "print",
        "rawequal",
        "rawget",
        "rawset",
        "rawlen",
        "require",
        "select",
        "setmetatable",
        "getmetatable",
        "tonumber",
        "tostring",
        "type",
        "unpack",
        "load",
        "loadstring",
        "collectgarbage",
        "bit32",
        "math",
        "string",
        "table",
        "package",
        "debug",
        "os",
        "io",
        "coroutine",
    ];
    BUILTINS.contains(&name)
}

/// Where a module-state place is rooted.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StateRoot {
    /// A local declared in a function that runs only while the mod loads: a file-level local,
    /// or an upvalue of the closures made there.
    Upvalue { file: usize, binding: BindingId },
    /// The table constructor a module returns (`return { ... }`), reached through `require`.
    Module { file: usize },
    /// A Lua global of the mod.
    Global(SmolStr),
}

/// One step of a place's path below its root.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    Field(SmolStr),
    /// `t[expr]`: any key.
    Dynamic,
}

/// A module-state place: a root and a field path (`M.cache[…]`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatePlace {
    pub root: StateRoot,
    pub path: Vec<Segment>,
}

impl StatePlace {
    /// The variable a message names: the root and its named fields up to the first dynamic key
    /// (`players[…].gui` is the variable `players`).
    pub fn variable(&self) -> StatePlace {
        let named = self
            .path
            .iter()
            .take_while(|s| matches!(s, Segment::Field(_)))
            .count();
        StatePlace {
            root: self.root.clone(),
            path: self.path[..named].to_vec(),
        }
    }

    /// `self` is `other` or a place that contains it.
    pub fn is_prefix_of(&self, other: &StatePlace) -> bool {
        self.root == other.root
            && self.path.len() <= other.path.len()
            && self.path.iter().zip(&other.path).all(|(a, b)| a == b)
    }

    /// One contains the other: a write to one can change what a read of the other sees.
    pub fn overlaps(&self, other: &StatePlace) -> bool {
        self.is_prefix_of(other) || other.is_prefix_of(self)
    }
}

/// Whether a value carries the game's history or is the same on every peer at any time.
/// Combined by `max`: one part that carries history makes the whole carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum History {
    /// Constants, code, prototypes, startup settings: any peer computes the same at any time.
    Invariant,
    /// The same for the same key of the write it is stored under: a memo
    /// (`cache[name] = prototypes.item[name].stack_size`).
    Keyed,
    /// Run-time mod settings: the same on every peer at any one time, until a player changes
    /// them (on_runtime_mod_setting_changed). A copy stays right while the mod refreshes it.
    Setting,
    /// The model cannot tell.
    Unknown,
    /// Game state, event data, random numbers, what was stored before.
    Variant,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteKind {
    /// `place = value`
    Assign,
    /// `table.insert(place, value)`
    Insert,
    /// `table.remove(place, …)`
    Remove,
}

/// A write to module state.
#[derive(Clone, Debug)]
pub struct StateWrite {
    pub file: usize,
    pub func: FuncId,
    /// The assignment target, or the `table.insert`/`table.remove` call.
    pub span: Span,
    /// Where the statement ends: reads after it see the written value.
    pub end: usize,
    pub place: StatePlace,
    pub kind: WriteKind,
    /// The statement: an assignment (its index in the file's `assigns`) or a call.
    pub source: WriteSource,
    /// The whole variable is replaced (`x = …`, `M.buffer = …`), not one entry of it.
    pub replaces: bool,
    /// See [`Model::write_history`]: one answer per nesting level of the question (a write's
    /// history asks about the writes of the state it reads, two levels deep).
    history: [OnceCell<History>; MAX_NESTING as usize + 1],
}

/// The statement a [`StateWrite`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteSource {
    Assign(usize),
    Call(CallId),
}

impl StateWrite {
    pub fn function(&self) -> FnRef {
        FnRef {
            file: self.file,
            func: self.func,
        }
    }
}

/// A read of module state (see [`OuterRead`]).
#[derive(Clone, Debug)]
pub struct StateRead {
    pub file: usize,
    pub func: FuncId,
    pub span: Span,
    pub place: StatePlace,
    /// Its entry in the file's `outer_reads`.
    outer_read: usize,
}

impl StateRead {
    pub fn function(&self) -> FnRef {
        FnRef {
            file: self.file,
            func: self.func,
        }
    }
}

/// Every module-state write and read of a unit, in file and source order.
#[derive(Default)]
pub struct ModuleState {
    pub writes: Vec<StateWrite>,
    /// The reads, collected on first use ([`Model::state_reads`]): only state that is written
    /// at run time needs them.
    reads: OnceCell<Vec<StateRead>>,
    /// Indices into `writes` by root, in order: places overlap only under the same root.
    writes_by_root: FastMap<StateRoot, Vec<usize>>,
    /// Places whose table is also reachable from `storage` (stored there): writes inside them
    /// are writes to saved data. Found on first use: asked only of writes made at run time.
    storage_shared: OnceCell<Vec<StatePlace>>,
}

const MAX_DEPTH: u32 = 12;

/// How many helper parameters deep a table stored into `storage` is followed back.
const MAX_SHARED_DEPTH: u32 = 3;

/// How many writes deep a history question goes (reading module state asks about its writes).
const MAX_NESTING: u32 = 2;

impl ModuleState {
    /// The writes to places under `root`, in file and source order.
    pub fn writes_under<'m>(&'m self, root: &StateRoot) -> impl Iterator<Item = &'m StateWrite> {
        self.writes_by_root
            .get(root)
            .into_iter()
            .flatten()
            .map(|&i| &self.writes[i])
    }
}

/// The places of locals (asked at depth 0), by (file, local).
type LocalPlaces = FastMap<(usize, BindingId), Option<StatePlace>>;

/// The steps of a field chain from its root to `value`, appended in order (`.a`, `[…]`).
fn push_steps(value: &Value, path: &mut Vec<Segment>) {
    if let Value::Index(base, key) = value {
        push_steps(base, path);
        path.push(match key {
            Key::Name(field) => Segment::Field(field.clone()),
            Key::Dynamic(_) => Segment::Dynamic,
        });
    }
}

/// Where a value's parameters come from while a call's result is worked out: the called
/// function and the history of each argument at that call.
struct CallEnv {
    func: FnRef,
    args: Vec<History>,
}

/// One history question: the write it is for (its keys count as [`History::Keyed`], reading
/// its own variable as [`History::Variant`]).
struct HistoryQuery<'q, 'a> {
    file: usize,
    keys: &'q [&'a Value],
    variable: &'q StatePlace,
    /// How many writes deep this question is (reading module state asks about its writes).
    nesting: u32,
    /// The write fills a lookup-or-build memo ([`Model::is_lookup_or_build`]): the objects its
    /// keys are taken from (`player` for `memo[player.index]`) and their fields, and what is
    /// read from `storage`, are what a peer without the entry builds it from too.
    built_from: &'q [&'a Value],
    lookup_or_build: bool,
}

impl<'a> Model<'a> {
    /// The module-state place `value` (in `file`) names, if it is one. Storage, its aliases,
    /// locals of one call, parameters and API objects are not module state.
    pub fn state_place(&self, file: usize, value: &'a Value) -> Option<StatePlace> {
        self.state_place_with(file, value, None)
    }

    /// [`Model::state_place`], with the places of the locals asked before: collecting every
    /// write and read of a unit names the same locals again and again.
    fn state_place_with(
        &self,
        file: usize,
        value: &'a Value,
        locals: Option<&mut LocalPlaces>,
    ) -> Option<StatePlace> {
        // The place first: most values asked about are a function's own locals, which it
        // rules out at once, and the storage question costs more.
        let place = match (root_of(value), locals) {
            // What `state_place_at` finds for a field chain on a local: the local's place and
            // the chain's steps.
            (Value::Local(binding), Some(locals)) => {
                let mut place = locals
                    .entry((file, *binding))
                    .or_insert_with(|| self.local_place(file, *binding, 0))
                    .clone()?;
                push_steps(value, &mut place.path);
                place
            }
            _ => self.state_place_at(file, value, 0)?,
        };
        (!self.in_storage(file, value)).then_some(place)
    }

    fn state_place_at(&self, file: usize, value: &'a Value, depth: u32) -> Option<StatePlace> {
        if depth > 4 {
            return None;
        }
        match value {
            Value::Global(name) => {
                let excluded =
                    is_builtin_global(name) || self.storage_roots(file).contains(&name.as_str());
                (!excluded).then(|| StatePlace {
                    root: StateRoot::Global(name.clone()),
                    path: Vec::new(),
                })
            }
            Value::Index(base, key) => {
                let mut place = self.state_place_at(file, base, depth)?;
                place.path.push(match key {
                    Key::Name(field) => Segment::Field(field.clone()),
                    Key::Dynamic(_) => Segment::Dynamic,
                });
                Some(place)
            }
            Value::Local(binding) => self.local_place(file, *binding, depth),
            Value::Call(_) => self.required_module_place(file, value, depth),
            _ => None,
        }
    }

    /// The module-state place a local names: itself when declared by a function that runs
    /// only at load, or the place a local of one call aliases. Never a storage alias.
    fn local_place(&self, file: usize, binding: BindingId, depth: u32) -> Option<StatePlace> {
        let info = self.ir(file).binding(binding);
        if !matches!(info.kind, BindingKind::Local | BindingKind::LocalFunction) {
            return None;
        }
        // Asked last: the storage question costs the most, and most locals are ruled out
        // before it.
        let bound_to_storage = || info.values.iter().any(|v| self.in_storage(file, v));
        let declaring = FnRef {
            file,
            func: info.func,
        };
        if self.runs_only_at_load(declaring) {
            if bound_to_storage() || self.is_forwarding_proxy(file, &info.values) {
                // A proxy's fields live wherever `__newindex` puts them: the model cannot
                // follow.
                return None;
            }
            // `local m = require("x")`: the module's own table.
            if let [call @ Value::Call(_)] = info.values.as_slice() {
                if let Some(place) = self.required_module_place(file, call, depth) {
                    return Some(place);
                }
            }
            return Some(StatePlace {
                root: StateRoot::Upvalue { file, binding },
                path: Vec::new(),
            });
        }
        // `local list = M.list` inside a handler: the same table.
        match info.values.as_slice() {
            [alias] if info.kind == BindingKind::Local => {
                let place = self.state_place_at(file, alias, depth + 1)?;
                (!bound_to_storage()).then_some(place)
            }
            _ => None,
        }
    }

    /// `setmetatable(t, { __newindex = … })`: a table whose new fields go elsewhere (a proxy
    /// for a part of `storage`, say) — made here, or returned by a helper that makes it.
    fn is_forwarding_proxy(&self, file: usize, values: &'a [Value]) -> bool {
        !values.is_empty()
            && values
                .iter()
                .all(|value| self.is_proxy_value(file, value, 0))
    }

    fn is_proxy_value(&self, file: usize, value: &'a Value, depth: u32) -> bool {
        if depth > 3 {
            return false;
        }
        let ir = self.ir(file);
        match value {
            Value::Call(call_id) => {
                let call = ir.call(*call_id);
                if call.callee.is_global_path(&["setmetatable"]) {
                    return call
                        .args
                        .get(1)
                        .is_some_and(|mt| self.has_newindex(file, mt));
                }
                // A helper that returns a proxy on every path.
                let callees = self.callees(file, &call.callee);
                !callees.is_empty()
                    && callees.iter().all(|callee| {
                        let returns = &self.ir(callee.file).function(callee.func).returns;
                        !returns.is_empty()
                            && returns.iter().all(|values| {
                                values
                                    .first()
                                    .is_some_and(|v| self.is_proxy_value(callee.file, v, depth + 1))
                            })
                    })
            }
            // `local t = {}; setmetatable(t, mt)`.
            Value::Local(binding) => {
                let info = ir.binding(*binding);
                info.values
                    .iter()
                    .any(|v| matches!(v, Value::Call(_)) && self.is_proxy_value(file, v, depth + 1))
                    || ir.calls.iter().any(|call| {
                        call.callee.is_global_path(&["setmetatable"])
                            && call.args.first() == Some(value)
                            && call
                                .args
                                .get(1)
                                .is_some_and(|mt| self.has_newindex(file, mt))
                    })
            }
            _ => false,
        }
    }

    /// A metatable with a `__newindex` field: in its constructor, or set on the local that
    /// holds it (`function meta:__newindex(k, v)`).
    fn has_newindex(&self, file: usize, metatable: &Value) -> bool {
        let ir = self.ir(file);
        let newindex = Key::Name("__newindex".into());
        let in_constructor = |table: Option<&Value>| {
            matches!(table, Some(Value::Table(fields))
                if fields.iter().any(|f| f.key.as_ref() == Some(&newindex)))
        };
        match metatable {
            Value::Local(binding) => {
                in_constructor(ir.binding(*binding).values.first())
                    || ir.assigns.iter().any(|assign| {
                        matches!(&assign.target, Value::Index(base, key)
                            if base.as_ref() == metatable && *key == newindex)
                    })
            }
            other => in_constructor(Some(other)),
        }
    }

    /// `require("x")` of a unit file: the place of the table that file returns.
    fn required_module_place(
        &self,
        file: usize,
        value: &'a Value,
        depth: u32,
    ) -> Option<StatePlace> {
        let Value::Call(call) = value else {
            return None;
        };
        let Some(Ok(module)) = self.require_target(file, *call) else {
            return None;
        };
        let export = self.ir(module).functions[MAIN_CHUNK as usize]
            .returns
            .last()?
            .first()?;
        match export {
            Value::Table(_) => Some(StatePlace {
                root: StateRoot::Module { file: module },
                path: Vec::new(),
            }),
            other => self.state_place_at(module, other, depth + 1),
        }
    }

    /// The function runs while the mod loads and never at run time or in on_load.
    fn runs_only_at_load(&self, f: FnRef) -> bool {
        let contexts = self.contexts(f);
        !contexts.is_empty() && contexts.iter().all(|c| *c == Context::Load)
    }

    /// The function runs at run time: in a handler, command, remote function, on_init,
    /// on_configuration_changed or injected code.
    pub fn runs_at_run_time(&self, f: FnRef) -> bool {
        self.contexts(f).iter().any(|c| c.is_runtime())
    }

    /// The function runs during play on every peer: in an event or nth-tick handler, a
    /// command, a remote function or injected code (not only in on_init or
    /// on_configuration_changed, which run on the host alone).
    pub fn runs_in_play(&self, f: FnRef) -> bool {
        self.contexts(f).iter().any(|c| {
            matches!(
                c,
                Context::Event | Context::Command | Context::Remote | Context::Injected
            )
        })
    }

    /// Every module-state write of the unit (worked out once).
    pub fn module_state(&self) -> &ModuleState {
        self.module_state
            .get_or_init(|| self.collect_module_state())
    }

    /// Every module-state read of the unit, in file and source order (worked out once).
    pub fn state_reads(&self) -> &[StateRead] {
        self.module_state().reads.get_or_init(|| {
            let mut reads = Vec::new();
            let mut locals = LocalPlaces::default();
            for (file, facts) in self.files.iter().enumerate() {
                for (outer_read, read) in facts.ir.outer_reads.iter().enumerate() {
                    if let Some(place) = self.state_place_with(file, &read.place, Some(&mut locals))
                    {
                        reads.push(StateRead {
                            file,
                            func: read.func,
                            span: read.span,
                            place,
                            outer_read,
                        });
                    }
                }
            }
            reads
        })
    }

    fn collect_module_state(&self) -> ModuleState {
        let mut state = ModuleState::default();
        let mut locals = LocalPlaces::default();
        for (file, facts) in self.files.iter().enumerate() {
            let ir = facts.ir;
            for (index, assign) in ir.assigns.iter().enumerate() {
                let Some(place) = self.state_place_with(file, &assign.target, Some(&mut locals))
                else {
                    continue;
                };
                if let Value::Local(binding) = assign.target {
                    // `x = t[1]` on a local of one call that aliases module state rebinds the
                    // local: nothing is written into `t`.
                    let declaring = FnRef {
                        file,
                        func: ir.binding(binding).func,
                    };
                    if !self.runs_only_at_load(declaring) {
                        continue;
                    }
                }
                let replaces = !place.path.contains(&Segment::Dynamic);
                state.writes.push(StateWrite {
                    file,
                    func: assign.func,
                    span: assign.span,
                    end: assign.value_span.end.max(assign.span.end),
                    place,
                    kind: WriteKind::Assign,
                    source: WriteSource::Assign(index),
                    replaces,
                    history: Default::default(),
                });
            }
            for (id, call) in ir.calls.iter().enumerate() {
                let kind = if call.callee.is_global_path(&["table", "insert"]) {
                    WriteKind::Insert
                } else if call.callee.is_global_path(&["table", "remove"]) {
                    WriteKind::Remove
                } else {
                    continue;
                };
                let Some(place) = call
                    .args
                    .first()
                    .and_then(|t| self.state_place_with(file, t, Some(&mut locals)))
                else {
                    continue;
                };
                state.writes.push(StateWrite {
                    file,
                    func: call.func,
                    span: call.span,
                    end: call.span.end,
                    place: StatePlace {
                        root: place.root,
                        path: place.path.into_iter().chain([Segment::Dynamic]).collect(),
                    },
                    kind,
                    source: WriteSource::Call(id as CallId),
                    replaces: false,
                    history: Default::default(),
                });
            }
        }
        state.writes.sort_by_key(|w| (w.file, w.span.start));
        for (index, write) in state.writes.iter().enumerate() {
            state
                .writes_by_root
                .entry(write.place.root.clone())
                .or_default()
                .push(index);
        }
        state
    }

    /// Module-state places that also hang in `storage`: a table stored into storage —
    /// directly, as a field of a table stored there, or through the parameters of helpers
    /// (`Global.register({ data = data }, …)` with `storage.tokens[n] = tbl`) — or a local ever
    /// bound to a storage place.
    fn storage_shared_places(&self) -> Vec<StatePlace> {
        let mut places = Vec::new();
        for (file, facts) in self.files.iter().enumerate() {
            let ir = facts.ir;
            let mut stored: Vec<(usize, &'a Value, u32)> = Vec::new();
            for assign in &ir.assigns {
                if matches!(assign.target, Value::Index(..))
                    && self.storage_path(file, &assign.target).is_some()
                {
                    stored.push((file, &assign.value, 0));
                }
            }
            for call in &ir.calls {
                if call.callee.is_global_path(&["table", "insert"])
                    && call.args.len() >= 2
                    && self.storage_path(file, &call.args[0]).is_some()
                {
                    stored.extend(call.args.last().map(|v| (file, v, 0)));
                }
            }
            while let Some((file, value, depth)) = stored.pop() {
                if let Some(place) = self.state_place_at(file, value, 0) {
                    places.push(place);
                    continue;
                }
                match value {
                    Value::Table(fields) => {
                        stored.extend(fields.iter().map(|f| (file, &f.value, depth)));
                    }
                    Value::Local(binding) if depth < MAX_SHARED_DEPTH => {
                        let info = self.ir(file).binding(*binding);
                        match info.kind {
                            BindingKind::Param => stored.extend(
                                self.arguments_for(file, *binding)
                                    .into_iter()
                                    .map(|(f, v)| (f, v, depth + 1)),
                            ),
                            BindingKind::Local => {
                                stored.extend(info.values.iter().map(|v| (file, v, depth + 1)))
                            }
                            _ => {}
                        }
                    }
                    _ => {}
                }
            }
        }
        places.sort();
        places.dedup();
        places
    }

    /// The place is (inside) a table also reachable from `storage`.
    pub fn is_storage_shared(&self, place: &StatePlace) -> bool {
        self.module_state()
            .storage_shared
            .get_or_init(|| self.storage_shared_places())
            .iter()
            .any(|shared| shared.is_prefix_of(place))
    }

    /// Writes to `place`, inside it or around it, made at run time.
    pub fn runtime_writes<'m>(
        &'m self,
        place: &'m StatePlace,
    ) -> impl Iterator<Item = &'m StateWrite> + 'm {
        self.module_state()
            .writes_under(&place.root)
            .filter(move |w| w.place.overlaps(place) && self.runs_at_run_time(w.function()))
    }

    /// A write in on_load (or a function on_load calls) to `place` or a place containing it:
    /// every peer rebuilds it when a save loads.
    pub fn rebuilt_in_on_load(&self, place: &StatePlace) -> Option<&StateWrite> {
        self.module_state().writes_under(&place.root).find(|w| {
            w.place.is_prefix_of(place) && self.contexts(w.function()).contains(&Context::OnLoad)
        })
    }

    /// The read sees a value written earlier in the same invocation: on every way into the
    /// read, its function (or a caller, before calling it) replaced the variable first — by an
    /// assignment or by calling a function that always replaces it (`buffer = {}` at the top of
    /// a handler, `Player.load(event)` before the work). A replacement computed from the old
    /// value (`count = count + 1`) does not count.
    pub fn read_is_fresh(&self, read: &StateRead) -> bool {
        let mut budget = 400;
        self.fresh_at(
            read.function(),
            read.span.start,
            None,
            &read.place,
            &mut budget,
        )
    }

    /// The read is part of a write's own statement: the target's keys (`t[#t + 1] = v`) or the
    /// table of `table.insert(t, v)`. Appending looks at the table without acting on it.
    pub fn read_is_part_of_write(&self, read: &StateRead) -> bool {
        self.module_state().writes_under(&read.place.root).any(|w| {
            w.file == read.file
                && w.func == read.func
                && w.place.overlaps(&read.place)
                && w.span.start <= read.span.start
                && read.span.end <= w.span.end
                && match w.kind {
                    // `table.insert(t, v)`: only `t` itself.
                    WriteKind::Insert => read.place.path.len() + 1 == w.place.path.len(),
                    WriteKind::Assign => read.span != w.span,
                    // `table.remove` hands back what it removes: a real read.
                    WriteKind::Remove => false,
                }
        })
    }

    /// Another function empties what `write` fills (`cache[k] = nil`, `cache = {}`), and not
    /// only while loading: the mod invalidates it, so a copy of settings there is refreshed
    /// when they change. (The invalidating function may be one the model sees no caller of,
    /// such as a handler registered through a table of handlers.)
    pub fn is_invalidated_elsewhere(&self, write: &StateWrite) -> bool {
        let variable = write.place.variable();
        let empties = |w: &StateWrite| match self.written_value(w) {
            Some(Value::Nil) => true,
            Some(Value::Table(fields)) => fields.is_empty(),
            _ => false,
        };
        self.module_state().writes_under(&variable.root).any(|w| {
            w.place.overlaps(&variable)
                && w.function() != write.function()
                && w.kind == WriteKind::Assign
                && empties(w)
                && !self.runs_only_at_load(w.function())
        })
    }

    /// The value a read of module state reads.
    fn read_value(&self, read: &StateRead) -> &'a Value {
        &self.ir(read.file).outer_reads[read.outer_read].place
    }

    /// The read is kept in a local that is used only where it was found to be the same
    /// object as one looked up afresh (`local known = refs[i]; if known and known.root == root
    /// and known.label.valid then return known.label end`): a peer without the entry looks it
    /// up and gets that object too.
    pub fn read_is_checked_against_fresh(&self, read: &StateRead) -> bool {
        let ir = self.ir(read.file);
        let value = self.read_value(read);
        let Some(copy) = ir.bindings.iter().position(|b| {
            b.func == read.func
                && b.kind == BindingKind::Local
                && b.span.end <= read.span.start
                && b.values.len() == 1
                && b.values[0] == *value
        }) else {
            return false;
        };
        let copy = Value::Local(copy as BindingId);
        // A LuaObject: the function checks its `.valid`. (Not its API kind: kinds are worked
        // out on demand and cached, and asking here would change the order other rules see.)
        let is_object = |value: &Value| {
            ir.members.iter().any(|m| {
                m.func == read.func && ir.member_name(m) == "valid" && ir.member_base(m) == value
            })
        };
        let from_copy = |value: &Value| root_of(value) == &copy;
        let identity_check = |condition: &'a Value| match condition {
            Value::Scalar(ops) if ops.len() == 2 => {
                let (cached, fresh) = if from_copy(&ops[0]) {
                    (&ops[0], &ops[1])
                } else {
                    (&ops[1], &ops[0])
                };
                from_copy(cached)
                    && !fresh.any(&mut |v| *v == copy)
                    && self.state_place(read.file, fresh).is_none()
                    && is_object(fresh)
            }
            _ => false,
        };
        let uses: Vec<Span> = ir
            .members
            .iter()
            .filter(|m| m.func == read.func && from_copy(ir.member_base(m)))
            .map(|m| m.span)
            .collect();
        ir.guards.iter().any(|guard| {
            guard.func == read.func
                && guard.conditions.iter().any(identity_check)
                && uses.iter().all(|span| {
                    let inside = |outer: Span| outer.start <= span.start && span.end <= outer.end;
                    inside(guard.region) || inside(guard.condition)
                })
        })
    }

    /// The read is an argument of `log`, `print` or `localised_print`: it goes to the log or
    /// the console of one peer and never into the game.
    pub fn read_is_output_only(&self, read: &StateRead) -> bool {
        self.ir(read.file).calls.iter().any(|call| {
            call.func == read.func
                && ["log", "print", "localised_print"]
                    .iter()
                    .any(|name| call.callee.is_global_path(&[name]))
                && call
                    .arg_spans
                    .iter()
                    .any(|arg| arg.start <= read.span.start && read.span.end <= arg.end)
        })
    }

    /// `place` was replaced in this invocation before offset `at` of `f`. `calling` is the call
    /// being made at `at`, when the question comes from its callee: its callee and arguments
    /// run before its body (`viewer.use(event).name()` runs `use` first), but the call itself
    /// does not count.
    fn fresh_at(
        &self,
        f: FnRef,
        at: usize,
        calling: Option<Span>,
        place: &StatePlace,
        budget: &mut u32,
    ) -> bool {
        if *budget == 0 {
            return false;
        }
        *budget -= 1;
        if self.resets_before(f, at, calling, place) {
            return true;
        }
        // Otherwise every run-time caller must have reset it before calling. An entry point (a
        // handler the game calls) has no such caller.
        let runtime: Vec<Context> = self
            .contexts(f)
            .into_iter()
            .filter(|c| c.is_runtime())
            .collect();
        if runtime.is_empty()
            || runtime
                .iter()
                .any(|c| self.reach(f, *c).is_none_or(|r| r.via.is_none()))
        {
            return false;
        }
        let callers: Vec<_> = self
            .calls_to
            .get(&f)
            .into_iter()
            .flatten()
            .filter(|(_, caller)| self.runs_at_run_time(*caller))
            .collect();
        !callers.is_empty()
            && callers.iter().all(|(call, caller)| {
                let span = self.ir(call.file).call(call.call).span;
                self.fresh_at(*caller, span.end, Some(span), place, budget)
            })
    }

    /// `f` replaces `place` before offset `at` on every path to `at`: the replacement comes
    /// first and sits in no conditional block that does not also hold `at`. The call spanning
    /// `calling` is not one of the replacements.
    fn resets_before(
        &self,
        f: FnRef,
        at: usize,
        calling: Option<Span>,
        place: &StatePlace,
    ) -> bool {
        let ir = self.ir(f.file);
        let dominates = |span: Span| {
            span.end <= at
                && ir.conditional_blocks.iter().all(|(func, block)| {
                    *func != f.func
                        || !(block.start <= span.start && span.end <= block.end)
                        || (block.start <= at && at <= block.end)
                })
        };
        let assigned = self.module_state().writes_under(&place.root).any(|w| {
            w.function() == f
                && self.is_fresh_replacement(w, place)
                && dominates(Span::new(w.span.start, w.end))
        });
        assigned
            || ir.calls.iter().any(|call| {
                call.func == f.func
                    && Some(call.span) != calling
                    && dominates(call.span)
                    && self
                        .run_now(f.file, call)
                        .into_iter()
                        .any(|g| self.always_resets(g, place, 0))
            })
    }

    /// Every call of `g` replaces `place` (directly, or by an unconditional call).
    fn always_resets(&self, g: FnRef, place: &StatePlace, depth: u32) -> bool {
        let ir = self.ir(g.file);
        let unconditional = |span: Span| {
            !ir.conditional_blocks.iter().any(|(func, block)| {
                *func == g.func && block.start <= span.start && span.end <= block.end
            })
        };
        self.module_state().writes_under(&place.root).any(|w| {
            w.function() == g && self.is_fresh_replacement(w, place) && unconditional(w.span)
        }) || (depth < 2
            && ir.calls.iter().any(|call| {
                call.func == g.func
                    && unconditional(call.span)
                    && self
                        .run_now(g.file, call)
                        .into_iter()
                        .any(|h| h != g && self.always_resets(h, place, depth + 1))
            }))
    }

    /// The functions a call runs before it returns: its callees, or the function a protected
    /// call (`pcall(f, …)`, `xpcall(f, handler, …)`) runs.
    fn run_now(&self, file: usize, call: &'a Call) -> Vec<FnRef> {
        match (call.callee.global_path().as_deref(), call.args.first()) {
            (Some(["pcall" | "xpcall"]), Some(function)) => self.callees(file, function),
            _ => self.callees(file, &call.callee),
        }
    }

    /// `w` replaces `place` (or a place around it) with a value not computed from it.
    fn is_fresh_replacement(&self, w: &StateWrite, place: &StatePlace) -> bool {
        if !(w.replaces && w.kind == WriteKind::Assign && w.place.is_prefix_of(place)) {
            return false;
        }
        let Some(value) = self.written_value(w) else {
            return false;
        };
        !value.any(&mut |v| {
            matches!(v, Value::Local(_) | Value::Global(_) | Value::Index(..))
                && self
                    .state_place(w.file, v)
                    .is_some_and(|p| p.overlaps(&w.place))
        })
    }

    // ----- history of written values -----

    /// The value a write stores (`None` for `table.remove`).
    pub fn written_value(&self, write: &StateWrite) -> Option<&'a Value> {
        let ir = self.ir(write.file);
        match write.source {
            WriteSource::Assign(index) => Some(&ir.assigns[index].value),
            WriteSource::Call(call) => {
                let call = ir.call(call);
                match write.kind {
                    WriteKind::Insert if call.args.len() >= 2 => call.args.last(),
                    _ => None,
                }
            }
        }
    }

    /// `write` fills an entry of a lookup-or-build memo: the write's own function returns the
    /// entry when it is there, and every other read of the variable at run time (besides the
    /// writes' own) is a lookup there too, under the write's keys or a prefix of them (`if
    /// memo[k] then return memo[k] end … memo[k] = built`). Whether a peer holds the entry or
    /// not, that function returns what it builds: the entry matters only if building reads
    /// something else. (Reads of the table around the variable — the module table handed to
    /// `setmetatable` as a class — are not lookups of it.)
    pub fn is_lookup_or_build(&self, write: &StateWrite, keys: &[&'a Value]) -> bool {
        if keys.is_empty() || write.kind != WriteKind::Assign {
            return false;
        }
        let variable = write.place.variable();
        let ir = self.ir(write.file);
        let returns = &ir.function(write.func).returns;
        let mut returns_entry = false;
        let all_lookups = self
            .state_reads()
            .iter()
            .filter(|r| {
                r.place.root == variable.root
                    && variable.is_prefix_of(&r.place)
                    && self.runs_at_run_time(r.function())
                    && !self.read_is_part_of_write(r)
            })
            .all(|read| {
                if read.function() != write.function() {
                    return false;
                }
                let value = self.read_value(read);
                let mut read_keys = Vec::new();
                dynamic_keys(value, &mut read_keys);
                returns_entry |= read_keys.len() == keys.len()
                    && returns.iter().any(|values| values.first() == Some(value));
                !read_keys.is_empty()
                    && read_keys.len() <= keys.len()
                    && read_keys.iter().zip(keys).all(|(a, b)| a == b)
            });
        all_lookups && returns_entry
    }

    /// Whether what `write` leaves behind carries the game's history into later invocations
    /// (worked out once per write).
    pub fn write_history(&self, write: &StateWrite) -> History {
        self.write_history_at(write, 0)
    }

    /// The answer depends only on the write and the nesting level: worked out once for each.
    fn write_history_at(&self, write: &StateWrite, nesting: u32) -> History {
        *write.history[nesting as usize].get_or_init(|| self.compute_write_history(write, nesting))
    }

    fn compute_write_history(&self, write: &StateWrite, nesting: u32) -> History {
        let variable = write.place.variable();
        let Some(value) = self.written_value(write) else {
            // A removal: what is left depends on what was there.
            return History::Unknown;
        };
        if *value == Value::Nil {
            // Taking an entry out adds no history of its own: what the other writes put in
            // decides what the table carries.
            return History::Invariant;
        }
        let mut keys: Vec<&'a Value> = Vec::new();
        let target = match write.source {
            WriteSource::Assign(index) => Some(&self.ir(write.file).assigns[index].target),
            WriteSource::Call(_) => None,
        };
        if let Some(target) = target {
            dynamic_keys(target, &mut keys);
        }
        let plain = HistoryQuery {
            file: write.file,
            keys: &[],
            variable: &variable,
            nesting,
            built_from: &[],
            lookup_or_build: false,
        };
        let appends = |key: &Value| {
            // `t[#t + 1]`: an append, whatever the order.
            key.any(&mut |v| matches!(v, Value::Length(_)))
        };
        let key_history = keys
            .iter()
            .filter(|k| !appends(k))
            .map(|k| self.history(&plain, write.file, k, None, &mut FastSet::default(), 0))
            .max()
            .unwrap_or(History::Invariant);
        let keyed = HistoryQuery {
            file: write.file,
            keys: &keys,
            variable: &variable,
            nesting,
            built_from: &[],
            lookup_or_build: false,
        };
        let mut value_history = self.entry_history(&keyed, write.file, value);
        let memo_candidate = value_history > History::Setting
            || (value_history == History::Invariant && key_history != History::Invariant);
        if memo_candidate && self.is_lookup_or_build(write, &keys) {
            let key_objects: Vec<&'a Value> = keys
                .iter()
                .filter_map(|k| key_object(self.ir(write.file), k))
                .collect();
            let memo = HistoryQuery {
                built_from: &key_objects,
                lookup_or_build: true,
                ..keyed
            };
            if self.entry_history(&memo, write.file, value) <= History::Keyed {
                value_history = History::Keyed;
            }
        }
        let value = value_history;
        if key_history == History::Invariant {
            // Under a fixed key, what depends only on that key is fixed too.
            return match value {
                History::Keyed => History::Invariant,
                other => other,
            };
        }
        match value {
            // What any peer computes the same, under whatever key: a memo.
            History::Keyed | History::Setting => value,
            // A constant under a key from the game: the key's presence is the state.
            History::Invariant => key_history,
            other => other.max(key_history),
        }
    }

    /// The history of a written value. A memo entry may note when it was made
    /// (`{ value = …, tick = game.tick }`) so that it is worked out again later: that tick
    /// only decides when to recompute, and a peer without the entry computes the same.
    fn entry_history(&self, q: &HistoryQuery<'_, 'a>, file: usize, value: &'a Value) -> History {
        if let Value::Either(kept, default) = value {
            if q.keys.is_empty() && self.is_own_variable(q, file, kept) {
                // `x = x or default`: keeping what is there adds nothing (the writes that put
                // it there are judged on their own); only the default is new. (An entry,
                // `t[k] = t[k] or {}`, is a memo check: see `place_history`.)
                return self.entry_history(q, file, default);
            }
        }
        let whole = self.history(q, file, value, None, &mut FastSet::default(), 0);
        let Value::Table(fields) = value else {
            return whole;
        };
        let (stamps, data): (Vec<&TableField>, Vec<&TableField>) =
            fields.iter().partition(|f| is_tick_stamp(&f.value));
        if stamps.is_empty() || data.is_empty() || whole <= History::Keyed {
            return whole;
        }
        let data_history = data
            .iter()
            .map(|f| self.history(q, file, &f.value, None, &mut FastSet::default(), 0))
            .max()
            .unwrap_or(History::Invariant);
        match data_history {
            History::Keyed | History::Setting => data_history,
            _ => whole,
        }
    }

    fn history(
        &self,
        q: &HistoryQuery<'_, 'a>,
        file: usize,
        value: &'a Value,
        env: Option<&CallEnv>,
        seen: &mut FastSet<(usize, *const Value)>,
        depth: u32,
    ) -> History {
        if depth > MAX_DEPTH {
            return History::Unknown;
        }
        if file == q.file && q.keys.contains(&value) {
            return History::Keyed;
        }
        if q.lookup_or_build {
            if file == q.file {
                if let Some(history) = self.built_from_key(q, file, value) {
                    return history;
                }
            }
            if self.storage_path(file, value).is_some() {
                return History::Keyed;
            }
        }
        if !seen.insert((file, value as *const Value)) {
            // A cycle through locals (`n = n + 1` on a local of the call): neutral.
            return History::Invariant;
        }
        let result = match value {
            Value::Unknown => History::Unknown,
            Value::Nil | Value::Bool(_) | Value::Number(_) | Value::Str(_) | Value::Function(_) => {
                History::Invariant
            }
            Value::Vararg => History::Unknown,
            Value::Table(fields) => fields
                .iter()
                .flat_map(|f| {
                    let key = match &f.key {
                        Some(Key::Dynamic(k)) => Some(k.as_ref()),
                        _ => None,
                    };
                    key.into_iter().chain([&f.value])
                })
                .map(|v| self.history(q, file, v, env, seen, depth + 1))
                .max()
                .unwrap_or(History::Invariant),
            Value::Scalar(ops) => ops
                .iter()
                .map(|v| self.history(q, file, v, env, seen, depth + 1))
                .max()
                .unwrap_or(History::Invariant),
            // `a and b or c` is one choice between values: its operands take no step deeper.
            Value::Either(a, b) => self
                .history(q, file, a, env, seen, depth)
                .max(self.history(q, file, b, env, seen, depth)),
            Value::Length(v) => self.history(q, file, v, env, seen, depth + 1),
            Value::Global(_) | Value::Index(..) => {
                self.place_history(q, file, value, env, seen, depth)
            }
            Value::Local(binding) => self.local_history(q, file, *binding, env, seen, depth),
            Value::Call(call) => self.call_history(q, file, *call, env, seen, depth),
        };
        seen.remove(&(file, value as *const Value));
        result
    }

    /// In a lookup-or-build memo: an object a key is taken from, and a field of one that is
    /// plain data (`signal.type` beside the key `signal.name`), are the same for the same key.
    /// A LuaObject's other fields change as the game runs (`force.research_progress` beside
    /// `force.name`).
    fn built_from_key(
        &self,
        q: &HistoryQuery<'_, 'a>,
        file: usize,
        value: &'a Value,
    ) -> Option<History> {
        if q.built_from.contains(&value) {
            return Some(History::Keyed);
        }
        match value {
            Value::Index(object, Key::Name(_)) if q.built_from.contains(&object.as_ref()) => {
                Some(match self.kind(file, object) {
                    Some(Kind::Class(_)) => History::Variant,
                    _ => History::Keyed,
                })
            }
            _ => None,
        }
    }

    /// `value` reads the very variable the question's write stores into.
    fn is_own_variable(&self, q: &HistoryQuery<'_, 'a>, file: usize, value: &'a Value) -> bool {
        matches!(value, Value::Local(_) | Value::Global(_) | Value::Index(..))
            && self
                .state_place(file, value)
                .is_some_and(|place| place.variable() == *q.variable)
    }

    /// A global path, a field chain, or module state being read.
    fn place_history(
        &self,
        q: &HistoryQuery<'_, 'a>,
        file: usize,
        value: &'a Value,
        env: Option<&CallEnv>,
        seen: &mut FastSet<(usize, *const Value)>,
        depth: u32,
    ) -> History {
        if let Some(path) = value.global_path() {
            if let Some(history) = self.global_path_history(file, &path) {
                return history;
            }
        }
        if matches!(value, Value::Index(_, Key::Name(field)) if field == "mod_settings") {
            // `player.mod_settings`: a player's run-time settings.
            return History::Setting;
        }
        if let Some(place) = self.state_place(file, value) {
            // The memo check: the entry the write fills, read under the same key.
            if let Value::Index(_, Key::Dynamic(key)) = value {
                if file == q.file
                    && place.overlaps(q.variable)
                    && q.keys.iter().any(|k| *k == key.as_ref())
                {
                    return History::Keyed;
                }
            }
            return self.state_read_history(q, &place);
        }
        match value {
            Value::Index(base, key) => {
                let key = match key {
                    Key::Dynamic(k) => self.history(q, file, k, env, seen, depth + 1),
                    Key::Name(_) => History::Invariant,
                };
                key.max(self.history(q, file, base, env, seen, depth + 1))
            }
            Value::Global(name) if self.storage_roots(file).contains(&name.as_str()) => {
                History::Variant
            }
            _ => History::Unknown,
        }
    }

    /// What Factorio's and Lua's globals give: game state, or data fixed for the session.
    fn global_path_history(&self, file: usize, path: &[&str]) -> Option<History> {
        let first = *path.first()?;
        if self.storage_roots(file).contains(&first) {
            return Some(History::Variant);
        }
        Some(match (first, path.get(1).copied()) {
            // 1.1 kept the prototypes under `game` (`game.item_prototypes`,
            // `game.get_filtered_entity_prototypes`).
            ("game", Some(member)) if member.ends_with("_prototypes") => History::Invariant,
            ("game" | "rendering" | "remote" | "rcon", _) => History::Variant,
            ("prototypes" | "defines", _) => History::Invariant,
            ("settings", Some("startup")) => History::Invariant,
            ("settings", Some(_)) => History::Setting,
            (
                "script",
                Some("active_mods" | "mod_name" | "level" | "feature_flags" | "get_event_id"),
            ) => History::Invariant,
            ("script", Some("generate_event_name")) => History::Invariant,
            (
                "helpers" | "math" | "string" | "table" | "util" | "serpent" | "bit32"
                | "table_size" | "tostring" | "tonumber" | "type" | "select" | "pairs" | "ipairs"
                | "next" | "unpack" | "setmetatable" | "getmetatable" | "rawget" | "rawequal"
                | "rawlen" | "log" | "pcall" | "assert" | "error",
                _,
            ) => History::Invariant,
            _ => return None,
        })
    }

    /// Reading module state: the write's own variable carries history (a counter, an
    /// accumulator); another variable carries what its writes put there.
    fn state_read_history(&self, q: &HistoryQuery<'_, 'a>, place: &StatePlace) -> History {
        if place.overlaps(q.variable) {
            return History::Variant;
        }
        if self.rebuilt_in_on_load(place).is_some() {
            // Rebuilt from storage: game state, kept in step by the mod.
            return History::Variant;
        }
        let writes: Vec<&StateWrite> = self.runtime_writes(place).collect();
        if writes.is_empty() {
            // Set only while loading: the same on every peer.
            return History::Invariant;
        }
        if q.nesting >= MAX_NESTING {
            return History::Unknown;
        }
        // What its run-time writes put there (a memo's entry depends on the key read with).
        writes
            .into_iter()
            .map(|w| match self.write_history_at(w, q.nesting + 1) {
                History::Keyed => History::Unknown,
                other => other,
            })
            .max()
            .unwrap_or(History::Unknown)
    }

    fn local_history(
        &self,
        q: &HistoryQuery<'_, 'a>,
        file: usize,
        binding: BindingId,
        env: Option<&CallEnv>,
        seen: &mut FastSet<(usize, *const Value)>,
        depth: u32,
    ) -> History {
        let ir = self.ir(file);
        let info = ir.binding(binding);
        match info.kind {
            BindingKind::Param => {
                let f = FnRef {
                    file,
                    func: info.func,
                };
                let position = ir
                    .function(info.func)
                    .params
                    .iter()
                    .position(|p| *p == binding);
                if let (Some(env), Some(position)) = (env, position) {
                    if env.func == f {
                        return env
                            .args
                            .get(position)
                            .copied()
                            .unwrap_or(History::Invariant);
                    }
                }
                if self.is_entry_point(f) {
                    // Event data, a command's arguments, another mod's remote call.
                    return History::Variant;
                }
                let arguments = self.arguments_for(file, binding);
                if arguments.is_empty() {
                    return History::Unknown;
                }
                arguments
                    .into_iter()
                    .map(|(caller_file, arg)| {
                        self.history(q, caller_file, arg, None, seen, depth + 1)
                    })
                    .max()
                    .unwrap_or(History::Unknown)
            }
            BindingKind::LoopVar(loop_id) => match &ir.loop_(loop_id).kind {
                LoopKind::Pairs(iterated) | LoopKind::Ipairs(iterated) => {
                    self.history(q, file, iterated, env, seen, depth + 1)
                }
                _ => History::Unknown,
            },
            BindingKind::Local | BindingKind::LocalFunction => {
                if let Some(place) = self.local_place(file, binding, 0) {
                    return self.state_read_history(q, &place);
                }
                // A local of the call: what it was given, and what was put into it.
                let mut parts: Vec<&'a Value> = info.values.iter().collect();
                parts.extend(self.local_fills(file, binding));
                let mut history = History::Invariant;
                for part in parts {
                    history = history.max(self.history(q, file, part, env, seen, depth + 1));
                }
                history
            }
        }
    }

    /// Values put into a local table after it was made: `t.x = v`, `t[k] = v` (keys too, but
    /// not the index of a numeric `for`: positions in a list, whose entries are the values),
    /// `table.insert(t, v)`.
    fn local_fills(&self, file: usize, binding: BindingId) -> Vec<&'a Value> {
        let ir = self.ir(file);
        let is_position = |key: &Value| {
            matches!(key, Value::Local(b)
                if matches!(ir.binding(*b).kind, BindingKind::LoopVar(l)
                    if matches!(ir.loop_(l).kind, LoopKind::Numeric)))
        };
        let mut out = Vec::new();
        for assign in &ir.assigns {
            let mut root = &assign.target;
            let mut keys = Vec::new();
            while let Value::Index(base, key) = root {
                if let Key::Dynamic(k) = key {
                    if !is_position(k) {
                        keys.push(k.as_ref());
                    }
                }
                root = base;
            }
            if root == &Value::Local(binding) && !matches!(assign.target, Value::Local(_)) {
                out.extend(keys);
                out.push(&assign.value);
            }
        }
        for call in &ir.calls {
            if call.callee.is_global_path(&["table", "insert"])
                && call.args.first() == Some(&Value::Local(binding))
                && call.args.len() >= 2
            {
                out.extend(call.args.last());
            }
        }
        out
    }

    /// A function the game calls: an event, nth-tick, command or remote handler.
    fn is_entry_point(&self, f: FnRef) -> bool {
        self.registrations.iter().any(|r| {
            r.handler == Some(f)
                && matches!(r.kind, RegKind::Event | RegKind::NthTick | RegKind::Command)
        }) || self
            .contexts(f)
            .iter()
            .any(|c| self.reach(f, *c).is_some_and(|r| r.via.is_none()) && *c == Context::Remote)
    }

    fn call_history(
        &self,
        q: &HistoryQuery<'_, 'a>,
        file: usize,
        call_id: CallId,
        env: Option<&CallEnv>,
        seen: &mut FastSet<(usize, *const Value)>,
        depth: u32,
    ) -> History {
        let ir = self.ir(file);
        let call = ir.call(call_id);
        if self.require_target(file, call_id).is_some() {
            return History::Invariant;
        }
        let args = |seen: &mut FastSet<(usize, *const Value)>| {
            call.args
                .iter()
                .map(|a| self.history(q, file, a, env, seen, depth + 1))
                .collect::<Vec<_>>()
        };
        if let Some(path) = call.callee.global_path() {
            if path == ["math", "random"] {
                return History::Variant;
            }
            if path == ["setmetatable"] {
                // The table is the data; the metatable holds its methods.
                return call.args.first().map_or(History::Invariant, |table| {
                    self.history(q, file, table, env, seen, depth + 1)
                });
            }
            if let Some(history) = self.global_path_history(file, &path) {
                return match history {
                    History::Invariant => {
                        args(seen).into_iter().max().unwrap_or(History::Invariant)
                    }
                    other => other,
                };
            }
        }
        let callees = self.callees(file, &call.callee);
        if callees.is_empty() {
            // A method of an API object: what the object's history is, and the arguments'.
            if let Value::Index(object, Key::Name(_)) = &call.callee {
                if self.kind(file, object).is_some() {
                    let object = self.history(q, file, object, env, seen, depth + 1);
                    return args(seen)
                        .into_iter()
                        .chain([object])
                        .max()
                        .unwrap_or(object);
                }
            }
            return History::Unknown;
        }
        let arg_histories = args(seen);
        callees
            .into_iter()
            .map(|callee| {
                let function = self.ir(callee.file).function(callee.func);
                let callee_env = CallEnv {
                    func: callee,
                    args: arg_histories.clone(),
                };
                function
                    .returns
                    .iter()
                    .map(|values| match values.first() {
                        Some(v) => {
                            self.history(q, callee.file, v, Some(&callee_env), seen, depth + 1)
                        }
                        None => History::Invariant,
                    })
                    .max()
                    .unwrap_or(History::Invariant)
            })
            .max()
            .unwrap_or(History::Unknown)
    }
}

/// The value a field chain starts from (`known` for `known.label.valid`).
fn root_of(value: &Value) -> &Value {
    match value {
        Value::Index(base, _) => root_of(base),
        other => other,
    }
}

/// `game.tick` (or `game and game.tick or 0`, which lowers to `game.tick`, nil or 0): when
/// something was noted.
fn is_tick_stamp(value: &Value) -> bool {
    match value {
        Value::Either(a, b) => {
            let part = |v: &Value| {
                is_tick_stamp(v)
                    || matches!(v, Value::Number(_) | Value::Nil)
                    || *v == Value::Global("game".into())
            };
            part(a) && part(b) && (is_tick_stamp(a) || is_tick_stamp(b))
        }
        other => other.is_global_path(&["game", "tick"]),
    }
}

/// The object a memo key is taken from: `player` for the key `player.index`, or for a local
/// holding it.
fn key_object<'a>(ir: &'a FileIr, key: &'a Value) -> Option<&'a Value> {
    let taken = match key {
        Value::Local(binding) => match ir.binding(*binding).values.as_slice() {
            [only] => only,
            _ => return None,
        },
        other => other,
    };
    match taken {
        Value::Index(object, Key::Name(_)) => Some(object),
        _ => None,
    }
}

/// The dynamic keys along an assignment target (`t[a].x[b]`: `a`, `b`).
fn dynamic_keys<'a>(target: &'a Value, out: &mut Vec<&'a Value>) {
    if let Value::Index(base, key) = target {
        dynamic_keys(base, out);
        if let Key::Dynamic(k) = key {
            out.push(k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::test_model::with_model;

    /// The first value of each file-level local of control.lua, by name.
    fn first_value<'f>(ir: &'f FileIr, name: &str) -> &'f Value {
        let binding = ir.bindings.iter().find(|b| b.name == name).expect("local");
        &binding.values[0]
    }

    #[test]
    fn tick_stamps_are_game_tick_with_a_fallback() {
        let source = "local a = game.tick\n\
                      local b = game and game.tick or 0\n\
                      local c = game.tick + 1\n\
                      local d = event_tick or 0\n";
        with_model(&[("control.lua", source)], |_, facts| {
            let ir = facts[0].ir;
            assert!(is_tick_stamp(first_value(ir, "a")));
            assert!(is_tick_stamp(first_value(ir, "b")));
            assert!(!is_tick_stamp(first_value(ir, "c")));
            assert!(!is_tick_stamp(first_value(ir, "d")));
        });
    }

    #[test]
    fn tables_handed_to_a_storing_helper_are_shared_with_storage() {
        let source = "local kept = {}\n\
                      local loose = {}\n\
                      local function keep(t) storage.kept[#storage.kept + 1] = t end\n\
                      local function adopt(tables) keep(tables) end\n\
                      adopt({ list = kept })\n\
                      script.on_event(defines.events.on_tick, function(e)\n\
                        kept[e.tick] = true\n\
                        loose[e.tick] = true\n\
                      end)\n";
        with_model(&[("control.lua", source)], |model, _| {
            let shared: Vec<bool> = model
                .module_state()
                .writes
                .iter()
                .filter(|w| model.runs_at_run_time(w.function()))
                .map(|w| model.is_storage_shared(&w.place))
                .collect();
            assert_eq!(shared, [true, false]);
        });
    }

    #[test]
    fn runtime_settings_are_their_own_history() {
        let source = "local copy\n\
                      script.on_event(defines.events.on_tick, function()\n\
                        copy = settings.global['x'].value\n\
                      end)\n\
                      local startup\n\
                      script.on_event(defines.events.on_tick, function()\n\
                        startup = settings.startup['x'].value\n\
                      end)\n";
        with_model(&[("control.lua", source)], |model, _| {
            let histories: Vec<History> = model
                .module_state()
                .writes
                .iter()
                .map(|w| model.write_history(w))
                .collect();
            assert_eq!(histories, [History::Setting, History::Invariant]);
        });
    }
    #[test]
    fn rebinding_a_handler_local_that_held_an_entry_writes_nothing() {
        let source = "local kits = {}\n\
                      script.on_event(defines.events.on_tick, function(e)\n\
                        local kit\n\
                        kit = kits[e.tick]\n\
                        kit.count = 1\n\
                      end)\n";
        with_model(&[("control.lua", source)], |model, _| {
            let paths: Vec<Vec<Segment>> = model
                .module_state()
                .writes
                .iter()
                .map(|w| w.place.path.clone())
                .collect();
            // Only the write through the local reaches the table.
            assert_eq!(
                paths,
                [vec![Segment::Dynamic, Segment::Field("count".into())]]
            );
        });
    }

    #[test]
    fn a_memo_is_lookup_or_build_only_when_its_function_returns_the_entry_and_nothing_else_reads_it(
    ) {
        let source = "local names = {}\n\
                      local function name_of(signal)\n\
                        local key = signal.name\n\
                        if names[key] then return names[key] end\n\
                        names[key] = signal.type\n\
                        return names[key]\n\
                      end\n\
                      local seen = {}\n\
                      local function once(signal)\n\
                        local key = signal.name\n\
                        if seen[key] then return end\n\
                        seen[key] = signal.type\n\
                      end\n\
                      script.on_event(defines.events.on_tick, function(e)\n\
                        name_of(e.signal)\n\
                        once(e.signal)\n\
                      end)\n";
        with_model(&[("control.lua", source)], |model, facts| {
            let ir = facts[0].ir;
            let verdicts: Vec<(bool, History)> = model
                .module_state()
                .writes
                .iter()
                .map(|w| {
                    let WriteSource::Assign(index) = w.source else {
                        unreachable!()
                    };
                    let mut keys = Vec::new();
                    dynamic_keys(&ir.assigns[index].target, &mut keys);
                    (model.is_lookup_or_build(w, &keys), model.write_history(w))
                })
                .collect();
            assert_eq!(
                verdicts,
                [(true, History::Keyed), (false, History::Variant)]
            );
        });
    }
}
