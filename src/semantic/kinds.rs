//! Value kinds: which expressions are Factorio LuaObjects, and of which class, from the API
//! table (event fields, global objects, attributes, method returns, container elements),
//! followed through locals, table fields, parameters and return values.
//!
//! Where inference finds nothing, the mod's LuaLS annotations (`---@param`, `---@return`,
//! `---@type`, `---@class`/`---@field`) fill in. Code wins over annotations: an annotation that
//! names a LuaObject is not believed for a value the code proves is plain data (a literal, a
//! table constructor, a function returning only those).

use super::annotations::TypeExpr;
use super::ir::*;
use super::model::{FnRef, Model, PathId, RegKind};
use crate::api::{api, Api, Type};

mod memo;
#[cfg(test)]
mod order_tests;
mod settled;
pub use memo::KindMemo;
use memo::Query;
pub use settled::Settled;

/// A bound on how deep one query follows values; with the cache it is a stack guard more than a
/// limit on what is found.
const MAX_DEPTH: u32 = 24;

/// What the model knows about a value's API type.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// An instance of a LuaObject class (`LuaEntity`).
    Class(&'static str),
    /// Another API type: a custom table, an array of objects, a concept.
    Api(&'static Type),
    /// The `event` table a handler receives, for these events (shared: a handler's `event`
    /// is read at almost every member of its body, and each read hands out its kind).
    EventData(std::sync::Arc<[String]>),
    /// A table of a class the mod declares with `---@class`.
    ModClass(String),
    /// A table of the mod whose values have this kind (`LuaEntity[]`, `table<string, Tag>`).
    Container(Box<Kind>),
}

impl Kind {
    fn from_type(api: &'static Api, ty: &'static Type) -> Kind {
        let ty = api.resolve(ty);
        match api.class_of(ty) {
            Some(class) => Kind::Class(class),
            None => Kind::Api(ty),
        }
    }

    /// The LuaObject class, when the value is one.
    pub fn class(&self) -> Option<&'static str> {
        match self {
            Kind::Class(class) => Some(class),
            _ => None,
        }
    }

    /// A `LuaCustomTable` (`game.players`) or another value Factorio refuses to save.
    pub fn is_unsaveable(&self) -> bool {
        match self {
            Kind::Class(class) => api().is_unsaveable(class),
            Kind::Api(ty) => api().is_unsaveable_type(ty),
            Kind::EventData(_) | Kind::ModClass(_) | Kind::Container(_) => false,
        }
    }

    /// A kind from the API table (a game object or API value), not a table of the mod.
    fn is_api(&self) -> bool {
        matches!(self, Kind::Class(_) | Kind::Api(_))
    }

    pub fn describe(&self) -> String {
        match self {
            Kind::Class(class) => class.to_string(),
            Kind::Api(Type::CustomTable(_, value)) => match value.class_name() {
                Some(class) => format!("LuaCustomTable of {class}"),
                None => "LuaCustomTable".to_string(),
            },
            Kind::Api(_) => "API value".to_string(),
            Kind::EventData(events) => format!("{} event data", events.join("/")),
            Kind::ModClass(name) => name.clone(),
            Kind::Container(element) => format!("table of {}", element.describe()),
        }
    }

    /// A field of an API kind, by the given API table.
    fn api_field(&self, api: &'static Api, name: &str) -> Option<Kind> {
        let from_type = |ty| Kind::from_type(api, ty);
        match self {
            Kind::Class(class) => api
                .attribute_type(class, name)
                .map(from_type)
                .or_else(|| gone_member_kind(api, |older| older.attribute_type(class, name))),
            // `game.players["name"]`: string keys of a container are elements.
            Kind::Api(ty) => match ty.element() {
                Some(element) => Some(from_type(element)),
                None => ty
                    .fields()
                    .and_then(|fields| fields.get(name))
                    .map(|f| from_type(&f.ty)),
            },
            Kind::EventData(events) => events
                .iter()
                .find_map(|event| api.event_field(event, name))
                .map(from_type)
                .or_else(|| {
                    gone_member_kind(api, |older| {
                        events
                            .iter()
                            .find_map(|event| older.event_field(event, name))
                    })
                }),
            Kind::ModClass(_) | Kind::Container(_) => None,
        }
    }

    fn api_element(&self, api: &'static Api) -> Option<Kind> {
        match self {
            Kind::Class(class) => api.index_type(class).map(|ty| Kind::from_type(api, ty)),
            Kind::Api(ty) => ty.element().map(|ty| Kind::from_type(api, ty)),
            Kind::Container(element) => Some(element.as_ref().clone()),
            Kind::EventData(_) | Kind::ModClass(_) => None,
        }
    }
}

