//! Where code surely runs, for rules that report what a context forbids (`game` while
//! loading, `storage` writes in on_load, `require` in a handler).
//!
//! The model's contexts (`Model::contexts`) over-approximate: a function handed to any call
//! (`lib.register(f)`) counts as run by that call, which is right for "is this registration
//! also made while loading" (more contexts, fewer findings) but wrong for "does this code run
//! while loading". The *sure* contexts here follow the same calls, except that a function
//! handed to a call counts as run only when the receiver calls it now: `pcall(f)`,
//! `table.sort(t, f)`, or a function of the mod that calls that parameter in its own body.
//! A function stored for later (`Event.register(id, f)`) is not run by the call.
//!
//! Seeds are the model's entry points (control files at load, registered handlers, remote
//! functions), minus Lua migration files, plus every handler a registration can run
//! (`script.on_event(id, handlers[k])`, `for id, f in pairs(handlers)`: the model keeps one)
//! and handlers passed through a thin wrapper's parameter (`function M.on_load(f)
//! script.on_load(f) end`). This is narrow on purpose; registrations through handler tables
//! and wrapper closures are also modelled for FL101 (another change).

use super::ir::*;
use super::model::{
    path_key, CallRef, Context, FastMap, FastSet, FnRef, Model, Reach, RegKind, CONTEXTS,
};
use crate::source::Span;
use std::collections::VecDeque;

/// Sure contexts per function, with how each was first reached; the variables on_init sets.
pub struct Lifecycle {
    reach: FastMap<FnRef, [Option<Reach>; 8]>,
    init_flags: FastSet<String>,
}

/// Library functions that call a function argument before they return.
const CALLS_ARGUMENT_NOW: &[&str] = &["pcall", "xpcall", "table.sort", "string.gsub"];

/// How deep a function argument is followed through helpers that pass it on.
const MAX_FORWARDING: u32 = 3;

fn context_index(context: Context) -> usize {
    CONTEXTS
        .iter()
        .position(|c| *c == context)
        .expect("every context is listed")
}

impl<'a> Model<'a> {
    fn lifecycle(&self) -> &Lifecycle {
        self.lifecycle.get_or_init(|| {
            let reach = self.sure_reach_of_unit();
            let init_flags = self.init_flags(&reach);
            Lifecycle { reach, init_flags }
        })
    }

    /// The contexts `f` surely runs in (as far as calls can be followed), canonical order.
    pub fn sure_contexts(&self, f: FnRef) -> Vec<Context> {
        match self.lifecycle().reach.get(&f) {
            Some(slots) => CONTEXTS
                .iter()
                .copied()
                .filter(|c| slots[context_index(*c)].is_some())
                .collect(),
            None => Vec::new(),
        }
    }

    pub fn sure_reach(&self, f: FnRef, context: Context) -> Option<&Reach> {
        self.lifecycle().reach.get(&f)?[context_index(context)].as_ref()
    }

    /// The call chain from the entry point to `f` in `context`, entry first: (caller, call).
    pub fn sure_chain(&self, f: FnRef, context: Context) -> Vec<(FnRef, CallRef)> {
        let mut chain: Vec<(FnRef, CallRef)> = Vec::new();
        let mut current = f;
        while let Some(Reach {
            via: Some((caller, call)),
            ..
        }) = self.sure_reach(current, context)
        {
            if chain.len() > 32 || chain.iter().any(|(c, _)| c == caller) {
                break;
            }
            chain.push((*caller, *call));
            current = *caller;
        }
        chain.reverse();
        chain
    }

    /// A Lua migration (`migrations/*.lua`): run once on the host, where `require` works.
    pub fn is_migration(&self, file: usize) -> bool {
        self.files[file].rel.starts_with("migrations/")
    }

