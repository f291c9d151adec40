//! FL301 storage-userdata: a LuaObject stored in `storage`.

use super::{stored_objects, StoredObject};
use crate::config::GuiState;
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::*;
use crate::source::Span;

pub struct StorageUserdata;

impl Rule for StorageUserdata {
    fn code(&self) -> &'static str {
        "FL301"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let allow_gui_state = unit.unit.config.options.gui_state == GuiState::Allow;
        for (file_index, file) in unit.files.iter().enumerate() {
            if is_test_file(file.rel) {
                continue;
            }
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
                    if allow_gui_state && is_gui_state(&object) {
                        continue;
                    }
                    if reported.insert(object.span) {
                        out.push(diagnostic(file.id, &path, object, target_span));
                    }
                }
            }
        }
    }
}

/// A mod's test code (a `tests` folder): objects kept in storage for test bookkeeping follow
/// no convention worth enforcing.
fn is_test_file(rel: &str) -> bool {
    rel.split('/').rev().skip(1).any(|folder| folder == "tests")
}

/// GUI elements and render objects: kept in per-player GUI state, their idiomatic home, when
/// `[options] gui-state = "allow"`.
fn is_gui_state(object: &StoredObject) -> bool {
    matches!(
        object.kind.class(),
        Some("LuaGuiElement" | "LuaRenderObject")
    )
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
    let diagnostic = Diagnostic::new("FL301", file, object.span, format!("a {what} object is stored in {place}"))
        .with_label(what.to_string())
        .with_secondary(file, target_span, "saved here")
        .with_note(
            "Factorio can save references to LuaObjects, but they become invalid when the object goes away, and code that \
             treats storage as plain data (copying, serialising, comparing) breaks on them",
        );
    let diagnostic = if is_gui_state(&object) {
        diagnostic.with_note(
            "GUI elements and render objects kept in per-player GUI state are their idiomatic use; \
             `[options] gui-state = \"allow\"` in factolint.toml stops reporting them",
        )
    } else {
        diagnostic
    };
    diagnostic.with_help("store a stable identifier instead (`unit_number`, `player.index`, a registration number) and look the object up; if you keep the reference on purpose, check `.valid` before each use and suppress this line")
}
