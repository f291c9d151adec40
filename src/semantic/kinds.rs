//! Value kinds: which expressions are Factorio LuaObjects, and of which class, from the API
//! table (event fields, global objects, attributes, method returns, container elements),
//! followed through locals, table fields, parameters and return values.

use super::ir::*;
use super::model::{FnRef, Model, RegKind};
use crate::api::{api, Type};

const MAX_DEPTH: u32 = 8;

/// What the model knows about a value's API type.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// An instance of a LuaObject class (`LuaEntity`).
    Class(&'static str),
    /// Another API type: a custom table, an array of objects, a concept.
    Api(&'static Type),
    /// The `event` table a handler receives, for these events.
    EventData(Vec<String>),
}

impl Kind {
    fn from_type(ty: &'static Type) -> Kind {
        let ty = api().resolve(ty);
        match ty.class_name() {
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
            Kind::EventData(_) => false,
        }
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
        }
    }

    fn field(&self, name: &str) -> Option<Kind> {
        match self {
            Kind::Class(class) => api().attribute_type(class, name).map(Kind::from_type),
            // `game.players["name"]`: string keys of a container are elements.
            Kind::Api(ty) => match ty.element() {
                Some(element) => Some(Kind::from_type(element)),
                None => ty
                    .fields()
                    .and_then(|fields| fields.get(name))
                    .map(|f| Kind::from_type(&f.ty)),
            },
            Kind::EventData(events) => events
                .iter()
                .find_map(|event| api().event_field(event, name))
                .map(Kind::from_type),
        }
    }

    fn element(&self) -> Option<Kind> {
        match self {
            Kind::Class(class) => api().index_type(class).map(Kind::from_type),
            Kind::Api(ty) => ty.element().map(Kind::from_type),
            Kind::EventData(_) => None,
        }
    }

    fn method_return(&self, method: &str) -> Option<Kind> {
        match self {
            Kind::Class(class) => api().method_return(class, method).map(Kind::from_type),
            _ => None,
        }
    }
}

impl<'a> Model<'a> {
    /// The API kind of `value` in `file`, if the model can tell.
    pub fn kind(&self, file: usize, value: &'a Value) -> Option<Kind> {
        self.kind_at(file, value, 0)
    }

    fn kind_at(&self, file: usize, value: &'a Value, depth: u32) -> Option<Kind> {
        if depth > MAX_DEPTH {
            return None;
        }
        let ir = self.ir(file);
        match value {
            Value::Global(name) => api().global_object(name).map(Kind::Class),
            Value::Index(base, key) => {
                let base_kind = self.kind_at(file, base, depth + 1);
                match (base_kind, key) {
                    (Some(kind), Key::Name(field)) => kind.field(field),
                    (Some(kind), Key::Dynamic(_)) => kind.element(),
                    // A field of the mod's own table: what was stored there.
                    (None, Key::Name(field)) => self.field_kind(file, base, field, depth),
                    (None, Key::Dynamic(_)) => None,
                }
            }
            Value::Call(call) => {
                let call = ir.call(*call);
                if let Value::Index(object, Key::Name(method)) = &call.callee {
                    if let Some(kind) = self.kind_at(file, object, depth + 1) {
                        return kind.method_return(method);
                    }
                }
                self.callees(file, &call.callee)
                    .into_iter()
                    .find_map(|callee| {
                        let function = self.ir(callee.file).function(callee.func);
                        function
                            .returns
                            .iter()
                            .filter_map(|values| values.first())
                            .find_map(|v| self.kind_at(callee.file, v, depth + 1))
                    })
            }
            Value::Local(binding) => self.local_kind(file, *binding, depth),
            Value::Either(a, b) => self
                .kind_at(file, a, depth + 1)
                .or_else(|| self.kind_at(file, b, depth + 1)),
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
                        self.kind_at(file, iterated, depth + 1)?.element()
                    }
                    _ => None,
                }
            }
            _ => info
                .values
                .iter()
                .find_map(|v| self.kind_at(file, v, depth + 1)),
        }
    }

    fn param_kind(&self, file: usize, binding: BindingId, depth: u32) -> Option<Kind> {
        let ir = self.ir(file);
        let func = ir.binding(binding).func;
        let index = ir
            .function(func)
            .params
            .iter()
            .position(|p| *p == binding)?;
        let f = FnRef { file, func };
        if index == 0 {
            let events: Vec<String> = self
                .registrations
                .iter()
                .filter(|r| r.kind == RegKind::Event && r.handler == Some(f) && r.name_known)
                .map(|r| r.name.clone())
                .collect();
            if !events.is_empty() {
                return Some(Kind::EventData(events));
            }
        }
        // One level of callers: what they pass for this parameter.
        self.calls_to.get(&f)?.iter().find_map(|(call_ref, _)| {
            let call = self.ir(call_ref.file).call(call_ref.call);
            let arg = call.args.get(index)?;
            self.kind_at(call_ref.file, arg, depth + 1)
        })
    }

    /// `t.field` where `t` is the mod's own table: the kind of what was assigned to that field
    /// (in a constructor or by `t.field = v`).
    fn field_kind(&self, file: usize, base: &'a Value, field: &str, depth: u32) -> Option<Kind> {
        if let Some(key) = super::model::path_key(file, base) {
            if let Some(values) = self.assigned_at(&format!("{key}.{field}")) {
                if let Some(kind) = values
                    .iter()
                    .find_map(|(f, v)| self.kind_at(*f, v, depth + 1))
                {
                    return Some(kind);
                }
            }
        }
        let Value::Local(binding) = base else {
            return None;
        };
        self.ir(file)
            .binding(*binding)
            .values
            .iter()
            .find_map(|v| match v {
                Value::Table(fields) => fields
                    .iter()
                    .find(|f| matches!(&f.key, Some(Key::Name(n)) if n == field))
                    .and_then(|f| self.kind_at(file, &f.value, depth + 1)),
                _ => None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{FileFacts, Stages};
    use crate::semantic::lower::lower;

    /// Lowers `files` (control.lua first) and links them into a model; calls `check` with it.
    fn with_model(files: &[(&str, &str)], check: impl FnOnce(&Model, &[FileFacts])) {
        let irs: Vec<FileIr> = files
            .iter()
            .map(|(_, text)| lower(&crate::syntax::parse(text).expect("parses").ast, text.len()))
            .collect();
        let facts: Vec<FileFacts> = files
            .iter()
            .zip(&irs)
            .enumerate()
            .map(|(id, ((rel, _), ir))| FileFacts {
                id,
                rel,
                ir,
                stages: Stages {
                    control: true,
                    ..Stages::default()
                },
                role: None,
                factorio_version: crate::workspace::FactorioVersion::parse("2.0"),
            })
            .collect();
        let model = Model::build(Some("test"), &facts);
        check(&model, &facts);
    }

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