/// The kind of a member that `api`'s Factorio no longer has, as the newest older Factorio
/// that had it typed it: code written for 1.1 keeps its value kinds in a 2.0 mod, so the next
/// gone name along a chain is found as well (`game.entity_prototypes[n].max_health`: the table
/// moved and the field became a method). A class the newer API lacks gives no kind.
fn gone_member_kind(
    api: &'static Api,
    member_type: impl Fn(&'static Api) -> Option<&'static Type>,
) -> Option<Kind> {
    let older = crate::api::KNOWN_VERSIONS
        .iter()
        .rev()
        .filter(|known| known.version < api.version())
        .map(|known| crate::api::for_version(Some(known.version)));
    for table in older {
        let Some(ty) = member_type(table) else {
            continue;
        };
        let ty = table.resolve(ty);
        return match table.class_of(ty) {
            Some(class) => api.class_key(class).map(Kind::Class),
            None => Some(Kind::Api(ty)),
        };
    }
    None
}

/// How far the code proves a value is plain data (not a game object).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Plain {
    /// A literal, a table constructor, a function, an expression result.
    Yes,
    /// Only `nil`: consistent with any optional annotation.
    Nil,
    /// Unknown, or possibly an object.
    No,
}

impl Plain {
    /// All of several possible values: plain when each is plain or nil and one is plain.
    fn all(parts: impl IntoIterator<Item = Plain>) -> Plain {
        let mut result = Plain::Nil;
        for part in parts {
            match part {
                Plain::No => return Plain::No,
                Plain::Yes => result = Plain::Yes,
                Plain::Nil => {}
            }
        }
        result
    }
}

impl<'a> Model<'a> {
    /// The API kind of `value` in `file`, if the model can tell.
    pub fn kind(&self, file: usize, value: &'a Value) -> Option<Kind> {
        self.kind_at(file, value, 0)
    }

    /// Every kind query goes through the memo (see [`memo`]).
    fn kind_at(&self, file: usize, value: &'a Value, depth: u32) -> Option<Kind> {
        // A local or a call result has one kind wherever it is read (lowering copies values).
        let query = match value {
            Value::Local(binding) => Query::Local(file, *binding),
            Value::Call(call) => Query::Call(file, *call),
            Value::Index(..) | Value::Either(..) => Query::Value(file, value as *const Value),
            // A global or a literal asks nothing further: answered at once, as the memo would.
            Value::Global(name) => {
                return self
                    .kinds
                    .leaf(depth)
                    .then(|| self.api.global_object(name).map(Kind::Class))
                    .flatten();
            }
            _ => {
                self.kinds.leaf(depth);
                return None;
            }
        };
        self.kinds
            .answer(query, depth, || self.compute_kind(file, value, depth))
    }

    fn compute_kind(&self, file: usize, value: &'a Value, depth: u32) -> Option<Kind> {
        let ir = self.ir(file);
        match value {
            Value::Index(base, Key::Name(field)) => self.field_kind(file, base, field, depth),
            Value::Index(base, Key::Dynamic(_)) => {
                match self.kind_at(file, base, depth + 1) {
                    Some(kind) => self.element_of(&kind),
                    // An element of the mod's own table: what was stored under some key.
                    None => {
                        let path = self.assigned_field_path(file, base, None)?;
                        self.assigned_kind(path, depth)
                    }
                }
            }
            Value::Call(call) => self.call_kind(file, ir.call(*call), depth),
            Value::Local(binding) => self.local_kind(file, *binding, depth),
            // Operands are part of the same expression: no step deeper.
            Value::Either(a, b) => self
                .kind_at(file, a, depth)
                .or_else(|| self.kind_at(file, b, depth)),
            _ => None,
        }
    }

