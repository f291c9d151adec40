//! FL108 unregistration-not-mirrored: run-time code turns a handler off (or on) while what
//! every peer runs on load turns it back on unconditionally, or on a condition the run-time
//! code does not change. The host and a client that loads the save then disagree.

use super::{caller_of, origin, subject, with_chain};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::model::{CallRef, Context, FastSet, FnRef, Model, RegKind, Registration};
use crate::semantic::registrations::{storage_places_overlap, Unregistration};
use std::collections::BTreeSet;

pub struct UnregistrationNotMirrored;

/// How a load-time registration comes back after the run-time change.
enum Comeback<'r> {
    /// At the top level of control.lua (or code it runs), unconditionally.
    AtLoad(&'r Registration),
    /// In on_load, unconditionally.
    InOnLoad(&'r Registration),
    /// In on_load when these `storage` places say so, none of which the run-time code writes.
    OnOtherState(&'r Registration, BTreeSet<String>),
    /// At load or in on_load, unconditionally, with another handler than the run-time one.
    OtherHandler(&'r Registration),
}

/// The first run-time context of a function, or `None` if it also runs while loading (or is
/// never reached).
fn runtime_context(model: &Model, f: FnRef) -> Option<Context> {
    let contexts = model.contexts(f);
    if contexts.is_empty() || !contexts.iter().all(|c| c.is_runtime()) {
        return None;
    }
    contexts.first().copied()
}

/// The entry function a call is reached from in `context`.
fn entry_of(model: &Model, call: CallRef, context: Context) -> FnRef {
    let caller = caller_of(model, call);
    model
        .chain(caller, context)
        .first()
        .map_or(caller, |(f, _)| *f)
}

/// `storage` places the run-time code touches: what its entry point writes (through calls)
/// and what its own conditions test.
fn runtime_state(model: &Model, call: CallRef, context: Context) -> BTreeSet<String> {
    let mut state = model.storage_writes_from(entry_of(model, call, context));
    for condition in model.conditions_on_the_way(call, context) {
        state.extend(model.condition_storage_reads(condition).unwrap_or_default());
    }
    state
}

/// How `p` (same kind and key as the run-time change) is made again on load, if it is.
fn comeback<'r>(
    model: &Model,
    p: &'r Registration,
    state: &BTreeSet<String>,
) -> Option<Comeback<'r>> {
    let contexts = model.registration_contexts(p);
    if p.via_event_handler {
        return contexts
            .contains(&Context::OnLoad)
            .then_some(Comeback::InOnLoad(p));
    }
    if contexts.contains(&Context::Load) {
        // A condition at load cannot read the save: it is the same on every peer, unknown here.
        return model
            .conditions_on_the_way(p.call, Context::Load)
            .is_empty()
            .then_some(Comeback::AtLoad(p));
    }
    if !contexts.contains(&Context::OnLoad) {
        return None;
    }
    let conditions = model.conditions_on_the_way(p.call, Context::OnLoad);
    if conditions.is_empty() {
        return Some(Comeback::InOnLoad(p));
    }
    let mut reads = BTreeSet::new();
    for condition in conditions {
        reads.extend(model.condition_storage_reads(condition)?);
    }
    // Settings are saved state the run-time code may follow; no storage read: nothing to compare.
    if reads.is_empty() || reads.contains("settings") {
        return None;
    }
    let follows = reads
        .iter()
        .any(|r| state.iter().any(|w| storage_places_overlap(r, w)));
    (!follows).then_some(Comeback::OnOtherState(p, reads))
}

impl Rule for UnregistrationNotMirrored {
    fn code(&self) -> &'static str {
        "FL108"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let unregistrations = model.unregistrations();
        let mut reported = FastSet::default();
        for u in &unregistrations {
            if let Some(diagnostic) = check_unregistration(unit, u, &unregistrations) {
                reported.insert(u.call);
                out.push(diagnostic);
            }
        }
        for r in &model.registrations {
            if reported.contains(&r.call) {
                continue;
            }
            if let Some(diagnostic) = check_runtime_registration(unit, r) {
                reported.insert(r.call);
                out.push(diagnostic);
            }
        }
    }
}

