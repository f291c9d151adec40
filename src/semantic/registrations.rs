//! Registration facts the lifecycle rules share, on top of the linked model: the entries of
//! handler tables and remote interfaces, what a registration is keyed by (a name, or the
//! expression of a run-time value), the conditions on the way to a call, unregistrations,
//! and the `storage` places code reads and writes.

use super::ir::*;
use super::model::{
    CallRef, Context, FastSet, FnRef, Model, Origin, PathId, RegKind, Registration,
};
use std::collections::{BTreeSet, VecDeque};

/// A call that turns handlers off: `script.on_event(id, nil)`, `script.on_nth_tick(n, nil)`,
/// `script.on_nth_tick(nil)` (every period).
#[derive(Clone, Debug)]
pub struct Unregistration {
    pub kind: RegKind,
    /// What it turns off, keyed like registrations (see [`Model::registration_keys`]);
    /// empty for `script.on_nth_tick(nil)`, which turns off every period.
    pub keys: Vec<String>,
    pub call: CallRef,
}

/// A condition on the way from an entry point to a call: where it is and what it tests.
#[derive(Clone, Copy, Debug)]
pub struct Condition<'a> {
    pub file: usize,
    pub value: &'a Value,
}

/// How many calls deep the code run from an entry point is followed.
const CALL_DEPTH: usize = 6;

impl<'a> Model<'a> {
    // ----- tables -----

