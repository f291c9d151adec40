//! FL401 chart-tag-mutation: assignment to a LuaCustomChartTag property.

use crate::api::api;
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::*;

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
            // Each finding lies at its own assignment.
            if !unit.in_scope(file_index) {
                continue;
            }
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
