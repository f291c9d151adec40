//! Lifecycle rules: what runs where in the script lifecycle (load, on_init, on_load, events).
//! Shared here: how a context is named in messages, and the call chain as secondary labels.

pub mod event_registration_outside_control;
pub mod game_at_load;
pub mod random_at_load;
pub mod require_at_runtime;
pub mod stale_storage_alias;
pub mod storage_write_in_on_load;

use crate::diagnostics::Diagnostic;
use crate::rules::UnitFacts;
use crate::semantic::model::{Context, FnRef};

/// Where code runs, for a message: "while the mod loads (top level of control.lua)",
/// "in on_load", "in the on_tick handler".
pub(super) fn where_it_runs(context: Context, origin: &str) -> String {
    match context {
        Context::Load => format!("while the mod loads (top level of {origin})"),
        Context::OnLoad => "in on_load".to_string(),
        Context::OnInit => "in on_init".to_string(),
        Context::OnConfigurationChanged => "in on_configuration_changed".to_string(),
        Context::Injected => format!("in {origin}"),
        Context::Event | Context::Command | Context::Remote => format!("in {origin}"),
    }
}

/// The first of `wanted` that `f` surely runs in, with its origin.
pub(super) fn first_sure_context(
    unit: &UnitFacts<'_>,
    f: FnRef,
    wanted: impl Fn(Context) -> bool,
) -> Option<(Context, String)> {
    let model = &unit.model;
    model
        .sure_contexts(f)
        .into_iter()
        .find(|c| wanted(*c))
        .map(|c| {
            let origin = model
                .sure_reach(f, c)
                .map(|r| r.origin.clone())
                .unwrap_or_default();
            (c, origin)
        })
}

/// Adds how `f` is reached in `context` as secondary labels: where the entry point starts
/// (a handler's `function`), then each call down to `f`.
pub(super) fn with_call_chain(
    mut diagnostic: Diagnostic,
    unit: &UnitFacts<'_>,
    f: FnRef,
    context: Context,
    origin: &str,
) -> Diagnostic {
    let model = &unit.model;
    let chain = model.sure_chain(f, context);
    let entry = chain.first().map(|(caller, _)| *caller).unwrap_or(f);
    // A file's main chunk has no head worth pointing at; handlers do.
    if entry.func != 0 {
        let file = &unit.files[entry.file];
        diagnostic = diagnostic.with_secondary(
            file.id,
            model.function_span(entry),
            format!("{origin} starts here"),
        );
    }
    for (_, call) in chain {
        let file = &unit.files[call.file];
        let step = file.ir.call(call.call);
        let callee = file.ir.describe(&step.callee);
        diagnostic = diagnostic.with_secondary(file.id, step.span, format!("calls `{callee}`"));
    }
    diagnostic
}
