//! Functions kept in tables and called later by a dispatcher: the event managers mods write
//! for themselves (`Event.add(id, f)` puts `f` into `handlers[id]`; the one real handler
//! runs `for _, h in ipairs(handlers[event.name]) do h(event) end`).
//!
//! A *store* puts a function into a table place: `table.insert(list, f)`, `t[k] = f`,
//! `t[k] = {f}`, where `f` is a parameter of the storing function (its callers pass the
//! functions) or a function written there. A *dispatch* calls what it reads from a table
//! place: the value variable of a `pairs`/`ipairs` loop, `local h = t[i]`, `t[k](…)`, also
//! through `pcall`. Places are compared by their root (a file-level local or a global) and
//! keys.
//!
//! Many libraries keep every event's handlers in one table keyed by event id, on_load's
//! among them (`handlers[-2]`), and run `handlers[event.name]` from both the registered
//! dispatcher and on_load. So a key that comes from a parameter is worked out where the
//! function is called: the storing function's callers say which event a handler is stored
//! under (`Event.add(defines.events.on_tick, f)`), and the dispatching function's callers
//! (`dispatch({name = LOAD})`) or its registration (`script.on_event(defines.events.on_tick,
//! dispatch)`) say which event it runs. A key that stays unknown may match any key: the
//! handler *possibly* runs there (see [`Match`]).

use super::ir::*;
use super::model::{CallRef, Context, FastMap, FnRef, Model, Origin, Reach, RegKind, CONTEXTS};
use std::collections::VecDeque;

/// A table place, canonical across the functions of a unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    root: String,
    keys: Vec<PlaceKey>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PlaceKey {
    /// `t.name`.
    Name(String),
    /// The same key on every run: a literal, a `defines.events` id (by its event name), a
    /// constant local or table field holding one.
    Const(String),
    /// A list position: `table.insert(t, f)`, `t[#t + 1]`, `t[i]` in a counted loop, the
    /// values a loop goes through.
    Element,
    /// A key only known at run time.
    Unknown,
    /// What a parameter of the function that owns the place is given, or a field or element of
    /// it (`event.name`, `for _, id in pairs(ids)`): worked out per call.
    Param(BindingId, Vec<Step>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Field(String),
    Element,
}

/// How surely a dispatch runs a stored function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
    /// A key on one side is unknown: it may be the other's.
    Possible,
    /// Every key is the same (or both are list positions).
    Sure,
}

/// A function kept in a table place, with how the code that put it there names it.
#[derive(Clone, Debug)]
pub struct StoredCallback {
    pub place: Place,
    pub function: FnRef,
    /// The call that handed the function to the storing function (`Event.add(id, f)`).
    pub registered_by: Option<CallRef>,
    /// The first key a caller gave for it (`on_tick` for `listen(defines.events.on_tick, f)`
    /// reaching `handlers[id]`), for messages.
    pub key: Option<String>,
}

/// A call of a function read from a table place. `source` is the function whose contexts
/// the call runs in: the caller that passed the table, when the dispatcher receives it as a
/// parameter (`call_handlers(handlers[load_id])`). Parameter keys of `place` are `source`'s.
#[derive(Clone, Debug)]
pub struct Dispatch {
    pub call: CallRef,
    pub place: Place,
    pub source: FnRef,
}

/// How functions kept in tables and closures run: worked out once the calls are linked (they
/// depend on calls and registrations, not on contexts), for the model's contexts and the sure
/// ones (see `lifecycle`).
pub(super) struct TableDispatch {
    /// See [`Model::closure_parameter_calls`].
    pub closure_calls: FastMap<FnRef, Vec<(CallRef, FnRef)>>,
    pub stored: Vec<StoredCallback>,
    /// Empty when nothing is stored.
    pub dispatches: Vec<Dispatch>,
}

impl TableDispatch {
    fn of(model: &Model) -> TableDispatch {
        let stored = model.stored_callbacks();
        let dispatches = if stored.is_empty() {
            Vec::new()
        } else {
            model.dispatches()
        };
        TableDispatch {
            closure_calls: model.closure_parameter_calls(),
            stored,
            dispatches,
        }
    }
}

/// A stored function a dispatch runs in a context.
#[derive(Clone, Copy, Debug)]
pub struct DispatchLink {
    pub dispatch: usize,
    pub stored: usize,
    pub context: Context,
}

const MAX_DEPTH: u32 = 4;

/// How many calls (and registrations) deep a parameter key is followed.
const MAX_KEY_DEPTH: u32 = 8;

/// At most this many places a dispatch's parameter keys are expanded into.
const MAX_VARIANTS: usize = 16;

