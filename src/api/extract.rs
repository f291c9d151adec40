//! Builds the committed extracts from Wube's `runtime-api.json` files: the whole table for
//! Factorio 2.0 (`runtime-2.0.json`) and, for the other versions, only what differs from it
//! (`runtime-1.1.patch.json`, `runtime-2.1.patch.json`; see [`super::patch`]).
//!
//! Only facts survive: names, parents, types, optionality. Descriptions, examples and `order`
//! are dropped (order is applied to parameters and return values first), every list keyed by
//! name becomes a sorted map, and the layout is fixed (one member per line down to a set
//! depth), so the same input always gives the same bytes. Unknown type kinds are an error
//! rather than being guessed at.

use super::{Api, Attribute, Class, Define, Event, Field, Literal, Method, Param, Type};
use serde::Serialize;
use serde_json::ser::Formatter;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The `api_version`s of the JSON format this reader understands: 5 (Factorio 1.1, attributes
/// with `type` and `read`/`write` flags) and 6 (Factorio 2.0 onwards, `read_type`/`write_type`).
const SUPPORTED_API_VERSIONS: [u64; 2] = [5, 6];

type Result<T> = std::result::Result<T, String>;

/// The extract's text for a `runtime-api.json` document.
pub fn generate(runtime_api_json: &str) -> Result<String> {
    let raw: Value =
        serde_json::from_str(runtime_api_json).map_err(|e| format!("not JSON: {e}"))?;
    let api = extract(&raw)?;
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, MemberPerLine::default());
    api.serialize(&mut serializer).map_err(|e| e.to_string())?;
    out.push(b'\n');
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// The patch text that turns the base extract (`runtime-2.0.json`'s text) into the extract of
/// another version's `runtime-api.json`.
pub fn generate_patch(base_extract: &str, runtime_api_json: &str) -> Result<String> {
    let base: Value =
        serde_json::from_str(base_extract).map_err(|e| format!("base extract: {e}"))?;
    let raw: Value =
        serde_json::from_str(runtime_api_json).map_err(|e| format!("not JSON: {e}"))?;
    let target = serde_json::to_value(extract(&raw)?).map_err(|e| e.to_string())?;
    Ok(layout(&super::patch::diff(&base, &target)))
}

/// A JSON value in the committed files' layout (see [`LINE_PER_MEMBER_DEPTH`]).
pub fn layout(value: &Value) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, MemberPerLine::default());
    value
        .serialize(&mut serializer)
        .expect("a JSON value serializes");
    out.push(b'\n');
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// The facts of a parsed `runtime-api.json` document.
pub fn extract(raw: &Value) -> Result<Api> {
    let api_version = raw.get("api_version").and_then(Value::as_u64);
    let Some(api_version) = api_version.filter(|v| SUPPORTED_API_VERSIONS.contains(v)) else {
        return Err(format!(
            "expected an api_version in {SUPPORTED_API_VERSIONS:?}, found {api_version:?}"
        ));
    };
    Ok(Api {
        factorio_version: string(raw, "application_version")?.to_owned(),
        api_version: api_version as u32,
        classes: by_name(raw, "classes", class)?,
        events: by_name(raw, "events", event)?,
        concepts: concepts(raw)?,
        defines: by_name(raw, "defines", define)?,
        global_objects: by_name(raw, "global_objects", |o| Ok(string(o, "type")?.to_owned()))?,
        global_functions: by_name(raw, "global_functions", method)?,
        descendants: Default::default(),
    })
}

fn class(raw: &Value) -> Result<Class> {
    let mut index = None;
    let mut call = None;
    for operator in list(raw, "operators")? {
        match string(operator, "name")? {
            "index" => {
                index = Some(Field {
                    ty: ty(read_type(operator)?.ok_or("index operator without a type")?)?,
                    optional: flag(operator, "optional"),
                })
            }
            "call" => call = Some(method(operator)?),
            // The length operator always gives a count.
            _ => {}
        }
    }
    Ok(Class {
        parent: raw.get("parent").and_then(Value::as_str).map(str::to_owned),
        attributes: by_name(raw, "attributes", attribute)?,
        methods: by_name(raw, "methods", method)?,
        index,
        call,
    })
}

