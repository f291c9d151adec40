//! FL404 read-only-api-write: assignment to an attribute the API documents as read-only, for
//! the mod's Factorio version.

use super::{first_newer, judging_table, runs_in, version_phrase};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::*;

pub struct ReadOnlyApiWrite;

impl Rule for ReadOnlyApiWrite {
    fn code(&self) -> &'static str {
        "FL404"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        for (index, file) in unit.files.iter().enumerate() {
            // Each finding lies at its own assignment.
            if !unit.in_scope(index) {
                continue;
            }
            let Some(table) = judging_table(unit, file) else {
                continue;
            };
            if !(file.stages.control || file.stages.is_unknown()) {
                continue;
            }
            for assign in &file.ir.assigns {
                let Value::Index(base, Key::Name(attribute)) = &assign.target else {
                    continue;
                };
                let Some(class) = model.kind(index, base).and_then(|k| k.class()) else {
                    continue;
                };
                // Only documented attributes: a missing one is FL402's, a method is not an
                // attribute.
                let Some(entry) = table.attribute(class, attribute) else {
                    continue;
                };
                // Only a kind every source agrees on; asked last, as it costs more.
                if entry.write.is_some()
                    || entry.read.is_none()
                    || model.settled_kind(index, base).is_none()
                {
                    continue;
                }
                let object = file.ir.describe(base);
                let mut diagnostic = Diagnostic::new(
                    "FL404",
                    file.id,
                    assign.span,
                    format!(
                        "`{object}.{attribute}` is assigned, but {class}::{attribute} is read-only in {}",
                        version_phrase(file.factorio_version, table)
                    ),
                )
                .with_label("read-only attribute written here")
                .with_note(format!(
                    "Factorio stops the mod with \"{class}::{attribute} is read only.\" when this runs"
                ));
                let writable_later = first_newer(table, |t| {
                    t.attribute(class, attribute)
                        .is_some_and(|a| a.write.is_some())
                });
                if let Some(context) = runs_in(unit, index, assign.func) {
                    diagnostic = diagnostic.with_note(context);
                }
                if let Some(newer) = writable_later {
                    diagnostic = diagnostic.with_note(format!(
                        "writable from Factorio {newer}; this code is checked as Factorio {}",
                        table.version()
                    ));
                }
                out.push(diagnostic.with_help(help(class, attribute)));
            }
        }
    }
}

/// What to do instead, for the attributes modders most often try to set.
fn help(class: &str, attribute: &str) -> String {
    match attribute {
        "name" | "type" | "prototype" if class == "LuaEntity" => {
            "an entity's name and type are fixed: create a new entity (`surface.create_entity`) \
             or upgrade it (`entity.order_upgrade`) instead"
                .to_string()
        }
        "position" => "move it with `teleport` instead".to_string(),
        _ => format!(
            "{class}::{attribute} can only be read; look for a method that changes it, or keep \
             the value in your own table"
        ),
    }
}