/// The keys a parameter key stands for, shared by the functions handed along the same calls.
type Keys = std::rc::Rc<[PlaceKey]>;

/// One unknown key.
const UNKNOWN: &[PlaceKey] = &[PlaceKey::Unknown];

/// A place rooted at a parameter: resolved per caller.
enum Rooted {
    Place(Place),
    Param(BindingId, Vec<PlaceKey>),
}

/// A context, with which functions run in it: keys are worked out from the ways a function
/// is entered there. `None`: every way.
type InContext<'r> = Option<(Context, &'r dyn Fn(FnRef, Context) -> bool)>;

/// The context a registration of this kind runs its handler in.
pub fn registration_context(kind: RegKind) -> Option<Context> {
    match kind {
        RegKind::Event | RegKind::NthTick => Some(Context::Event),
        RegKind::Command => Some(Context::Command),
        RegKind::Remote => Some(Context::Remote),
        RegKind::OnInit => Some(Context::OnInit),
        RegKind::OnLoad => Some(Context::OnLoad),
        RegKind::OnConfigurationChanged => Some(Context::OnConfigurationChanged),
    }
}

impl<'a> Model<'a> {
    /// Every function kept in a table place of the unit, with parameter keys worked out per
    /// call that hands the function over.
    pub fn stored_callbacks(&self) -> Vec<StoredCallback> {
        let mut out = Vec::new();
        for (file, facts) in self.files.iter().enumerate() {
            let ir = facts.ir;
            for call in &ir.calls {
                if !call.callee.is_global_path(&["table", "insert"]) {
                    continue;
                }
                let (Some(list), Some(item)) = (call.args.first(), call.args.last()) else {
                    continue;
                };
                // Only a function value is recorded (see `store`): no place needed otherwise.
                let may_store = match item {
                    Value::Table(fields) => fields
                        .iter()
                        .any(|f| matches!(f.key, Some(Key::Name(_))) && may_be_callback(&f.value)),
                    other => may_be_callback(other),
                };
                if call.args.len() < 2 || !may_store {
                    continue;
                }
                if let Some(Rooted::Place(mut place)) = self.place_of(file, list, 0) {
                    place.keys.push(PlaceKey::Element);
                    match item {
                        // `table.insert(list, {callback = f, …})`: kept in a field of a record.
                        Value::Table(fields) => {
                            for field in fields {
                                if let Some(Key::Name(name)) = &field.key {
                                    let mut in_field = place.clone();
                                    in_field.keys.push(PlaceKey::Name(name.to_string()));
                                    self.store(file, call.func, &field.value, in_field, &mut out);
                                }
                            }
                        }
                        _ => self.store(file, call.func, item, place, &mut out),
                    }
                }
            }
            for assign in &ir.assigns {
                let Value::Index(..) = &assign.target else {
                    continue;
                };
                let may_store = match &assign.value {
                    Value::Table(fields) => fields
                        .iter()
                        .any(|f| f.key.is_none() && may_be_callback(&f.value)),
                    other => may_be_callback(other),
                };
                // A value other than a table is kept only under a key that is not a plain name.
                let keyed = matches!(&assign.value, Value::Table(_))
                    || self.may_have_dynamic_key(file, &assign.target, 0);
                if !may_store || !keyed {
                    continue;
                }
                let Some(Rooted::Place(place)) = self.place_of(file, &assign.target, 0) else {
                    continue;
                };
                match &assign.value {
                    // `handlers[id] = {f}`
                    Value::Table(fields) => {
                        for field in fields.iter().filter(|f| f.key.is_none()) {
                            let mut element = place.clone();
                            element.keys.push(PlaceKey::Element);
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
    /// the callers pass, a function value for itself. Parameter keys are worked out along
    /// the same calls that hand the function over.
    fn store(
        &self,
        file: usize,
        func: FuncId,
        value: &'a Value,
        place: Place,
        out: &mut Vec<StoredCallback>,
    ) {
        let ir = self.ir(file);
        let storer = FnRef { file, func };
        let key_params: Vec<(usize, Vec<Step>)> = place
            .keys
            .iter()
            .filter_map(|key| match key {
                PlaceKey::Param(binding, steps) => {
                    Some((self.param_index(storer, *binding)?, steps.clone()))
                }
                _ => None,
            })
            .collect();
        let with_keys = |resolved: &[Keys]| -> Vec<Place> {
            let mut slot = 0;
            let choices: Vec<&[PlaceKey]> = place
                .keys
                .iter()
                .map(|key| match key {
                    PlaceKey::Param(binding, _) if self.param_index(storer, *binding).is_some() => {
                        slot += 1;
                        resolved.get(slot - 1).map_or(UNKNOWN, |keys| &keys[..])
                    }
                    PlaceKey::Param(..) => UNKNOWN,
                    other => std::slice::from_ref(other),
                })
                .collect();
            expand(&place.root, &choices)
        };
        match value {
            Value::Local(binding) if ir.binding(*binding).kind == BindingKind::Param => {
                let Some(index) = self.param_index(storer, *binding) else {
                    return;
                };
                for (function, registered_by, keys) in
                    self.handed_along(storer, index, &key_params, 0)
                {
                    let key = first_constant(&keys);
                    for place in with_keys(&keys) {
                        out.push(StoredCallback {
                            place,
                            function,
                            registered_by: Some(registered_by),
                            key: key.clone(),
                        });
                    }
                }
            }
            Value::Function(_) | Value::Local(_) => {
                // Most locals kept in tables hold no function: no keys to work out.
                let functions = self.callees(file, value);
                if functions.is_empty() {
                    return;
                }
                let keys: Vec<Keys> = key_params
                    .iter()
                    .map(|(index, steps)| self.param_keys(storer, *index, steps, None, 0).into())
                    .collect();
                let key = first_constant(&keys);
                for function in functions {
                    for place in with_keys(&keys) {
                        out.push(StoredCallback {
                            place,
                            function,
                            registered_by: None,
                            key: key.clone(),
                        });
                    }
                }
            }
            _ => {}
        }
    }

    /// The position of `binding` among `f`'s own parameters.
    fn param_index(&self, f: FnRef, binding: BindingId) -> Option<usize> {
        let ir = self.ir(f.file);
        if ir.binding(binding).func != f.func {
            return None;
        }
        ir.function(f.func)
            .params
            .iter()
            .position(|p| *p == binding)
    }

    /// The functions callers pass to parameter `index` of `f`, with the outermost call
    /// that passed each (`Event.add(id, f)` calling `core_add(id, handler)`).
    pub(super) fn functions_handed_to(
        &self,
        f: FnRef,
        index: usize,
        depth: u32,
    ) -> Vec<(FnRef, CallRef)> {
        self.handed_along(f, index, &[], depth)
            .into_iter()
            .map(|(function, call, _)| (function, call))
            .collect()
    }

    /// Like [`Model::functions_handed_to`], with the keys the same chain of calls gives
    /// the parameters `wanted` (position, and the fields or elements of it that are a key).
    #[allow(clippy::type_complexity)]
    fn handed_along(
        &self,
        f: FnRef,
        index: usize,
        wanted: &[(usize, Vec<Step>)],
        depth: u32,
    ) -> Vec<(FnRef, CallRef, Vec<Keys>)> {
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
                    let Some(position) = self.param_index(*caller, *binding) else {
                        continue;
                    };
                    // Keys the caller passes on from its own parameters follow the handler up;
                    // the others are known here.
                    let mut forwarded = Vec::new();
                    let mut here = Vec::new();
                    for (i, steps) in wanted {
                        match call.args.get(*i) {
                            Some(Value::Local(b)) if self.param_index(*caller, *b).is_some() => {
                                let q = self.param_index(*caller, *b).unwrap_or_default();
                                here.push(None);
                                forwarded.push((q, steps.clone()));
                            }
                            arg => here.push(Some(Keys::from(self.value_keys(
                                call_ref.file,
                                *caller,
                                arg,
                                steps,
                                None,
                                depth + 1,
                            )))),
                        }
                    }
                    for (function, outer, mut above) in
                        self.handed_along(*caller, position, &forwarded, depth + 1)
                    {
                        above.reverse();
                        let keys = here
                            .iter()
                            .map(|k| match k {
                                Some(known) => known.clone(),
                                None => above.pop().unwrap_or_else(|| UNKNOWN.into()),
                            })
                            .collect();
                        out.push((function, outer, keys));
                    }
                }
                _ => {
                    // Most arguments are no function: no keys to work out.
                    let functions = self.callees(call_ref.file, arg);
                    if functions.is_empty() {
                        continue;
                    }
                    let keys: Vec<Keys> = wanted
                        .iter()
                        .map(|(i, steps)| {
                            self.value_keys(
                                call_ref.file,
                                *caller,
                                call.args.get(*i),
                                steps,
                                None,
                                depth + 1,
                            )
                            .into()
                        })
                        .collect();
                    for function in functions {
                        out.push((function, *call_ref, keys.clone()));
                    }
                }
            }
        }
        out
    }

    /// The keys parameter `index` of `f` (through `steps`) stands for: what the calls of `f`
    /// pass, and for a registered handler's event (`event.name`), the event it is registered
    /// for. With a context, only the ways `f` is entered in that context (`reached` says
    /// which functions run there).
    fn param_keys(
        &self,
        f: FnRef,
        index: usize,
        steps: &[Step],
        context: InContext<'_>,
        depth: u32,
    ) -> Vec<PlaceKey> {
        if depth > MAX_KEY_DEPTH {
            return vec![PlaceKey::Unknown];
        }
        let mut keys = Vec::new();
        let mut entered = false;
        let registered = self.registrations_by_handler.get(&f).into_iter().flatten();
        for r in registered.map(|i| &self.registrations[*i]) {
            let runs_in = registration_context(r.kind);
            if context.is_some_and(|(c, _)| runs_in != Some(c)) {
                continue;
            }
            entered = true;
            let field = match (r.kind, steps) {
                (RegKind::Event, [Step::Field(name)]) => name == "name",
                (RegKind::NthTick, [Step::Field(name)]) => name == "nth_tick",
                _ => false,
            };
            if index != 0 || !field || r.via_event_handler {
                keys.push(PlaceKey::Unknown);
            } else if r.name_known {
                keys.push(PlaceKey::Const(r.name.clone()));
            } else {
                // Registered for a name its registering function is given
                // (`script.on_event(id, dispatch)` in `add(id, handler)`): every name given.
                let call = self.ir(r.call.file).call(r.call.call);
                let registering = FnRef {
                    file: r.call.file,
                    func: call.func,
                };
                let name = r.name_arg.and_then(|i| call.args.get(i));
                keys.extend(self.value_keys(r.call.file, registering, name, &[], None, depth + 1));
            }
        }
        for (call_ref, caller) in self.calls_to.get(&f).into_iter().flatten() {
            if self.callback_edges.contains(&(*call_ref, f)) {
                continue;
            }
            if context.is_some_and(|(c, reached)| !reached(*caller, c)) {
                continue;
            }
            entered = true;
            let call = self.ir(call_ref.file).call(call_ref.call);
            keys.extend(self.value_keys(
                call_ref.file,
                *caller,
                call.args.get(index),
                steps,
                context,
                depth + 1,
            ));
        }
        // Entered some other way (handed to a call, a dispatcher of its own): unknown.
        if !entered || context.is_some_and(|(c, reached)| reached(f, c) && keys.is_empty()) {
            keys.push(PlaceKey::Unknown);
        }
        if keys.len() > 1 {
            keys.sort_by_cached_key(|k| format!("{k:?}"));
        }
        keys.dedup();
        keys
    }

    /// The keys an argument `value` (in `owner`, a function of `file`) gives through `steps`:
    /// a constant, the fields or elements of a table written there, or what `owner`'s own
    /// callers pass when it is one of its parameters.
    fn value_keys(
        &self,
        file: usize,
        owner: FnRef,
        value: Option<&'a Value>,
        steps: &[Step],
        context: InContext<'_>,
        depth: u32,
    ) -> Vec<PlaceKey> {
        let Some(value) = value else {
            return vec![PlaceKey::Unknown];
        };
        if depth > MAX_KEY_DEPTH {
            return vec![PlaceKey::Unknown];
        }
        let ir = self.ir(file);
        // One of `owner`'s parameters, a field of one, or an element of a list it is given.
        if let PlaceKey::Param(binding, mut path) = self.key_of(file, value, 0) {
            if let Some(index) = self.param_index(owner, binding) {
                path.extend(steps.iter().cloned());
                return self.param_keys(owner, index, &path, context, depth + 1);
            }
        }
        let fields = || -> Option<&'a [TableField]> {
            match value {
                Value::Table(fields) => Some(fields),
                Value::Local(b) => match ir.binding(*b).values.as_slice() {
                    [Value::Table(fields)] => Some(fields),
                    _ => None,
                },
                _ => None,
            }
        };
        match steps.split_first() {
            None => vec![self
                .constant_of(file, value, 0)
                .map_or(PlaceKey::Unknown, PlaceKey::Const)],
            Some((Step::Field(name), rest)) => {
                let Some(fields) = fields() else {
                    return vec![PlaceKey::Unknown];
                };
                match fields
                    .iter()
                    .find(|f| matches!(&f.key, Some(Key::Name(n)) if n == name))
                {
                    Some(field) => {
                        self.value_keys(file, owner, Some(&field.value), rest, context, depth + 1)
                    }
                    None => vec![PlaceKey::Unknown],
                }
            }
            Some((Step::Element, rest)) => match fields() {
                Some(fields) => {
                    let mut keys: Vec<PlaceKey> = fields
                        .iter()
                        .filter(|f| f.key.is_none())
                        .flat_map(|f| {
                            self.value_keys(file, owner, Some(&f.value), rest, context, depth + 1)
                        })
                        .collect();
                    if keys.is_empty() {
                        keys.push(PlaceKey::Unknown);
                    }
                    keys
                }
                // A single id where a list is accepted (`if type(ids) == "number" then ids =
                // {ids} end`): the id itself.
                None if rest.is_empty() => vec![self
                    .constant_of(file, value, 0)
                    .map_or(PlaceKey::Unknown, PlaceKey::Const)],
                None => vec![PlaceKey::Unknown],
            },
        }
    }

    /// The constant a value always is: a literal, a `defines.events` id (by its event name,
    /// as registrations name it), another `defines` path, or a local, global or table field
    /// given only that constant.
    fn constant_of(&self, file: usize, value: &'a Value, depth: u32) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        let ir = self.ir(file);
        match value {
            Value::Number(n) | Value::Str(n) => return Some(n.to_string()),
            Value::Scalar(operands) => {
                return match operands.as_slice() {
                    [Value::Number(n)] => Some(format!("-{n}")),
                    _ => None,
                }
            }
            Value::Local(binding) => {
                let info = ir.binding(*binding);
                return match info.values.as_slice() {
                    [only] if info.kind == BindingKind::Local => {
                        self.constant_of(file, only, depth + 1)
                    }
                    _ => None,
                };
            }
            _ => {}
        }
        if let Some(path) = value.global_path() {
            match path.as_slice() {
                ["defines", "events", name] => return Some(name.to_string()),
                ["defines", ..] => return Some(path.join(".")),
                _ => {}
            }
        }
        // A field of a table (`Event.core_events.load`) or a global given one constant.
        let values: Vec<(usize, &'a Value)> = match value {
            Value::Global(name) => self
                .assigned_to(self.path_of_global(name))
                .map(<[_]>::to_vec)
                .unwrap_or_default(),
            Value::Index(base, Key::Name(field)) => {
                let mut values = Vec::new();
                for origin in self.origins(file, base) {
                    match origin {
                        Origin::Table { file: f, fields } => values.extend(
                            fields
                                .iter()
                                .filter(|x| matches!(&x.key, Some(Key::Name(n)) if n == field))
                                .map(|x| (f, &x.value)),
                        ),
                        Origin::Path(path) => values.extend(
                            self.assigned_to(self.field_path(path, field))
                                .into_iter()
                                .flatten()
                                .copied(),
                        ),
                        _ => {}
                    }
                }
                values
            }
            _ => Vec::new(),
        };
        let mut constants = values
            .into_iter()
            .map(|(f, v)| self.constant_of(f, v, depth + 1));
        let first = constants.next()??;
        constants
            .all(|c| c.as_deref() == Some(first.as_str()))
            .then_some(first)
    }

    /// Every call of a function read from a table place.
    pub fn dispatches(&self) -> Vec<Dispatch> {
        let mut out = Vec::new();
        for (file, facts) in self.files.iter().enumerate() {
            let ir = facts.ir;
            for (id, call) in ir.calls.iter().enumerate() {
                let protected = call.callee.is_global_path(&["pcall"])
                    || call.callee.is_global_path(&["xpcall"]);
                let called = match call.args.first() {
                    Some(f) if protected => f,
                    None if protected => continue,
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
                        let Some(index) = self.param_index(owner, binding) else {
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

    /// Which stored functions each dispatch runs, in each context its source runs in
    /// (`reached`). `sure`: only what surely runs there — a possible match (an unknown key)
    /// counts at run time, never while loading or in on_load, where a dispatcher of a
    /// keyed table runs the load key's entries alone.
    pub fn dispatch_links(
        &self,
        stored: &[StoredCallback],
        dispatches: &[Dispatch],
        reached: &dyn Fn(FnRef, Context) -> bool,
        sure: bool,
    ) -> Vec<DispatchLink> {
        let mut links = Vec::new();
        for (d, dispatch) in dispatches.iter().enumerate() {
            for context in CONTEXTS {
                if !reached(dispatch.source, context) {
                    continue;
                }
                let places = self.dispatched_places(dispatch, context, reached);
                for (s, callback) in stored.iter().enumerate() {
                    let best = places
                        .iter()
                        .filter_map(|p| matches(&callback.place, p, context))
                        .max();
                    let runs = match best {
                        Some(Match::Sure) => true,
                        Some(Match::Possible) => {
                            !sure || !matches!(context, Context::Load | Context::OnLoad)
                        }
                        None => false,
                    };
                    if runs {
                        links.push(DispatchLink {
                            dispatch: d,
                            stored: s,
                            context,
                        });
                    }
                }
            }
        }
        links
    }

    /// The places a dispatch reads in `context`: its parameter keys worked out from how its
    /// source is entered there.
    fn dispatched_places(
        &self,
        dispatch: &Dispatch,
        context: Context,
        reached: &dyn Fn(FnRef, Context) -> bool,
    ) -> Vec<Place> {
        let choices: Vec<Vec<PlaceKey>> = dispatch
            .place
            .keys
            .iter()
            .map(|key| match key {
                PlaceKey::Param(binding, steps) => {
                    match self.param_index(dispatch.source, *binding) {
                        Some(index) => self.param_keys(
                            dispatch.source,
                            index,
                            steps,
                            Some((context, reached)),
                            0,
                        ),
                        None => vec![PlaceKey::Unknown],
                    }
                }
                other => vec![other.clone()],
            })
            .collect();
        expand(&dispatch.place.root, &choices)
    }

    /// Adds to the model's contexts what closures run through their creator's parameters and
    /// the functions the mod's own dispatchers run, wherever a key may match (more contexts,
    /// fewer findings for rules that read these).
    pub(super) fn propagate_dispatched_contexts(&mut self) {
        let table = TableDispatch::of(self);
        self.spread_dispatched(&table);
        self.table_dispatch = std::cell::OnceCell::from(table);
    }

    /// The unit's [`TableDispatch`] (worked out while the model is built).
    pub(super) fn table_dispatch(&self) -> &TableDispatch {
        self.table_dispatch.get_or_init(|| TableDispatch::of(self))
    }

    fn spread_dispatched(&mut self, table: &TableDispatch) {
        // What a closure runs by calling a parameter of the function that made it
        // (`Event.on_load(function() callback(…) end)`): the callers' functions.
        let closure_calls = &table.closure_calls;
        if !closure_calls.is_empty() {
            let mut queue: VecDeque<(FnRef, Context)> = self
                .reach
                .iter()
                .flat_map(|(f, slots)| {
                    CONTEXTS
                        .iter()
                        .filter(|c| slots[context_slot(**c)].is_some())
                        .map(|c| (*f, *c))
                })
                .collect();
            queue.make_contiguous().sort();
            let mut reach = std::mem::take(&mut self.reach);
            self.spread_contexts(&mut reach, &mut queue, closure_calls);
            self.reach = reach;
        }
        let (stored, dispatches) = (&table.stored, &table.dispatches);
        if stored.is_empty() || dispatches.is_empty() {
            return;
        }
        loop {
            let links = {
                let reached = |f: FnRef, c: Context| self.reach(f, c).is_some();
                self.dispatch_links(stored, dispatches, &reached, false)
            };
            let mut queue = VecDeque::new();
            let mut added: FastMap<FnRef, [Option<Reach>; 8]> = FastMap::default();
            for link in links {
                let callback = &stored[link.stored];
                if self.reach(callback.function, link.context).is_some() {
                    continue;
                }
                let dispatch = &dispatches[link.dispatch];
                let slot =
                    &mut added.entry(callback.function).or_default()[context_slot(link.context)];
                if slot.is_some() {
                    continue;
                }
                let dispatcher_origin = self
                    .reach(dispatch.source, link.context)
                    .map(|r| r.origin.clone())
                    .unwrap_or_default();
                *slot = Some(Reach {
                    origin: self.stored_origin(callback, link.context, &dispatcher_origin),
                    via: Some((self.dispatcher(dispatch), dispatch.call)),
                });
                queue.push_back((callback.function, link.context));
            }
            if queue.is_empty() {
                break;
            }
            for (f, slots) in added {
                let entry = self.reach.entry(f).or_default();
                for (slot, reach) in entry.iter_mut().zip(slots) {
                    if slot.is_none() {
                        *slot = reach;
                    }
                }
            }
            let mut reach = std::mem::take(&mut self.reach);
            self.spread_contexts(&mut reach, &mut queue, closure_calls);
            self.reach = reach;
        }
    }

    /// The function a dispatch call is made in.
    pub fn dispatcher(&self, dispatch: &Dispatch) -> FnRef {
        FnRef {
            file: dispatch.call.file,
            func: self.ir(dispatch.call.file).call(dispatch.call.call).func,
        }
    }

    /// How a message names a stored handler: by the event its registering call names
    /// (`Event.add(defines.events.on_tick, f)`: "the on_tick handler"), by the lifecycle
    /// event, or as the dispatcher's.
    pub(super) fn stored_origin(
        &self,
        callback: &StoredCallback,
        context: Context,
        dispatcher: &str,
    ) -> String {
        match context {
            Context::Event => {
                // A bare number names no event a reader knows (`Event.register(0, f)`).
                let named = callback.registered_by.and_then(|call_ref| {
                    let call = self.ir(call_ref.file).call(call_ref.call);
                    self.event_names(call_ref.file, call.args.first())
                        .into_iter()
                        .find(|(name, known)| *known && is_event_name(name))
                        .map(|(name, _)| name)
                });
                // An nth-tick library keyed by period (`Event.on_nth_tick(600, f)`).
                let nth_tick = dispatcher.starts_with("the on_nth_tick(");
                match (named, &callback.key, callback.registered_by) {
                    (_, Some(key), _) if nth_tick && key.parse::<u64>().is_ok() => {
                        format!("the on_nth_tick({key}) handler")
                    }
                    (Some(name), _, _) => format!("the {name} handler"),
                    (None, Some(key), _) if is_event_name(key) => format!("the {key} handler"),
                    (None, _, Some(call_ref)) => {
                        let ir = self.ir(call_ref.file);
                        format!(
                            "a handler added with `{}`",
                            ir.describe(&ir.call(call_ref.call).callee)
                        )
                    }
                    (None, _, None) => dispatcher.to_string(),
                }
            }
            Context::OnInit | Context::OnLoad | Context::OnConfigurationChanged => {
                context.name().to_string()
            }
            _ => dispatcher.to_string(),
        }
    }

    /// The table place a called value is read from, when it is a handler-table read: a
    /// `pairs`/`ipairs` value, a local given `t[k]`, or `t[k]` itself with a key that is
    /// not a plain name.
    fn dispatched_place(&self, file: usize, called: &'a Value) -> Option<Rooted> {
        let ir = self.ir(file);
        let element_of = |table: &'a Value| {
            let mut rooted = self.place_of(file, table, 0)?;
            match &mut rooted {
                Rooted::Place(place) => place.keys.push(PlaceKey::Element),
                Rooted::Param(_, keys) => keys.push(PlaceKey::Element),
            }
            Some(rooted)
        };
        match called {
            Value::Index(_, Key::Dynamic(_)) => self.place_of(file, called, 0),
            // `record.callback(…)` for a record read from a table place.
            Value::Index(record, Key::Name(name)) if matches!(**record, Value::Local(_)) => {
                let mut rooted = self.dispatched_place(file, record)?;
                match &mut rooted {
                    Rooted::Place(place) => place.keys.push(PlaceKey::Name(name.to_string())),
                    Rooted::Param(_, keys) => keys.push(PlaceKey::Name(name.to_string())),
                }
                Some(rooted)
            }
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

    /// Whether the place [`Model::place_of`] finds for `value` may have a key that is not a
    /// plain name: `false` only when it surely has none (or there is no place), without
    /// putting the place together.
    fn may_have_dynamic_key(&self, file: usize, value: &'a Value, depth: u32) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match value {
            Value::Index(_, Key::Dynamic(_)) => true,
            Value::Index(base, Key::Name(_)) => self.may_have_dynamic_key(file, base, depth + 1),
            Value::Local(binding) => {
                let info = self.ir(file).binding(*binding);
                if info.kind == BindingKind::Param || info.func == MAIN_CHUNK {
                    return false;
                }
                match info.values.as_slice() {
                    [only] if info.kind == BindingKind::Local => {
                        self.may_have_dynamic_key(file, only, depth + 1)
                    }
                    _ => false,
                }
            }
            _ => false,
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
                    Key::Name(name) => PlaceKey::Name(name.to_string()),
                    Key::Dynamic(key) => self.key_of(file, key, 0),
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

    /// What a dynamic key is: a constant, a list position, a parameter (or a field or
    /// element of one), or unknown.
    fn key_of(&self, file: usize, key: &'a Value, depth: u32) -> PlaceKey {
        if depth > MAX_DEPTH {
            return PlaceKey::Unknown;
        }
        let ir = self.ir(file);
        if let Some(constant) = self.constant_of(file, key, 0) {
            return PlaceKey::Const(constant);
        }
        match key {
            // `t[#t + 1]`
            Value::Scalar(operands) if operands.iter().any(|o| matches!(o, Value::Length(_))) => {
                PlaceKey::Element
            }
            Value::Local(binding) => {
                let info = ir.binding(*binding);
                match info.kind {
                    BindingKind::Param => PlaceKey::Param(*binding, Vec::new()),
                    BindingKind::LoopVar(loop_id) => {
                        let the_loop = ir.loop_(loop_id);
                        let position = the_loop.vars.iter().position(|v| v == binding);
                        match (&the_loop.kind, position) {
                            (LoopKind::Numeric, _) | (LoopKind::Ipairs(_), Some(0)) => {
                                PlaceKey::Element
                            }
                            // `for _, id in pairs(ids)`: an element of what `ids` is given.
                            (LoopKind::Pairs(list) | LoopKind::Ipairs(list), Some(1)) => {
                                match self.key_of(file, list, depth + 1) {
                                    PlaceKey::Param(b, mut steps) => {
                                        steps.push(Step::Element);
                                        PlaceKey::Param(b, steps)
                                    }
                                    _ => PlaceKey::Unknown,
                                }
                            }
                            _ => PlaceKey::Unknown,
                        }
                    }
                    BindingKind::Local => match info.values.as_slice() {
                        [only] => self.key_of(file, only, depth + 1),
                        _ => PlaceKey::Unknown,
                    },
                    BindingKind::LocalFunction => PlaceKey::Unknown,
                }
            }
            // `event.name`
            Value::Index(base, Key::Name(field)) => match self.key_of(file, base, depth + 1) {
                PlaceKey::Param(b, mut steps) => {
                    steps.push(Step::Field(field.to_string()));
                    PlaceKey::Param(b, steps)
                }
                _ => PlaceKey::Unknown,
            },
            _ => PlaceKey::Unknown,
        }
    }
}

/// The first constant among resolved keys.
fn first_constant(keys: &[Keys]) -> Option<String> {
    keys.iter().flat_map(|k| k.iter()).find_map(|k| match k {
        PlaceKey::Const(c) => Some(c.clone()),
        _ => None,
    })
}

fn is_negative_number(key: &str) -> bool {
    key.strip_prefix('-')
        .is_some_and(|n| n.parse::<f64>().is_ok())
}

/// A key that reads as an event's name (`on_tick`, `my-mod-input`), not a number.
fn is_event_name(key: &str) -> bool {
    key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// Every place the key choices make (the first `MAX_VARIANTS`; then one with unknown keys).
fn expand<C: AsRef<[PlaceKey]>>(root: &str, choices: &[C]) -> Vec<Place> {
    let count = choices
        .iter()
        .try_fold(1usize, |n, c| n.checked_mul(c.as_ref().len().max(1)))
        .unwrap_or(usize::MAX);
    if count > MAX_VARIANTS {
        let keys = choices
            .iter()
            .map(|c| match c.as_ref() {
                [only] => only.clone(),
                _ => PlaceKey::Unknown,
            })
            .collect();
        return vec![Place {
            root: root.to_string(),
            keys,
        }];
    }
    let mut places = vec![Place {
        root: root.to_string(),
        keys: Vec::new(),
    }];
    for choice in choices {
        let choice = choice.as_ref();
        let options: &[PlaceKey] = if choice.is_empty() { UNKNOWN } else { choice };
        places = places
            .into_iter()
            .flat_map(|place| {
                options.iter().map(move |key| {
                    let mut next = place.clone();
                    next.keys.push(key.clone());
                    next
                })
            })
            .collect();
    }
    places
}

/// Whether a dispatch reading `read` in `context` can call what was stored at `stored`, and
/// how surely. While an event runs, an unknown key is no negative number: event ids are
/// never negative (libraries keep on_init's and on_load's handlers under -1 and -2).
fn matches(stored: &Place, read: &Place, context: Context) -> Option<Match> {
    if stored.root != read.root || stored.keys.len() != read.keys.len() {
        return None;
    }
    let mut how = Match::Sure;
    for (a, b) in stored.keys.iter().zip(&read.keys) {
        match (a, b) {
            (PlaceKey::Name(x), PlaceKey::Name(y)) | (PlaceKey::Const(x), PlaceKey::Const(y)) => {
                if x != y {
                    return None;
                }
            }
            (PlaceKey::Element, PlaceKey::Element) => {}
            (PlaceKey::Name(_), PlaceKey::Const(_)) | (PlaceKey::Const(_), PlaceKey::Name(_)) => {
                return None
            }
            (PlaceKey::Const(c), PlaceKey::Unknown)
                if context == Context::Event && is_negative_number(c) =>
            {
                return None
            }
            _ => how = Match::Possible,
        }
    }
    Some(how)
}

fn context_slot(context: Context) -> usize {
    CONTEXTS
        .iter()
        .position(|c| *c == context)
        .expect("every context is listed")
}

/// A value `store` records: a function, or a local that may hold one.
fn may_be_callback(value: &Value) -> bool {
    matches!(value, Value::Function(_) | Value::Local(_))
}
