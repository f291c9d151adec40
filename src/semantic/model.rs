//! The linked model of one unit: what values mean across files, who calls whom, which
//! lifecycle contexts every function runs in, and every registration the mod makes.
//!
//! Everything here is derived from the per-file IR. A value the model cannot follow yields
//! no origins: rules treat that as unknown, never as a finding.

use super::annotations::TypeExpr;
use super::ir::*;
use crate::config::Role;
use crate::semantic::FileFacts;
use crate::source::Span;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::rc::Rc;

/// A function of the unit: file index (into the unit's files) and function id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FnRef {
    pub file: usize,
    pub func: FuncId,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallRef {
    pub file: usize,
    pub call: CallId,
}

/// Where Lua code runs in the Factorio lifecycle. Order is the canonical output order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// control.lua's main chunk and what it runs while loading: every peer, every load.
    Load,
    /// Host only: a new game, or the mod added to a save.
    OnInit,
    /// Every peer when a save loads (joining clients too).
    OnLoad,
    /// Host only: mods or startup settings changed.
    OnConfigurationChanged,
    /// An event or nth-tick handler.
    Event,
    /// A console command handler.
    Command,
    /// A function of a remote interface.
    Remote,
    /// A file run through RCON or `/c` (config `role = "injected"`).
    Injected,
}

pub const CONTEXTS: [Context; 8] = [
    Context::Load,
    Context::OnInit,
    Context::OnLoad,
    Context::OnConfigurationChanged,
    Context::Event,
    Context::Command,
    Context::Remote,
    Context::Injected,
];

impl Context {
    pub fn name(self) -> &'static str {
        match self {
            Context::Load => "load",
            Context::OnInit => "on_init",
            Context::OnLoad => "on_load",
            Context::OnConfigurationChanged => "on_configuration_changed",
            Context::Event => "event",
            Context::Command => "command",
            Context::Remote => "remote",
            Context::Injected => "injected",
        }
    }

    /// Runs on the host (or one peer) during play, not while every peer loads the mod.
    pub fn is_runtime(self) -> bool {
        !matches!(self, Context::Load | Context::OnLoad)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How a function first came to run in a context: the seed, or the call that reached it.
#[derive(Clone, Debug)]
pub struct Reach {
    /// The entry point: `the on_tick handler`, `control.lua`, `command /reset`.
    pub origin: String,
    /// The caller and the call site; `None` for the entry function itself.
    pub via: Option<(FnRef, CallRef)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegKind {
    Event,
    NthTick,
    Command,
    Remote,
    OnInit,
    OnLoad,
    OnConfigurationChanged,
}

impl RegKind {
    pub fn name(self) -> &'static str {
        match self {
            RegKind::Event => "event",
            RegKind::NthTick => "nth_tick",
            RegKind::Command => "command",
            RegKind::Remote => "remote",
            RegKind::OnInit => "on_init",
            RegKind::OnLoad => "on_load",
            RegKind::OnConfigurationChanged => "on_configuration_changed",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Registration {
    pub kind: RegKind,
    /// Event name without `defines.events.`, nth-tick period, command or interface name.
    pub name: String,
    /// The name is a literal or a `defines.events` id, not a value only known at run time.
    pub name_known: bool,
    /// The registering call (for `event_handler` libs, the `add_lib` call).
    pub call: CallRef,
    pub handler: Option<FnRef>,
    /// Made through Wube's `event_handler` lualib: on_init and on_load on every peer.
    pub via_event_handler: bool,
    /// Which argument of `call` names what is registered; `None` when none does (an
    /// `event_handler` lib, a wrapper function that always registers the same event).
    pub name_arg: Option<usize>,
}

impl Registration {
    /// `name` is the name and whether it is known statically (see `name_known`).
    fn new(
        kind: RegKind,
        (name, name_known): (String, bool),
        call: CallRef,
        handler: Option<FnRef>,
        via_event_handler: bool,
    ) -> Self {
        Registration {
            kind,
            name,
            name_known,
            call,
            handler,
            via_event_handler,
            name_arg: (!via_event_handler).then_some(0),
        }
    }
}

/// What a value can be, as far as the model can follow it. Inside the model a path is
/// its interned [`PathId`]; rules see its key.
#[derive(Clone, Debug)]
pub enum Origin<'a, P = String> {
    Func(FnRef),
    /// A table constructor written in the code.
    Table {
        file: usize,
        fields: &'a [TableField],
    },
    /// A place named by a path: `G:script.on_event` (a global), `3:17.events` (local 17 of file 3).
    Path(P),
    /// Something from outside the unit: a core lualib or another mod (`event_handler.add_lib`).
    External(String),
}

/// Tables are equal when their fields are, as derived; the same constructor (most often) is
/// told without comparing them, and two constructors most often by their spans.
impl<P: PartialEq> PartialEq for Origin<'_, P> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Origin::Func(a), Origin::Func(b)) => a == b,
            (
                Origin::Table { file, fields },
                Origin::Table {
                    file: other_file,
                    fields: other_fields,
                },
            ) => {
                file == other_file
                    && fields.len() == other_fields.len()
                    && (std::ptr::eq(fields.as_ptr(), other_fields.as_ptr())
                        || fields
                            .iter()
                            .zip(other_fields.iter())
                            .all(|(a, b)| a.span == b.span && a.key == b.key && a.value == b.value))
            }
            (Origin::Path(a), Origin::Path(b)) => a == b,
            (Origin::External(a), Origin::External(b)) => a == b,
            _ => false,
        }
    }
}

pub struct Model<'a> {
    pub files: &'a [FileFacts<'a>],
    /// The API table for the unit's Factorio version (see [`unit_api`]).
    pub api: &'static crate::api::Api,
    /// The mod's name from info.json, for `require("__name__/...")`.
    mod_name: Option<String>,
    by_rel: FastMap<&'a str, usize>,
    /// Cycle guards of finished evaluations, cleared for the next ones.
    seen_sets: RefCell<Vec<FastSet<(usize, *const Value)>>>,
    /// Every path key met so far, interned (see [`PathTable`]).
    paths: RefCell<PathTable>,
    /// Assignments by target path (`G:M.f`, `2:5.on_created`).
    assigns_by_path: ByPath<(usize, &'a Value)>,
    /// Fields assigned into a table, by the table's path: `function api.f()` and
    /// `t[defines.events.x] = f` are (file, key, value) under `api`'s and `t`'s paths.
    pub(super) fields_by_path: ByPath<(usize, &'a Key, &'a Value)>,
    /// Each file's module value: the first value of its main chunk's last `return`.
    exports: Vec<Option<&'a Value>>,
    /// Per file, per function: the calls made in its own body, in order.
    pub(super) calls_in: Vec<Grouped<CallId>>,
    /// `require` calls, by (file, call): a unit file, or an external module's name.
    requires: FastMap<(usize, CallId), Result<usize, String>>,
    pub calls_from: BTreeMap<FnRef, Vec<(CallRef, FnRef)>>,
    /// The reverse of `calls_from`: who calls each function, and where.
    pub calls_to: BTreeMap<FnRef, Vec<(CallRef, FnRef)>>,
    /// Edges of `calls_from` that only hand a function to a call (`helper(f)`): it may run
    /// now or be kept for later (see `lifecycle` for which ones surely run).
    pub callback_edges: FastSet<(CallRef, FnRef)>,
    /// Functions kept in tables and run by dispatchers (see `callbacks`).
    pub(super) table_dispatch: std::cell::OnceCell<super::callbacks::TableDispatch>,
    /// Lifecycle facts worked out on first use (see `lifecycle`).
    pub(super) lifecycle: std::cell::OnceCell<super::lifecycle::Lifecycle>,
    pub registrations: Vec<Registration>,
    /// Indexes into `registrations` by handler, in order.
    pub(super) registrations_by_handler: FastMap<FnRef, Vec<usize>>,
    /// Per function, per context: how it was first reached.
    pub(super) reach: FastMap<FnRef, [Option<Reach>; 8]>,
    /// The mod's `---@class` declarations, merged across files as LuaLS merges them.
    pub(super) classes: FastMap<&'a str, ModClass<'a>>,
    /// `---@alias` declarations (the first one of a name wins).
    pub(super) aliases: FastMap<&'a str, &'a TypeExpr>,
    /// `---@type` written above assignments, by target path.
    pub(super) annotated_paths: FastMap<PathId, Vec<&'a TypeExpr>>,
    /// Where each local is passed to a call: (file, local) → (call, argument position).
    pub(super) local_args: LocalArgs<'a>,
    /// Kinds worked out so far (see `kinds::memo`).
    pub(super) kinds: super::kinds::KindMemo,
    /// Writes to module state by place and table histories, worked out on first use and
    /// shared by the rules that ask (see `history`).
    pub(super) history: std::cell::OnceCell<super::history::HistoryFacts>,
    /// Module-state writes and reads, worked out on first use (see `module_state`).
    pub(super) module_state: std::cell::OnceCell<super::module_state::ModuleState>,
    /// Answers to queries that rules ask again and again, by (file, value).
    pub(super) answers: Answers,
}

/// Items grouped by a dense index (a path's id, a function's number), each group's items in
/// the order added: one list and where each group starts, not a vector per group.
pub(super) struct Grouped<T> {
    items: Vec<T>,
    /// Group `i`'s items are `items[starts[i]..starts[i + 1]]`.
    starts: Vec<u32>,
}

impl<T> Default for Grouped<T> {
    fn default() -> Self {
        Grouped {
            items: Vec::new(),
            starts: vec![0],
        }
    }
}