    /// The entries of what `origin` is: a constructor's fields, or the fields assigned into the
    /// table a path names (`function api.f() end`, `t[defines.events.x] = f`).
    pub(super) fn origin_entries(
        &self,
        origin: Origin<'a, PathId>,
    ) -> Vec<(usize, Option<&'a Key>, &'a Value)> {
        match origin {
            Origin::Table { file, fields } => fields
                .iter()
                .map(|f| (file, f.key.as_ref(), &f.value))
                .collect(),
            Origin::Path(path) => self
                .fields_by_path
                .get(&path)
                .into_iter()
                .flatten()
                .map(|(file, key, value)| (*file, Some(*key), *value))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The keyed entries of a table value, wherever they were written.
    pub fn table_entries(&self, file: usize, value: &'a Value) -> Vec<(usize, &'a Key, &'a Value)> {
        let mut entries = Vec::new();
        for origin in self.origins(file, value) {
            for (f, key, value) in self.origin_entries(origin) {
                if let Some(key) = key {
                    entries.push((f, key, value));
                }
            }
        }
        entries
    }

    /// The functions of a remote interface, each with a name for messages
    /// (`the remote function fl.start`).
    pub(super) fn interface_functions(&self, registration: &Registration) -> Vec<(FnRef, String)> {
        let call = self.ir(registration.call.file).call(registration.call.call);
        let Some(table) = call.args.get(1) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (file, key, value) in self.table_entries(registration.call.file, table) {
            let name = match key {
                Key::Name(n) => format!("the remote function {}.{n}", registration.name),
                Key::Dynamic(_) => format!("the remote interface {}", registration.name),
            };
            for f in self.callees(file, value) {
                out.push((f, name.clone()));
            }
        }
        out
    }

    /// `for id, handler in pairs(handlers) do script.on_event(id, handler) end` (also with
    /// `defines.events[name]` as the id, and for `on_nth_tick`): one (name, handler) per entry
    /// of the iterated table. `None` when the call is not shaped like that.
    #[allow(clippy::type_complexity)]
    pub(super) fn handler_table_entries(
        &self,
        kind: RegKind,
        file: usize,
        id: Option<&'a Value>,
        handler: Option<&'a Value>,
    ) -> Option<Vec<((String, bool), Option<FnRef>)>> {
        let ir = self.ir(file);
        let Some(Value::Local(handler_var)) = handler else {
            return None;
        };
        let BindingKind::LoopVar(loop_id) = ir.binding(*handler_var).kind else {
            return None;
        };
        let the_loop = ir.loop_(loop_id);
        let LoopKind::Pairs(iterated) = &the_loop.kind else {
            return None;
        };
        let (Some(key_var), Some(value_var)) = (the_loop.vars.first(), the_loop.vars.get(1)) else {
            return None;
        };
        if value_var != handler_var {
            return None;
        }
        // The id is the key itself, or `defines.events[key]`.
        let by_define_name = match id? {
            Value::Local(b) if b == key_var => false,
            Value::Index(base, Key::Dynamic(k))
                if matches!(k.as_ref(), Value::Local(b) if b == key_var)
                    && base.global_path() == Some(vec!["defines", "events"]) =>
            {
                true
            }
            _ => return None,
        };
        let mut out = Vec::new();
        for (f, key, value) in self.table_entries(file, iterated) {
            let handler = self.callees(f, value).into_iter().next();
            let names = match key {
                Key::Name(name) => vec![(name.to_string(), true)],
                Key::Dynamic(_) if by_define_name => continue,
                Key::Dynamic(k) if kind == RegKind::NthTick => {
                    vec![self.literal_or_describe(f, k)]
                }
                Key::Dynamic(k) => self.event_names(f, Some(k)),
            };
            out.extend(names.into_iter().map(|name| (name, handler)));
        }
        Some(out)
    }

    // ----- wrapper functions -----

    /// Registrations made through a mod function that hands its parameters to
    /// `script.on_event`/`on_nth_tick` (`function M.on(id, f) script.on_event(id, f) end`):
    /// one registration per call of that function, made where it is called, with the name and
    /// handler passed there, instead of one unknown registration inside it. The handler is
    /// kept for later, not run by that call. Dispatching libraries, which register a function
    /// of their own and keep the caller's in a table, are left as they are.
    pub(super) fn derive_wrapper_registrations(&mut self) {
        let mut derived = Vec::new();
        let mut replaced = FastSet::default();
        let mut handed_off = FastSet::default();
        for (index, r) in self.registrations.iter().enumerate() {
            if r.via_event_handler || !matches!(r.kind, RegKind::Event | RegKind::NthTick) {
                continue;
            }
            let call = self.ir(r.call.file).call(r.call.call);
            let wrapper = FnRef {
                file: r.call.file,
                func: self.run_right_away_in(r.call.file, call.func),
            };
            if wrapper.func == MAIN_CHUNK {
                continue;
            }
            let params = &self.ir(wrapper.file).function(wrapper.func).params;
            let param_index = |value: Option<&Value>| match value {
                Some(Value::Local(b)) => params.iter().position(|p| p == b),
                _ => None,
            };
            // The handler is a parameter, or a closure made here that calls one
            // (`script.on_event(id, function(e) handler(e) end)`).
            let handler_index = param_index(call.args.get(1)).or_else(|| match call.args.get(1) {
                Some(Value::Function(closure)) => {
                    let ir = self.ir(wrapper.file);
                    (ir.function(*closure).parent == Some(call.func))
                        .then(|| self.called_parameter(wrapper, *closure))
                        .flatten()
                }
                _ => None,
            });
            let Some(handler_index) = handler_index else {
                continue;
            };
            let name_index = param_index(call.args.first());
            if name_index.is_none() && !r.name_known {
                continue;
            }
            let sites: Vec<CallRef> = self
                .calls_to
                .get(&wrapper)
                .into_iter()
                .flatten()
                .map(|(site, _)| *site)
                .filter(|site| self.calls_directly(*site, wrapper))
                .collect();
            if sites.is_empty() {
                continue;
            }
            replaced.insert(index);
            for site in sites {
                let site_call = self.ir(site.file).call(site.call);
                let handler_value = site_call.args.get(handler_index);
                let handlers = handler_value.map_or_else(Vec::new, |v| self.callees(site.file, v));
                let names = match name_index {
                    Some(i) if r.kind == RegKind::Event => {
                        self.event_names(site.file, site_call.args.get(i))
                    }
                    Some(i) => self.tick_periods(site.file, site_call.args.get(i)),
                    None => vec![(r.name.clone(), true)],
                };
                for (name, name_known) in names {
                    derived.push(Registration {
                        kind: r.kind,
                        name,
                        name_known,
                        call: site,
                        handler: handlers.first().copied(),
                        via_event_handler: false,
                        name_arg: name_index,
                    });
                }
                handed_off.extend(handlers.into_iter().map(|f| (site, f)));
            }
        }
        if replaced.is_empty() {
            return;
        }
        let mut index = 0;
        self.registrations.retain(|_| {
            index += 1;
            !replaced.contains(&(index - 1))
        });
        self.registrations.extend(derived);
        self.registrations
            .sort_by_key(|r| (r.call, r.kind, r.name.clone()));
        // The wrapper keeps the handler for an event: it does not run it now.
        for edges in self.calls_from.values_mut() {
            edges.retain(|edge| !handed_off.contains(edge));
        }
        for (callee, edges) in self.calls_to.iter_mut() {
            edges.retain(|(site, _)| !handed_off.contains(&(*site, *callee)));
        }
    }

    /// The function whose call runs the code of `func`: `func` itself, or, for a closure
    /// its parent runs right away through `pcall`/`xpcall`
    /// (`pcall(function() script.on_event(id, f) end)`), that parent (and so on up). Its
    /// parameters reach the closure as they are.
    pub(super) fn run_right_away_in(&self, file: usize, func: FuncId) -> FuncId {
        let ir = self.ir(file);
        let mut current = func;
        for _ in 0..4 {
            let Some(parent) = ir.function(current).parent else {
                break;
            };
            let closure = Value::Function(current);
            let protected = ir.calls.iter().any(|c| {
                c.func == parent
                    && c.args.first() == Some(&closure)
                    && c.callee
                        .global_path()
                        .is_some_and(|p| matches!(p.as_slice(), ["pcall"] | ["xpcall"]))
            });
            if !protected {
                break;
            }
            current = parent;
        }
        current
    }

    /// The one parameter of `wrapper` that `closure` (made inside it) calls, directly or
    /// through `pcall`/`xpcall`.
    fn called_parameter(&self, wrapper: FnRef, closure: FuncId) -> Option<usize> {
        let ir = self.ir(wrapper.file);
        let params = &ir.function(wrapper.func).params;
        let mut called = ir
            .calls
            .iter()
            .filter(|c| c.func == closure)
            .filter_map(|c| {
                let protected = c
                    .callee
                    .global_path()
                    .is_some_and(|p| matches!(p.as_slice(), ["pcall"] | ["xpcall"]));
                let target = if protected {
                    c.args.first()?
                } else {
                    &c.callee
                };
                match target {
                    Value::Local(b) => params.iter().position(|p| p == b),
                    _ => None,
                }
            });
        let first = called.next()?;
        called.all(|other| other == first).then_some(first)
    }

    /// Whether `site` calls `f` itself (rather than handing `f` to another function).
    fn calls_directly(&self, site: CallRef, f: FnRef) -> bool {
        let call = self.ir(site.file).call(site.call);
        self.callees(site.file, &call.callee).contains(&f)
    }

    /// Whether a function passed as argument `position` to `helper` may run before the call
    /// returns: the helper calls that parameter (directly, through a local, or through
    /// `pcall` and the like), or hands it to a function of the mod that may. A parameter the
    /// helper only keeps (`table.insert(handlers[id], handler)`) runs later, in contexts the
    /// model cannot tell.
    pub(super) fn may_call_argument(&self, helper: FnRef, position: usize, depth: u32) -> bool {
        let ir = self.ir(helper.file);
        let Some(&param) = ir.function(helper.func).params.get(position) else {
            // Beyond the named parameters (`...`): cannot tell.
            return true;
        };
        if depth > 3 {
            return true;
        }
        let is_param = |value: &Value| match value {
            Value::Local(b) if *b == param => true,
            Value::Local(b) => ir.binding(*b).values.contains(&Value::Local(param)),
            _ => false,
        };
        // Only the helper's own body: a closure it makes runs later.
        self.calls_in[helper.file]
            .of(helper.func as usize)
            .iter()
            .any(|id| {
                let call = ir.call(*id);
                if is_param(&call.callee) {
                    return true;
                }
                let Some(handed_at) = call.args.iter().position(is_param) else {
                    return false;
                };
                let calls_now = call.callee.is_global_path(&["pcall"])
                    || call.callee.is_global_path(&["xpcall"])
                    || call.callee.is_global_path(&["table", "sort"]);
                // Otherwise kept in a table, or handed to code the model cannot see (which,
                // like another mod's library, is taken to keep it): not run now.
                calls_now
                    || self
                        .callees(helper.file, &call.callee)
                        .iter()
                        .any(|f| self.may_call_argument(*f, handed_at, depth + 1))
            })
    }

    // ----- keys -----

    /// A text that is equal for two run-time values only when they are the same expression:
    /// the same `storage` path, global path, constant or local, the same call. `None` when the
    /// value has no such form (a vararg, a table).
    pub fn expression_key(&self, file: usize, value: &'a Value) -> Option<String> {
        self.expression_key_at(file, value, 0)
    }

    fn expression_key_at(&self, file: usize, value: &'a Value, depth: u32) -> Option<String> {
        if depth > 8 {
            return None;
        }
        let ir = self.ir(file);
        Some(match value {
            Value::Number(n) => n.to_string(),
            Value::Str(s) => format!("{s:?}"),
            Value::Global(name) => format!("G:{name}"),
            Value::Index(base, key) => {
                let base = self.expression_key_at(file, base, depth + 1)?;
                match key {
                    Key::Name(n) => format!("{base}.{n}"),
                    Key::Dynamic(k) => {
                        format!("{base}[{}]", self.expression_key_at(file, k, depth + 1)?)
                    }
                }
            }
            Value::Local(b) => {
                let binding = ir.binding(*b);
                // A local given one value once is that value (`local period = 60`).
                match binding.values.as_slice() {
                    [only] if binding.kind == BindingKind::Local => {
                        return self.expression_key_at(file, only, depth + 1)
                    }
                    _ => format!("{file}:{b}"),
                }
            }
            Value::Call(id) => {
                let call = ir.call(*id);
                let mut text = self.expression_key_at(file, &call.callee, depth + 1)?;
                text.push('(');
                for arg in &call.args {
                    text.push_str(&self.expression_key_at(file, arg, depth + 1)?);
                    text.push(',');
                }
                text.push(')');
                text
            }
            Value::Scalar(parts) => {
                let mut text = String::from("(");
                for part in parts {
                    text.push_str(&self.expression_key_at(file, part, depth + 1)?);
                    text.push(' ');
                }
                text.push(')');
                text
            }
            Value::Either(a, b) => format!(
                "({} or {})",
                self.expression_key_at(file, a, depth + 1)?,
                self.expression_key_at(file, b, depth + 1)?
            ),
            _ => return None,
        })
    }

    /// What a registration registers, as keys comparable across registrations: the name when
    /// it is known statically, else the expression of each run-time value (`?` + its key).
    /// Empty when nothing can be said (a run-time value of no recognisable form).
    pub fn registration_key(&self, registration: &Registration) -> Option<String> {
        if registration.name_known {
            return Some(registration.name.clone());
        }
        if registration.via_event_handler {
            return None;
        }
        let file = registration.call.file;
        let call = self.ir(file).call(registration.call.call);
        let first = call.args.get(registration.name_arg?)?;
        // A table of ids: the unknown one among them cannot be told apart.
        if matches!(first, Value::Table(_)) {
            return None;
        }
        self.expression_key(file, first).map(|k| format!("?{k}"))
    }

    // ----- conditions -----

    /// The conditions a call runs under in `context`: `if` tests around it and around each call
    /// on the way from the entry point, and what enclosing `for` loops iterate.
    pub fn conditions_on_the_way(&self, call: CallRef, context: Context) -> Vec<Condition<'a>> {
        let mut out = Vec::new();
        let caller = FnRef {
            file: call.file,
            func: self.ir(call.file).call(call.call).func,
        };
        let mut sites = vec![call];
        sites.extend(self.chain(caller, context).into_iter().map(|(_, c)| c));
        for site in sites {
            let ir = self.ir(site.file);
            let c = ir.call(site.call);
            for guard in ir.guards_at(c.func, c.span) {
                out.extend(
                    guard
                        .conditions
                        .iter()
                        .filter(|value| !self.tests_only_script(site.file, value, 0))
                        .map(|value| Condition {
                            file: site.file,
                            value,
                        }),
                );
            }
            for loop_id in &c.loops {
                match &ir.loop_(*loop_id).kind {
                    LoopKind::Pairs(v) | LoopKind::Ipairs(v) | LoopKind::Generic(v) => {
                        out.push(Condition {
                            file: site.file,
                            value: v,
                        })
                    }
                    // A counted or `while` loop may run zero times too.
                    _ => out.push(Condition {
                        file: site.file,
                        value: &Value::Unknown,
                    }),
                }
            }
        }
        out
    }

    /// Whether a condition only tests that `script` (or one of its functions) exists:
    /// `if not script or type(script.on_event) ~= "function" then return end`, also when
    /// `script` is a parameter every caller fills with the global. The control stage always
    /// has it, on every peer, at load and at run time: such a test decides nothing.
    fn tests_only_script(&self, file: usize, value: &'a Value, depth: u32) -> bool {
        if depth > 8 {
            return false;
        }
        let ir = self.ir(file);
        // `script` or one of its functions, not a property that says something about the
        // game (`script.active_mods[…]`, `script.level`).
        let is_script = |value: &'a Value| {
            let root = match value {
                Value::Index(base, Key::Name(function)) if is_bootstrap_function(function) => {
                    base.as_ref()
                }
                other => other,
            };
            match root {
                Value::Global(name) => name == "script",
                Value::Local(binding) => self.is_script_parameter(file, *binding, 0),
                _ => false,
            }
        };
        match value {
            Value::Global(_) | Value::Index(..) | Value::Local(_) => is_script(value),
            // `not script`, `type(x) ~= "function"`, `a == nil`.
            Value::Scalar(operands) => {
                operands.iter().any(|o| !is_literal(o))
                    && operands
                        .iter()
                        .all(|o| is_literal(o) || self.tests_only_script(file, o, depth + 1))
            }
            Value::Either(a, b) => {
                self.tests_only_script(file, a, depth + 1)
                    && self.tests_only_script(file, b, depth + 1)
            }
            Value::Call(id) => {
                let call = ir.call(*id);
                call.callee == Value::Global("type".into())
                    && call.args.len() == 1
                    && self.tests_only_script(file, &call.args[0], depth + 1)
            }
            _ => false,
        }
    }

