//! The simplified type language of the API extract.
//!
//! Wube's JSON has a dozen `complex_type` kinds, most of which only matter to documentation. The
//! extract keeps the shapes an analysis can use to follow a value: which class it is, what its
//! elements are, and the fields of plain tables.

use super::api;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A value's type as the API documents it.
///
/// In the extract a named type is a bare string and every other kind is a one-key object, for
/// example `{"array": "LuaEntity"}` or `{"dict": ["string", "uint32"]}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Type {
    /// One literal value, as found in unions of allowed strings.
    Literal(Literal),
    /// A Lua array (`{T, T, ...}`).
    Array(Box<Type>),
    /// A plain Lua table from keys to values.
    Dict(Box<Type>, Box<Type>),
    /// A `LuaCustomTable` (for example `game.players`): indexable like a dictionary, but a
    /// LuaObject that cannot be stored in `storage`.
    CustomTable(Box<Type>, Box<Type>),
    /// Any one of the options; `nil` among them makes the value optional.
    Union(Vec<Type>),
    /// A `LuaLazyLoadedValue` wrapping a value of the inner type.
    Lazy(Box<Type>),
    /// A fixed-length array with one type per position.
    Tuple(Vec<Type>),
    /// A table with known fields (also used for `LuaStruct` values).
    Table(BTreeMap<String, Field>),
    /// A Lua function taking the given parameter types.
    Function(Vec<Type>),
    /// A class (`LuaEntity`), concept (`MapPosition`), builtin (`string`, `uint32`, `table`,
    /// `nil`, `Any`) or define (`defines.inventory`).
    #[serde(untagged)]
    Named(String),
}

/// A literal's value. The 2.0 API has only string and boolean literals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Literal {
    Bool(bool),
    String(String),
}

/// A named field: an event's data field or a table field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Field {
    #[serde(rename = "type")]
    pub ty: Type,
    /// The field may be absent (nil).
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
}

pub(super) fn is_false(value: &bool) -> bool {
    !*value
}

/// Read by hand rather than derived: with its untagged variant, the derived reader buffers
/// every type of the table before trying each variant, and the API tables hold tens of
/// thousands of types (building a table took several times longer).
impl<'de> Deserialize<'de> for Type {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TypeVisitor)
    }
}

struct TypeVisitor;

const TYPE_KINDS: &[&str] = &[
    "literal",
    "array",
    "dict",
    "custom_table",
    "union",
    "lazy",
    "tuple",
    "table",
    "function",
];

impl<'de> serde::de::Visitor<'de> for TypeVisitor {
    type Value = Type;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a type name or an object with one type kind")
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Type, E> {
        Ok(Type::Named(name.to_string()))
    }

    fn visit_string<E: serde::de::Error>(self, name: String) -> Result<Type, E> {
        Ok(Type::Named(name))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Type, A::Error> {
        use serde::de::Error;
        let Some(kind) = map.next_key::<String>()? else {
            return Err(A::Error::invalid_length(0, &self));
        };
        let pair = |(key, value): (Type, Type)| (Box::new(key), Box::new(value));
        let ty = match kind.as_str() {
            "literal" => Type::Literal(map.next_value()?),
            "array" => Type::Array(map.next_value()?),
            "dict" => {
                let (key, value) = pair(map.next_value()?);
                Type::Dict(key, value)
            }
            "custom_table" => {
                let (key, value) = pair(map.next_value()?);
                Type::CustomTable(key, value)
            }
            "union" => Type::Union(map.next_value()?),
            "lazy" => Type::Lazy(map.next_value()?),
            "tuple" => Type::Tuple(map.next_value()?),
            "table" => Type::Table(map.next_value()?),
            "function" => Type::Function(map.next_value()?),
            other => return Err(A::Error::unknown_variant(other, TYPE_KINDS)),
        };
        if map.next_key::<serde::de::IgnoredAny>()?.is_some() {
            return Err(A::Error::custom(format!(
                "a type object has one kind, `{kind}` and more"
            )));
        }
        Ok(ty)
    }
}

impl Type {
    /// The name of a named type (class, concept, builtin or define).
    pub fn name(&self) -> Option<&str> {
        match self {
            Type::Named(name) => Some(name),
            _ => None,
        }
    }

    pub fn is_nil(&self) -> bool {
        self.name() == Some("nil")
    }

    /// The type with an optional `nil` removed: `T | nil` becomes `T`. Other types are returned
    /// unchanged, including unions of several non-nil options.
    pub fn without_nil(&self) -> &Type {
        if let Type::Union(options) = self {
            let mut non_nil = options.iter().filter(|option| !option.is_nil());
            if let (Some(only), None) = (non_nil.next(), non_nil.next()) {
                return only;
            }
        }
        self
    }

    /// The LuaObject class this type denotes, if it is a single class, possibly optional
    /// (`LuaEntity` or `LuaEntity | nil`).
    pub fn class_name(&self) -> Option<&str> {
        self.without_nil()
            .name()
            .filter(|name| api().is_lua_object_class(name))
    }

    /// The element type of an array, or the value type of a dictionary or custom table
    /// (possibly optional).
    pub fn element(&self) -> Option<&Type> {
        match self.without_nil() {
            Type::Array(element) => Some(element),
            Type::Dict(_, value) | Type::CustomTable(_, value) => Some(value),
            _ => None,
        }
    }

    /// The fields of a table type (possibly optional).
    pub fn fields(&self) -> Option<&BTreeMap<String, Field>> {
        match self.without_nil() {
            Type::Table(fields) => Some(fields),
            _ => None,
        }
    }
}