impl<T> Grouped<T> {
    /// Groups `added` (group, item) pairs, for groups `0..groups`.
    fn new(added: Vec<(usize, T)>, groups: usize) -> Self {
        let mut starts = vec![0u32; groups + 1];
        for (group, _) in &added {
            starts[*group + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next: Vec<u32> = starts[..groups].to_vec();
        let mut slots: Vec<Option<T>> = std::iter::repeat_with(|| None).take(added.len()).collect();
        for (group, item) in added {
            let slot = &mut next[group];
            slots[*slot as usize] = Some(item);
            *slot += 1;
        }
        Grouped {
            items: slots.into_iter().flatten().collect(),
            starts,
        }
    }

    /// Group `group`'s items (none for a group past the end).
    pub(super) fn of(&self, group: usize) -> &[T] {
        match (self.starts.get(group), self.starts.get(group + 1)) {
            (Some(&start), Some(&end)) => &self.items[start as usize..end as usize],
            _ => &[],
        }
    }

    /// By path, read like a map whose lists are never empty.
    pub(super) fn get(&self, path: &PathId) -> Option<&[T]> {
        let items = self.of(path.0 as usize);
        (!items.is_empty()).then_some(items)
    }
}

/// Entries by path, for the paths of assignment targets (their ids are the smallest).
type ByPath<T> = Grouped<T>;

/// (file, local) → (call, argument position).
type ArgumentsByLocal = FastMap<(usize, BindingId), Vec<(CallId, usize)>>;

/// Where each local is passed to a call, indexed on first use (kinds ask it of few locals).
pub(super) struct LocalArgs<'a> {
    files: &'a [FileFacts<'a>],
    by_local: std::cell::OnceCell<ArgumentsByLocal>,
}

impl LocalArgs<'_> {
    /// The (call, argument position) pairs `local` of `file` is passed at, in call order.
    pub(super) fn get(&self, local: &(usize, BindingId)) -> Option<&Vec<(CallId, usize)>> {
        let by_local = self.by_local.get_or_init(|| {
            let mut by_local = ArgumentsByLocal::default();
            for (file, facts) in self.files.iter().enumerate() {
                for (id, call) in facts.ir.calls.iter().enumerate() {
                    for (position, arg) in call.args.iter().enumerate() {
                        if let Value::Local(binding) = arg {
                            let entry = by_local.entry((file, *binding)).or_default();
                            entry.push((id as CallId, position));
                        }
                    }
                }
            }
            by_local
        });
        by_local.get(local)
    }
}

/// The hash maps of the model and the rules: their keys (a file and a value or binding, a
/// function, a name) are small and hashed often, so a fast hash (no attacker chooses them).
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;
pub type FastSet<K> = HashSet<K, foldhash::fast::FixedState>;

/// Answers of [`Model::callees`], [`Model::api_names`] and [`Model::storage_path`]. Callees
/// depend only on the files, so they are kept from the start; the other two follow parameters
/// to their callers, which are linked while the model is built, so they are kept once it is.
#[derive(Default)]
pub(super) struct Answers {
    pub(super) complete: bool,
    callees: RefCell<FastMap<(usize, *const Value), Vec<FnRef>>>,
    api_names: RefCell<FastMap<(usize, *const Value), Vec<String>>>,
    pub(super) storage_path: RefCell<FastMap<(usize, *const Value), Option<String>>>,
    /// Storage paths of locals and calls at a given depth: module-state and history questions
    /// reach the same ones through many callers.
    pub(super) storage_path_parts: RefCell<FastMap<super::storage::StoragePathKey, Option<String>>>,
}

/// An interned path (see [`path_key`]): evaluation follows paths one field at a time, so a
/// path is named by its parent's id and the field; its key is put together only when asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PathId(u32);

/// The paths of a unit. Ids and keys are one to one: `t["a.b"]` and `t.a.b` have the same
/// key, so they are the same path, as they were when paths were compared by key. A field
/// name holding `.` or `[` is therefore read as the steps its key spells (`a.b` is `a`, then
/// `b`); a key that spells no steps (a field named `a..b`, or ``) makes an odd path, found by
/// its whole key.
#[derive(Default)]
struct PathTable {
    nodes: Vec<PathNode>,
    /// Global and field names, numbered, and each number's name.
    names: FastMap<Rc<str>, u32>,
    name_texts: Vec<Rc<str>>,
    /// Per file, per binding: its path, or [`NO_PATH`].
    locals: Vec<Vec<u32>>,
    /// Per name number: the global's path, or [`NO_PATH`].
    globals: Vec<u32>,
    /// (parent, field name) to child; [`DYNAMIC_KEY`] for `[]`.
    children: FastMap<(PathId, u32), PathId>,
    /// Odd paths by key.
    odd: FastMap<Rc<str>, PathId>,
    /// Paths with a smaller id are assignment targets or parts of one (see [`Model::build`]).
    assigned: u32,
}

#[derive(Clone)]
enum PathNode {
    Local(usize, BindingId),
    /// A global, by name number.
    Global(u32),
    /// A field (by name number) or [`DYNAMIC_KEY`] of the parent.
    Child(PathId, u32),
    Odd(Rc<str>),
}

/// The name number of a dynamic key in [`PathTable::children`].
const DYNAMIC_KEY: u32 = u32::MAX;

/// No path yet, in [`PathTable::locals`] and [`PathTable::globals`].
const NO_PATH: u32 = u32::MAX;

/// One step of a path key: `.name`, or `[]` for a dynamic key.
#[derive(Clone, Copy)]
enum KeyStep<'k> {
    Field(&'k str),
    Dynamic,
}

/// The steps a key's tail spells (`.a[].b`), or `None` when it spells none (an odd key).
fn key_steps(mut tail: &str) -> Option<Vec<KeyStep<'_>>> {
    let mut steps = Vec::new();
    while !tail.is_empty() {
        steps.push(next_key_step(&mut tail)?);
    }
    Some(steps)
}

/// Takes the first step off a key's (non-empty) tail; `None` when it spells no step.
fn next_key_step<'k>(tail: &mut &'k str) -> Option<KeyStep<'k>> {
    if let Some(rest) = tail.strip_prefix("[]") {
        *tail = rest;
        return Some(KeyStep::Dynamic);
    }
    let rest = tail.strip_prefix('.')?;
    let end = rest.find(['.', '[']).unwrap_or(rest.len());
    if end == 0 {
        return None;
    }
    *tail = &rest[end..];
    Some(KeyStep::Field(&rest[..end]))
}

/// A field name that is one step of a key: not empty, no `.` or `[`.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['.', '['])
}

impl PathTable {
    fn new(files: &[FileFacts], paths: usize) -> PathTable {
        PathTable {
            nodes: Vec::with_capacity(paths),
            names: FastMap::with_capacity_and_hasher(paths / 2, Default::default()),
            name_texts: Vec::with_capacity(paths / 2),
            locals: files
                .iter()
                .map(|f| vec![NO_PATH; f.ir.bindings.len()])
                .collect(),
            globals: Vec::new(),
            children: FastMap::with_capacity_and_hasher(paths, Default::default()),
            odd: FastMap::default(),
            assigned: 0,
        }
    }

    fn len(&self) -> usize {
        self.nodes.len()
    }

    fn name(&mut self, name: &str) -> u32 {
        if let Some(n) = self.names.get(name) {
            return *n;
        }
        let n = self.name_texts.len() as u32;
        let text: Rc<str> = name.into();
        self.name_texts.push(Rc::clone(&text));
        self.names.insert(text, n);
        n
    }

    fn push(&mut self, node: PathNode) -> PathId {
        let id = PathId(self.nodes.len() as u32);
        self.nodes.push(node);
        id
    }

    /// The key of a path (see [`path_key`]).
    fn key(&self, id: PathId) -> String {
        let mut key = String::new();
        self.write_key(id, &mut key);
        key
    }

    fn write_key(&self, id: PathId, key: &mut String) {
        match &self.nodes[id.0 as usize] {
            PathNode::Local(file, binding) => {
                use std::fmt::Write;
                let _ = write!(key, "{file}:{binding}");
            }
            PathNode::Global(n) => {
                key.push_str("G:");
                key.push_str(&self.name_texts[*n as usize]);
            }
            PathNode::Child(parent, n) => {
                self.write_key(*parent, key);
                let field = (*n != DYNAMIC_KEY).then(|| &*self.name_texts[*n as usize]);
                push_path_step(key, field);
            }
            PathNode::Odd(text) => key.push_str(text),
        }
    }

    /// The global a path is, or is a field or element of (its name number).
    fn global_root(&self, mut id: PathId) -> Option<u32> {
        loop {
            match &self.nodes[id.0 as usize] {
                PathNode::Global(n) => return Some(*n),
                PathNode::Child(parent, _) => id = *parent,
                PathNode::Local(..) => return None,
                PathNode::Odd(text) => return text.starts_with("G:").then_some(u32::MAX),
            }
        }
    }

    /// The key of a path when it is a global's (or a part of one) without the `G:`.
    fn global_key(&self, id: PathId) -> Option<String> {
        self.global_root(id)?;
        let key = self.key(id);
        Some(key["G:".len()..].to_string())
    }

    /// The path a key names, if the unit has it.
    fn find(&self, key: &str) -> Option<PathId> {
        self.find_below(key, u32::MAX)
    }

    /// [`PathTable::find`] among the paths with an id below `limit` (a path's parts have
    /// smaller ids than it).
    fn find_below(&self, key: &str, limit: u32) -> Option<PathId> {
        if let Some(id) = self.odd.get(key) {
            return (id.0 < limit).then_some(*id);
        }
        let (root, mut tail) = split_key_root(key)?;
        let mut id = match root {
            KeyRoot::Global(name) => {
                let n = *self.names.get(name)?;
                PathId(*self.globals.get(n as usize).filter(|id| **id != NO_PATH)?)
            }
            KeyRoot::Local(file, binding) => {
                let id = *self.locals.get(file)?.get(binding as usize)?;
                (id != NO_PATH).then_some(PathId(id))?
            }
        };
        // The steps of `key_steps`, looked up as they are read.
        while id.0 < limit && !tail.is_empty() {
            let n = match next_key_step(&mut tail)? {
                KeyStep::Dynamic => DYNAMIC_KEY,
                KeyStep::Field(name) => *self.names.get(name)?,
            };
            id = *self.children.get(&(id, n))?;
        }
        (id.0 < limit).then_some(id)
    }

    /// [`PathTable::find_below`] of `value`'s key ([`path_key`]) in `file`, without putting
    /// the key together: plain names are followed one step at a time, as the key's steps
    /// would be; a name that is not plain is looked up by its key.
    fn find_value_below(&self, file: usize, value: &Value, limit: u32) -> Option<PathId> {
        let id = match value {
            Value::Local(binding) => {
                let id = *self.locals.get(file)?.get(*binding as usize)?;
                (id != NO_PATH).then_some(PathId(id))?
            }
            Value::Global(name) if is_plain_name(name) => {
                let n = *self.names.get(name.as_str())?;
                PathId(*self.globals.get(n as usize).filter(|id| **id != NO_PATH)?)
            }
            Value::Index(base, key) => {
                return self.find_field_below(file, base, key.name(), limit);
            }
            Value::Global(_) => return self.find_below(&path_key(file, value)?, limit),
            _ => return None,
        };
        // A path's parts have smaller ids than it: one check at the end covers every step.
        (id.0 < limit).then_some(id)
    }