    /// A parameter every caller fills with the global `script` (directly, or with a
    /// parameter of its own that is such a parameter).
    fn is_script_parameter(&self, file: usize, binding: BindingId, depth: u32) -> bool {
        if depth > 4 || self.ir(file).binding(binding).kind != BindingKind::Param {
            return false;
        }
        let passed = self.arguments_for(file, binding);
        !passed.is_empty()
            && passed.iter().all(|(caller_file, arg)| match arg {
                Value::Global(name) => name == "script",
                Value::Local(outer) => self.is_script_parameter(*caller_file, *outer, depth + 1),
                _ => false,
            })
    }

    /// The `storage` places a condition reads (and `settings` when it reads mod settings), or
    /// `None` when it reads something the model cannot see through (a call into mod code, a
    /// parameter): then nothing can be said.
    pub fn condition_storage_reads(&self, condition: Condition<'a>) -> Option<BTreeSet<String>> {
        let mut reads = BTreeSet::new();
        self.collect_reads(condition.file, condition.value, 0, &mut reads)
            .then_some(reads)
    }

    fn collect_reads(
        &self,
        file: usize,
        value: &'a Value,
        depth: u32,
        reads: &mut BTreeSet<String>,
    ) -> bool {
        if depth > 8 {
            return false;
        }
        if let Some(path) = self.storage_path(file, value) {
            reads.insert(path);
            return true;
        }
        let ir = self.ir(file);
        match value {
            Value::Nil | Value::Bool(_) | Value::Number(_) | Value::Str(_) => true,
            Value::Scalar(parts) => parts
                .iter()
                .all(|p| self.collect_reads(file, p, depth + 1, reads)),
            Value::Either(a, b) => {
                self.collect_reads(file, a, depth + 1, reads)
                    & self.collect_reads(file, b, depth + 1, reads)
            }
            Value::Length(v) => self.collect_reads(file, v, depth + 1, reads),
            // Mod settings are saved state too (recorded as `settings`); the rest are the same
            // on every peer: active mods, other mods' interfaces, defines, prototypes.
            Value::Global(_) | Value::Index(..) => match value.global_path() {
                Some(p) if p[0] == "settings" => {
                    reads.insert("settings".to_string());
                    true
                }
                Some(p) => matches!(p[0], "script" | "remote" | "defines" | "prototypes"),
                None => false,
            },
            Value::Local(b) => {
                let binding = ir.binding(*b);
                binding.kind == BindingKind::Local
                    && !binding.values.is_empty()
                    && binding
                        .values
                        .iter()
                        .all(|v| self.collect_reads(file, v, depth + 1, reads))
            }
            Value::Call(id) => {
                let call = ir.call(*id);
                let builtin = call.callee.global_path().is_some_and(|p| {
                    matches!(
                        p.as_slice(),
                        ["next"] | ["table_size"] | ["type"] | ["tostring"] | ["tonumber"]
                    )
                });
                builtin
                    && call
                        .args
                        .iter()
                        .all(|a| self.collect_reads(file, a, depth + 1, reads))
            }
            _ => false,
        }
    }

