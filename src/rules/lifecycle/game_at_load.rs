//! FL103 game-at-load: `game` used while control.lua loads or in on_load (and `rendering`
//! while control.lua loads), where they do not exist yet.

use super::{first_sure_context, placement, where_it_runs, with_call_chain};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::*;
use crate::semantic::lifecycle::global_root;
use crate::semantic::model::{Context, FastSet, FnRef, Model};
use crate::source::Span;

pub struct GameAtLoad;

/// The globals that are nil at load, and the contexts they are reported in.
fn missing_in(name: &str, context: Context) -> bool {
    match name {
        "game" => matches!(context, Context::Load | Context::OnLoad),
        // Documented as unavailable while control.lua runs; for on_load only assumed.
        "rendering" => context == Context::Load,
        _ => false,
    }
}

impl Rule for GameAtLoad {
    fn code(&self) -> &'static str {
        "FL103"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let mut reported = FastSet::default();
        for (file_index, file) in unit.files.iter().enumerate() {
            for name in uses(model, file_index) {
                let f = FnRef {
                    file: file_index,
                    func: name.func,
                };
                let Some((context, origin)) =
                    first_sure_context(unit, f, |c| missing_in(&name.name, c))
                else {
                    continue;
                };
                if is_checked(model, file_index, &name)
                    || model.skipped_while_loading(f, name.span, context)
                {
                    continue;
                }
                let placed = placement(unit, f, name.span, context, |c| missing_in(&name.name, c));
                // One finding per statement-sized piece of code (`game.print(game.tick)`),
                // and one per call that brings a shared helper's uses into loading.
                let key = match placed.through {
                    Some(_) => (placed.file, placed.span),
                    None => (file_index, enclosing_piece(file.ir, &name)),
                };
                if !reported.insert(key) {
                    continue;
                }
                let global = name.name.as_str();
                let missing = if global == "game" {
                    "where it is nil"
                } else {
                    "where it is not available yet"
                };
                let verb = if global == "game" { "used" } else { "called" };
                let message = format!(
                    "`{global}` is {verb} {}{}, {missing}",
                    where_it_runs(context, &origin),
                    placed.through_phrase()
                );
                let diagnostic = placed.diagnostic(
                    "FL103",
                    unit,
                    message,
                    &format!("`{global}` does not exist yet"),
                    (file_index, name.span, &format!("`{global}` is {verb} here")),
                );
                let note = if global == "game" {
                    "Factorio creates `game` only when the map runs: it is nil while control.lua (and every file it requires) \
                     loads and during on_load, on every peer and on each joining client; indexing it stops the mod with \
                     \"attempt to index global 'game' (a nil value)\""
                } else {
                    "`rendering` is not available while control.lua loads; it can be used from on_init and event handlers"
                };
                out.push(
                    with_call_chain(diagnostic, unit, f, context, &origin)
                        .with_note(note)
                        .with_help(
                            "do this in on_init, on_configuration_changed or an event handler; at load and in on_load only \
                             `script`, `settings`, `prototypes`, `helpers`, `remote`, `commands` and reading `storage` are available",
                        ),
                );
            }
        }
    }
}

/// Where code uses a global that may be missing: every read of `game`, and calls into
/// `rendering` (code that runs while loading may keep `rendering.draw_text` in a local for
/// later, which works; drawing does not).
fn uses(model: &Model, file: usize) -> Vec<NameRef> {
    let ir = model.ir(file);
    let mut found: Vec<NameRef> = ir
        .free_names
        .iter()
        .filter(|n| !n.write && n.name == "game")
        .cloned()
        .collect();
    for call in &ir.calls {
        let draws = match call.callee.global_path() {
            Some(path) => path.len() > 1 && path[0] == "rendering",
            None => {
                matches!(call.callee, Value::Local(_))
                    && model
                        .sure_reach(
                            FnRef {
                                file,
                                func: call.func,
                            },
                            Context::Load,
                        )
                        .is_some()
                    && model
                        .api_names(file, &call.callee)
                        .iter()
                        .any(|n| n.starts_with("rendering."))
            }
        };
        if draws {
            found.push(NameRef {
                name: "rendering".into(),
                span: call.callee_span,
                write: false,
                func: call.func,
                tested: false,
            });
        }
    }
    found
}

/// The reference tests whether the global exists (`if game then`, `game and …`), or sits
/// in code that runs only when it does.
fn is_checked(model: &Model, file: usize, name: &NameRef) -> bool {
    let bare = Value::Global(name.name.clone());
    let through_g = Value::Global("_G".into()).index(&name.name);
    model.is_tested_in_condition(file, name.func, name.span, |value| {
        *value == bare || *value == through_g
    }) || model.is_guarded(file, name.func, name.span, |value, truthy| {
        truthy && global_root(value) == Some(name.name.as_str())
    })
}

/// The outermost call or assignment of the same function around the reference.
fn enclosing_piece(ir: &FileIr, name: &NameRef) -> Span {
    let contains = |outer: Span| outer.start <= name.span.start && name.span.end <= outer.end;
    let calls = ir
        .calls
        .iter()
        .filter(|c| c.func == name.func)
        .map(|c| c.span);
    let assigns = ir
        .assigns
        .iter()
        .filter(|a| a.func == name.func)
        .map(|a| a.span.cover(a.value_span));
    calls
        .chain(assigns)
        .filter(|s| contains(*s))
        .max_by_key(|s| s.end - s.start)
        .unwrap_or(name.span)
}