    fn sure_reach_of_unit(&self) -> FastMap<FnRef, [Option<Reach>; 8]> {
        let mut reach: FastMap<FnRef, [Option<Reach>; 8]> = FastMap::default();
        let mut queue: VecDeque<(FnRef, Context)> = VecDeque::new();
        let mut seed = |f: FnRef, context: Context, origin: &str| {
            let slot = &mut reach.entry(f).or_default()[context_index(context)];
            if slot.is_none() {
                *slot = Some(Reach {
                    origin: origin.to_string(),
                    via: None,
                });
                queue.push_back((f, context));
            }
        };
        // Handlers first: they name table entries by their keys.
        for (handler, context, origin) in self.registered_handlers() {
            seed(handler, context, &origin);
        }
        // The model's entry points, in a stable order.
        for (file, facts) in self.files.iter().enumerate() {
            if self.is_migration(file) {
                continue;
            }
            for func in 0..facts.ir.functions.len() as FuncId {
                let f = FnRef { file, func };
                for context in CONTEXTS {
                    if let Some(Reach { origin, via: None }) = self.reach(f, context) {
                        seed(f, context, origin);
                    }
                }
            }
        }
        let table = self.table_dispatch();
        let closure_calls = &table.closure_calls;
        self.spread(&mut reach, &mut queue, closure_calls);
        // Handlers kept in tables and called by the mod's own dispatcher: once the
        // dispatcher's contexts are known, what it calls runs there too.
        let stored = &table.stored;
        if !stored.is_empty() {
            let dispatches = &table.dispatches;
            loop {
                let links = {
                    let reached = |f: FnRef, c: Context| {
                        reach
                            .get(&f)
                            .is_some_and(|slots| slots[context_index(c)].is_some())
                    };
                    self.dispatch_links(stored, dispatches, &reached, true)
                };
                let mut added = false;
                for link in links {
                    let dispatch = &dispatches[link.dispatch];
                    let callback = &stored[link.stored];
                    let dispatcher_origin = reach
                        .get(&dispatch.source)
                        .and_then(|slots| slots[context_index(link.context)].as_ref())
                        .map(|r| r.origin.clone())
                        .unwrap_or_default();
                    let slot = &mut reach.entry(callback.function).or_default()
                        [context_index(link.context)];
                    if slot.is_none() {
                        *slot = Some(Reach {
                            origin: self.stored_origin(callback, link.context, &dispatcher_origin),
                            via: Some((self.dispatcher(dispatch), dispatch.call)),
                        });
                        queue.push_back((callback.function, link.context));
                        added = true;
                    }
                }
                if !added {
                    break;
                }
                self.spread(&mut reach, &mut queue, closure_calls);
            }
        }
        reach
    }

    /// Follows calls from everything queued, in each queued context.
    fn spread(
        &self,
        reach: &mut FastMap<FnRef, [Option<Reach>; 8]>,
        queue: &mut VecDeque<(FnRef, Context)>,
        closure_calls: &FastMap<FnRef, Vec<(CallRef, FnRef)>>,
    ) {
        while let Some((f, context)) = queue.pop_front() {
            let origin = reach[&f][context_index(context)]
                .as_ref()
                .map(|r| r.origin.clone())
                .unwrap_or_default();
            let edges = self.calls_from.get(&f).into_iter().flatten();
            let through_closures = closure_calls.get(&f).into_iter().flatten();
            for (call, callee) in edges.chain(through_closures) {
                if self.callback_edges.contains(&(*call, *callee))
                    && !self.handed_function_runs_now(*call, *callee)
                {
                    continue;
                }
                let slot = &mut reach.entry(*callee).or_default()[context_index(context)];
                if slot.is_none() {
                    *slot = Some(Reach {
                        origin: origin.clone(),
                        via: Some((f, *call)),
                    });
                    queue.push_back((*callee, context));
                }
            }
        }
    }

