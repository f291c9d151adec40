//! FL105 random-at-load: `math.random` called while control.lua loads or in on_load.

use super::{first_sure_context, placement, where_it_runs, with_call_chain};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::model::{Context, FnRef};
use std::collections::HashSet;

pub struct RandomAtLoad;

impl Rule for RandomAtLoad {
    fn code(&self) -> &'static str {
        "FL105"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let at_load = |c: Context| matches!(c, Context::Load | Context::OnLoad);
        let mut reported = HashSet::new();
        for (file_index, file) in unit.files.iter().enumerate() {
            for call in &file.ir.calls {
                let f = FnRef {
                    file: file_index,
                    func: call.func,
                };
                let Some((context, origin)) = first_sure_context(unit, f, at_load) else {
                    continue;
                };
                if !model.is_api(file_index, &call.callee, "math.random") {
                    continue;
                }
                let placed = placement(unit, f, call.span, context, at_load);
                if !reported.insert((placed.file, placed.span)) {
                    continue;
                }
                let message = format!(
                    "`math.random` is called {}{}",
                    where_it_runs(context, &origin),
                    placed.through_phrase()
                );
                let diagnostic = placed.diagnostic(
                    "FL105",
                    unit,
                    message,
                    "draws from the map's generator while loading",
                    (file_index, call.span, "`math.random` is called here"),
                );
                out.push(
                    with_call_chain(diagnostic, unit, f, context, &origin)
                        .with_note(
                            "in the control stage `math.random` uses the map's random generator, shared with the game and \
                             every mod, and Factorio documents that it cannot be used during loading; control.lua and \
                             on_load run again on every peer that loads the save (a joining player too), so whatever is \
                             drawn there is not what the host drew",
                        )
                        .with_help(
                            "draw the value in on_init or an event handler and keep it in `storage`; for a separate stream \
                             create a generator with `game.create_random_generator()` in on_init",
                        ),
                );
            }
        }
    }
}