/// Whether code that runs while loading turns the same handler off again.
fn turned_off_on_load(
    model: &Model,
    unregistrations: &[Unregistration],
    kind: RegKind,
    key: &str,
) -> bool {
    unregistrations.iter().any(|v| {
        v.kind == kind
            && (v.keys.is_empty() || v.keys.iter().any(|k| k == key))
            && model
                .contexts(caller_of(model, v.call))
                .iter()
                .any(|c| matches!(c, Context::Load | Context::OnLoad))
    })
}

/// Whether the function that turns a handler off also turns it on again (a switch to
/// another handler, or `on_nth_tick(nil)` followed by the periods it wants).
fn switched_back(model: &Model, off: CallRef, kind: RegKind, key: &str) -> bool {
    let function = caller_of(model, off);
    model.registrations.iter().any(|r| {
        r.kind == kind
            && model.registration_key(r).as_deref() == Some(key)
            && caller_of(model, r.call) == function
    })
}

fn check_unregistration(
    unit: &UnitFacts<'_>,
    u: &Unregistration,
    unregistrations: &[Unregistration],
) -> Option<Diagnostic> {
    let model = &unit.model;
    let context = runtime_context(model, caller_of(model, u.call))?;
    let state = runtime_state(model, u.call, context);
    for p in &model.registrations {
        if p.kind != u.kind {
            continue;
        }
        let Some(key) = model.registration_key(p) else {
            continue;
        };
        let turned_off = if u.keys.is_empty() {
            // `on_nth_tick(nil)`: every period.
            p.kind == RegKind::NthTick
        } else {
            u.keys.contains(&key)
        };
        if !turned_off
            || turned_off_on_load(model, unregistrations, u.kind, &key)
            || switched_back(model, u.call, u.kind, &key)
        {
            continue;
        }
        if let Some(how) = comeback(model, p, &state) {
            return Some(diagnostic(unit, u.call, context, true, &how));
        }
    }
    None
}

/// A registration made only at run time that loading does not repeat the same way: on_load
/// makes it on other state, or always (so a new game lacks it until then), or every load
/// registers another handler for it.
fn check_runtime_registration(unit: &UnitFacts<'_>, r: &Registration) -> Option<Diagnostic> {
    let model = &unit.model;
    if r.via_event_handler || !matches!(r.kind, RegKind::Event | RegKind::NthTick) {
        return None;
    }
    // Made during play: in handlers, commands and remote functions. (on_init is the start of a
    // new game, which on_load mirrors; injected scripts are FL101's.)
    let contexts = model.registration_contexts(r);
    if contexts.is_empty()
        || !contexts
            .iter()
            .all(|c| matches!(c, Context::Event | Context::Command | Context::Remote))
    {
        return None;
    }
    let context = contexts[0];
    let key = model.registration_key(r)?;
    let same: Vec<&Registration> = model
        .registrations
        .iter()
        .filter(|p| {
            p.kind == r.kind
                && !(p.call == r.call && p.name == r.name)
                && model.registration_key(p).as_deref() == Some(&key)
        })
        .collect();
    // Another handler for it made again on every load: after a load the other one runs,
    // unless on_load also registers this one.
    let unconditional_on_load = |p: &Registration| {
        let contexts = model.registration_contexts(p);
        [Context::Load, Context::OnLoad]
            .into_iter()
            .any(|c| contexts.contains(&c) && model.conditions_on_the_way(p.call, c).is_empty())
    };
    let other_handler = same.iter().find(|p| {
        !p.via_event_handler
            && matches!((p.handler, r.handler), (Some(a), Some(b)) if a != b)
            && unconditional_on_load(p)
    });
    if let Some(p) = other_handler {
        let mirrored = same.iter().any(|q| {
            q.handler == r.handler && model.registration_contexts(q).contains(&Context::OnLoad)
        });
        return (!mirrored)
            .then(|| diagnostic(unit, r.call, context, false, &Comeback::OtherHandler(p)));
    }
    // A new game has it from the start (load, on_init, event_handler): nothing to mirror.
    if same.iter().any(|p| {
        p.via_event_handler
            || model
                .registration_contexts(p)
                .iter()
                .any(|c| matches!(c, Context::Load | Context::OnInit))
    }) {
        return None;
    }
    let state = runtime_state(model, r.call, context);
    same.iter().find_map(|p| match comeback(model, p, &state)? {
        how @ (Comeback::OnOtherState(..) | Comeback::InOnLoad(_)) => {
            Some(diagnostic(unit, r.call, context, false, &how))
        }
        Comeback::AtLoad(_) | Comeback::OtherHandler(_) => None,
    })
}