    /// Calls a closure makes of a parameter of the function that created it
    /// (`function M.on_load(cb) Event.on_load(function() cb() end) end`): each call runs
    /// what the creator's callers passed. By calling function: (call, function run).
    pub(super) fn closure_parameter_calls(&self) -> FastMap<FnRef, Vec<(CallRef, FnRef)>> {
        let mut out: FastMap<FnRef, Vec<(CallRef, FnRef)>> = FastMap::default();
        // A closure often calls the same parameter more than once.
        let mut handed: FastMap<(FnRef, usize), Vec<FnRef>> = FastMap::default();
        for (file, facts) in self.files.iter().enumerate() {
            let ir = facts.ir;
            for (id, call) in ir.calls.iter().enumerate() {
                let protected = call.callee.is_global_path(&["pcall"])
                    || call.callee.is_global_path(&["xpcall"]);
                let called = if protected {
                    call.args.first()
                } else {
                    Some(&call.callee)
                };
                let Some(Value::Local(binding)) = called else {
                    continue;
                };
                let info = ir.binding(*binding);
                if info.kind != BindingKind::Param || info.func == call.func {
                    continue;
                }
                let creator = FnRef {
                    file,
                    func: info.func,
                };
                let Some(index) = ir
                    .function(info.func)
                    .params
                    .iter()
                    .position(|p| p == binding)
                else {
                    continue;
                };
                let call_ref = CallRef {
                    file,
                    call: id as CallId,
                };
                let caller = FnRef {
                    file,
                    func: call.func,
                };
                let functions = handed.entry((creator, index)).or_insert_with(|| {
                    let handed = self.functions_handed_to(creator, index, 0);
                    handed.into_iter().map(|(function, _)| function).collect()
                });
                for function in functions.iter() {
                    out.entry(caller).or_default().push((call_ref, *function));
                }
            }
        }
        out
    }

    /// Every function a registration can run, beyond the one the model keeps: all values of
    /// a handler table, and functions passed to a wrapper that registers its parameter.
    fn registered_handlers(&self) -> Vec<(FnRef, Context, String)> {
        let mut out = Vec::new();
        for registration in &self.registrations {
            if registration.via_event_handler {
                continue;
            }
            let (context, position, origin) = match registration.kind {
                RegKind::Event => (
                    Context::Event,
                    1,
                    format!("the {} handler", registration.name),
                ),
                RegKind::NthTick => (
                    Context::Event,
                    1,
                    format!("the on_nth_tick({}) handler", registration.name),
                ),
                RegKind::Command => (
                    Context::Command,
                    2,
                    format!("the /{} command", registration.name),
                ),
                RegKind::OnInit => (Context::OnInit, 0, "on_init".to_string()),
                RegKind::OnLoad => (Context::OnLoad, 0, "on_load".to_string()),
                RegKind::OnConfigurationChanged => (
                    Context::OnConfigurationChanged,
                    0,
                    "on_configuration_changed".to_string(),
                ),
                RegKind::Remote => {
                    // `local api = {}; function api.f() … end; remote.add_interface("x", api)`:
                    // every function stored in the interface table, also by assignment.
                    let file = registration.call.file;
                    let call = self.ir(file).call(registration.call.call);
                    let Some(table) = call.args.get(1) else {
                        continue;
                    };
                    for (entry_file, key, value) in self.table_entries(file, table) {
                        let origin = match key {
                            Key::Name(name) => {
                                format!("the remote function {}.{name}", registration.name)
                            }
                            _ => format!("the remote interface {}", registration.name),
                        };
                        for f in self.callees(entry_file, value) {
                            out.push((f, Context::Remote, origin.clone()));
                        }
                    }
                    continue;
                }
            };
            let file = registration.call.file;
            let call = self.ir(file).call(registration.call.call);
            let Some(handler) = call.args.get(position) else {
                continue;
            };
            let keyed = matches!(registration.kind, RegKind::Event) && !registration.name_known;
            for (f, key_name) in self.functions_passed(file, handler, 0) {
                let origin = match key_name {
                    Some(name) if keyed => format!("the {name} handler"),
                    _ => origin.clone(),
                };
                out.push((f, context, origin));
            }
        }
        out
    }

