//! The Factorio runtime API tables, one per known Factorio version: which classes exist, what
//! their attributes and methods give, what each event carries, and the names under `defines`.
//!
//! The facts come from committed extracts of Wube's `runtime-api.json` files (see [`extract`];
//! the test `committed_extracts_are_up_to_date` regenerates them), embedded at build time, so a
//! build never needs the original files. Factorio 2.0's table is stored whole; 1.1's and 2.1's
//! are stored as the differences from it ([`patch`]), rebuilt into whole tables by build.rs, and
//! each table is read into its types on first use.

pub mod extract;
pub mod later;
pub mod migration;
mod patch;
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

/// The Factorio versions with an API table, oldest first, with the file each table is committed
/// in (the whole extract for 2.0, a patch of it for the others) and the whole table.
pub const KNOWN_VERSIONS: [KnownVersion; 3] = [
    KnownVersion {
        name: "1.1",
        version: FactorioVersion { major: 1, minor: 1 },
        committed_file: "runtime-1.1.patch.json",
        table: include_str!(concat!(env!("OUT_DIR"), "/runtime-1.1.json")),
    },
    KnownVersion {
        name: "2.0",
        version: FactorioVersion { major: 2, minor: 0 },
        committed_file: "runtime-2.0.json",
        table: EXTRACT_JSON,
    },
    KnownVersion {
        name: "2.1",
        version: FactorioVersion { major: 2, minor: 1 },
        committed_file: "runtime-2.1.patch.json",
        table: include_str!(concat!(env!("OUT_DIR"), "/runtime-2.1.json")),
    },
];

/// The index of 2.0 in [`KNOWN_VERSIONS`]: the table the others are patches of, and the one
/// used for code whose Factorio version is unknown.
const BASE: usize = 1;

/// One Factorio version with an API table.
pub struct KnownVersion {
    pub name: &'static str,
    pub version: FactorioVersion,
    /// The file under `src/api/` holding the table's text.
    pub committed_file: &'static str,
    /// The whole table as JSON: the committed extract for 2.0, the committed patch applied to
    /// it for the others (by build.rs: read straight into the table's types, a patched table
    /// costs what 2.0's does).
    table: &'static str,
}

/// LuaObject classes whose values cannot be saved: putting one in `storage` breaks saving (the
/// game refuses to save, or the value is only valid during the event that produced it).
pub const UNSAVEABLE_CLASSES: &[&str] = &[
    "LuaCustomTable",
    "LuaLazyLoadedValue",
    "LuaProfiler",
    "LuaSimulation",
];

/// The API table of Factorio 2.0, the default where a mod's version is unknown.
pub fn api() -> &'static Api {
    table(BASE)
}

/// The API table for code written for `version`: its own table for a known version, the
/// newest for a newer one, the oldest for an older one, and 2.0's when the version is unknown.
pub fn for_version(version: Option<FactorioVersion>) -> &'static Api {
    let Some(version) = version else {
        return api();
    };
    let index = KNOWN_VERSIONS
        .iter()
        .rposition(|known| known.version <= version)
        .unwrap_or(0);
    table(index)
}

/// Whether `version` has a table of its own or is newer than every known one: the API facts
/// then describe what the mod's Factorio really offers. Code for an older Factorio than the
/// oldest table is judged by nothing version-specific.
pub fn describes(version: Option<FactorioVersion>) -> bool {
    version.is_none_or(|v| v >= KNOWN_VERSIONS[0].version)
}

/// The API tables of the known versions newer than `api`'s, oldest first.
pub fn newer_than(api: &Api) -> impl Iterator<Item = &'static Api> + '_ {
    (0..KNOWN_VERSIONS.len())
        .filter(move |&index| KNOWN_VERSIONS[index].version > api.version())
        .map(table)
}

/// The table at `index` in [`KNOWN_VERSIONS`], built on first use.
fn table(index: usize) -> &'static Api {
    static TABLES: [OnceLock<Api>; KNOWN_VERSIONS.len()] =
        [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    TABLES[index].get_or_init(|| {
        let known = &KNOWN_VERSIONS[index];
        serde_json::from_str(known.table)
            .unwrap_or_else(|e| panic!("the embedded API table for {} is invalid: {e}", known.name))
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
    /// Each class's descendants, found on first use (see [`Api::subclass_has_member`]).
    #[serde(skip)]
    descendants: OnceLock<BTreeMap<String, Vec<String>>>,
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

    /// `major.minor` of the Factorio version the table describes.
    pub fn version(&self) -> FactorioVersion {
        FactorioVersion::parse(&self.factorio_version).expect("extracts name their version")
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

    /// Whether `object.name` is an attribute or method of the class or of an ancestor.
    pub fn has_member(&self, class: &str, name: &str) -> bool {
        self.lineage(class)
            .any(|c| c.attributes.contains_key(name) || c.methods.contains_key(name))
    }

    /// Whether some class deriving from `class` has the member (an object the API types as
    /// `class` may be one of them).
    pub fn subclass_has_member(&self, class: &str, name: &str) -> bool {
        let descendants = self.descendants.get_or_init(|| {
            let mut descendants: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for class in self.classes.keys() {
                for ancestor in self.parents(class) {
                    let entry = descendants.entry(ancestor.to_string()).or_default();
                    entry.push(class.clone());
                }
            }
            descendants
        });
        descendants
            .get(class)
            .is_some_and(|found| found.iter().any(|c| self.has_member(c, name)))
    }

    /// The attributes and methods of the class and its ancestors (unsorted, without repeats).
    pub fn member_names<'a>(&'a self, class: &str) -> Vec<&'a str> {
        let mut names: Vec<&str> = self
            .lineage(class)
            .flat_map(|c| c.attributes.keys().chain(c.methods.keys()))
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The LuaObject class this type denotes in this table, if it is a single class, possibly
    /// optional (see [`Type::class_name`], which asks the 2.0 table).
    pub fn class_of<'a>(&'a self, ty: &'a Type) -> Option<&'a str> {
        self.class_key(ty.without_nil().name()?)
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

    /// The names directly under `defines` (`events`, `inventory`, ...).
    pub fn define_names(&self) -> impl Iterator<Item = &str> {
        self.defines.keys().map(String::as_str)
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