    // ----- storage writes -----

    /// `entry` and the functions it calls, a few calls deep.
    pub fn reachable_from(&self, entry: FnRef) -> FastSet<FnRef> {
        let mut seen = FastSet::default();
        let mut queue = VecDeque::from([(entry, 0usize)]);
        while let Some((f, depth)) = queue.pop_front() {
            if !seen.insert(f) || depth >= CALL_DEPTH {
                continue;
            }
            for (_, callee) in self.calls_from.get(&f).into_iter().flatten() {
                queue.push_back((*callee, depth + 1));
            }
        }
        seen
    }

    /// The `storage` places written by `entry` and everything it calls (a few calls deep):
    /// assignments into storage and `table.insert`/`table.remove` on a storage table.
    pub fn storage_writes_from(&self, entry: FnRef) -> BTreeSet<String> {
        let mut writes = BTreeSet::new();
        for f in self.reachable_from(entry) {
            let ir = self.ir(f.file);
            for assign in ir.assigns.iter().filter(|a| a.func == f.func) {
                if let Some(path) = self.storage_path(f.file, &assign.target) {
                    writes.insert(path);
                }
            }
            for call in ir.calls.iter().filter(|c| c.func == f.func) {
                let modifies = call.callee.global_path().is_some_and(|p| {
                    matches!(p.as_slice(), ["table", "insert"] | ["table", "remove"])
                });
                if let (true, Some(table)) = (modifies, call.args.first()) {
                    if let Some(path) = self.storage_path(f.file, table) {
                        writes.insert(format!("{path}[…]"));
                    }
                }
            }
        }
        writes
    }