fn attribute(raw: &Value) -> Result<Attribute> {
    Ok(Attribute {
        read: read_type(raw)?.map(ty).transpose()?,
        write: write_type(raw)?.map(ty).transpose()?,
        optional: flag(raw, "optional"),
    })
}

/// The type read from an attribute or operator: `read_type` (api_version 6), or `type` when
/// the `read` flag is set (api_version 5).
fn read_type(raw: &Value) -> Result<Option<&Value>> {
    typed_access(raw, "read_type", "read")
}

fn write_type(raw: &Value) -> Result<Option<&Value>> {
    typed_access(raw, "write_type", "write")
}

fn typed_access<'a>(raw: &'a Value, typed_key: &str, flag_key: &str) -> Result<Option<&'a Value>> {
    if let Some(typed) = raw.get(typed_key) {
        return Ok(Some(typed));
    }
    match raw.get(flag_key).and_then(Value::as_bool) {
        Some(true) => member(raw, "type").map(Some),
        Some(false) => Ok(None),
        // api_version 6 leaves out the type of an access that is not allowed; api_version 5
        // marks an operator's access only by its type.
        None => Ok(raw.get("type")),
    }
}

fn method(raw: &Value) -> Result<Method> {
    let params = in_order(list(raw, "parameters")?)
        .into_iter()
        .map(|p| {
            Ok(Param {
                name: string(p, "name")?.to_owned(),
                ty: ty(member(p, "type")?)?,
                optional: flag(p, "optional"),
            })
        })
        .collect::<Result<_>>()?;
    let returns = in_order(list(raw, "return_values")?)
        .into_iter()
        .map(field)
        .collect::<Result<_>>()?;
    let takes_table = raw
        .get("format")
        .and_then(|f| f.get("takes_table"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(Method {
        params,
        takes_table,
        returns,
    })
}

fn event(raw: &Value) -> Result<Event> {
    Ok(Event {
        data: by_name(raw, "data", field)?,
        filter: raw.get("filter").and_then(Value::as_str).map(str::to_owned),
    })
}

fn define(raw: &Value) -> Result<Define> {
    if raw.get("subkeys").is_some() {
        return Ok(Define::Subkeys(by_name(raw, "subkeys", define)?));
    }
    let mut values = list(raw, "values")?
        .iter()
        .map(|v| Ok(string(v, "name")?.to_owned()))
        .collect::<Result<Vec<_>>>()?;
    values.sort();
    Ok(Define::Values(values))
}

/// Concepts other than the builtin scalars, which need no definition.
fn concepts(raw: &Value) -> Result<BTreeMap<String, Type>> {
    let mut concepts = BTreeMap::new();
    for concept in list(raw, "concepts")? {
        let definition = member(concept, "type")?;
        if definition.get("complex_type").and_then(Value::as_str) == Some("builtin") {
            continue;
        }
        concepts.insert(string(concept, "name")?.to_owned(), ty(definition)?);
    }
    Ok(concepts)
}

fn field(raw: &Value) -> Result<Field> {
    Ok(Field {
        ty: ty(member(raw, "type")?)?,
        optional: flag(raw, "optional"),
    })
}

/// Simplifies one API type.
fn ty(raw: &Value) -> Result<Type> {
    if let Some(name) = raw.as_str() {
        return Ok(Type::Named(name.to_owned()));
    }
    let boxed = |key: &str| -> Result<Box<Type>> { Ok(Box::new(ty(member(raw, key)?)?)) };
    let all = |key: &str| -> Result<Vec<Type>> { list(raw, key)?.iter().map(ty).collect() };
    let kind = string(raw, "complex_type")?;
    Ok(match kind {
        // A named type with a description attached.
        "type" => ty(member(raw, "value")?)?,
        "union" => {
            // Nested unions say nothing a flat one does not.
            let mut options = Vec::new();
            for option in all("options")? {
                match option {
                    Type::Union(inner) => options.extend(inner),
                    other => options.push(other),
                }
            }
            Type::Union(options)
        }
        "array" => Type::Array(boxed("value")?),
        "dictionary" => Type::Dict(boxed("key")?, boxed("value")?),
        "LuaCustomTable" => Type::CustomTable(boxed("key")?, boxed("value")?),
        "LuaLazyLoadedValue" => Type::Lazy(boxed("value")?),
        "tuple" => Type::Tuple(all("values")?),
        "function" => Type::Function(all("parameters")?),
        "literal" => Type::Literal(match member(raw, "value")? {
            Value::Bool(b) => Literal::Bool(*b),
            Value::String(s) => Literal::String(s.clone()),
            other => return Err(format!("unsupported literal {other}")),
        }),
        // Variant parameter groups (fields present only for some `type` values) are left out.
        "table" => Type::Table(by_name(raw, "parameters", field)?),
        "LuaStruct" => Type::Table(by_name(raw, "attributes", |a| {
            let field_type = read_type(a)?
                .or(write_type(a)?)
                .ok_or("struct attribute without a type")?;
            Ok(Field {
                ty: ty(field_type)?,
                optional: flag(a, "optional"),
            })
        })?),
        other => return Err(format!("unsupported complex_type {other:?}")),
    })
}

/// A list of named entries as a map, each entry converted by `convert`.
fn by_name<T>(
    raw: &Value,
    key: &str,
    convert: impl Fn(&Value) -> Result<T>,
) -> Result<BTreeMap<String, T>> {
    let mut map = BTreeMap::new();
    for entry in list(raw, key)? {
        let name = string(entry, "name")?;
        let converted = convert(entry).map_err(|e| format!("{key} {name}: {e}"))?;
        if map.insert(name.to_owned(), converted).is_some() {
            return Err(format!("{key}: duplicate name {name:?}"));
        }
    }
    Ok(map)
}

/// Entries sorted by their `order` (the JSON lists them alphabetically).
fn in_order(entries: &[Value]) -> Vec<&Value> {
    let mut sorted: Vec<&Value> = entries.iter().collect();
    sorted.sort_by_key(|e| e.get("order").and_then(Value::as_u64).unwrap_or(u64::MAX));
    sorted
}

/// A list member; absent means empty (the JSON omits null members).
fn list<'a>(raw: &'a Value, key: &str) -> Result<&'a [Value]> {
    match raw.get(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("{key} is not a list")),
    }
}

