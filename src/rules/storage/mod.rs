//! Storage rules: what is put into `storage`. Shared here: finding API objects inside a value
//! being stored.

pub mod storage_userdata;

use crate::semantic::ir::*;
use crate::semantic::kinds::Kind;
use crate::semantic::model::Model;
use crate::source::Span;

/// A LuaObject (or unsaveable API value) found in a value being stored: its kind and span.
pub(super) struct StoredObject {
    pub kind: Kind,
    pub span: Span,
    /// `entity = …` inside a table constructor: the field name.
    pub field: Option<String>,
}

/// LuaObjects in `value`: the value itself, or fields of a table constructor (also one held
/// by a local), two levels deep.
pub(super) fn stored_objects(
    model: &Model,
    file: usize,
    value: &Value,
    span: Span,
    depth: u32,
    out: &mut Vec<StoredObject>,
) {
    if depth > 2 {
        return;
    }
    if let Some(kind) = model.kind(file, value) {
        if kind.class().is_some() || kind.is_unsaveable() {
            out.push(StoredObject {
                kind,
                span,
                field: None,
            });
            return;
        }
    }
    let fields: Option<&Vec<TableField>> = match value {
        Value::Table(fields) => Some(fields),
        Value::Local(binding) => {
            let info = model.ir(file).binding(*binding);
            // Only a local that is a plain table built here; parameters and loop variables are
            // covered by their kinds above.
            match info.values.as_slice() {
                [Value::Table(fields)] if info.kind == BindingKind::Local => Some(fields),
                _ => None,
            }
        }
        _ => None,
    };
    for field in fields.into_iter().flatten() {
        let before = out.len();
        stored_objects(model, file, &field.value, field.span, depth + 1, out);
        if let Some(Key::Name(name)) = &field.key {
            for found in &mut out[before..] {
                found.field.get_or_insert_with(|| name.clone());
            }
        }
    }
}
