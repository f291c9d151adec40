//! Lifecycle rules: what runs where in the script lifecycle (load, on_init, on_load, events).
//! Shared here: how a context and a registration are named in messages, and the call chain
//! as secondary labels (`with_call_chain` for code that surely runs in a context, `with_chain`
//! for a registration call).

pub mod duplicate_registration;
pub mod event_registration_outside_control;
pub mod game_at_load;
pub mod random_at_load;
pub mod registration_only_in_on_load;
pub mod require_at_runtime;
pub mod stale_storage_alias;
pub mod storage_write_in_on_load;
pub mod unregistration_not_mirrored;

use crate::diagnostics::Diagnostic;
use crate::rules::UnitFacts;
use crate::semantic::model::{CallRef, Context, FnRef, Model, RegKind};
use crate::source::Span;

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
        if file.id == diagnostic.file && step.span == diagnostic.span {
            continue;
        }
        let callee = file.ir.describe(&step.callee);
        diagnostic = diagnostic.with_secondary(file.id, step.span, format!("calls `{callee}`"));
    }
    diagnostic
}

/// Where a finding about code at `site` in `f` belongs. When `f` also runs in contexts
/// where the code is fine (a shared helper), the mistake is the call that brings it into
/// the forbidden context: walk up the chain through shared functions and direct calls, and
/// report at the call made from code that runs only in forbidden contexts (or, at an
/// indirect call such as a library's dispatcher, at the last direct call below it).
pub(super) struct Placement {
    pub file: usize,
    pub span: Span,
    /// The function called at `span`, when the finding moved there.
    pub through: Option<String>,
}

pub(super) fn placement(
    unit: &UnitFacts<'_>,
    f: FnRef,
    site: Span,
    context: Context,
    forbidden: impl Fn(Context) -> bool,
) -> Placement {
    let model = &unit.model;
    let only_forbidden = |g: FnRef| model.sure_contexts(g).into_iter().all(&forbidden);
    let mut placed = Placement {
        file: f.file,
        span: site,
        through: None,
    };
    let mut current = f;
    for (caller, call_ref) in model.sure_chain(f, context).into_iter().rev() {
        if only_forbidden(current) {
            break;
        }
        let ir = model.ir(call_ref.file);
        let call = ir.call(call_ref.call);
        if !model
            .callees(call_ref.file, &call.callee)
            .contains(&current)
        {
            break;
        }
        placed = Placement {
            file: call_ref.file,
            span: call.span,
            through: Some(ir.describe(&call.callee)),
        };
        current = caller;
    }
    placed
}

impl Placement {
    /// `, through `setup`` for a finding moved to a call, else nothing.
    pub fn through_phrase(&self) -> String {
        match &self.through {
            Some(callee) => format!(", through `{callee}`"),
            None => String::new(),
        }
    }

    /// The diagnostic at this place, labelled `label`; when it moved to a call, the code
    /// itself (`site` in file `site_file`) becomes a secondary label `site_label`.
    pub fn diagnostic(
        &self,
        code: &'static str,
        unit: &UnitFacts<'_>,
        message: String,
        label: &str,
        (site_file, site, site_label): (usize, Span, &str),
    ) -> Diagnostic {
        let file = unit.files[self.file].id;
        let mut diagnostic = Diagnostic::new(code, file, self.span, message);
        match &self.through {
            Some(callee) => {
                diagnostic = diagnostic
                    .with_label(format!("this call to `{callee}` {label}"))
                    .with_secondary(unit.files[site_file].id, site, site_label.to_string());
            }
            None => diagnostic = diagnostic.with_label(label.to_string()),
        }
        diagnostic
    }
}

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
