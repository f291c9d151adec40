//! FL108 unregistration-not-mirrored: run-time code turns a handler off (or on) while what
//! every peer runs on load turns it back on unconditionally, or on a condition the run-time
//! code does not change. The host and a client that loads the save then disagree.

use super::{caller_of, origin, subject, with_chain};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::model::{CallRef, Context, FnRef, Model, RegKind, Registration};
use crate::semantic::registrations::{storage_places_overlap, Unregistration};
use std::collections::{BTreeSet, HashSet};

pub struct UnregistrationNotMirrored;

/// How a load-time registration comes back after the run-time change.
enum Comeback<'r> {
    /// At the top level of control.lua (or code it runs), unconditionally.
    AtLoad(&'r Registration),
    /// In on_load, unconditionally.
    InOnLoad(&'r Registration),
    /// In on_load when these `storage` places say so, none of which the run-time code writes.
    OnOtherState(&'r Registration, BTreeSet<String>),
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
        let mut reported = HashSet::new();
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

/// A registration made only at run time whose on_load mirror depends on other state.
fn check_runtime_registration(unit: &UnitFacts<'_>, r: &Registration) -> Option<Diagnostic> {
    let model = &unit.model;
    if r.via_event_handler || !matches!(r.kind, RegKind::Event | RegKind::NthTick) {
        return None;
    }
    let contexts = model.registration_contexts(r);
    if contexts.is_empty() || !contexts.iter().all(|c| c.is_runtime()) {
        return None;
    }
    let context = contexts[0];
    let key = model.registration_key(r)?;
    let same: Vec<&Registration> = model
        .registrations
        .iter()
        .filter(|p| p.kind == r.kind && model.registration_key(p).as_deref() == Some(&key))
        .collect();
    // Registered at load too: always there (FL101's territory otherwise).
    if same
        .iter()
        .any(|p| model.registration_contexts(p).contains(&Context::Load) || p.via_event_handler)
    {
        return None;
    }
    let state = runtime_state(model, r.call, context);
    same.iter().find_map(|p| match comeback(model, p, &state)? {
        how @ Comeback::OnOtherState(..) => Some(diagnostic(unit, r.call, context, false, &how)),
        // Unconditional in on_load while a new game gets it only at run time: FL106.
        _ => None,
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
        Comeback::InOnLoad(p) => (*p, "on_load registers it again on every load".to_string()),
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
    };
    let what = subject(p.kind, &p.name);
    let message = if turns_off {
        format!("{what} is turned off from {from}, but {comes_back}")
    } else {
        format!("{what} is registered from {from}, but {comes_back}")
    };
    let p_file = &unit.files[p.call.file];
    let p_span = p_file.ir.call(p.call.call).callee_span;
    let label = if turns_off {
        "turned off here"
    } else {
        "registered here"
    };
    let diagnostic = Diagnostic::new("FL108", file.id, call_span, message).with_label(label);
    with_chain(diagnostic, unit, call, context)
        .with_secondary(p_file.id, p_span, "the registration made again on load")
        .with_note(
            "the set of registered events and nth-tick periods is saved with the map; a client that joins \
             (and the host itself after a save and load) rebuilds it from control.lua and on_load only. When \
             run-time code changes a registration that loading does not change the same way, the save and \
             the rebuilt set differ and the join fails with `multiplayer.script-event-mismatch`",
        )
        .with_help(
            "keep the on/off state in `storage`, change it together with the registration, and register in \
             on_load only when `storage` says it is on (instead of registering at the top level)",
        )
}
