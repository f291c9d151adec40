//! Rules on API-typed values: FL301 storage-userdata and FL401 chart-tag-mutation.

use super::{Rule, UnitFacts};
use crate::api::api;
use crate::diagnostics::Diagnostic;
use crate::semantic::ir::*;
use crate::semantic::kinds::Kind;
use crate::semantic::model::Model;
use crate::source::Span;

pub struct StorageUserdata;

/// A LuaObject (or unsaveable API value) found in a value being stored: its kind and span.
struct StoredObject {
    kind: Kind,
    span: Span,
    /// `entity = …` inside a table constructor: the field name.
    field: Option<String>,
}

/// LuaObjects in `value`: the value itself, or fields of a table constructor (also one held
/// by a local), two levels deep.
fn stored_objects(
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

impl Rule for StorageUserdata {
    fn code(&self) -> &'static str {
        "FL301"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        for (file_index, file) in unit.files.iter().enumerate() {
            let ir = file.ir;
            // Assignments into storage, and `table.insert(storage..., value)`.
            let mut stores: Vec<(String, &Value, Span, Span)> = Vec::new();
            for assign in &ir.assigns {
                // `alias = v` rebinds a local that pointed into storage; it writes nothing there.
                if !matches!(assign.target, Value::Index(..)) {
                    continue;
                }
                if let Some(path) = model.storage_path(file_index, &assign.target) {
                    stores.push((path, &assign.value, assign.value_span, assign.span));
                }
            }
            for call in &ir.calls {
                if call.callee.global_path().as_deref() != Some(&["table", "insert"][..])
                    || call.args.len() < 2
                {
                    continue;
                }
                if let Some(path) = model.storage_path(file_index, &call.args[0]) {
                    let last = call.args.len() - 1;
                    stores.push((path, &call.args[last], call.arg_spans[last], call.span));
                }
            }
            // One finding per object: a table saved in several places is reported at its first.
            let mut reported = std::collections::HashSet::new();
            for (path, value, value_span, target_span) in stores {
                let mut found = Vec::new();
                stored_objects(model, file_index, value, value_span, 0, &mut found);
                for object in found {
                    if reported.insert(object.span) {
                        out.push(diagnostic(file.id, &path, object, target_span));
                    }
                }
            }
        }
    }
}

fn diagnostic(
    file: crate::source::FileId,
    path: &str,
    object: StoredObject,
    target_span: Span,
) -> Diagnostic {
    let what = object.kind.describe();
    let place = match &object.field {
        Some(field) => format!("field `{field}` of a table saved in `{path}`"),
        None => format!("`{path}`"),
    };
    if object.kind.is_unsaveable() {
        return Diagnostic::new("FL301", file, object.span, format!("a {what} is stored in {place}, and Factorio cannot save it"))
            .with_label(format!("{what}: not saveable"))
            .with_secondary(file, target_span, "saved here")
            .with_note("LuaCustomTable, LuaLazyLoadedValue and LuaProfiler values cannot be serialised: saving the game fails with an error")
            .with_help("store what you need from it (indexes, names), and look the object up again when you need it");
    }
    Diagnostic::new("FL301", file, object.span, format!("a {what} object is stored in {place}"))
        .with_label(what.to_string())
        .with_secondary(file, target_span, "saved here")
        .with_note(
            "Factorio can save references to LuaObjects, but they become invalid when the object goes away, and code that \
             treats storage as plain data (copying, serialising, comparing) breaks on them",
        )
        .with_help("store a stable identifier instead (`unit_number`, `player.index`, a registration number) and look the object up; if you keep the reference on purpose, check `.valid` before each use and suppress this line")
}

pub struct ChartTagMutation;

const CHART_TAG: &str = "LuaCustomChartTag";
const TAG_PROPERTIES: &[&str] = &["text", "icon", "last_user", "position"];

impl Rule for ChartTagMutation {
    fn code(&self) -> &'static str {
        "FL401"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        for (file_index, file) in unit.files.iter().enumerate() {
            for assign in &file.ir.assigns {
                let Value::Index(base, Key::Name(property)) = &assign.target else {
                    continue;
                };
                if !TAG_PROPERTIES.contains(&property.as_str()) {
                    continue;
                }
                let Some(class) = model.kind(file_index, base).and_then(|k| k.class()) else {
                    continue;
                };
                if !api().is_subclass(class, CHART_TAG) {
                    continue;
                }
                let tag = file.ir.describe(base);
                out.push(
                    Diagnostic::new("FL401", file.id, assign.span, format!("`{tag}.{property}` is assigned on a chart tag ({CHART_TAG})"))
                        .with_label("chart tag property written here")
                        .with_note(
                            "Factorio treats this write as an ordinary game action: made in a synchronised event handler it \
                             happens identically on every peer and does not desync by itself; it does not raise \
                             on_chart_tag_modified, and it desyncs only if the value depends on state that differs between peers",
                        )
                        .with_help(
                            "if other code relies on chart-tag events or you rebuild tags from data, destroy and recreate: \
                             `local spec = {position = tag.position, text = new_text, icon = tag.icon}; tag.destroy(); \
                             force.add_chart_tag(surface, spec)`",
                        ),
                );
            }
        }
    }
}
