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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