fn diagnostic(
    unit: &UnitFacts<'_>,
    call: CallRef,
    context: Context,
    turns_off: bool,
    how: &Comeback,
) -> Diagnostic {
    let model = &unit.model;
    let file = &unit.files[call.file];
    let call_span = file.ir.call(call.call).callee_span;
    let from = origin(model, call, context);
    let (p, comes_back) = match how {
        Comeback::AtLoad(p) => (
            *p,
            "control.lua registers it again on every load".to_string(),
        ),
        Comeback::InOnLoad(p) if turns_off => {
            (*p, "on_load registers it again on every load".to_string())
        }
        Comeback::InOnLoad(p) => (
            *p,
            "on_load registers it on every load, so a new game lacks it until then while a client \
             that loads the save has it"
                .to_string(),
        ),
        Comeback::OnOtherState(p, reads) => {
            let reads: Vec<String> = reads.iter().map(|r| format!("`{r}`")).collect();
            let again = if turns_off { "again" } else { "only" };
            (
                *p,
                format!(
                    "on_load registers it {again} when {} says so, which this code does not change",
                    reads.join(" or ")
                ),
            )
        }
        Comeback::OtherHandler(p) => {
            let handler = p
                .handler
                .map(|f| {
                    let name = &model.ir(f.file).function(f.func).name;
                    name.trim_start_matches("local ").to_string()
                })
                .unwrap_or_default();
            (
                *p,
                format!(
                    "every load registers `{handler}` for it again, so after a load (and on joining \
                     clients) the other handler runs"
                ),
            )
        }
    };
    let what = subject(p.kind, &p.name);
    let message = match how {
        _ if turns_off => format!("{what} is turned off from {from}, but {comes_back}"),
        Comeback::OtherHandler(_) => {
            format!("{what} is given another handler from {from}, but {comes_back}")
        }
        _ => format!("{what} is registered from {from}, but {comes_back}"),
    };
    let p_file = &unit.files[p.call.file];
    let p_span = p_file.ir.call(p.call.call).callee_span;
    let label = if turns_off {
        "turned off here"
    } else {
        "registered here"
    };
    let note = match how {
        Comeback::OtherHandler(_) => {
            "a mod has one handler per event, and which function it is is not saved: a client that joins \
             (and the host after a save and load) runs control.lua and on_load, which register the other \
             function, while the host keeps the one set at run time. Peers then run different code for the \
             same event, which desyncs as soon as the two handlers change different things"
        }
        _ => {
            "the set of registered events and nth-tick periods is saved with the map; a client that joins \
             (and the host itself after a save and load) rebuilds it from control.lua and on_load only. When \
             run-time code changes a registration that loading does not change the same way, the save and \
             the rebuilt set differ and the join fails with `multiplayer.script-event-mismatch`"
        }
    };
    let diagnostic = Diagnostic::new("FL108", file.id, call_span, message).with_label(label);
    with_chain(diagnostic, unit, call, context)
        .with_secondary(p_file.id, p_span, "the registration made again on load")
        .with_note(note)
        .with_help(
            "keep the on/off state (or which handler is active) in `storage`, change it together with \
             the registration, and register in on_load according to `storage` (not unconditionally)",
        )
}