    /// The functions `value` can be, each with the event name of the table key it is
    /// stored under when it comes from a handler table (`for id, f in pairs(handlers)`,
    /// `handlers[defines.events.on_tick]`); for a parameter, the functions callers pass.
    fn functions_passed(
        &self,
        file: usize,
        value: &'a Value,
        depth: u32,
    ) -> Vec<(FnRef, Option<String>)> {
        let mut found: Vec<(FnRef, Option<String>)> = Vec::new();
        let add = |f: FnRef, name: Option<String>, found: &mut Vec<(FnRef, Option<String>)>| {
            if !found.iter().any(|(g, _)| *g == f) {
                found.push((f, name));
            }
        };
        let ir = self.ir(file);
        match value {
            // `handlers[defines.events.on_tick]`: the entry stored under that key.
            Value::Index(table, Key::Dynamic(key)) => {
                for (entry_file, entry_key, entry) in self.table_entries(file, table) {
                    if matches!(entry_key, Key::Dynamic(k) if k == key) {
                        for f in self.callees(entry_file, entry) {
                            add(f, None, &mut found);
                        }
                    }
                }
            }
            Value::Local(binding) => {
                let info = ir.binding(*binding);
                // `for id, f in pairs(handlers)`: every entry, named by its key.
                if let BindingKind::LoopVar(loop_id) = info.kind {
                    let loop_info = ir.loop_(loop_id);
                    if let (LoopKind::Pairs(table), Some(1)) = (
                        &loop_info.kind,
                        loop_info.vars.iter().position(|v| v == binding),
                    ) {
                        for (entry_file, entry_key, entry) in self.table_entries(file, table) {
                            let name = self.key_event_name(entry_file, entry_key);
                            for f in self.callees(entry_file, entry) {
                                add(f, name.clone(), &mut found);
                            }
                        }
                    }
                }
                if depth < MAX_FORWARDING && info.kind == BindingKind::Param {
                    for (caller_file, arg) in self.arguments_for(file, *binding) {
                        for (f, name) in self.functions_passed(caller_file, arg, depth + 1) {
                            add(f, name, &mut found);
                        }
                    }
                }
            }
            _ => {}
        }
        for f in self.callees(file, value) {
            add(f, None, &mut found);
        }
        found
    }

    /// The event a handler table's key names, when it is known statically.
    fn key_event_name(&self, file: usize, key: &'a Key) -> Option<String> {
        match key {
            Key::Name(name) => Some(name.to_string()),
            Key::Dynamic(value) => self
                .event_names(file, Some(value))
                .into_iter()
                .find(|(_, known)| *known)
                .map(|(name, _)| name),
        }
    }

    /// Whether the function `callee`, handed to the call `call`, is called before it returns.
    fn handed_function_runs_now(&self, call: CallRef, callee: FnRef) -> bool {
        let ir = self.ir(call.file);
        let info = ir.call(call.call);
        if let Some(path) = info.callee.global_path() {
            if CALLS_ARGUMENT_NOW.contains(&path.join(".").as_str()) {
                return true;
            }
        }
        let positions: Vec<usize> = info
            .args
            .iter()
            .enumerate()
            .filter(|(_, arg)| self.callees(call.file, arg).contains(&callee))
            .map(|(i, _)| i)
            .collect();
        self.callees(call.file, &info.callee)
            .into_iter()
            .any(|receiver| {
                positions
                    .iter()
                    .any(|&i| self.calls_parameter_now(receiver, i, 0))
            })
    }

