//! Functions kept in tables and called later by a dispatcher: the event managers mods write
//! for themselves (`Event.add(id, f)` puts `f` into `handlers[id]`; the one real handler
//! runs `for _, h in ipairs(handlers[event.name]) do h(event) end`).
//!
//! A *store* puts a function into a table place: `table.insert(list, f)`, `t[k] = f`,
//! `t[k] = {f}`, where `f` is a parameter of the storing function (its callers pass the
//! functions) or a function written there. A *dispatch* calls what it reads from a table
//! place: the value variable of a `pairs`/`ipairs` loop, `local h = t[i]`, `t[k](…)`, also
//! through `pcall`. Places are compared by their root (a file-level local or a global) and
//! keys, where a literal or a constant local is a known key and anything else (a parameter,
//! `event.name`) is "any": `handlers[-2]` (on_load's list) matches only itself, and
//! `handlers[event_id]` matches `handlers[event.name]`.

use super::ir::*;
use super::model::{CallRef, FnRef, Model};

/// A table place, canonical across the functions of a unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    root: String,
    keys: Vec<PlaceKey>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PlaceKey {
    Name(String),
    Const(String),
    Any,
}

/// A function kept in a table place, with how the code that put it there names it.
#[derive(Clone, Debug)]
pub struct StoredCallback {
    pub place: Place,
    pub function: FnRef,
    /// The call that handed the function to the storing function (`Event.add(id, f)`).
    pub registered_by: Option<CallRef>,
}

/// A call of a function read from a table place. `source` is the function whose contexts
/// the call runs in: the caller that passed the table, when the dispatcher receives it as a
/// parameter (`call_handlers(handlers[load_id])`).
#[derive(Clone, Debug)]
pub struct Dispatch {
    pub call: CallRef,
    pub place: Place,
    pub source: FnRef,
}

const MAX_DEPTH: u32 = 4;

/// A place rooted at a parameter: resolved per caller.
enum Rooted {
    Place(Place),
    Param(BindingId, Vec<PlaceKey>),
}

impl<'a> Model<'a> {
    /// Every function kept in a table place of the unit.
    pub fn stored_callbacks(&self) -> Vec<StoredCallback> {
        let mut out = Vec::new();
        for (file, facts) in self.files.iter().enumerate() {
            let ir = facts.ir;
            for call in &ir.calls {
                if call.callee.global_path().as_deref() != Some(&["table", "insert"][..]) {
                    continue;
                }
                let (Some(list), Some(item)) = (call.args.first(), call.args.last()) else {
                    continue;
                };
                if call.args.len() < 2 {
                    continue;
                }
                if let Some(Rooted::Place(mut place)) = self.place_of(file, list, 0) {
                    place.keys.push(PlaceKey::Any);
                    self.store(file, call.func, item, place, &mut out);
                }
            }
            for assign in &ir.assigns {
                let Value::Index(..) = &assign.target else {
                    continue;
                };
                let Some(Rooted::Place(place)) = self.place_of(file, &assign.target, 0) else {
                    continue;
                };
                match &assign.value {
                    // `handlers[id] = {f}`
                    Value::Table(fields) => {
                        for field in fields.iter().filter(|f| f.key.is_none()) {
                            let mut element = place.clone();
                            element.keys.push(PlaceKey::Any);
                            self.store(file, assign.func, &field.value, element, &mut out);
                        }
                    }
                    // Only tables of handlers: a key that is not a plain name.
                    value if place.keys.iter().any(|k| !matches!(k, PlaceKey::Name(_))) => {
                        self.store(file, assign.func, value, place.clone(), &mut out)
                    }
                    _ => {}
                }
            }
        }
        out
    }