    /// `base.field`: the API's type for it, what the mod stored there, or its annotation.
    fn field_kind(&self, file: usize, base: &'a Value, field: &str, depth: u32) -> Option<Kind> {
        let base_kind = self.kind_at(file, base, depth + 1);
        // The API's word is final for its objects; the mod's own tables also keep what the
        // code stores in them.
        if let Some(kind) = &base_kind {
            if !matches!(kind, Kind::ModClass(_) | Kind::Container(_)) {
                return kind.api_field(self.api, field);
            }
        }
        let path = self.assigned_field_path(file, base, Some(field));
        if let Some(kind) = self.stored_field_kind(file, base, path, field, depth) {
            return Some(kind);
        }
        let assigned_plain = || {
            path.and_then(|p| self.assigned_to(p))
                .map_or(Plain::Nil, |values| {
                    Plain::all(values.iter().map(|(f, v)| self.plainness(*f, v)))
                })
                == Plain::Yes
        };
        // `---@type T` above an assignment to this very path.
        let written = path
            .and_then(|p| self.annotated_paths.get(&p))
            .and_then(|types| types.iter().find_map(|ty| self.annotated_kind(ty)));
        let declared = match &base_kind {
            Some(Kind::ModClass(class)) => self.class_field(class, field),
            _ => None,
        };
        let annotated = written.or(declared)?;
        if annotated.is_api() && assigned_plain() {
            return None;
        }
        Some(annotated)
    }