    /// Whether `f` calls its parameter number `index` in its own body (directly, through
    /// `pcall`, or by passing it to a function that does).
    fn calls_parameter_now(&self, f: FnRef, index: usize, depth: u32) -> bool {
        let ir = self.ir(f.file);
        let Some(&param) = ir.function(f.func).params.get(index) else {
            return false;
        };
        let param = Value::Local(param);
        ir.calls
            .iter()
            .filter(|call| call.func == f.func)
            .any(|call| {
                if call.callee == param {
                    return true;
                }
                call.args.iter().enumerate().any(|(j, arg)| {
                    if *arg != param {
                        return false;
                    }
                    let immediate = call
                        .callee
                        .global_path()
                        .is_some_and(|p| CALLS_ARGUMENT_NOW.contains(&p.join(".").as_str()));
                    immediate
                        || (depth < MAX_FORWARDING
                            && self
                                .callees(f.file, &call.callee)
                                .into_iter()
                                .any(|g| self.calls_parameter_now(g, j, depth + 1)))
                })
            })
    }

    /// What the call that reaches `f` in `context` passes for parameter `index`:
    /// `Some(None)` when it passes nothing, `None` when `f` is entered another way (as the
    /// handler itself, handed to a call, or from a dispatcher).
    pub fn argument_in_context(
        &self,
        f: FnRef,
        context: Context,
        index: usize,
    ) -> Option<Option<(usize, &'a Value)>> {
        let (_, call_ref) = *self.sure_chain(f, context).last()?;
        let call = self.ir(call_ref.file).call(call_ref.call);
        if !self.callees(call_ref.file, &call.callee).contains(&f) {
            return None;
        }
        Some(call.args.get(index).map(|arg| (call_ref.file, arg)))
    }

    /// Variables (not in storage) that code running in on_init assigns: a flag such as
    /// `is_new_game = true` or RedMew's `_LIFECYCLE = 5`, by path key.
    fn init_flags(&self, reach: &FastMap<FnRef, [Option<Reach>; 8]>) -> FastSet<String> {
        let in_on_init = |f: FnRef| {
            reach
                .get(&f)
                .is_some_and(|slots| slots[context_index(Context::OnInit)].is_some())
        };
        let mut flags = FastSet::default();
        for (file, facts) in self.files.iter().enumerate() {
            for assign in &facts.ir.assigns {
                let lasting = match &assign.target {
                    Value::Global(name) => !self.storage_roots(file).contains(&name.as_str()),
                    Value::Local(b) => facts.ir.binding(*b).func == MAIN_CHUNK,
                    _ => false,
                };
                if lasting
                    && in_on_init(FnRef {
                        file,
                        func: assign.func,
                    })
                {
                    flags.extend(path_key(file, &assign.target));
                }
            }
        }
        flags
    }

    /// Whether the code at `span` runs only under a condition on a variable that on_init
    /// sets (directly, or through a local computed from it): such code can tell on_init
    /// from on_load, and the model cannot tell which branch on_load takes.
    pub fn is_under_init_flag(&self, file: usize, func: FuncId, span: Span) -> bool {
        let flags = &self.lifecycle().init_flags;
        if flags.is_empty() {
            return false;
        }
        let ir = self.ir(file);
        let mentions_flag = |value: &Value| {
            let mut seen = 0;
            let mut found = false;
            let mut stack = vec![value];
            while let Some(v) = stack.pop() {
                seen += 1;
                if seen > 32 {
                    break;
                }
                v.any(&mut |inner| {
                    if let Some(key) = path_key(file, inner) {
                        if flags.contains(&key) {
                            found = true;
                            return true;
                        }
                    }
                    if let Value::Local(b) = inner {
                        let info = ir.binding(*b);
                        if info.func != MAIN_CHUNK && info.kind == BindingKind::Local {
                            stack.extend(info.values.iter());
                        }
                    }
                    false
                });
                if found {
                    break;
                }
            }
            found
        };
        self.guards_around(file, func, span)
            .any(|g| g.facts.iter().any(|(value, _)| mentions_flag(value)))
    }

