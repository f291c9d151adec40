//! The Factorio runtime API table: which classes exist, what their attributes and methods give,
//! what each event carries, and the names under `defines`.
//!
//! The facts come from a committed extract of Wube's `runtime-api.json` (see [`extract`]; the test
//! `committed_extract_is_up_to_date` regenerates it), embedded at build time, so a build never
//! needs the original file.

pub mod extract;
mod types;
mod version;

pub use types::{Field, Literal, Type};
pub use version::FactorioVersion;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use types::is_false;

/// The committed extract, generated from Factorio 2.0's `runtime-api.json`.
pub const EXTRACT_JSON: &str = include_str!("runtime-2.0.json");

/// LuaObject classes whose values cannot be saved: putting one in `storage` breaks saving (the
/// game refuses to save, or the value is only valid during the event that produced it).
pub const UNSAVEABLE_CLASSES: &[&str] = &[
    "LuaCustomTable",
    "LuaLazyLoadedValue",
    "LuaProfiler",
    "LuaSimulation",
];

/// The API table, parsed from the embedded extract on first use.
pub fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    API.get_or_init(|| {
        serde_json::from_str(EXTRACT_JSON).expect("the embedded API extract is valid")
    })
}

/// The whole runtime API, as facts. Lists in the original are maps here, keyed by name.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Api {
    factorio_version: String,
    api_version: u32,
    classes: BTreeMap<String, Class>,
    events: BTreeMap<String, Event>,
    /// Named types other than the builtins (which are their own names).
    concepts: BTreeMap<String, Type>,
    defines: BTreeMap<String, Define>,
    /// Global variable name to its class.
    global_objects: BTreeMap<String, String>,
    global_functions: BTreeMap<String, Method>,
}

/// One LuaObject class. Inherited members are not repeated; the queries on [`Api`] walk parents.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Class {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Attribute>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub methods: BTreeMap<String, Method>,
    /// What `object[key]` gives (`LuaInventory` → `LuaItemStack`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<Field>,
    /// Calling the object itself (`LuaRandomGenerator`, `LuaChunkIterator`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<Method>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    /// The type read; absent for write-only attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read: Option<Type>,
    /// The type accepted on assignment; absent for read-only attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<Type>,
    /// Reading may give nil.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    /// Positional parameters in call order, or, when `takes_table`, the keys of the single table
    /// argument.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub takes_table: bool,
    /// Return values in order; a Lua function can return several.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub returns: Vec<Field>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: Type,
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// The event's data fields, including the common `name` and `tick`.
    pub data: BTreeMap<String, Field>,
    /// The filter concept accepted when registering the handler, if the event supports filters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

/// A node under `defines`: either a list of value names or nested defines.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Define {
    Values(Vec<String>),
    Subkeys(BTreeMap<String, Define>),
}

impl Api {
    /// The Factorio version the extract was taken from (e.g. `2.0.77`).
    pub fn factorio_version(&self) -> &str {
        &self.factorio_version
    }

    pub fn class(&self, name: &str) -> Option<&Class> {
        self.classes.get(name)
    }

    /// The class's name as the table stores it (for `&'static` names from [`api`]).
    pub fn class_key(&self, name: &str) -> Option<&str> {
        self.classes
            .get_key_value(name)
            .map(|(key, _)| key.as_str())
    }

    pub fn class_names(&self) -> impl Iterator<Item = &str> {
        self.classes.keys().map(String::as_str)
    }

    /// Every class in the API is a LuaObject class, including the special ones
    /// (`LuaCustomTable`, `LuaLazyLoadedValue`, `LuaProfiler`).
    pub fn is_lua_object_class(&self, name: &str) -> bool {
        self.classes.contains_key(name)
    }

    /// Values of this class cannot be stored in `storage` (see [`UNSAVEABLE_CLASSES`]).
    pub fn is_unsaveable(&self, class: &str) -> bool {
        UNSAVEABLE_CLASSES.contains(&class)
    }

    /// A value of this type (when not nil) cannot be stored in `storage`: an unsaveable class,
    /// a custom table, a lazy-loaded value or a function. Only the value itself is judged, not
    /// the elements of a table holding it.
    pub fn is_unsaveable_type(&self, ty: &Type) -> bool {
        match ty.without_nil() {
            Type::CustomTable(..) | Type::Lazy(_) | Type::Function(_) => true,
            Type::Named(name) => self.is_unsaveable(name),
            _ => false,
        }
    }