fn member<'a>(raw: &'a Value, key: &str) -> Result<&'a Value> {
    raw.get(key).ok_or_else(|| format!("missing {key}"))
}

fn string<'a>(raw: &'a Value, key: &str) -> Result<&'a str> {
    member(raw, key)?
        .as_str()
        .ok_or_else(|| format!("{key} is not a string"))
}

fn flag(raw: &Value, key: &str) -> bool {
    raw.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// Objects down to this depth put each member on its own line; anything deeper is compact. At
/// depth 3 that is one line per attribute, method, event field or define list, which keeps the
/// file about half the size of fully pretty JSON while diffs stay readable.
const LINE_PER_MEMBER_DEPTH: usize = 3;

/// A JSON layout between pretty and compact (see [`LINE_PER_MEMBER_DEPTH`]).
#[derive(Default)]
struct MemberPerLine {
    /// The open objects and arrays, innermost last.
    open: Vec<Container>,
}

struct Container {
    /// Members go on their own lines.
    spread: bool,
    has_members: bool,
}

impl MemberPerLine {
    fn spread(&self) -> bool {
        self.open.last().is_some_and(|c| c.spread)
    }

    fn newline<W: ?Sized + Write>(&self, writer: &mut W, depth: usize) -> io::Result<()> {
        writer.write_all(b"\n")?;
        writer.write_all(&b"  ".repeat(depth))
    }
}

impl Formatter for MemberPerLine {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open.push(Container {
            spread: false,
            has_members: false,
        });
        writer.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open.pop();
        writer.write_all(b"]")
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        let spread =
            (self.open.is_empty() || self.spread()) && self.open.len() <= LINE_PER_MEMBER_DEPTH;
        self.open.push(Container {
            spread,
            has_members: false,
        });
        writer.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        if let Some(Container {
            spread: true,
            has_members: true,
        }) = self.open.pop()
        {
            self.newline(writer, self.open.len())?;
        }
        writer.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if !first {
            writer.write_all(b",")?;
        }
        if let Some(container) = self.open.last_mut() {
            container.has_members = true;
        }
        if self.spread() {
            self.newline(writer, self.open.len())?;
        }
        Ok(())
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(if self.spread() { b": " } else { b":" })
    }
}