    /// Records `value` stored at `place` by function `func`: a parameter stands for what
    /// the callers pass, a function value for itself.
    fn store(
        &self,
        file: usize,
        func: FuncId,
        value: &'a Value,
        place: Place,
        out: &mut Vec<StoredCallback>,
    ) {
        let ir = self.ir(file);
        match value {
            Value::Local(binding) if ir.binding(*binding).kind == BindingKind::Param => {
                let storer = FnRef { file, func };
                let Some(index) = ir.function(func).params.iter().position(|p| p == binding) else {
                    return;
                };
                for (function, registered_by) in self.functions_handed_to(storer, index, 0) {
                    out.push(StoredCallback {
                        place: place.clone(),
                        function,
                        registered_by: Some(registered_by),
                    });
                }
            }
            Value::Function(_) | Value::Local(_) => {
                for function in self.callees(file, value) {
                    out.push(StoredCallback {
                        place: place.clone(),
                        function,
                        registered_by: None,
                    });
                }
            }
            _ => {}
        }
    }

    /// The functions callers pass to parameter `index` of `f`, with the outermost call
    /// that passed each (`Event.add(id, f)` calling `core_add(id, handler)`).
    pub(super) fn functions_handed_to(
        &self,
        f: FnRef,
        index: usize,
        depth: u32,
    ) -> Vec<(FnRef, CallRef)> {
        let mut out = Vec::new();
        if depth > MAX_DEPTH {
            return out;
        }
        for (call_ref, caller) in self.calls_to.get(&f).into_iter().flatten() {
            if self.callback_edges.contains(&(*call_ref, f)) {
                continue;
            }
            let call = self.ir(call_ref.file).call(call_ref.call);
            let Some(arg) = call.args.get(index) else {
                continue;
            };
            let caller_ir = self.ir(call_ref.file);
            match arg {
                Value::Local(binding) if caller_ir.binding(*binding).kind == BindingKind::Param => {
                    let position = caller_ir
                        .function(caller.func)
                        .params
                        .iter()
                        .position(|p| p == binding);
                    if let Some(position) = position {
                        out.extend(self.functions_handed_to(*caller, position, depth + 1));
                    }
                }
                _ => out.extend(
                    self.callees(call_ref.file, arg)
                        .into_iter()
                        .map(|function| (function, *call_ref)),
                ),
            }
        }
        out
    }