    /// `t.field` where `t` is the mod's own table: the kind of what was assigned to that field
    /// (in a constructor, by `t.field = v`, or by a function `t` was passed to or came from).
    fn stored_field_kind(
        &self,
        file: usize,
        base: &'a Value,
        path: Option<PathId>,
        field: &str,
        depth: u32,
    ) -> Option<Kind> {
        if let Some(kind) = path.and_then(|p| self.assigned_kind(p, depth)) {
            return Some(kind);
        }
        let constructor_field = |value: &'a Value| match value {
            Value::Table(fields) => fields
                .iter()
                .find(|f| matches!(&f.key, Some(Key::Name(n)) if n == field))
                .and_then(|f| self.kind_at(file, &f.value, depth + 1)),
            _ => None,
        };
        let Value::Local(binding) = base else {
            return constructor_field(base);
        };
        let info = self.ir(file).binding(*binding);
        let from_constructor = info.values.iter().find_map(constructor_field);
        if from_constructor.is_some() {
            return from_constructor;
        }
        if depth + 2 > MAX_DEPTH {
            self.kinds.cut();
            return None;
        }
        // `fill(t)` with `function fill(x) x.field = v end`: the same table.
        let into_callee = self
            .local_args
            .get(&(file, *binding))
            .into_iter()
            .flatten()
            .find_map(|(call, position)| {
                let call = self.ir(file).call(*call);
                self.callees(file, &call.callee)
                    .into_iter()
                    .find_map(|callee| {
                        let param = *self
                            .ir(callee.file)
                            .function(callee.func)
                            .params
                            .get(*position)?;
                        let param = Value::Local(param);
                        let path = self.assigned_field_path(callee.file, &param, Some(field))?;
                        self.assigned_kind(path, depth + 1)
                    })
            });
        if into_callee.is_some() || info.kind != BindingKind::Param {
            return into_callee;
        }
        self.field_from_callers(file, *binding, field, depth)
    }

    /// A parameter's `field`: what callers stored in the table they pass. A query of its own
    /// (see [`memo`]): a table handed down a chain of functions, each called from several
    /// places, is otherwise reached along every path (never finishing on real mods).
    fn field_from_callers(
        &self,
        file: usize,
        binding: BindingId,
        field: &str,
        depth: u32,
    ) -> Option<Kind> {
        let query = Query::CallerField(file, binding, field.to_string());
        self.kinds.answer(query, depth, || {
            self.arguments_for(file, binding)
                .into_iter()
                .find_map(|(caller_file, arg)| {
                    self.stored_field_kind(
                        caller_file,
                        arg,
                        self.assigned_field_path(caller_file, arg, Some(field)),
                        field,
                        depth + 2,
                    )
                })
        })
    }

    /// The kind of the first value assigned to a path that has one. A query of its own:
    /// values stored at a path often read it (`storage.x = storage.x or {}`).
    fn assigned_kind(&self, path: PathId, depth: u32) -> Option<Kind> {
        let values = self.assigned_to(path)?;
        self.kinds.answer(Query::Path(path), depth, || {
            values
                .iter()
                .find_map(|(f, v)| self.kind_at(*f, v, depth + 1))
        })
    }

    fn call_kind(&self, file: usize, call: &'a Call, depth: u32) -> Option<Kind> {
        let object_kind = match &call.callee {
            Value::Index(object, Key::Name(_)) => self.kind_at(file, object, depth + 1),
            _ => None,
        };
        if let (Some(kind), Value::Index(_, Key::Name(method))) = (&object_kind, &call.callee) {
            if let Kind::Class(class) = kind {
                return self
                    .api
                    .method_return(class, method)
                    .map(|ty| Kind::from_type(self.api, ty))
                    .or_else(|| {
                        gone_member_kind(self.api, |older| older.method_return(class, method))
                    });
            }
            if kind.is_api() || matches!(kind, Kind::EventData(_)) {
                return None;
            }
        }
        let callees = self.callees(file, &call.callee);
        let returns = |callee: FnRef| {
            self.ir(callee.file)
                .function(callee.func)
                .returns
                .iter()
                .filter_map(|values| values.first())
                .map(move |v| (callee.file, v))
        };
        let inferred = callees
            .iter()
            .find_map(|callee| returns(*callee).find_map(|(f, v)| self.kind_at(f, v, depth + 1)));
        if inferred.is_some() {
            return inferred;
        }
        // `---@return T` of the called function, unless its returns are plainly not objects.
        let annotated = callees.iter().find_map(|callee| {
            let ty = self
                .ir(callee.file)
                .function(callee.func)
                .return_annotation
                .as_deref()?;
            let kind = self.annotated_kind(ty)?;
            let plain = Plain::all(returns(*callee).map(|(f, v)| self.plainness(f, v)));
            (!kind.is_api() || plain != Plain::Yes).then_some(kind)
        });
        if annotated.is_some() {
            return annotated;
        }
        // `---@field method fun(): T` of a mod class.
        match (object_kind, &call.callee) {
            (Some(Kind::ModClass(class)), Value::Index(_, Key::Name(method))) => {
                match self.class_member(&class, method, 0)? {
                    TypeExpr::Function(Some(ret)) => self.annotated_kind(ret),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn local_kind(&self, file: usize, binding: BindingId, depth: u32) -> Option<Kind> {
        let ir = self.ir(file);
        let info = ir.binding(binding);
        match info.kind {
            BindingKind::Param => self.param_kind(file, binding, depth),
            BindingKind::LoopVar(loop_id) => {
                let loop_info = ir.loop_(loop_id);
                let position = loop_info.vars.iter().position(|v| *v == binding)?;
                match (&loop_info.kind, position) {
                    (LoopKind::Pairs(iterated) | LoopKind::Ipairs(iterated), 1) => {
                        let kind = self.kind_at(file, iterated, depth + 1)?;
                        self.element_of(&kind)
                    }
                    _ => None,
                }
            }
            _ => {
                let inferred = info
                    .values
                    .iter()
                    .find_map(|v| self.kind_at(file, v, depth + 1));
                if inferred.is_some() {
                    return inferred;
                }
                let kind = self.annotated_kind(info.annotation.as_deref()?)?;
                let plain = Plain::all(info.values.iter().map(|v| self.plainness(file, v)));
                (!kind.is_api() || plain != Plain::Yes).then_some(kind)
            }
        }
    }

    /// A handler's `event` parameter by its events; otherwise what callers pass, then the
    /// annotation unless a caller passes plain data.
    fn param_kind(&self, file: usize, binding: BindingId, depth: u32) -> Option<Kind> {
        let ir = self.ir(file);
        let func = ir.binding(binding).func;
        let f = FnRef { file, func };
        if ir.function(func).params.first() == Some(&binding) {
            let events: Vec<String> = self
                .registrations_by_handler
                .get(&f)
                .into_iter()
                .flatten()
                .map(|&index| &self.registrations[index])
                .filter(|r| r.kind == RegKind::Event && r.name_known)
                .map(|r| r.name.clone())
                .collect();
            if !events.is_empty() {
                return Some(Kind::EventData(events.into()));
            }
        }
        // One level of callers: what they pass for this parameter.
        let arguments = self.arguments_for(file, binding);
        let inferred = arguments
            .iter()
            .find_map(|(caller_file, arg)| self.kind_at(*caller_file, arg, depth + 1));
        if inferred.is_some() {
            return inferred;
        }
        let annotation = self.ir(file).binding(binding).annotation.as_deref()?;
        let kind = self.annotated_kind(annotation)?;
        // A caller passing plain data proves the annotation wrong.
        let contradicted = kind.is_api()
            && arguments
                .iter()
                .any(|(caller_file, arg)| self.plainness(*caller_file, arg) == Plain::Yes);
        (!contradicted).then_some(kind)
    }

    // ----- annotations -----

    /// The kind an annotated type names: an API class or concept, a mod class or alias, or a
    /// table of those. Unions count only when every non-nil option names the same kind.
    fn annotated_kind(&self, ty: &TypeExpr) -> Option<Kind> {
        self.type_kind(ty, 0)
    }

    fn type_kind(&self, ty: &TypeExpr, depth: u32) -> Option<Kind> {
        if depth > MAX_DEPTH {
            return None;
        }
        match ty {
            TypeExpr::Name(name) => self.named_kind(name, depth),
            TypeExpr::Union(options) => {
                let mut kinds = options
                    .iter()
                    .filter(|o| !matches!(o, TypeExpr::Name(n) if n == "nil"))
                    .map(|o| self.type_kind(o, depth + 1));
                let first = kinds.next()??;
                kinds.all(|k| k.as_ref() == Some(&first)).then_some(first)
            }
            TypeExpr::Array(element) | TypeExpr::Map(_, element) => self
                .type_kind(element, depth + 1)
                .map(|k| Kind::Container(Box::new(k))),
            TypeExpr::Function(_) | TypeExpr::Record(_) | TypeExpr::Opaque => None,
        }
    }

    /// API classes first (a mod's own stubs of them do not count), then the mod's aliases and
    /// classes, then API concepts. Builtins (`string`, `table`, `any`) name no kind.
    fn named_kind(&self, name: &str, depth: u32) -> Option<Kind> {
        if let Some(class) = self.api.class_key(name) {
            return Some(Kind::Class(class));
        }
        if let Some(ty) = self.aliases.get(name) {
            return self.type_kind(ty, depth + 1);
        }
        if self.classes.contains_key(name) {
            return Some(Kind::ModClass(name.to_string()));
        }
        self.api
            .concept(name)
            .map(|ty| Kind::from_type(self.api, ty))
    }

    /// The declared type of a field (or method) of a mod class, looking through mod parents.
    fn class_member(&self, class: &str, field: &str, depth: u32) -> Option<&'a TypeExpr> {
        if depth > MAX_DEPTH {
            return None;
        }
        let declared = self.classes.get(class)?;
        if let Some(ty) = declared.fields.get(field) {
            return Some(ty);
        }
        declared.parents.iter().find_map(|parent| match parent {
            TypeExpr::Name(name) => self.class_member(name, field, depth + 1),
            _ => None,
        })
    }

    /// The kind of `instance.field` for an instance of a mod class. A parent may be an API
    /// class (`---@class Marker: LuaCustomChartTag`).
    fn class_field(&self, class: &str, field: &str) -> Option<Kind> {
        if let Some(ty) = self.class_member(class, field, 0) {
            return self.annotated_kind(ty);
        }
        let declared = self.classes.get(class)?;
        declared
            .parents
            .iter()
            .find_map(|parent| match self.annotated_kind(parent)? {
                Kind::ModClass(_) => None,
                kind => kind.api_field(self.api, field),
            })
    }

    /// What indexing a value of this kind gives (`t[k]`, `for _, v in pairs(t)`).
    fn element_of(&self, kind: &Kind) -> Option<Kind> {
        self.element_at(kind, 0)
    }

    fn element_at(&self, kind: &Kind, depth: u32) -> Option<Kind> {
        match kind {
            Kind::ModClass(class) => {
                let declared = self.classes.get(class.as_str())?;
                if let Some(ty) = declared.index {
                    return self.type_kind(ty, depth + 1);
                }
                declared.parents.iter().find_map(|parent| {
                    let parent = self.type_kind(parent, depth + 1)?;
                    if depth > MAX_DEPTH {
                        return None;
                    }
                    self.element_at(&parent, depth + 1)
                })
            }
            other => other.api_element(self.api),
        }
    }

    /// Whether the code proves `value` is plain data: a literal, a table constructor, an
    /// expression, or a local or call result that is only ever those.
    fn plainness(&self, file: usize, value: &'a Value) -> Plain {
        self.plainness_at(file, value, 0)
    }

    fn plainness_at(&self, file: usize, value: &'a Value, depth: u32) -> Plain {
        if depth > MAX_DEPTH {
            return Plain::No;
        }
        match value {
            Value::Nil => Plain::Nil,
            Value::Bool(_)
            | Value::Number(_)
            | Value::Str(_)
            | Value::Table(_)
            | Value::Function(_)
            | Value::Length(_)
            | Value::Scalar(_) => Plain::Yes,
            Value::Either(a, b) => Plain::all([
                self.plainness_at(file, a, depth + 1),
                self.plainness_at(file, b, depth + 1),
            ]),
            Value::Local(binding) => {
                let info = self.ir(file).binding(*binding);
                if !matches!(info.kind, BindingKind::Local | BindingKind::LocalFunction)
                    || info.values.is_empty()
                {
                    return Plain::No;
                }
                Plain::all(
                    info.values
                        .iter()
                        .map(|v| self.plainness_at(file, v, depth + 1)),
                )
            }
            Value::Call(call) => {
                let callees = self.callees(file, &self.ir(file).call(*call).callee);
                if callees.is_empty() {
                    return Plain::No;
                }
                Plain::all(callees.iter().flat_map(|callee| {
                    self.ir(callee.file)
                        .function(callee.func)
                        .returns
                        .iter()
                        .map(move |values| match values.first() {
                            Some(v) => self.plainness_at(callee.file, v, depth + 1),
                            None => Plain::Nil,
                        })
                }))
            }
            _ => Plain::No,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::test_model::with_model;
    use crate::semantic::FileFacts;

    /// The kind of the value last given to the local `name` in file 0.
    fn local_kind(model: &Model, facts: &[FileFacts], name: &str) -> Option<Kind> {
        let ir = facts[0].ir;
        let binding = ir
            .bindings
            .iter()
            .position(|b| b.name == name)
            .expect("local exists");
        model.kind(0, Box::leak(Box::new(Value::Local(binding as BindingId))))
    }

    #[test]
    fn event_fields_globals_methods_and_attributes() {
        let code = r#"
            script.on_event(defines.events.on_built_entity, function(event)
              local entity = event.entity
              local name = entity.name
              local player = game.get_player(event.player_index)
              local force = player.force
              local tag = force.add_chart_tag(player.surface, {position = {0, 0}})
              local character = player.character
              local players = game.players
              local first = game.players[1]
            end)
        "#;
        with_model(&[("control.lua", code)], |model, facts| {
            let class = |name| local_kind(model, facts, name).and_then(|k| k.class());
            assert_eq!(class("entity"), Some("LuaEntity"));
            assert_eq!(class("name"), None, "a string is plain data");
            assert_eq!(class("player"), Some("LuaPlayer"));
            assert_eq!(class("force"), Some("LuaForce"));
            assert_eq!(class("tag"), Some("LuaCustomChartTag"));
            assert_eq!(class("character"), Some("LuaEntity"));
            assert_eq!(class("first"), Some("LuaPlayer"));
            assert!(local_kind(model, facts, "players").is_some_and(|k| k.is_unsaveable()));
        });
    }

    #[test]
    fn loops_table_fields_returns_and_parameters() {
        let code = r#"
            local util = require("scripts.util")
            script.on_event(defines.events.on_chart_tag_modified, function(event)
              local force = event.force
              for _, found in pairs(force.find_chart_tags(event.tag.surface)) do
                local looped = found
              end
              local record = { tag = event.tag }
              local from_field = record.tag
              local returned = util.first_player()
              util.rename(event.tag)
            end)
        "#;
        let util = r#"
            local util = {}
            function util.first_player() return game.get_player(1) end
            function util.rename(t) local param = t end
            return util
        "#;
        with_model(
            &[("control.lua", code), ("scripts/util.lua", util)],
            |model, facts| {
                let class = |name| local_kind(model, facts, name).and_then(|k| k.class());
                assert_eq!(class("looped"), Some("LuaCustomChartTag"));
                assert_eq!(class("from_field"), Some("LuaCustomChartTag"));
                assert_eq!(class("returned"), Some("LuaPlayer"));
                // The parameter of util.rename takes its kind from the caller's argument.
                let ir = facts[1].ir;
                let param = ir.bindings.iter().position(|b| b.name == "param").unwrap();
                let kind = model.kind(1, Box::leak(Box::new(Value::Local(param as BindingId))));
                assert_eq!(kind.and_then(|k| k.class()), Some("LuaCustomChartTag"));
            },
        );
    }

    #[test]
    fn unknown_values_have_no_kind() {
        let code = r#"
            local function make() return {} end
            local plain = make()
            local shadow = (function() local game = {} return game.players end)()
            local maybe = unknown_global.entity
        "#;
        with_model(&[("control.lua", code)], |model, facts| {
            assert_eq!(local_kind(model, facts, "plain"), None);
            assert_eq!(local_kind(model, facts, "shadow"), None);
            assert_eq!(local_kind(model, facts, "maybe"), None);
        });
    }
}