    /// Whether code at `site` in `f`, reached while loading or in on_load (`context`), is
    /// skipped there: it, or a call on the way to it, runs only under `if game then`
    /// (`game` is nil then) or under a variable that on_init sets.
    pub fn skipped_while_loading(&self, f: FnRef, site: Span, context: Context) -> bool {
        let skipped = |file: usize, func: FuncId, span: Span| {
            self.is_under_init_flag(file, func, span)
                || self.is_guarded(file, func, span, |value, truthy| {
                    truthy && global_root(value) == Some("game")
                })
        };
        skipped(f.file, f.func, site)
            || self
                .sure_chain(f, context)
                .into_iter()
                .any(|(caller, call)| {
                    let span = self.ir(call.file).call(call.call).span;
                    skipped(caller.file, caller.func, span)
                })
    }

    // ----- guards -----

    /// The guards of `func` whose guarded code holds `span`.
    pub fn guards_around(
        &self,
        file: usize,
        func: FuncId,
        span: Span,
    ) -> impl Iterator<Item = &'a Guard> {
        self.ir(file).guards.iter().filter(move |g| {
            g.func == func && g.region.start <= span.start && span.end <= g.region.end
        })
    }

    /// Whether the code at `span` runs only when a fact satisfying `holds` is true.
    pub fn is_guarded(
        &self,
        file: usize,
        func: FuncId,
        span: Span,
        holds: impl Fn(&Value, bool) -> bool,
    ) -> bool {
        self.guards_around(file, func, span)
            .any(|g| g.facts.iter().any(|(value, truthy)| holds(value, *truthy)))
    }

    /// Whether `span` lies in a condition that tests a place satisfying `tests` (the test
    /// itself: `if game then`, `game and …`, `if not game then return end`).
    pub fn is_tested_in_condition(
        &self,
        file: usize,
        func: FuncId,
        span: Span,
        tests: impl Fn(&Value) -> bool,
    ) -> bool {
        self.ir(file).guards.iter().any(|g| {
            g.func == func
                && g.condition.start <= span.start
                && span.end <= g.condition.end
                && g.facts.iter().any(|(value, _)| tests(value))
        })
    }
}

/// The global a place is rooted at: `game` for `game.players[1]` and for `_G.game.tick`.
pub fn global_root(value: &Value) -> Option<&str> {
    match value {
        Value::Global(name) => Some(name),
        Value::Index(base, Key::Name(name)) if **base == Value::Global("_G".into()) => Some(name),
        Value::Index(base, _) => global_root(base),
        _ => None,
    }
}

/// How a local is used, for [`local_users`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Any read: passed, compared, indexed, iterated.
    Any,
    /// Used as a table: indexed, its length taken, iterated, or handed to a table function
    /// (`table.insert`, `pairs`, …). A copied number or string is never used so.
    AsTable,
}

/// Where a local is used, by function, with a span for each use: calls, assignments, other
/// locals' values, returns, loops and conditions.
pub fn local_users(ir: &FileIr, binding: BindingId, how: Use) -> Vec<(FuncId, Span)> {
    let local = Value::Local(binding);
    let uses = |value: &Value| {
        value.any(&mut |v| match (how, v) {
            (Use::Any, v) => *v == local,
            (Use::AsTable, Value::Index(base, _) | Value::Length(base)) => **base == local,
            _ => false,
        })
    };
    let handed_as_table = |call: &Call| {
        call.args.first() == Some(&local)
            && call
                .callee
                .global_path()
                .is_some_and(|path| TABLE_FUNCTIONS.contains(&path.join(".").as_str()))
    };
    let mut users = Vec::new();
    for call in &ir.calls {
        if handed_as_table(call) || uses(&call.callee) || call.args.iter().any(uses) {
            users.push((call.func, call.span));
        }
    }
    for assign in &ir.assigns {
        let into = matches!(&assign.target, Value::Index(..)) && uses(&assign.target);
        if into || uses(&assign.value) {
            users.push((assign.func, assign.span));
        }
    }
    for (id, other) in ir.bindings.iter().enumerate() {
        if id as BindingId != binding && other.values.iter().any(uses) {
            users.push((other.func, other.span));
        }
    }
    for (id, function) in ir.functions.iter().enumerate() {
        if function.returns.iter().flatten().any(uses) {
            users.push((id as FuncId, function.head_span));
        }
    }
    for lp in &ir.loops {
        if let LoopKind::Pairs(v) | LoopKind::Ipairs(v) | LoopKind::Generic(v) = &lp.kind {
            if *v == local || uses(v) {
                users.push((lp.func, lp.span));
            }
        }
    }
    for test in &ir.tests {
        if uses(&test.value) {
            users.push((test.func, test.span));
        }
    }
    users.sort_by_key(|(func, span)| (span.start, *func));
    users.dedup();
    users
}