    /// Every call of a function read from a table place.
    pub fn dispatches(&self) -> Vec<Dispatch> {
        let mut out = Vec::new();
        for (file, facts) in self.files.iter().enumerate() {
            let ir = facts.ir;
            for (id, call) in ir.calls.iter().enumerate() {
                let called = match call.callee.global_path().as_deref() {
                    Some(["pcall"] | ["xpcall"]) => match call.args.first() {
                        Some(f) => f,
                        None => continue,
                    },
                    _ => &call.callee,
                };
                let Some(rooted) = self.dispatched_place(file, called) else {
                    continue;
                };
                let call_ref = CallRef {
                    file,
                    call: id as CallId,
                };
                let here = FnRef {
                    file,
                    func: call.func,
                };
                match rooted {
                    Rooted::Place(place) => out.push(Dispatch {
                        call: call_ref,
                        place,
                        source: here,
                    }),
                    Rooted::Param(binding, keys) => {
                        let owner = FnRef {
                            file,
                            func: ir.binding(binding).func,
                        };
                        let Some(index) = ir
                            .function(owner.func)
                            .params
                            .iter()
                            .position(|p| *p == binding)
                        else {
                            continue;
                        };
                        for (caller_call, caller) in self.calls_to.get(&owner).into_iter().flatten()
                        {
                            if self.callback_edges.contains(&(*caller_call, owner)) {
                                continue;
                            }
                            let passing = self.ir(caller_call.file).call(caller_call.call);
                            let Some(arg) = passing.args.get(index) else {
                                continue;
                            };
                            if let Some(Rooted::Place(mut place)) =
                                self.place_of(caller_call.file, arg, 0)
                            {
                                place.keys.extend(keys.iter().cloned());
                                out.push(Dispatch {
                                    call: call_ref,
                                    place,
                                    source: *caller,
                                });
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The table place a called value is read from, when it is a handler-table read: a
    /// `pairs`/`ipairs` value, a local given `t[k]`, or `t[k]` itself with a key that is
    /// not a plain name.
    fn dispatched_place(&self, file: usize, called: &'a Value) -> Option<Rooted> {
        let ir = self.ir(file);
        let element_of = |table: &'a Value| {
            let mut rooted = self.place_of(file, table, 0)?;
            match &mut rooted {
                Rooted::Place(place) => place.keys.push(PlaceKey::Any),
                Rooted::Param(_, keys) => keys.push(PlaceKey::Any),
            }
            Some(rooted)
        };
        match called {
            Value::Index(_, Key::Dynamic(_)) => self.place_of(file, called, 0),
            Value::Local(binding) => {
                let info = ir.binding(*binding);
                match info.kind {
                    BindingKind::LoopVar(loop_id) => {
                        let loop_info = ir.loop_(loop_id);
                        let is_value = loop_info.vars.iter().position(|v| v == binding) == Some(1);
                        match &loop_info.kind {
                            LoopKind::Pairs(table) | LoopKind::Ipairs(table) if is_value => {
                                element_of(table)
                            }
                            _ => None,
                        }
                    }
                    BindingKind::Local => match info.values.as_slice() {
                        [value @ Value::Index(_, Key::Dynamic(_))] => self.place_of(file, value, 0),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The canonical place a value names: a file-level local or a global, then keys;
    /// through function locals given one value.
    fn place_of(&self, file: usize, value: &'a Value, depth: u32) -> Option<Rooted> {
        if depth > MAX_DEPTH {
            return None;
        }
        let ir = self.ir(file);
        match value {
            Value::Global(name) => Some(Rooted::Place(Place {
                root: format!("G:{name}"),
                keys: Vec::new(),
            })),
            Value::Local(binding) => {
                let info = ir.binding(*binding);
                if info.kind == BindingKind::Param {
                    return Some(Rooted::Param(*binding, Vec::new()));
                }
                if info.func == MAIN_CHUNK {
                    return Some(Rooted::Place(Place {
                        root: format!("{file}:{binding}"),
                        keys: Vec::new(),
                    }));
                }
                match info.values.as_slice() {
                    [only] if info.kind == BindingKind::Local => {
                        self.place_of(file, only, depth + 1)
                    }
                    _ => None,
                }
            }
            Value::Index(base, key) => {
                let key = match key {
                    Key::Name(name) => PlaceKey::Name(name.clone()),
                    Key::Dynamic(key) => constant_key(ir, key),
                };
                let mut rooted = self.place_of(file, base, depth + 1)?;
                match &mut rooted {
                    Rooted::Place(place) => place.keys.push(key),
                    Rooted::Param(_, keys) => keys.push(key),
                }
                Some(rooted)
            }
            _ => None,
        }
    }
}

/// A key that is the same on every run: a literal, `-1`, a `defines` path, or a local
/// constant holding one. Anything else can be any key.
fn constant_key(ir: &FileIr, key: &Value) -> PlaceKey {
    match key {
        Value::Number(n) | Value::Str(n) => PlaceKey::Const(n.clone()),
        Value::Scalar(operands) => match operands.as_slice() {
            [Value::Number(n)] => PlaceKey::Const(format!("-{n}")),
            _ => PlaceKey::Any,
        },
        Value::Local(binding) => {
            let info = ir.binding(*binding);
            match info.values.as_slice() {
                [only] if info.kind == BindingKind::Local => match constant_key(ir, only) {
                    PlaceKey::Const(c) => PlaceKey::Const(c),
                    _ => PlaceKey::Any,
                },
                _ => PlaceKey::Any,
            }
        }
        other => match other.global_path() {
            Some(path) if path.first() == Some(&"defines") => PlaceKey::Const(path.join(".")),
            _ => PlaceKey::Any,
        },
    }
}