    /// [`PathTable::find_value_below`] of `base.field` (`base[]` for `None`).
    fn find_field_below(
        &self,
        file: usize,
        base: &Value,
        field: Option<&str>,
        limit: u32,
    ) -> Option<PathId> {
        let by_key = || {
            let mut key = path_key(file, base)?;
            push_path_step(&mut key, field);
            self.find_below(&key, limit)
        };
        if field.is_some_and(|name| !is_plain_name(name)) {
            return by_key();
        }
        let parent = self.find_value_below(file, base, u32::MAX)?;
        // An odd path's fields are odd keys too, which other paths may have made.
        if matches!(self.nodes[parent.0 as usize], PathNode::Odd(_)) {
            return by_key();
        }
        let n = match field {
            Some(name) => *self.names.get(name)?,
            None => DYNAMIC_KEY,
        };
        let id = *self.children.get(&(parent, n))?;
        (id.0 < limit).then_some(id)
    }

    fn local(&mut self, file: usize, binding: BindingId) -> PathId {
        let slot = self.locals[file][binding as usize];
        if slot != NO_PATH {
            return PathId(slot);
        }
        let id = self.push(PathNode::Local(file, binding));
        self.locals[file][binding as usize] = id.0;
        id
    }

    fn global(&mut self, name: &str) -> PathId {
        if !is_plain_name(name) {
            // Not a name the parser gives a global; read as its key would be.
            return self.odd_or_steps(format!("G:{name}"));
        }
        let n = self.name(name);
        if let Some(id) = self.globals.get(n as usize).filter(|id| **id != NO_PATH) {
            return PathId(*id);
        }
        let id = self.push(PathNode::Global(n));
        if self.globals.len() <= n as usize {
            self.globals.resize(n as usize + 1, NO_PATH);
        }
        self.globals[n as usize] = id.0;
        id
    }

    fn child(&mut self, parent: PathId, field: Option<&str>) -> PathId {
        let n = field.map_or(DYNAMIC_KEY, |field| self.name(field));
        self.numbered_child(parent, n, field)
    }

    /// [`PathTable::child`] with the field's name number (see [`PathTable::name`]).
    fn numbered_child(&mut self, parent: PathId, n: u32, field: Option<&str>) -> PathId {
        if let Some(id) = self.children.get(&(parent, n)) {
            return *id;
        }
        let plain = field.is_none_or(is_plain_name);
        let id = if plain && !matches!(self.nodes[parent.0 as usize], PathNode::Odd(_)) {
            self.push(PathNode::Child(parent, n))
        } else {
            let mut key = self.key(parent);
            push_path_step(&mut key, field);
            self.odd_or_steps(key)
        };
        self.children.insert((parent, n), id);
        id
    }

    /// The path of a key that is not made of plain steps from its parent: the steps it
    /// spells, or an odd path.
    fn odd_or_steps(&mut self, key: String) -> PathId {
        if let Some(id) = self.odd.get(key.as_str()) {
            return *id;
        }
        if let Some((root, tail)) = split_key_root(&key) {
            if let Some(steps) = key_steps(tail) {
                let mut id = match root {
                    KeyRoot::Global(name) => self.global(name),
                    KeyRoot::Local(file, binding) => self.local(file, binding),
                };
                for step in steps {
                    id = match step {
                        KeyStep::Field(name) => self.child(id, Some(name)),
                        KeyStep::Dynamic => self.child(id, None),
                    };
                }
                return id;
            }
        }
        let key: Rc<str> = key.into();
        let id = self.push(PathNode::Odd(Rc::clone(&key)));
        self.odd.insert(key, id);
        id
    }

    /// The path of an assignment target (see [`path_key`]).
    fn of(&mut self, file: usize, value: &Value) -> Option<PathId> {
        match value {
            Value::Local(binding) => Some(self.local(file, *binding)),
            Value::Global(name) => Some(self.global(name)),
            Value::Index(base, key) => {
                let base = self.of(file, base)?;
                Some(self.child(base, key.name()))
            }
            _ => None,
        }
    }
}

/// Where a key starts: a global's name, or a file's binding.
enum KeyRoot<'k> {
    Global(&'k str),
    Local(usize, BindingId),
}

/// A key's root and the steps after it, when it has a root of plain form.
fn split_key_root(key: &str) -> Option<(KeyRoot<'_>, &str)> {
    let end = key.find(['.', '[']).unwrap_or(key.len());
    let (root, tail) = key.split_at(end);
    if let Some(name) = root.strip_prefix("G:") {
        return (!name.is_empty()).then_some((KeyRoot::Global(name), tail));
    }
    let (file, binding) = root.split_once(':')?;
    let canonical = |digits: &str| {
        !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'))
    };
    if !canonical(file) || !canonical(binding) {
        return None;
    }
    Some((
        KeyRoot::Local(file.parse().ok()?, binding.parse().ok()?),
        tail,
    ))
}

/// A class the mod declares: its parents and field types (first declaration of a field wins).
#[derive(Default)]
pub(super) struct ModClass<'a> {
    pub parents: Vec<&'a TypeExpr>,
    pub fields: FastMap<&'a str, &'a TypeExpr>,
    /// `---@field [K] V`: what indexing an instance gives.
    pub index: Option<&'a TypeExpr>,
}

const MAX_DEPTH: u32 = 16;

