//! FL101 event-registration-outside-control: a registration made only at run time (in a
//! handler, command, remote function, on_init, on_configuration_changed or an injected
//! script) that no peer repeats while loading, so a joining client lacks it.

use super::{origin, subject, with_chain};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::model::{Context, FastSet, Model, RegKind, Registration};
use std::collections::BTreeMap;

pub struct RegistrationOutsideControl;

/// Registrations that every peer makes while loading (control.lua or on_load), or that
/// might: code the model cannot place (a function only kept for later) could run then.
fn is_persistent(model: &Model, registration: &Registration) -> bool {
    let contexts = model.registration_contexts(registration);
    contexts.is_empty()
        || contexts
            .iter()
            .any(|c| matches!(c, Context::Load | Context::OnLoad))
}

fn context_phrase(context: Context, origin: &str) -> String {
    match context {
        Context::OnInit => "in on_init".to_string(),
        Context::OnConfigurationChanged => "in on_configuration_changed".to_string(),
        Context::Injected => format!("in {origin}"),
        _ => format!("from {origin}"),
    }
}

impl Rule for RegistrationOutsideControl {
    fn code(&self) -> &'static str {
        "FL101"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let persistent: Vec<&Registration> = model
            .registrations
            .iter()
            .filter(|r| is_persistent(model, r))
            .collect();
        let persistent_keys: FastSet<(RegKind, String)> = persistent
            .iter()
            .filter_map(|p| Some((p.kind, model.registration_key(p)?)))
            .collect();
        let persists = |r: &Registration| {
            let same_handler = || {
                r.handler.is_some()
                    && persistent
                        .iter()
                        .any(|p| p.kind == r.kind && !p.name_known && p.handler == r.handler)
            };
            match model.registration_key(r) {
                // The same name, or the same run-time expression (`storage.period` at load and
                // at run time); two different run-time values do not excuse each other, unless
                // they are registered with the same handler (an id fetched in on_init and kept
                // in storage for on_load).
                Some(key) if r.name_known => persistent_keys.contains(&(r.kind, key)),
                Some(key) => persistent_keys.contains(&(r.kind, key)) || same_handler(),
                // A run-time value of no recognisable form: cannot tell it from one made at load.
                None => persistent.iter().any(|p| p.kind == r.kind && !p.name_known),
            }
        };
        // One finding per registering call, naming everything it leaves out.
        let mut by_call: BTreeMap<(usize, u32), Vec<&Registration>> = BTreeMap::new();
        for registration in &model.registrations {
            if registration.via_event_handler {
                continue;
            }
            let contexts = model.registration_contexts(registration);
            let injected = contexts.contains(&Context::Injected);
            let runtime_only = !contexts.is_empty() && contexts.iter().all(|c| c.is_runtime());
            if injected || (runtime_only && !persists(registration)) {
                by_call
                    .entry((registration.call.file, registration.call.call))
                    .or_default()
                    .push(registration);
            }
        }
        for registrations in by_call.values() {
            out.push(diagnostic(unit, model, registrations));
        }
    }
}

fn diagnostic(unit: &UnitFacts<'_>, model: &Model, registrations: &[&Registration]) -> Diagnostic {
    let first = registrations[0];
    let file = &unit.files[first.call.file];
    let call = file.ir.call(first.call.call);
    let contexts = model.registration_contexts(first);
    let context = contexts
        .iter()
        .copied()
        .find(|c| c.is_runtime())
        .unwrap_or(Context::Event);
    let origin = origin(model, first.call, context);

    let names: Vec<String> = registrations
        .iter()
        .map(|r| subject(r.kind, &r.name))
        .collect();
    let (registered, verb) = match names.as_slice() {
        [one] => (one.clone(), "is"),
        [rest @ .., last] => (format!("{} and {last}", rest.join(", ")), "are"),
        [] => (String::new(), "is"),
    };
    let message = if context == Context::Injected {
        format!(
            "{registered} {verb} registered by an injected script; joining clients never run it"
        )
    } else {
        format!(
            "{registered} {verb} registered only {}, never while the mod loads",
            context_phrase(context, &origin)
        )
    };
    let diagnostic =
        Diagnostic::new("FL101", file.id, call.callee_span, message).with_label("registered here");

    let diagnostic = with_chain(diagnostic, unit, first.call, context);

    let joiner = match first.kind {
        RegKind::Event | RegKind::NthTick => {
            "Factorio compares each mod's registered events and nth-tick periods when a player joins: \
             the save has this one, the joining client (which only runs control.lua and on_load) does not, \
             and the join fails with `multiplayer.script-event-mismatch`"
        }
        RegKind::Command => {
            "custom commands are not saved with the map: after the save is loaded, and on every client that joins \
             (which only runs control.lua and on_load), the command does not exist unless the mod adds it again while loading"
        }
        RegKind::Remote => {
            "remote interfaces are not saved with the map: after the save is loaded, and on every client that joins \
             (which only runs control.lua and on_load), the interface does not exist, so a `remote.call` to it fails \
             there while it works on the host"
        }
        _ => "a joining client only runs control.lua and on_load, so it never makes this registration and its state differs from the host's",
    };
    let help = match (context, first.kind) {
        (Context::Injected, _) => "register every handler in control.lua when the mod or scenario loads; injected code should only fill in what those handlers call",
        (_, RegKind::Command) => "add the command at the top level of control.lua, which every peer runs on every load; check in its handler whether it may run now",
        (_, RegKind::Remote) => "call `remote.add_interface` at the top level of control.lua, which every peer runs on every load",
        _ => "register it at the top level of control.lua; or, if it depends on saved state, also register it in `script.on_load` when `storage` says it is on",
    };
    diagnostic.with_note(joiner).with_help(help)
}
