//! FL301 storage-userdata: a LuaObject stored in `storage` (a coding standard: Factorio saves
//! them). Values Factorio cannot save at all are FL302's.

use super::{stores, walk_stored, StoredPart, Visit};
use crate::config::GuiState;
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::kinds::Kind;
use crate::semantic::model::FastSet;
use crate::source::Span;

pub struct StorageUserdata;

impl Rule for StorageUserdata {
    fn code(&self) -> &'static str {
        "FL301"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let allow_gui_state = unit.unit.config.options.gui_state == GuiState::Allow;
        // One finding per object: a table saved in several places is reported at its first.
        let mut reported = FastSet::default();
        for (file_index, file) in unit.files.iter().enumerate() {
            for store in stores(model, file_index) {
                let start = StoredPart {
                    file: file_index,
                    value: store.value,
                    span: store.value_span,
                    field: None,
                };
                walk_stored(model, start, 0, &mut |part| {
                    let Some(kind) = model.kind(part.file, part.value) else {
                        return Visit::Descend;
                    };
                    if kind.is_unsaveable() {
                        return Visit::Stop;
                    }
                    if kind.class().is_none() {
                        return Visit::Descend;
                    }
                    if allow_gui_state && is_gui_state(&kind) {
                        return Visit::Stop;
                    }
                    if reported.insert((part.file, part.span)) {
                        let object_file = unit.files[part.file].id;
                        out.push(diagnostic(
                            object_file,
                            (file.id, store.target_span),
                            &store.path,
                            &kind,
                            part,
                        ));
                    }
                    Visit::Stop
                });
            }
        }
    }
}

/// GUI elements and render objects: kept in per-player GUI state, their idiomatic home, when
/// `[options] gui-state = "allow"`.
fn is_gui_state(kind: &Kind) -> bool {
    matches!(kind.class(), Some("LuaGuiElement" | "LuaRenderObject"))
}

fn diagnostic(
    object_file: crate::source::FileId,
    (store_file, target_span): (crate::source::FileId, Span),
    path: &str,
    kind: &Kind,
    part: &StoredPart,
) -> Diagnostic {
    let what = kind.describe();
    let place = match &part.field {
        Some(field) => format!("field `{field}` of a table saved in `{path}`"),
        None => format!("`{path}`"),
    };
    let diagnostic = Diagnostic::new("FL301", object_file, part.span, format!("a {what} object is stored in {place}"))
        .with_label(what.to_string())
        .with_secondary(store_file, target_span, "saved here")
        .with_note(
            "Factorio saves references to LuaObjects in storage and restores them on every peer: this is supported and does not desync. \
             The convention this rule keeps is plain data in storage: a stored reference becomes invalid when the object goes away, \
             and code that copies, serialises or compares storage breaks on it",
        );
    let diagnostic = if is_gui_state(kind) {
        diagnostic.with_note(
            "GUI elements and render objects kept in per-player GUI state are their idiomatic use; \
             `[options] gui-state = \"allow\"` in factolint.toml stops reporting them",
        )
    } else {
        diagnostic
    };
    diagnostic.with_help(
        "keep it in storage and check `.valid` before each use (suppress this line if that is the design), or store a stable \
         identifier (`unit_number`, `player.index`, a registration number) and look the object up; do not move the reference \
         into a file-level table or module field instead: state outside storage is what desyncs (FL203)",
    )
}
