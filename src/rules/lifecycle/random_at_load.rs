//! FL105 random-at-load: `math.random` called while control.lua loads or in on_load.

use super::{first_sure_context, where_it_runs, with_call_chain};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::model::{Context, FnRef};

pub struct RandomAtLoad;

impl Rule for RandomAtLoad {
    fn code(&self) -> &'static str {
        "FL105"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        for (file_index, file) in unit.files.iter().enumerate() {
            for call in &file.ir.calls {
                let f = FnRef {
                    file: file_index,
                    func: call.func,
                };
                let Some((context, origin)) =
                    first_sure_context(unit, f, |c| matches!(c, Context::Load | Context::OnLoad))
                else {
                    continue;
                };
                if !model.is_api(file_index, &call.callee, "math.random") {
                    continue;
                }
                let message = format!(
                    "`math.random` is called {}",
                    where_it_runs(context, &origin)
                );
                let diagnostic = Diagnostic::new("FL105", file.id, call.span, message)
                    .with_label("draws from the map's generator while loading");
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