    // ----- unregistrations -----

    /// Every call that turns a handler off.
    pub fn unregistrations(&self) -> Vec<Unregistration> {
        let mut out = Vec::new();
        for (file, facts) in self.files.iter().enumerate() {
            for (id, call) in facts.ir.calls.iter().enumerate() {
                // Cheap shape test first: only `x.on_event`/`x.on_nth_tick` or a local alias.
                let shaped = match &call.callee {
                    Value::Index(_, Key::Name(n)) => n == "on_event" || n == "on_nth_tick",
                    Value::Local(_) => true,
                    _ => false,
                };
                if !shaped {
                    continue;
                }
                let call_ref = CallRef {
                    file,
                    call: id as CallId,
                };
                let names = self.api_names(file, &call.callee);
                let is = |api: &str| names.iter().any(|n| n == api);
                let nil_at = |i: usize| matches!(call.args.get(i), None | Some(Value::Nil));
                if is("script.on_event") && nil_at(1) && !nil_at(0) {
                    let keys = self.unregistered_keys(file, call.args.first(), RegKind::Event);
                    out.push(Unregistration {
                        kind: RegKind::Event,
                        keys,
                        call: call_ref,
                    });
                } else if is("script.on_nth_tick") && nil_at(1) {
                    let keys = if nil_at(0) {
                        Vec::new()
                    } else {
                        self.unregistered_keys(file, call.args.first(), RegKind::NthTick)
                    };
                    out.push(Unregistration {
                        kind: RegKind::NthTick,
                        keys,
                        call: call_ref,
                    });
                }
            }
        }
        out
    }

