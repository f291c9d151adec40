//! Lifecycle rules: what runs where in the script lifecycle (load, on_init, on_load, events).
//! Shared here: how a registration is named in messages, and the call chain as labels.

pub mod duplicate_registration;
pub mod event_registration_outside_control;
pub mod registration_only_in_on_load;
pub mod unregistration_not_mirrored;

use crate::diagnostics::Diagnostic;
use crate::rules::UnitFacts;
use crate::semantic::model::{CallRef, Context, FnRef, Model, RegKind};

/// `the `on_tick` event handler`, `the /reset command`, ….
pub(super) fn subject(kind: RegKind, name: &str) -> String {
    match kind {
        RegKind::Event => format!("the `{name}` event handler"),
        RegKind::NthTick => format!("the on_nth_tick({name}) handler"),
        RegKind::Command => format!("the /{name} command"),
        RegKind::Remote => format!("the remote interface `{name}`"),
        _ => format!("the `script.{name}` handler"),
    }
}

/// The function a call is made in.
pub(super) fn caller_of(model: &Model, call: CallRef) -> FnRef {
    FnRef {
        file: call.file,
        func: model.ir(call.file).call(call.call).func,
    }
}

/// The entry point a call is reached from in `context` (`the /watch command`, `on_load`).
pub(super) fn origin(model: &Model, call: CallRef, context: Context) -> String {
    model
        .reach(caller_of(model, call), context)
        .map(|r| r.origin.clone())
        .unwrap_or_else(|| context.name().to_string())
}

/// Secondary labels for the way from `context`'s entry point to `call`: where the entry
/// function starts, then each call on the way.
pub(super) fn with_chain(
    mut diagnostic: Diagnostic,
    unit: &UnitFacts<'_>,
    call: CallRef,
    context: Context,
) -> Diagnostic {
    let model = &unit.model;
    let caller = caller_of(model, call);
    let call_span = model.ir(call.file).call(call.call).callee_span;
    let chain = model.chain(caller, context);
    let entry = chain.first().map(|(f, _)| *f).unwrap_or(caller);
    if entry.func != 0 || chain.is_empty() {
        let span = model.function_span(entry);
        if !(entry == caller && span.start == call_span.start) {
            let label = format!("{} starts here", origin(model, call, context));
            diagnostic = diagnostic.with_secondary(unit.files[entry.file].id, span, label);
        }
    }
    for (_, step) in chain {
        let step_file = &unit.files[step.file];
        let step_call = step_file.ir.call(step.call);
        let callee = step_file.ir.describe(&step_call.callee);
        diagnostic =
            diagnostic.with_secondary(step_file.id, step_call.span, format!("calls `{callee}`"));
    }
    diagnostic
}