/// Functions whose first argument is used as a table.
const TABLE_FUNCTIONS: &[&str] = &[
    "pairs",
    "ipairs",
    "next",
    "table_size",
    "table.insert",
    "table.remove",
    "table.sort",
    "table.concat",
    "rawget",
    "rawset",
    "setmetatable",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::test_model::with_model;
    use crate::semantic::FileFacts;

    /// The sure contexts of the function named `name` (as `Function::name` has it) in file 0.
    fn sure(model: &Model, facts: &[FileFacts], name: &str) -> Vec<Context> {
        let func = facts[0]
            .ir
            .functions
            .iter()
            .position(|f| f.name == name)
            .unwrap_or_else(|| panic!("no function {name}"));
        model.sure_contexts(FnRef {
            file: 0,
            func: func as FuncId,
        })
    }

    #[test]
    fn a_function_kept_for_later_does_not_run_now() {
        let code = r#"
            local later = {}
            local function keep(fn) later[#later + 1] = fn end
            local function run_now(fn) fn() end
            local function stored() end
            local function called() end
            local function protected() end
            keep(stored)
            run_now(called)
            pcall(protected)
        "#;
        with_model(&[("control.lua", code)], |model, facts| {
            // A function a mod helper only keeps gets no context from the call; sure contexts
            // agree.
            let stored = facts[0]
                .ir
                .functions
                .iter()
                .position(|f| f.name == "local stored");
            let stored = FnRef {
                file: 0,
                func: stored.unwrap() as FuncId,
            };
            assert!(!model.contexts(stored).contains(&Context::Load));
            assert!(sure(model, facts, "local stored").is_empty());
            assert_eq!(sure(model, facts, "local called"), vec![Context::Load]);
            assert_eq!(sure(model, facts, "local protected"), vec![Context::Load]);
        });
    }

    #[test]
    fn handlers_in_a_mods_own_dispatcher_run_in_its_context() {
        let code = r#"
            local listeners = {}
            local load_listeners = {}
            local function listen(id, fn)
              listeners[id] = listeners[id] or {}
              table.insert(listeners[id], fn)
            end
            local function on_load(fn) table.insert(load_listeners, fn) end
            local function on_tick_handler() end
            local function on_load_handler() end
            listen(defines.events.on_tick, on_tick_handler)
            on_load(on_load_handler)
            script.on_event(defines.events.on_tick, function(event)
              for _, fn in ipairs(listeners[event.name]) do fn(event) end
            end)
            script.on_load(function()
              for _, fn in ipairs(load_listeners) do fn() end
            end)
        "#;
        with_model(&[("control.lua", code)], |model, facts| {
            assert_eq!(
                sure(model, facts, "local on_tick_handler"),
                vec![Context::Event]
            );
            assert_eq!(
                sure(model, facts, "local on_load_handler"),
                vec![Context::OnLoad]
            );
        });
    }

    #[test]
    fn a_keyed_registry_runs_each_handler_for_its_own_key() {
        // One table for every event, on_load's list under -2, one dispatcher for all.
        let code = r#"
            Lib = { registry = {}, LOAD = -2 }
            function Lib.add(ids, fn)
              if type(ids) ~= "table" then ids = {ids} end
              for _, id in pairs(ids) do
                if not Lib.registry[id] then
                  Lib.registry[id] = {}
                  if id == Lib.LOAD then
                    script.on_load(function() Lib.run({name = Lib.LOAD}) end)
                  else
                    script.on_event(id, Lib.run)
                  end
                end
                table.insert(Lib.registry[id], fn)
              end
            end
            function Lib.run(event)
              for _, fn in pairs(Lib.registry[event.name]) do pcall(fn, event) end
            end
            local function forward(id, fn) Lib.add(id, fn) end
            local function ticking() end
            local function building() end
            local function loading() end
            local function unknown_event() end
            forward(defines.events.on_tick, ticking)
            Lib.add({defines.events.on_built_entity}, building)
            Lib.add(Lib.LOAD, loading)
            Lib.add(script.generate_event_name(), unknown_event)
        "#;
        with_model(&[("control.lua", code)], |model, facts| {
            let f = |name: &str| FnRef {
                file: 0,
                func: facts[0]
                    .ir
                    .functions
                    .iter()
                    .position(|f| f.name == name)
                    .unwrap() as FuncId,
            };
            assert_eq!(sure(model, facts, "local ticking"), vec![Context::Event]);
            assert_eq!(sure(model, facts, "local building"), vec![Context::Event]);
            assert!(sure(model, facts, "local loading").contains(&Context::OnLoad));
            // An unknown key may be any event, but is never taken for on_load's.
            assert_eq!(
                sure(model, facts, "local unknown_event"),
                vec![Context::Event]
            );
            // The model's (wider) contexts know them too: a known other key never matches.
            assert_eq!(model.contexts(f("local ticking")), vec![Context::Event]);
            assert!(model
                .contexts(f("local unknown_event"))
                .contains(&Context::OnLoad));
            assert_eq!(
                model
                    .reach(f("local ticking"), Context::Event)
                    .map(|r| r.origin.as_str()),
                Some("the on_tick handler")
            );
        });
    }

    #[test]
    fn a_handler_stored_under_a_bare_number_is_named_by_its_registering_call() {
        let code = r#"
            Lib = { registry = {} }
            function Lib.add(id, fn)
              if not Lib.registry[id] then
                Lib.registry[id] = {}
                script.on_event(id, Lib.run)
              end
              table.insert(Lib.registry[id], fn)
            end
            function Lib.run(event)
              for _, fn in pairs(Lib.registry[event.name]) do fn(event) end
            end
            local function numbered() end
            Lib.add(0, numbered)
        "#;
        with_model(&[("control.lua", code)], |model, facts| {
            let func = facts[0]
                .ir
                .functions
                .iter()
                .position(|f| f.name == "local numbered")
                .unwrap() as FuncId;
            let origin = model
                .reach(FnRef { file: 0, func }, Context::Event)
                .map(|r| r.origin.as_str());
            // "the 0 handler" would name no event a reader knows.
            assert_eq!(origin, Some("a handler added with `Lib.add`"));
        });
    }

    #[test]
    fn an_on_init_flag_marks_a_path_on_load_skips() {
        let code = "local fresh = false\n\
                    local function setup()\n  if fresh then\n    CREATE()\n  end\n  LINK()\nend\n\
                    script.on_init(function() fresh = true; setup() end)\n\
                    script.on_load(setup)\n";
        with_model(&[("control.lua", code)], |model, facts| {
            let ir = facts[0].ir;
            let call_span = |name: &str| {
                ir.calls
                    .iter()
                    .find(|c| c.callee == Value::Global(name.into()))
                    .map(|c| (c.func, c.span))
                    .unwrap()
            };
            let (func, create) = call_span("CREATE");
            let (_, link) = call_span("LINK");
            let setup = FnRef { file: 0, func };
            assert!(model.skipped_while_loading(setup, create, Context::OnLoad));
            assert!(!model.skipped_while_loading(setup, link, Context::OnLoad));
        });
    }
}