impl<'a> Model<'a> {
    pub fn build(unit_name: Option<&str>, files: &'a [FileFacts<'a>]) -> Model<'a> {
        let by_rel = files.iter().enumerate().map(|(i, f)| (f.rel, i)).collect();
        let mut model = Model {
            files,
            api: unit_api(files),
            mod_name: unit_name.map(str::to_string),
            by_rel,
            seen_sets: RefCell::default(),
            paths: RefCell::default(),
            assigns_by_path: ByPath::default(),
            fields_by_path: ByPath::default(),
            exports: Vec::new(),
            calls_in: Vec::with_capacity(files.len()),
            requires: FastMap::default(),
            calls_from: BTreeMap::new(),
            calls_to: BTreeMap::new(),
            callback_edges: FastSet::default(),
            table_dispatch: std::cell::OnceCell::new(),
            lifecycle: std::cell::OnceCell::new(),
            registrations: Vec::new(),
            registrations_by_handler: FastMap::default(),
            reach: FastMap::default(),
            classes: FastMap::default(),
            aliases: FastMap::default(),
            annotated_paths: FastMap::default(),
            local_args: LocalArgs {
                files,
                by_local: std::cell::OnceCell::new(),
            },
            kinds: Default::default(),
            history: std::cell::OnceCell::new(),
            module_state: std::cell::OnceCell::new(),
            answers: Answers::default(),
        };
        let assigns: usize = files.iter().map(|f| f.ir.assigns.len()).sum();
        let mut paths = PathTable::new(files, assigns * 2);
        let mut assigned_values = Vec::with_capacity(assigns);
        let mut assigned_fields = Vec::new();
        // `require` targets by the requiring file's folder (if in one) and the path required.
        let mut required: FastMap<(Option<&str>, &str), Result<usize, String>> = FastMap::default();
        for (i, file) in files.iter().enumerate() {
            for assign in &file.ir.assigns {
                // The table's path first: the target's is its field.
                let (path, table) = match &assign.target {
                    Value::Index(base, key) => match paths.of(i, base) {
                        Some(table) => (Some(paths.child(table, key.name())), Some((table, key))),
                        None => (None, None),
                    },
                    target => (paths.of(i, target), None),
                };
                if let Some(path) = path {
                    if let Some(ty) = &assign.annotation {
                        model.annotated_paths.entry(path).or_default().push(ty);
                    }
                    assigned_values.push((path.0 as usize, (i, &assign.value)));
                }
                if let Some((table, key)) = table {
                    assigned_fields.push((table.0 as usize, (i, key, &assign.value)));
                }
            }
            let folder = file.rel.rfind('/').map(|end| &file.rel[..end]);
            for (id, call) in file.ir.calls.iter().enumerate() {
                let Some(path) = required_literal(call) else {
                    continue;
                };
                let target = required
                    .entry((folder, path))
                    .or_insert_with(|| model.resolve_require(i, path));
                model.requires.insert((i, id as CallId), target.clone());
            }
            let calls = file.ir.calls.iter().enumerate();
            let by_function = calls
                .map(|(id, call)| (call.func as usize, id as CallId))
                .collect();
            model
                .calls_in
                .push(Grouped::new(by_function, file.ir.functions.len()));
            for class in &file.ir.classes {
                let entry = model.classes.entry(class.name.as_str()).or_default();
                entry.parents.extend(class.parents.iter());
                for (name, ty) in &class.fields {
                    match name {
                        Some(name) => {
                            entry.fields.entry(name.as_str()).or_insert(ty);
                        }
                        None => {
                            entry.index.get_or_insert(ty);
                        }
                    }
                }
            }
            for (name, ty) in &file.ir.aliases {
                model.aliases.entry(name.as_str()).or_insert(ty);
            }
            let export = file.ir.functions[MAIN_CHUNK as usize]
                .returns
                .last()
                .and_then(|r| r.first());
            model.exports.push(export);
        }
        paths.assigned = paths.len() as u32;
        model.assigns_by_path = ByPath::new(assigned_values, paths.len());
        model.fields_by_path = ByPath::new(assigned_fields, paths.len());
        model.paths = RefCell::new(paths);
        model.link_calls();
        model.derive_wrapper_registrations();
        for (index, registration) in model.registrations.iter().enumerate() {
            if let Some(handler) = registration.handler {
                let entry = model.registrations_by_handler.entry(handler);
                entry.or_default().push(index);
            }
        }
        model.propagate_contexts();
        model.propagate_dispatched_contexts();
        model.answers.complete = true;
        model
    }

    pub fn ir(&self, file: usize) -> &'a FileIr {
        self.files[file].ir
    }

    // ----- values -----

    /// Everything `value` (in `file`) can be.
    pub fn eval(&self, file: usize, value: &'a Value) -> Vec<Origin<'a>> {
        let origins = self.origins(file, value);
        let paths = self.paths.borrow();
        origins
            .into_iter()
            .map(|origin| match origin {
                Origin::Func(f) => Origin::Func(f),
                Origin::Table { file, fields } => Origin::Table { file, fields },
                Origin::Path(path) => Origin::Path(paths.key(path)),
                Origin::External(name) => Origin::External(name),
            })
            .collect()
    }

    /// [`Model::eval`] with interned paths.
    pub(super) fn origins(&self, file: usize, value: &'a Value) -> Vec<Origin<'a, PathId>> {
        let mut out = Vec::new();
        self.with_seen(|seen| self.eval_into(file, value, 0, seen, &mut out));
        out
    }

    /// Runs `f` with an empty cycle guard for an evaluation, one of those kept for reuse:
    /// evaluations are many and small.
    fn with_seen<R>(&self, f: impl FnOnce(&mut FastSet<(usize, *const Value)>) -> R) -> R {
        let mut seen = self.seen_sets.borrow_mut().pop().unwrap_or_default();
        let result = f(&mut seen);
        // A large set costs more to clear than a new one.
        if seen.capacity() <= 256 {
            seen.clear();
            self.seen_sets.borrow_mut().push(seen);
        }
        result
    }

    /// Whether a value may hold a function: for a global path, whether the code assigns to
    /// some part of it; for a field path of a local given no value (`self.update`, a
    /// parameter's), whether it assigns to the local or to one of the fields on the way.
    /// `true` for any other value.
    fn may_be_assigned(&self, file: usize, value: &Value) -> bool {
        let Some(name) = global_root(value) else {
            let paths = self.paths.borrow();
            let prefix = self.assigned_prefix(&paths, file, value);
            return !matches!(prefix, Some((false, _)));
        };
        let paths = self.paths.borrow();
        let assigned = if is_plain_name(name) {
            let n = paths.names.get(name);
            n.and_then(|n| paths.globals.get(*n as usize))
                .filter(|id| **id != NO_PATH)
                .map(|id| PathId(*id))
        } else {
            paths.find(&format!("G:{name}"))
        };
        assigned.is_some_and(|id| id.0 < paths.assigned)
    }

    /// For a field path of a local given no value (not a loop variable): whether the code
    /// assigns to the local or to a field on the way, and the path so far when it is one of
    /// the assigned paths (or a part of one); `None` for any other value, or a field whose
    /// name is more than one step.
    fn assigned_prefix(
        &self,
        paths: &PathTable,
        file: usize,
        value: &Value,
    ) -> Option<(bool, Option<PathId>)> {
        let assigned_path = |id: u32| (id != NO_PATH && id < paths.assigned).then_some(PathId(id));
        match value {
            Value::Local(binding) => {
                let info = self.ir(file).binding(*binding);
                if !info.values.is_empty() || matches!(info.kind, BindingKind::LoopVar(_)) {
                    return None;
                }
                let path = assigned_path(paths.locals[file][*binding as usize]);
                Some((
                    path.is_some_and(|p| self.assigns_by_path.get(&p).is_some()),
                    path,
                ))
            }
            Value::Index(base, Key::Name(field)) if is_plain_name(field) => {
                let (assigned, base) = self.assigned_prefix(paths, file, base)?;
                if assigned {
                    return Some((true, None));
                }
                let path = base.and_then(|base| {
                    let n = paths.names.get(field.as_str())?;
                    assigned_path(paths.children.get(&(base, *n))?.0)
                });
                Some((
                    path.is_some_and(|p| self.assigns_by_path.get(&p).is_some()),
                    path,
                ))
            }
            _ => None,
        }
    }

    /// The path `field` of `parent`.
    pub(super) fn field_path(&self, parent: PathId, field: &'a str) -> PathId {
        self.paths.borrow_mut().child(parent, Some(field))
    }

    /// The path of a global.
    pub(super) fn path_of_global(&self, name: &'a str) -> PathId {
        self.paths.borrow_mut().global(name)
    }

    fn eval_into(
        &self,
        file: usize,
        value: &'a Value,
        depth: u32,
        seen: &mut FastSet<(usize, *const Value)>,
        out: &mut Vec<Origin<'a, PathId>>,
    ) {
        if depth > MAX_DEPTH || !seen.insert((file, value as *const Value)) {
            return;
        }
        let ir = self.ir(file);
        let push = |origin: Origin<'a, PathId>, out: &mut Vec<Origin<'a, PathId>>| {
            if !out.contains(&origin) {
                out.push(origin);
            }
        };
        match value {
            Value::Function(func) => push(Origin::Func(FnRef { file, func: *func }), out),
            Value::Table(fields) => push(Origin::Table { file, fields }, out),
            Value::Local(binding) => {
                let path = self.paths.borrow_mut().local(file, *binding);
                self.path_values(path, depth, seen, out);
                push(Origin::Path(path), out);
                let info = ir.binding(*binding);
                for v in &info.values {
                    self.eval_into(file, v, depth + 1, seen, out);
                }

                // `for _, v in pairs(t)`: v is one of t's values.
                if let BindingKind::LoopVar(loop_id) = info.kind {
                    let loop_info = ir.loop_(loop_id);
                    if let (LoopKind::Pairs(iterated) | LoopKind::Ipairs(iterated), Some(1)) = (
                        &loop_info.kind,
                        loop_info.vars.iter().position(|v| v == binding),
                    ) {
                        let mut tables = Vec::new();
                        self.eval_into(file, iterated, depth + 1, seen, &mut tables);
                        for origin in tables {
                            match origin {
                                Origin::Table { file: f, fields } => {
                                    for field in fields {
                                        self.eval_into(f, &field.value, depth + 1, seen, out);
                                    }
                                }
                                // Entries assigned into it (`t[defines.events.x] = {…}`).
                                Origin::Path(path) => {
                                    for (f, _, value) in
                                        self.fields_by_path.get(&path).into_iter().flatten()
                                    {
                                        self.eval_into(*f, value, depth + 1, seen, out);
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                }
            }
            Value::Global(name) => {
                let path = self.path_of_global(name);
                self.path_values(path, depth, seen, out);
                push(Origin::Path(path), out);
            }
            Value::Index(base, Key::Name(field)) => {
                let mut bases = Vec::new();
                self.eval_into(file, base, depth + 1, seen, &mut bases);
                let mut number = None;
                for origin in bases {
                    self.field(origin, field, &mut number, depth + 1, seen, out);
                }
            }
            Value::Call(call) => {
                let call_info = ir.call(*call);
                if let Some(target) = self.requires.get(&(file, *call)) {
                    match target {
                        Ok(module) => {
                            if let Some(export) = self.exports[*module] {
                                self.eval_into(*module, export, depth + 1, seen, out);
                            }
                        }
                        Err(external) => push(Origin::External(external.clone()), out),
                    }
                    return;
                }
                // The values a called function returns (same depth and cycle guard).
                let mut callee_origins = Vec::new();
                self.eval_into(
                    file,
                    &call_info.callee,
                    depth + 1,
                    seen,
                    &mut callee_origins,
                );
                let callees = callee_origins.into_iter().filter_map(|o| match o {
                    Origin::Func(f) => Some(f),
                    _ => None,
                });
                for callee in callees {
                    let function = self.ir(callee.file).function(callee.func);
                    for values in &function.returns {
                        if let Some(v) = values.first() {
                            self.eval_into(callee.file, v, depth + 1, seen, out);
                        }
                    }
                }
            }
            Value::Either(a, b) => {
                self.eval_into(file, a, depth + 1, seen, out);
                self.eval_into(file, b, depth + 1, seen, out);
            }
            _ => {}
        }
    }

    /// The values assigned to a path key (`G:M.f`, `2:5.entity`).
    pub fn assigned_at(&self, key: &str) -> Option<&[(usize, &'a Value)]> {
        let paths = self.paths.borrow();
        let path = paths.find_below(key, paths.assigned)?;
        drop(paths);
        self.assigned_to(path)
    }

    /// The assignment target `value` is in `file`, if it is one: the path of
    /// [`Model::assigned_at`] of its key, without the key.
    pub(super) fn assigned_path(&self, file: usize, value: &Value) -> Option<PathId> {
        let paths = self.paths.borrow();
        paths.find_value_below(file, value, paths.assigned)
    }

    /// [`Model::assigned_path`] of `base.field` (`base[]` for `None`).
    pub(super) fn assigned_field_path(
        &self,
        file: usize,
        base: &Value,
        field: Option<&str>,
    ) -> Option<PathId> {
        let paths = self.paths.borrow();
        paths.find_field_below(file, base, field, paths.assigned)
    }

    /// The values assigned to `base.field` in `file` (`base[]` for `None`): [`Model::assigned_at`]
    /// of its key, without the key.
    pub fn assigned_at_field(
        &self,
        file: usize,
        base: &Value,
        field: Option<&str>,
    ) -> Option<&[(usize, &'a Value)]> {
        self.assigned_to(self.assigned_field_path(file, base, field)?)
    }

    /// The values assigned to a path.
    pub(super) fn assigned_to(&self, path: PathId) -> Option<&[(usize, &'a Value)]> {
        self.assigns_by_path.get(&path)
    }

    fn path_values(
        &self,
        path: PathId,
        depth: u32,
        seen: &mut FastSet<(usize, *const Value)>,
        out: &mut Vec<Origin<'a, PathId>>,
    ) {
        if let Some(values) = self.assigns_by_path.get(&path) {
            for (f, v) in values {
                self.eval_into(*f, v, depth + 1, seen, out);
            }
        }
    }

    /// What `field` of `origin` can be; `number` keeps the field's name number for the next
    /// origin.
    fn field(
        &self,
        origin: Origin<'a, PathId>,
        field: &'a str,
        number: &mut Option<u32>,
        depth: u32,
        seen: &mut FastSet<(usize, *const Value)>,
        out: &mut Vec<Origin<'a, PathId>>,
    ) {
        match origin {
            Origin::Path(path) => {
                let path = {
                    let mut paths = self.paths.borrow_mut();
                    let n = *number.get_or_insert_with(|| paths.name(field));
                    paths.numbered_child(path, n, Some(field))
                };
                self.path_values(path, depth, seen, out);
                let origin = Origin::Path(path);
                if !out.contains(&origin) {
                    out.push(origin);
                }
            }
            Origin::Table { file, fields } => {
                for f in fields {
                    if matches!(&f.key, Some(Key::Name(name)) if name == field) {
                        self.eval_into(file, &f.value, depth + 1, seen, out);
                    }
                }
            }
            Origin::External(path) => {
                let origin = Origin::External(format!("{path}.{field}"));
                if !out.contains(&origin) {
                    out.push(origin);
                }
            }
            Origin::Func(_) => {}
        }
    }

    /// The functions a callee value can be.
    pub fn callees(&self, file: usize, callee: &'a Value) -> Vec<FnRef> {
        let key = (file, callee as *const Value);
        if let Some(known) = self.answers.callees.borrow().get(&key) {
            return known.clone();
        }
        // Told without evaluating (most calls of the unit are such); kept once a rule asks.
        if !self.may_be_assigned(file, callee) {
            self.answers.callees.borrow_mut().insert(key, Vec::new());
            return Vec::new();
        }
        let callees: Vec<FnRef> = self
            .origins(file, callee)
            .into_iter()
            .filter_map(|o| match o {
                Origin::Func(f) => Some(f),
                _ => None,
            })
            .collect();
        self.answers
            .callees
            .borrow_mut()
            .insert(key, callees.clone());
        callees
    }

    /// The API or library name a value stands for: `script.on_event` (a global path) or
    /// `event_handler.add_lib` (a field of a required library).
    pub fn api_names(&self, file: usize, value: &'a Value) -> Vec<String> {
        // A direct global path needs no evaluation: the common case, and cheap.
        if let Some(path) = value.global_path() {
            return vec![path.join(".")];
        }
        if !self.answers.complete {
            return self.find_api_names(file, value);
        }
        let key = (file, value as *const Value);
        if let Some(known) = self.answers.api_names.borrow().get(&key) {
            return known.clone();
        }
        let names = self.find_api_names(file, value);
        self.answers
            .api_names
            .borrow_mut()
            .insert(key, names.clone());
        names
    }

    fn find_api_names(&self, file: usize, value: &'a Value) -> Vec<String> {
        if let Some(names) = self.api_names_through_parameter(file, value, None) {
            return names;
        }
        self.api_names_of(&self.origins(file, value))
    }

    /// The API and library names among a value's origins: global paths and external modules.
    fn api_names_of(&self, origins: &[Origin<PathId>]) -> Vec<String> {
        let paths = self.paths.borrow();
        origins
            .iter()
            .filter_map(|o| match o {
                Origin::Path(p) => paths.global_key(*p),
                Origin::External(e) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }

    /// The API and library names among a value's origins that call linking asks about (see
    /// [`LINKED_API_ROOTS`]), the others left out unwritten.
    fn linked_api_names(&self, origins: &[Origin<PathId>]) -> Vec<String> {
        let paths = self.paths.borrow();
        let linked = |name: &str| LINKED_API_ROOTS.contains(&name);
        origins
            .iter()
            .filter_map(|o| match o {
                Origin::Path(p) => match paths.global_root(*p) {
                    Some(n) if n != u32::MAX && !linked(&paths.name_texts[n as usize]) => None,
                    _ => paths.global_key(*p),
                },
                Origin::External(e) => linked(e.split('.').next().unwrap_or(e)).then(|| e.clone()),
                _ => None,
            })
            .collect()
    }

    /// `script.on_event` where `script` is a parameter its callers fill with the global
    /// (`function M.register(script) script.on_event(...) end; M.register(script)`).
    /// `known_roots` keeps the roots of parameters while the call edges stay the same.
    fn api_names_through_parameter(
        &self,
        file: usize,
        value: &Value,
        known_roots: Option<&mut FastMap<(usize, BindingId), Vec<String>>>,
    ) -> Option<Vec<String>> {
        let mut root = value;
        while let Value::Index(base, Key::Name(_)) = root {
            root = base;
        }
        let Value::Local(binding) = root else {
            return None;
        };
        if std::ptr::eq(root, value) || self.ir(file).binding(*binding).kind != BindingKind::Param {
            return None;
        }
        let find_roots = || {
            let mut roots = Vec::new();
            self.parameter_global_roots(file, *binding, 0, &mut roots);
            roots
        };
        let found;
        let roots = match known_roots {
            Some(known) => known.entry((file, *binding)).or_insert_with(find_roots),
            None => {
                found = find_roots();
                &found
            }
        };
        if roots.is_empty() {
            return None;
        }
        let mut fields = Vec::new();
        let mut root = value;
        while let Value::Index(base, Key::Name(field)) = root {
            fields.push(field.as_str());
            root = base;
        }
        fields.reverse();
        let mut names: Vec<String> = roots
            .iter()
            .map(|root| format!("{root}.{}", fields.join(".")))
            .collect();
        names.sort();
        names.dedup();
        (!names.is_empty()).then_some(names)
    }

    /// The globals callers pass for a parameter, through a few parameters in a row.
    fn parameter_global_roots(
        &self,
        file: usize,
        binding: BindingId,
        depth: u32,
        out: &mut Vec<String>,
    ) {
        if self.ir(file).binding(binding).kind != BindingKind::Param || depth > 4 {
            return;
        }
        for (caller_file, arg) in self.arguments_for(file, binding) {
            match arg {
                Value::Local(outer) => {
                    self.parameter_global_roots(caller_file, *outer, depth + 1, out)
                }
                arg => out.extend(arg.global_path().map(|p| p.join("."))),
            }
        }
    }

    /// What the callers of a parameter's function pass for it (with each caller's file).
    /// A method's `self` lines up with the receiver, which method calls carry as their first
    /// argument. Calls that only hand the function along (`pcall(f, x)`, where `f` itself is
    /// an argument) are skipped: their arguments do not line up with its parameters.
    pub fn arguments_for(&self, file: usize, binding: BindingId) -> Vec<(usize, &'a Value)> {
        let ir = self.ir(file);
        let func = ir.binding(binding).func;
        let Some(index) = ir.function(func).params.iter().position(|p| *p == binding) else {
            return Vec::new();
        };
        let f = FnRef { file, func };
        let passes_f = |caller_file: usize, arg: &Value| match arg {
            Value::Function(id) => caller_file == file && *id == func,
            Value::Local(b) => {
                caller_file == file && ir.binding(*b).values.contains(&Value::Function(func))
            }
            _ => false,
        };
        self.calls_to
            .get(&f)
            .into_iter()
            .flatten()
            .filter_map(|(call_ref, _)| {
                let call = self.ir(call_ref.file).call(call_ref.call);
                if call.args.iter().any(|arg| passes_f(call_ref.file, arg)) {
                    return None;
                }
                Some((call_ref.file, call.args.get(index)?))
            })
            .collect()
    }

    pub fn is_api(&self, file: usize, value: &'a Value, name: &str) -> bool {
        self.api_names(file, value).iter().any(|n| n == name)
    }

    /// `Some(Ok(file))` for a require of a unit file, `Some(Err(name))` for an external one:
    /// as resolved when the model was built.
    pub fn require_target(&self, file: usize, call: CallId) -> Option<Result<usize, String>> {
        self.requires.get(&(file, call)).cloned()
    }

    /// What `require(path)` in `file` loads: `Ok(file)` for a unit file, `Err(name)` for an
    /// external module.
    fn resolve_require(&self, file: usize, path: &str) -> Result<usize, String> {
        let exists = |rel: &str| self.by_rel.contains_key(rel);
        match crate::workspace::resolve_require(
            path,
            self.files[file].rel,
            self.mod_name.as_deref(),
            &exists,
        ) {
            crate::workspace::RequireTarget::Local(rel) => Ok(self.by_rel[rel.as_str()]),
            crate::workspace::RequireTarget::External => Err(external_module_name(path)),
        }
    }

    // ----- calls and registrations -----

    fn link_calls(&mut self) {
        // First the direct call edges, so that parameters can be followed to the arguments
        // their callers pass; then registrations and callbacks with that knowledge.
        let (direct, evaluated) = self.direct_callees();
        let mut calls_from = EdgesByCaller::new(self.files);
        for (file, calls) in direct.iter().enumerate() {
            for (id, callees) in calls.iter().enumerate() {
                let call = CallRef {
                    file,
                    call: id as CallId,
                };
                let func = self.ir(file).call(call.call).func;
                let edges = calls_from.of(FnRef { file, func });
                edges.extend(callees.iter().map(|c| (call, *c)));
            }
        }
        self.calls_to = reverse(calls_from.iter());
        self.link_calls_with_parameters(&direct, &evaluated);
    }

    /// The functions each call can reach by its callee alone, per file and call id; and the
    /// API names its callee evaluates to (`None` for a global path, named without evaluating).
    /// One evaluation of each callee answers both: linking asks for the names next.
    #[allow(clippy::type_complexity)]
    fn direct_callees(&self) -> (Vec<Vec<Vec<FnRef>>>, Vec<Vec<Option<Vec<String>>>>) {
        // Callees that may be functions are remembered, and arguments handed along after
        // them: grown once.
        let calls: usize = self.files.iter().map(|f| f.ir.calls.len()).sum();
        self.answers.callees.borrow_mut().reserve(calls / 2);
        let mut direct = Vec::with_capacity(self.files.len());
        let mut evaluated = Vec::with_capacity(self.files.len());
        for (file, facts) in self.files.iter().enumerate() {
            let (callees, names): (Vec<_>, Vec<_>) = facts
                .ir
                .calls
                .iter()
                .map(|call| {
                    let global = global_root(&call.callee).is_some();
                    if !self.may_be_assigned(file, &call.callee) {
                        // `game.print`, `self.update`: no function can be found (`callees`
                        // tells so again), and a global path is named without evaluating (a
                        // local's fields name no API).
                        return (Vec::new(), (!global).then(Vec::new));
                    }
                    let origins = self.origins(file, &call.callee);
                    let callees: Vec<FnRef> = origins
                        .iter()
                        .filter_map(|o| match o {
                            Origin::Func(f) => Some(*f),
                            _ => None,
                        })
                        .collect();
                    self.answers
                        .callees
                        .borrow_mut()
                        .entry((file, &call.callee as *const Value))
                        .or_insert_with(|| callees.clone());
                    let names = (!global).then(|| self.linked_api_names(&origins));
                    (callees, names)
                })
                .unzip();
            direct.push(callees);
            evaluated.push(names);
        }
        (direct, evaluated)
    }

    #[allow(clippy::type_complexity)]
    fn link_calls_with_parameters(
        &mut self,
        direct: &[Vec<Vec<FnRef>>],
        evaluated: &[Vec<Option<Vec<String>>>],
    ) {
        let mut calls_from = EdgesByCaller::new(self.files);
        let mut callback_edges = FastSet::default();
        let mut registrations = Vec::new();
        let mut parameter_roots = FastMap::default();
        // Whether a helper may call its argument at a position, asked again at every call.
        let mut calls_argument: FastMap<(FnRef, usize), bool> = FastMap::default();
        for (file, facts) in self.files.iter().enumerate() {
            for (id, call) in facts.ir.calls.iter().enumerate() {
                let call_ref = CallRef {
                    file,
                    call: id as CallId,
                };
                let caller = FnRef {
                    file,
                    func: call.func,
                };
                // What `api_names` answers while the model is built, from the evaluation
                // `direct_callees` made.
                let names = match &evaluated[file][id] {
                    Some(evaluated) => self
                        .api_names_through_parameter(file, &call.callee, Some(&mut parameter_roots))
                        .unwrap_or_else(|| evaluated.clone()),
                    // Only the names asked below: most global calls are none of them.
                    None => call
                        .callee
                        .global_path()
                        .filter(|path| LINKED_API_ROOTS.contains(&path[0]))
                        .map(|path| vec![path.join(".")])
                        .unwrap_or_default(),
                };
                if let Some(found) = self.registrations_of(call_ref, call, &names) {
                    registrations.extend(found);
                    continue;
                }
                let edges = calls_from.of(caller);
                edges.extend(direct[file][id].iter().map(|callee| (call_ref, *callee)));
                // A function handed to another call (pcall, table.sort, a helper) may run now.
                // Not when the callee is unknown code (another mod's `lib.on_event(id, f)`
                // keeps it for later), nor a helper of the mod that only keeps it: its
                // context is then unknown, not this caller's.
                let builtin_calls_back = names.iter().any(|n| calls_back_now(n))
                    || (call.is_method
                        && matches!(&call.callee, Value::Index(_, Key::Name(m)) if m == "gsub"));
                // Without a callee that may call back, no argument runs now.
                let may_call_back = builtin_calls_back || !direct[file][id].is_empty();
                if may_call_back && !names.iter().any(|n| stores_callback(n)) {
                    for (position, arg) in call.args.iter().enumerate() {
                        if !matches!(arg, Value::Function(_) | Value::Local(_)) {
                            continue;
                        }
                        let runs_now = builtin_calls_back
                            || direct[file][id].iter().any(|helper| {
                                *calls_argument
                                    .entry((*helper, position))
                                    .or_insert_with(|| self.may_call_argument(*helper, position, 0))
                            });
                        if !runs_now {
                            continue;
                        }
                        for callee in self.callees(file, arg) {
                            if !direct[file][id].contains(&callee) {
                                callback_edges.insert((call_ref, callee));
                            }
                            edges.push((call_ref, callee));
                        }
                    }
                }
            }
        }
        registrations.sort_by_key(|r: &Registration| (r.call, r.kind, r.name.clone()));
        let calls_from: BTreeMap<FnRef, Vec<(CallRef, FnRef)>> = calls_from
            .into_iter()
            .map(|(caller, mut edges)| {
                edges.sort();
                edges.dedup();
                (caller, edges)
            })
            .collect();
        self.calls_to = reverse(calls_from.iter().map(|(caller, edges)| (*caller, edges)));
        self.calls_from = calls_from;
        self.callback_edges = callback_edges;
        self.registrations = registrations;
    }

    /// The registrations a call makes, or `None` when it is not a registering call.
    fn registrations_of(
        &self,
        call_ref: CallRef,
        call: &'a Call,
        names: &[String],
    ) -> Option<Vec<Registration>> {
        let file = call_ref.file;
        let name = names
            .iter()
            .find(|n| REGISTRATION_APIS.contains(&n.as_str()) || is_event_handler_api(n))?;
        let arg = |i: usize| call.args.get(i);
        let handler_of =
            |value: Option<&'a Value>| value.and_then(|v| self.callees(file, v).into_iter().next());
        let is_unregister = |value: Option<&'a Value>| matches!(value, None | Some(Value::Nil));
        let reg = |kind, name, handler| Registration::new(kind, name, call_ref, handler, false);
        let mut out = Vec::new();
        match name.as_str() {
            "script.on_event" | "script.on_nth_tick" if !is_unregister(arg(1)) => {
                let kind = match name.as_str() {
                    "script.on_event" => RegKind::Event,
                    _ => RegKind::NthTick,
                };
                let entries = self
                    .handler_table_entries(kind, file, arg(0), arg(1))
                    .unwrap_or_else(|| {
                        let names = match kind {
                            RegKind::Event => self.event_names(file, arg(0)),
                            _ => self.tick_periods(file, arg(0)),
                        };
                        let handler = handler_of(arg(1));
                        names.into_iter().map(|n| (n, handler)).collect()
                    });
                for (registered, handler) in entries {
                    out.push(reg(kind, registered, handler));
                }
            }
            "script.on_event" | "script.on_nth_tick" => {}
            "script.on_init" | "script.on_load" | "script.on_configuration_changed" => {
                if !is_unregister(arg(0)) {
                    let kind = match name.as_str() {
                        "script.on_init" => RegKind::OnInit,
                        "script.on_load" => RegKind::OnLoad,
                        _ => RegKind::OnConfigurationChanged,
                    };
                    out.push(reg(
                        kind,
                        (kind.name().to_string(), true),
                        handler_of(arg(0)),
                    ));
                }
            }
            "commands.add_command" => {
                let command = arg(0)
                    .map(|v| self.literal_or_describe(file, v))
                    .unwrap_or_default();
                out.push(reg(RegKind::Command, command, handler_of(arg(2))));
            }
            "remote.add_interface" => {
                let interface = arg(0)
                    .map(|v| self.literal_or_describe(file, v))
                    .unwrap_or_default();
                out.push(reg(RegKind::Remote, interface, None));
            }
            _ => {
                // event_handler.add_lib(lib) / add_libraries({lib, ...})
                let libs: Vec<&'a Value> = if name.ends_with("add_libraries") {
                    arg(0)
                        .map(|v| self.table_items(file, v))
                        .unwrap_or_default()
                } else {
                    arg(0).into_iter().collect()
                };
                for lib in libs {
                    out.extend(self.event_handler_lib(call_ref, lib));
                }
            }
        }
        Some(out)
    }

    /// The positional entries of a table value (following locals).
    fn table_items(&self, file: usize, value: &'a Value) -> Vec<&'a Value> {
        let mut items = Vec::new();
        for origin in self.origins(file, value) {
            if let Origin::Table { fields, .. } = origin {
                items.extend(fields.iter().filter(|f| f.key.is_none()).map(|f| &f.value));
            }
        }
        items
    }

    /// The fields of a lib table for `event_handler`: `events`, `on_nth_tick`, `on_init`, ….
    /// What `value.<field>` can be: `eval` of a field access the code never wrote out.
    fn field_origins(
        &self,
        file: usize,
        value: &'a Value,
        field: &'a str,
    ) -> Vec<Origin<'a, PathId>> {
        self.with_seen(|seen| {
            let mut bases = Vec::new();
            self.eval_into(file, value, 0, seen, &mut bases);
            let mut out = Vec::new();
            for origin in bases {
                self.field(origin, field, &mut None, 1, seen, &mut out);
            }
            out
        })
    }

    /// Entries of `lib.<field>`: (file, key, value), from constructors and `lib.events[k] = f`.
    fn lib_field(
        &self,
        file: usize,
        lib: &'a Value,
        field: &'a str,
    ) -> Vec<(usize, Option<&'a Key>, &'a Value)> {
        self.field_origins(file, lib, field)
            .into_iter()
            .flat_map(|origin| self.origin_entries(origin))
            .collect()
    }

    fn event_handler_lib(&self, call_ref: CallRef, lib: &'a Value) -> Vec<Registration> {
        let file = call_ref.file;
        let mut out = Vec::new();
        let reg = |kind, name, handler| Registration::new(kind, name, call_ref, handler, true);
        for (f, key, value) in self.lib_field(file, lib, "events") {
            let Some(key) = key else { continue };
            let handler = self.callees(f, value).into_iter().next();
            let names = match key {
                Key::Name(name) => vec![(name.to_string(), true)],
                Key::Dynamic(k) => self.event_names(f, Some(k)),
            };
            for name in names {
                out.push(reg(RegKind::Event, name, handler));
            }
        }
        for (f, key, value) in self.lib_field(file, lib, "on_nth_tick") {
            let Some(Key::Dynamic(k)) = key else { continue };
            let handler = self.callees(f, value).into_iter().next();
            for period in self.tick_periods(f, Some(k)) {
                out.push(reg(RegKind::NthTick, period, handler));
            }
        }
        for (field, kind) in [
            ("on_init", RegKind::OnInit),
            ("on_load", RegKind::OnLoad),
            ("on_configuration_changed", RegKind::OnConfigurationChanged),
        ] {
            let handlers = self.field_origins(file, lib, field);
            if let Some(Origin::Func(handler)) =
                handlers.into_iter().find(|o| matches!(o, Origin::Func(_)))
            {
                out.push(reg(kind, (kind.name().to_string(), true), Some(handler)));
            }
        }
        out
    }

    /// A literal's text, a `defines.events` name, or a description of a run-time value
    /// (with `false`: not known statically).
    pub(super) fn literal_or_describe(&self, file: usize, value: &'a Value) -> (String, bool) {
        match value {
            Value::Str(s) => (s.to_string(), true),
            Value::Number(n) => (n.to_string(), true),
            // A local constant (`local delay = 240`) is its literal.
            Value::Local(b)
                if matches!(
                    self.ir(file).binding(*b),
                    Binding { kind: BindingKind::Local, values, .. }
                        if matches!(values.as_slice(), [Value::Str(_) | Value::Number(_)])
                ) =>
            {
                self.literal_or_describe(file, &self.ir(file).binding(*b).values[0])
            }
            other => {
                for origin in self.origins(file, other) {
                    if let Origin::Path(p) = origin {
                        let paths = self.paths.borrow();
                        if let Some(name) = paths.key(p).strip_prefix("G:defines.events.") {
                            return (name.to_string(), true);
                        }
                    }
                }
                (self.ir(file).describe(other), false)
            }
        }
    }

    /// Event names from an `on_event` first argument: one id, a string, or a table of them.
    pub fn event_names(&self, file: usize, value: Option<&'a Value>) -> Vec<(String, bool)> {
        let Some(value) = value else {
            return Vec::new();
        };
        if let Some(path) = value.global_path() {
            if path.len() == 3 && path[0] == "defines" && path[1] == "events" {
                return vec![(path[2].to_string(), true)];
            }
        }
        match value {
            Value::Str(s) => return vec![(s.to_string(), true)],
            Value::Table(fields) => {
                return fields
                    .iter()
                    .filter(|f| f.key.is_none())
                    .flat_map(|f| self.event_names(file, Some(&f.value)))
                    .collect()
            }
            _ => {}
        }
        // A local holding a list of events, or an alias of one id.
        for origin in self.origins(file, value) {
            if let Origin::Table { file: f, fields } = origin {
                let names: Vec<(String, bool)> = fields
                    .iter()
                    .filter(|x| x.key.is_none())
                    .flat_map(|x| self.event_names(f, Some(&x.value)))
                    .collect();
                if !names.is_empty() {
                    return names;
                }
            }
        }
        vec![self.literal_or_describe(file, value)]
    }

    pub(super) fn tick_periods(
        &self,
        file: usize,
        value: Option<&'a Value>,
    ) -> Vec<(String, bool)> {
        match value {
            Some(Value::Table(fields)) => fields
                .iter()
                .filter(|f| f.key.is_none())
                .flat_map(|f| self.tick_periods(file, Some(&f.value)))
                .collect(),
            Some(v) => vec![self.literal_or_describe(file, v)],
            None => Vec::new(),
        }
    }

    // ----- contexts -----

    fn propagate_contexts(&mut self) {
        let mut queue: VecDeque<(FnRef, Context)> = VecDeque::new();
        let mut reach: FastMap<FnRef, [Option<Reach>; 8]> = FastMap::default();
        let mut seed =
            |f: FnRef, context: Context, origin: String, queue: &mut VecDeque<(FnRef, Context)>| {
                let slot = &mut reach.entry(f).or_default()[context.index()];
                if slot.is_none() {
                    *slot = Some(Reach { origin, via: None });
                    queue.push_back((f, context));
                }
            };
        for (file, facts) in self.files.iter().enumerate() {
            let main = FnRef {
                file,
                func: MAIN_CHUNK,
            };
            if facts.role == Some(Role::Injected) {
                seed(
                    main,
                    Context::Injected,
                    format!("{} (injected)", facts.rel),
                    &mut queue,
                );
            } else if facts.rel.starts_with("migrations/") {
                // Run once on the host after a mod update, like on_configuration_changed.
                let origin = format!("the migration {}", facts.rel);
                seed(main, Context::OnConfigurationChanged, origin, &mut queue);
            } else if facts.stages.control {
                seed(main, Context::Load, facts.rel.to_string(), &mut queue);
            }
        }
        for registration in &self.registrations {
            let Some(handler) = registration.handler else {
                continue;
            };
            let (context, origin) = match registration.kind {
                RegKind::Event => (Context::Event, format!("the {} handler", registration.name)),
                RegKind::NthTick => (
                    Context::Event,
                    format!("the on_nth_tick({}) handler", registration.name),
                ),
                RegKind::Command => (
                    Context::Command,
                    format!("the /{} command", registration.name),
                ),
                RegKind::Remote => continue,
                RegKind::OnInit => (Context::OnInit, "on_init".to_string()),
                RegKind::OnLoad => (Context::OnLoad, "on_load".to_string()),
                RegKind::OnConfigurationChanged => (
                    Context::OnConfigurationChanged,
                    "on_configuration_changed".to_string(),
                ),
            };
            seed(handler, context, origin, &mut queue);
        }
        // Remote interface functions: every function field of the interface table.
        for registration in self
            .registrations
            .iter()
            .filter(|r| r.kind == RegKind::Remote)
        {
            for (f, name) in self.interface_functions(registration) {
                seed(f, Context::Remote, name, &mut queue);
            }
        }
        self.spread_contexts(&mut reach, &mut queue, &FastMap::default());
        self.reach = reach;
    }

    /// Follows calls from everything queued, in each queued context: the call edges, and
    /// `extra` edges by calling function.
    pub(super) fn spread_contexts(
        &self,
        reach: &mut FastMap<FnRef, [Option<Reach>; 8]>,
        queue: &mut VecDeque<(FnRef, Context)>,
        extra: &FastMap<FnRef, Vec<(CallRef, FnRef)>>,
    ) {
        while let Some((f, context)) = queue.pop_front() {
            let edges = self.calls_from.get(&f).into_iter().flatten();
            let extra_edges = extra.get(&f).into_iter().flatten();
            // Taken once a callee is new in the context: most are reached already.
            let mut origin: Option<String> = None;
            for (call, callee) in edges.chain(extra_edges) {
                let reached = reach.get(callee);
                if reached.is_some_and(|slots| slots[context.index()].is_some()) {
                    continue;
                }
                let origin = origin.get_or_insert_with(|| {
                    reach[&f][context.index()]
                        .as_ref()
                        .map(|r| r.origin.clone())
                        .unwrap_or_default()
                });
                reach.entry(*callee).or_default()[context.index()] = Some(Reach {
                    origin: origin.clone(),
                    via: Some((f, *call)),
                });
                queue.push_back((*callee, context));
            }
        }
    }

    /// The contexts a function can run in, in canonical order.
    pub fn contexts(&self, f: FnRef) -> Vec<Context> {
        match self.reach.get(&f) {
            Some(slots) => CONTEXTS
                .iter()
                .copied()
                .filter(|c| slots[c.index()].is_some())
                .collect(),
            None => Vec::new(),
        }
    }

    pub fn reach(&self, f: FnRef, context: Context) -> Option<&Reach> {
        self.reach.get(&f)?[context.index()].as_ref()
    }

    /// The contexts a registration is made in.
    pub fn registration_contexts(&self, registration: &Registration) -> Vec<Context> {
        if registration.via_event_handler
            && matches!(registration.kind, RegKind::Event | RegKind::NthTick)
        {
            // event_handler registers lib events in its own on_init and on_load.
            return vec![Context::OnInit, Context::OnLoad];
        }
        let call = self.ir(registration.call.file).call(registration.call.call);
        self.contexts(FnRef {
            file: registration.call.file,
            func: call.func,
        })
    }

    /// The call chain from an entry point to `f` in `context`: (function, call site) pairs,
    /// entry first.
    pub fn chain(&self, f: FnRef, context: Context) -> Vec<(FnRef, CallRef)> {
        let mut chain = Vec::new();
        let mut current = f;
        while let Some(Reach {
            via: Some((caller, call)),
            ..
        }) = self.reach(current, context)
        {
            if chain.len() > 32 || chain.iter().any(|(c, _)| *c == *caller) {
                break;
            }
            chain.push((*caller, *call));
            current = *caller;
        }
        chain.reverse();
        chain
    }

    pub fn function_span(&self, f: FnRef) -> Span {
        self.ir(f.file).function(f.func).head_span
    }
}

/// The API table for a unit: its files' Factorio version (they share one unless the config
/// overrides it for some paths; then the first control-stage file's counts).
fn unit_api(files: &[FileFacts]) -> &'static crate::api::Api {
    let version = files
        .iter()
        .find(|f| f.stages.control)
        .or(files.first())
        .and_then(|f| f.factorio_version);
    crate::api::for_version(version)
}

/// Who calls each function, and where: callers in order, each caller's edges in order.
fn reverse<'e>(
    calls_from: impl Iterator<Item = (FnRef, &'e Vec<(CallRef, FnRef)>)>,
) -> BTreeMap<FnRef, Vec<(CallRef, FnRef)>> {
    let mut edges: Vec<(FnRef, CallRef, FnRef)> = calls_from
        .flat_map(|(caller, edges)| {
            edges
                .iter()
                .map(move |(call, callee)| (*callee, *call, caller))
        })
        .collect();
    // Stable: each callee's edges stay in caller order.
    edges.sort_by_key(|(callee, _, _)| *callee);
    let mut calls_to: BTreeMap<FnRef, Vec<(CallRef, FnRef)>> = BTreeMap::new();
    let mut rest = edges.as_slice();
    while let Some((callee, _, _)) = rest.first() {
        let n = rest.iter().take_while(|(c, _, _)| c == callee).count();
        let (same, next) = rest.split_at(n);
        calls_to.insert(
            *callee,
            same.iter()
                .map(|(_, call, caller)| (*call, *caller))
                .collect(),
        );
        rest = next;
    }
    calls_to
}

/// Call edges by calling function while calls are linked: one list per function of each
/// file, `None` until the function has a call.
struct EdgesByCaller(Vec<Vec<Option<Edges>>>);

/// The edges of one caller: (call, callee).
type Edges = Vec<(CallRef, FnRef)>;

impl EdgesByCaller {
    fn new(files: &[FileFacts]) -> Self {
        EdgesByCaller(
            files
                .iter()
                .map(|f| vec![None; f.ir.functions.len()])
                .collect(),
        )
    }

    fn of(&mut self, caller: FnRef) -> &mut Vec<(CallRef, FnRef)> {
        self.0[caller.file][caller.func as usize].get_or_insert_with(Vec::new)
    }

    fn iter(&self) -> impl Iterator<Item = (FnRef, &Vec<(CallRef, FnRef)>)> {
        self.0.iter().enumerate().flat_map(|(file, funcs)| {
            funcs.iter().enumerate().filter_map(move |(func, edges)| {
                let caller = FnRef {
                    file,
                    func: func as FuncId,
                };
                edges.as_ref().map(|edges| (caller, edges))
            })
        })
    }

    fn into_iter(self) -> impl Iterator<Item = (FnRef, Vec<(CallRef, FnRef)>)> {
        self.0.into_iter().enumerate().flat_map(|(file, funcs)| {
            funcs
                .into_iter()
                .enumerate()
                .filter_map(move |(func, edges)| {
                    let caller = FnRef {
                        file,
                        func: func as FuncId,
                    };
                    edges.map(|edges| (caller, edges))
                })
        })
    }
}

/// The roots of the API names call linking asks about (see [`stores_callback`],
/// [`calls_back_now`] and [`REGISTRATION_APIS`]).
const LINKED_API_ROOTS: &[&str] = &[
    "script",
    "commands",
    "remote",
    "event_handler",
    "pcall",
    "xpcall",
    "table",
    "string",
];

/// The literal path of `require("path")`; `None` for any other call.
fn required_literal(call: &Call) -> Option<&str> {
    match (&call.callee, call.args.first()) {
        (Value::Global(name), Some(Value::Str(path))) if name == "require" => Some(path),
        _ => None,
    }
}

/// The global a global path (`game.print`) starts at; `None` for any other value.
fn global_root(value: &Value) -> Option<&str> {
    let mut root = value;
    while let Value::Index(base, Key::Name(_)) = root {
        root = base;
    }
    match root {
        Value::Global(name) => Some(name.as_str()),
        _ => None,
    }
}

/// APIs whose function arguments are stored, not called now.
fn stores_callback(name: &str) -> bool {
    REGISTRATION_APIS.contains(&name)
        || is_event_handler_api(name)
        || name.starts_with("script.")
        || name.starts_with("commands.")
}

/// Built-ins that call a function argument before they return.
fn calls_back_now(name: &str) -> bool {
    matches!(name, "pcall" | "xpcall" | "table.sort" | "string.gsub")
}

const REGISTRATION_APIS: &[&str] = &[
    "script.on_event",
    "script.on_nth_tick",
    "script.on_init",
    "script.on_load",
    "script.on_configuration_changed",
    "commands.add_command",
    "remote.add_interface",
];

fn is_event_handler_api(name: &str) -> bool {
    name == "event_handler.add_lib" || name == "event_handler.add_libraries"
}

/// `__core__/lualib/event_handler` and `event_handler` are the same library.
fn external_module_name(path: &str) -> String {
    let path = path.strip_suffix(".lua").unwrap_or(path);
    let last = path.rsplit(['/', '.']).next().unwrap_or(path);
    if last == "event_handler" {
        return "event_handler".to_string();
    }
    path.to_string()
}

/// A canonical key for an assignment target rooted at a local or a global. Every dynamic key
/// is `[]`: `storage.tags[gps].chart_tag` is `G:storage.tags[].chart_tag`.
pub fn path_key(file: usize, value: &Value) -> Option<String> {
    match value {
        Value::Local(binding) => Some(format!("{file}:{binding}")),
        Value::Global(name) => Some(format!("G:{name}")),
        Value::Index(base, key) => {
            let mut path = path_key(file, base)?;
            push_path_step(&mut path, key.name());
            Some(path)
        }
        _ => None,
    }
}

/// Appends one step to a path key (see [`path_key`]): `.field`, or `[]` for a dynamic key.
pub(super) fn push_path_step(key: &mut String, field: Option<&str>) {
    match field {
        Some(field) => {
            key.push('.');
            key.push_str(field);
        }
        None => key.push_str("[]"),
    }
}

#[cfg(test)]
mod path_tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn grouped_items_keep_their_order_within_each_group() {
        let grouped = Grouped::new(vec![(2, 'a'), (0, 'b'), (2, 'c'), (0, 'd')], 4);
        assert_eq!(grouped.of(0), ['b', 'd']);
        assert_eq!(grouped.of(1), [] as [char; 0]);
        assert_eq!(grouped.of(2), ['a', 'c']);
        assert_eq!(grouped.of(9), [] as [char; 0]);
        assert_eq!(grouped.get(&PathId(1)), None);
        assert_eq!(grouped.get(&PathId(2)), Some(&['a', 'c'][..]));
    }

    #[test]
    fn a_field_named_with_dots_is_the_path_its_key_spells() {
        let mut paths = PathTable::new(&[], 0);
        let t = paths.global("t");
        let a = paths.child(t, Some("a"));
        let ab = paths.child(a, Some("b"));
        assert_eq!(paths.child(t, Some("a.b")), ab);
        assert_eq!(paths.key(ab), "G:t.a.b");
        assert_eq!(paths.find("G:t.a.b"), Some(ab));
        let element = paths.child(a, None);
        assert_eq!(paths.child(t, Some("a[]")), element);
        assert_eq!(paths.find("G:t.a[]"), Some(element));
        assert_eq!(paths.global("t.a"), a);
        assert_eq!(paths.global_key(ab).as_deref(), Some("t.a.b"));
        assert_eq!(paths.find_below("G:t.a.b", ab.0), None);
        assert_eq!(paths.find_below("G:t.a.b", ab.0 + 1), Some(ab));
        assert_eq!(paths.find_below("G:t.a..b", u32::MAX), None);
    }

    #[test]
    fn a_key_that_spells_no_steps_is_one_path_whichever_way_it_is_reached() {
        let mut paths = PathTable::new(&[], 0);
        let t = paths.global("t");
        let odd = paths.child(t, Some("a..b"));
        let a_dot = paths.child(t, Some("a."));
        assert_eq!(paths.child(a_dot, Some("b")), odd);
        assert_eq!(paths.key(odd), "G:t.a..b");
        assert_eq!(paths.find("G:t.a..b"), Some(odd));
        let empty = paths.child(t, Some(""));
        assert_eq!(paths.key(empty), "G:t.");
        assert_ne!(empty, t);
        assert_eq!(paths.find("G:t.x"), None);
        assert_eq!(paths.find("G:u"), None);
    }

    #[test]
    fn a_value_finds_the_path_its_key_finds() {
        let mut paths = PathTable::new(&[], 0);
        let t = paths.global("t");
        let a = paths.child(t, Some("a"));
        paths.child(a, Some("b"));
        paths.child(a, None);
        paths.child(t, Some("a..b"));
        paths.child(t, Some(""));
        // A global whose name is an odd key with a field after it: `_G["o..p.q"]`.
        paths.global("o..p");
        paths.global("o..p.q");
        paths.global("u.v");
        let global = |name: &str| Value::Global(name.into());
        let dynamic = |base: Value| Value::Index(Arc::new(base), Key::Dynamic(Arc::default()));
        let mut values = vec![Value::Local(0), Value::Nil];
        for root in ["t", "u", "o..p", "u.v", "x"].map(global) {
            values.push(dynamic(root.clone()));
            for name in ["a", "a.b", "a..b", "", "q", "v", "x", "a[]"] {
                let field = root.clone().index(name);
                values.push(dynamic(field.clone()));
                values.push(field.clone().index("b"));
                values.push(field);
            }
            values.push(root);
        }
        let mut found = 0;
        for limit in 0..=paths.len() as u32 + 1 {
            for value in &values {
                let by_key = path_key(0, value).and_then(|key| paths.find_below(&key, limit));
                assert_eq!(paths.find_value_below(0, value, limit), by_key, "{value:?}");
                found += usize::from(by_key.is_some());
            }
        }
        assert!(found > 50, "{found}");
    }
}

#[cfg(test)]
mod callee_tests {
    use super::*;
    use crate::semantic::test_model::with_model;

    /// The functions each call of `control.lua` can reach, by the callee as written.
    fn callees_by_callee(model: &Model, facts: &[FileFacts]) -> Vec<(String, Vec<FnRef>)> {
        let ir = facts[0].ir;
        ir.calls
            .iter()
            .map(|call| (ir.describe(&call.callee), model.callees(0, &call.callee)))
            .collect()
    }

    #[test]
    fn the_same_require_leads_beside_each_requiring_file() {
        let files = [
            ("control.lua", "local u = require('util')"),
            ("util.lua", "return {}"),
            ("scripts/a.lua", "local u = require('util')"),
            ("scripts/util.lua", "return {}"),
            ("scripts/b.lua", "local u = require('util')"),
            ("other/c.lua", "local u = require('util')"),
        ];
        with_model(&files, |model, _| {
            let target = |file: usize| model.requires.get(&(file, 0)).cloned();
            assert_eq!(target(0), Some(Ok(1)));
            assert_eq!(target(2), Some(Ok(3)));
            assert_eq!(target(4), Some(Ok(3)));
            assert_eq!(target(5), Some(Ok(1)));
        });
    }

    /// A require's target, as linking resolved it (once per folder and path), is what
    /// resolving it afresh from the requiring file gives.
    #[test]
    fn a_require_target_is_the_same_looked_up_or_resolved_afresh() {
        let files = [
            (
                "control.lua",
                "local a = require('util')\nlocal b = require('__test__/lib.util')\n\
                 local c = require('flib.gui')\nprint(a)\nlocal d = require(name)",
            ),
            ("util.lua", "return {}"),
            ("lib/util.lua", "return {}"),
        ];
        with_model(&files, |model, facts| {
            let calls = &facts[0].ir.calls;
            let targets: Vec<_> = (0..calls.len() as CallId)
                .map(|id| model.require_target(0, id))
                .collect();
            assert_eq!(
                targets,
                [
                    Some(Ok(1)),
                    Some(Ok(2)),
                    Some(Err("flib.gui".to_string())),
                    None,
                    None
                ],
                "{:?}",
                calls
                    .iter()
                    .map(|c| facts[0].ir.describe(&c.callee))
                    .collect::<Vec<_>>()
            );
            for (call, looked_up) in calls.iter().zip(&targets) {
                let afresh = required_literal(call).map(|path| model.resolve_require(0, path));
                assert_eq!(&afresh, looked_up);
            }
        });
    }

    #[test]
    fn a_parameters_field_is_followed_only_where_it_is_assigned() {
        let code = r#"
            local function run(t)
                t.callback = function() end
                t.callback()
                t.other()
            end
            local function keep(u)
                u.state.tick = function() end
                u.state.tick()
                u.state.other()
            end
        "#;
        with_model(&[("control.lua", code)], |model, facts| {
            let found = callees_by_callee(model, facts);
            let reached = |callee: &str| {
                let (_, callees) = found.iter().find(|(c, _)| c == callee).expect(callee);
                callees.len()
            };
            assert_eq!(reached("t.callback"), 1, "{found:?}");
            assert_eq!(reached("t.other"), 0, "{found:?}");
            assert_eq!(reached("u.state.tick"), 1, "{found:?}");
            assert_eq!(reached("u.state.other"), 0, "{found:?}");
        });
    }
}