    /// The ancestors of a class, nearest first, not including the class itself.
    pub fn parents<'a>(&'a self, class: &str) -> impl Iterator<Item = &'a str> + 'a {
        let first = self.classes.get(class).and_then(|c| c.parent.as_deref());
        std::iter::successors(first, move |name| {
            self.classes.get(*name).and_then(|c| c.parent.as_deref())
        })
    }

    /// Whether `class` is `ancestor` or inherits from it.
    pub fn is_subclass(&self, class: &str, ancestor: &str) -> bool {
        self.is_lua_object_class(class)
            && (class == ancestor || self.parents(class).any(|p| p == ancestor))
    }

    /// The class and then its ancestors, as class entries.
    fn lineage<'a>(&'a self, class: &str) -> impl Iterator<Item = &'a Class> + 'a {
        let own = self.classes.get(class);
        own.into_iter().chain(
            self.parents(class)
                .filter_map(|name| self.classes.get(name)),
        )
    }

    /// An attribute of the class or of an ancestor.
    pub fn attribute(&self, class: &str, attribute: &str) -> Option<&Attribute> {
        self.lineage(class)
            .find_map(|c| c.attributes.get(attribute))
    }

    /// The type read from `object.attribute`; `None` if unknown or write-only.
    pub fn attribute_type(&self, class: &str, attribute: &str) -> Option<&Type> {
        self.attribute(class, attribute)?.read.as_ref()
    }

    pub fn attribute_is_writable(&self, class: &str, attribute: &str) -> bool {
        self.attribute(class, attribute)
            .is_some_and(|a| a.write.is_some())
    }

    /// A method of the class or of an ancestor.
    pub fn method(&self, class: &str, method: &str) -> Option<&Method> {
        self.lineage(class).find_map(|c| c.methods.get(method))
    }

    /// The type of a method's first return value; `None` if unknown or it returns nothing.
    pub fn method_return(&self, class: &str, method: &str) -> Option<&Type> {
        Some(&self.method(class, method)?.returns.first()?.ty)
    }

    /// What indexing an object of the class gives (`inventory[1]`), if the class supports it.
    pub fn index_type(&self, class: &str) -> Option<&Type> {
        self.lineage(class)
            .find_map(|c| c.index.as_ref())
            .map(|f| &f.ty)
    }

    /// An event by name, including `CustomInputEvent` (which has no `defines.events` entry).
    pub fn event(&self, name: &str) -> Option<&Event> {
        self.events.get(name)
    }

    /// The type of `event.field` in a handler for the named event.
    pub fn event_field(&self, event: &str, field: &str) -> Option<&Type> {
        Some(&self.events.get(event)?.data.get(field)?.ty)
    }

    /// Whether `defines.events.<name>` exists.
    pub fn is_event_name(&self, name: &str) -> bool {
        self.event_names().iter().any(|n| n == name)
    }

    /// The names under `defines.events`, sorted.
    pub fn event_names(&self) -> &[String] {
        self.define_values("events").unwrap_or_default()
    }

    /// A node under `defines`, by dotted path with or without the `defines.` prefix
    /// (`events`, `defines.control_behavior.inserter`).
    pub fn define(&self, path: &str) -> Option<&Define> {
        let path = path.strip_prefix("defines.").unwrap_or(path);
        let mut parts = path.split('.');
        let mut node = self.defines.get(parts.next()?)?;
        for part in parts {
            match node {
                Define::Subkeys(children) => node = children.get(part)?,
                Define::Values(_) => return None,
            }
        }
        Some(node)
    }

    /// The value names of a leaf define (`defines.inventory` → `character_main`, ...).
    pub fn define_values(&self, path: &str) -> Option<&[String]> {
        match self.define(path)? {
            Define::Values(values) => Some(values),
            Define::Subkeys(_) => None,
        }
    }

    /// Whether a full dotted name exists: a define value (`defines.events.on_tick`) or a node.
    pub fn is_define(&self, path: &str) -> bool {
        if self.define(path).is_some() {
            return true;
        }
        let Some((parent, value)) = path.rsplit_once('.') else {
            return false;
        };
        self.define_values(parent)
            .is_some_and(|values| values.iter().any(|v| v == value))
    }

    /// The class of a global object (`game` → `LuaGameScript`).
    pub fn global_object(&self, name: &str) -> Option<&str> {
        self.global_objects.get(name).map(String::as_str)
    }

    /// A global function (`log`, `localised_print`, `table_size`).
    pub fn global_function(&self, name: &str) -> Option<&Method> {
        self.global_functions.get(name)
    }

    /// A concept's type (`MapPosition`, `Tags`). Builtins such as `string` are not concepts.
    pub fn concept(&self, name: &str) -> Option<&Type> {
        self.concepts.get(name)
    }

    /// The type with concept names followed to their definitions (`MapTick` → `uint64`).
    pub fn resolve<'a>(&'a self, mut ty: &'a Type) -> &'a Type {
        // Concepts never alias each other in a cycle, but bound the walk anyway.
        for _ in 0..16 {
            match ty.name().and_then(|name| self.concepts.get(name)) {
                Some(definition) => ty = definition,
                None => break,
            }
        }
        ty
    }
}

#[cfg(test)]
mod tests;
