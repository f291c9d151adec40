//! FL105 random-at-load: `math.random` called while control.lua loads or in on_load.

use super::{first_sure_context, placement, where_it_runs, with_call_chain};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::*;
use crate::semantic::model::{Context, FastSet, FnRef, Model};

pub struct RandomAtLoad;

impl Rule for RandomAtLoad {
    fn code(&self) -> &'static str {
        "FL105"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let at_load = |c: Context| matches!(c, Context::Load | Context::OnLoad);
        let mut reported = FastSet::default();
        for (file_index, file) in unit.files.iter().enumerate() {
            for call in &file.ir.calls {
                let f = FnRef {
                    file: file_index,
                    func: call.func,
                };
                let Some((context, origin)) = first_sure_context(unit, f, at_load) else {
                    continue;
                };
                if !draws_from_map_generator(model, f, context, file_index, &call.callee, 0)
                    || model.skipped_while_loading(f, call.span, context)
                {
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

/// Whether calling `callee` (in `file`, code of `f` running in `context`) surely calls
/// `math.random`: the global itself, a local holding only it, or `rng or math.random`
/// when the call that brought `f` here passes no generator.
fn draws_from_map_generator(
    model: &Model,
    f: FnRef,
    context: Context,
    file: usize,
    callee: &Value,
    depth: u32,
) -> bool {
    if depth > 4 {
        return false;
    }
    if callee.is_global_path(&["math", "random"]) {
        return true;
    }
    let ir = model.ir(file);
    match callee {
        Value::Local(binding) => {
            let info = ir.binding(*binding);
            match info.kind {
                // A parameter: what the call reaching `f` passes (only `f`'s own).
                BindingKind::Param if file == f.file && info.func == f.func => {
                    let index = ir.function(f.func).params.iter().position(|p| p == binding);
                    match index.and_then(|i| model.argument_in_context(f, context, i)) {
                        Some(Some((arg_file, arg))) => is_math_random(model.ir(arg_file), arg),
                        _ => false,
                    }
                }
                BindingKind::Local | BindingKind::LocalFunction => {
                    !info.values.is_empty()
                        && info.values.iter().all(|v| {
                            draws_from_map_generator(model, f, context, file, v, depth + 1)
                        })
                }
                _ => false,
            }
        }
        // `rng or math.random`: the fallback counts when nothing is passed for `rng`.
        Value::Either(first, fallback) => {
            let passed = match first.as_ref() {
                Value::Local(binding) if ir.binding(*binding).kind == BindingKind::Param => {
                    let index = ir.function(f.func).params.iter().position(|p| p == binding);
                    let owned = file == f.file && ir.binding(*binding).func == f.func;
                    match index
                        .filter(|_| owned)
                        .and_then(|i| model.argument_in_context(f, context, i))
                    {
                        Some(None) | Some(Some((_, Value::Nil))) => Some(false),
                        Some(Some(_)) => Some(true),
                        None => None,
                    }
                }
                _ => None,
            };
            match passed {
                Some(false) => {
                    draws_from_map_generator(model, f, context, file, fallback, depth + 1)
                }
                Some(true) => draws_from_map_generator(model, f, context, file, first, depth + 1),
                None => {
                    draws_from_map_generator(model, f, context, file, first, depth + 1)
                        && draws_from_map_generator(model, f, context, file, fallback, depth + 1)
                }
            }
        }
        _ => false,
    }
}

/// `math.random`, or a local (not a parameter) only ever given it.
fn is_math_random(ir: &FileIr, value: &Value) -> bool {
    let global = |v: &Value| v.is_global_path(&["math", "random"]);
    match value {
        Value::Local(binding) => {
            let info = ir.binding(*binding);
            info.kind == BindingKind::Local
                && !info.values.is_empty()
                && info.values.iter().all(global)
        }
        other => global(other),
    }
}