    fn unregistered_keys(&self, file: usize, id: Option<&'a Value>, kind: RegKind) -> Vec<String> {
        let names = match kind {
            RegKind::NthTick => match id {
                Some(Value::Table(_)) | None => self.event_names(file, id),
                Some(v) => vec![self.literal_or_describe(file, v)],
            },
            _ => self.event_names(file, id),
        };
        names
            .into_iter()
            .filter_map(|(name, known)| {
                if known {
                    Some(name)
                } else {
                    let value = id.filter(|v| !matches!(v, Value::Table(_)))?;
                    self.expression_key(file, value).map(|k| format!("?{k}"))
                }
            })
            .collect()
    }
}

/// A function of `script` (LuaBootstrap).
fn is_bootstrap_function(name: &str) -> bool {
    ["on_", "register_", "raise_", "get_event_", "set_event_"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
        || name == "generate_event_name"
}

fn is_literal(value: &Value) -> bool {
    matches!(
        value,
        Value::Nil | Value::Bool(_) | Value::Number(_) | Value::Str(_)
    )
}

/// Whether two `storage` places overlap: one is the other or lies inside it.
pub fn storage_places_overlap(a: &str, b: &str) -> bool {
    let inside = |outer: &str, inner: &str| {
        inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    };
    inside(a, b) || inside(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::test_model::with_model;

    /// The registration keys of every registration, by (kind, name as shown).
    fn keys(model: &Model) -> Vec<(String, Option<String>)> {
        model
            .registrations
            .iter()
            .map(|r| (r.name.clone(), model.registration_key(r)))
            .collect()
    }

    #[test]
    fn run_time_names_are_keyed_by_their_expression() {
        let code = r#"
            local every = 60
            local handlers = {}
            script.on_nth_tick(every, function() end)
            script.on_nth_tick(storage.period, function() end)
            script.on_nth_tick(settings.startup["x"].value, function() end)
            local id = script.generate_event_name()
            script.on_event(id, function() end)
            script.on_event(defines.events.on_tick, handlers.missing)
        "#;
        with_model(&[("control.lua", code)], |model, _| {
            let keys = keys(model);
            let key_of = |name: &str| {
                keys.iter()
                    .find(|(n, _)| n == name)
                    .and_then(|(_, k)| k.clone())
            };
            assert_eq!(
                key_of("60").as_deref(),
                Some("60"),
                "a local constant is its value"
            );
            assert_eq!(
                key_of("storage.period").as_deref(),
                Some("?G:storage.period")
            );
            assert_eq!(
                key_of("settings.startup.x.value").as_deref(),
                Some("?G:settings.startup.x.value")
            );
            assert_eq!(
                key_of("id").as_deref(),
                Some("?G:script.generate_event_name()"),
                "a local given one value is that value"
            );
            assert_eq!(key_of("on_tick").as_deref(), Some("on_tick"));
        });
    }

    #[test]
    fn unregistrations_name_what_they_turn_off() {
        let code = r#"
            local on_event = script.on_event
            script.on_event(defines.events.on_tick, nil)
            on_event({defines.events.on_built_entity, defines.events.on_player_died})
            script.on_nth_tick(30, nil)
            script.on_nth_tick(nil)
            script.on_event(defines.events.on_tick, function() end)
        "#;
        with_model(&[("control.lua", code)], |model, _| {
            let found: Vec<(RegKind, Vec<String>)> = model
                .unregistrations()
                .into_iter()
                .map(|u| (u.kind, u.keys))
                .collect();
            assert_eq!(
                found,
                [
                    (RegKind::Event, vec!["on_tick".to_string()]),
                    (
                        RegKind::Event,
                        vec!["on_built_entity".to_string(), "on_player_died".to_string()]
                    ),
                    (RegKind::NthTick, vec!["30".to_string()]),
                    (RegKind::NthTick, vec![]),
                ]
            );
        });
    }

    #[test]
    fn conditions_and_storage_state_on_the_way_to_a_registration() {
        let code = r#"
            local function ticker() script.on_nth_tick(10, function() end) end
            local function is_on(n) return storage.count > n end
            script.on_load(function()
              local queue = storage.queue
              if next(queue) ~= nil and settings.global["s"].value then ticker() end
              if is_on(2) then script.on_event(defines.events.on_tick, function() end) end
            end)
            commands.add_command("c", "", function()
              storage.queue[1] = true
              table.insert(storage.list, 1)
            end)
        "#;
        with_model(&[("control.lua", code)], |model, facts| {
            let registration = |kind| {
                model
                    .registrations
                    .iter()
                    .find(|r| r.kind == kind)
                    .unwrap()
                    .call
            };
            let reads = |call| {
                let mut all = BTreeSet::new();
                for c in model.conditions_on_the_way(call, Context::OnLoad) {
                    all.extend(model.condition_storage_reads(c)?);
                }
                Some(all)
            };
            let tick = reads(registration(RegKind::NthTick)).expect("readable");
            assert_eq!(
                tick.into_iter().collect::<Vec<_>>(),
                ["settings", "storage.queue"]
            );
            assert_eq!(
                reads(registration(RegKind::Event)),
                None,
                "a call into the mod's own code cannot be read through"
            );
            let command = model
                .registrations
                .iter()
                .find(|r| r.kind == RegKind::Command)
                .and_then(|r| r.handler)
                .unwrap();
            let writes: Vec<String> = model.storage_writes_from(command).into_iter().collect();
            assert_eq!(writes, ["storage.list[…]", "storage.queue[…]"]);
            assert!(facts[0].ir.guards.len() >= 2);
        });
    }

    #[test]
    fn storage_places_overlap_at_path_boundaries() {
        assert!(storage_places_overlap("storage.queue", "storage.queue[…]"));
        assert!(storage_places_overlap("storage.a.b", "storage.a"));
        assert!(!storage_places_overlap("storage.ab", "storage.a"));
        assert!(!storage_places_overlap("storage.x", "storage.y"));
    }
}
