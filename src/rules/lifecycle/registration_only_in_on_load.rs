//! FL106 registration-only-in-on-load: an event, nth-tick period, command or remote interface
//! registered in on_load that a new game (which runs on_init, not on_load) never registers.

use super::{caller_of, subject, with_chain};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::{Key, Value};
use crate::semantic::model::{CallRef, Context, FastSet, Model, RegKind, Registration};
use std::collections::BTreeMap;

pub struct RegistrationOnlyInOnLoad;

/// Whether anything else might register the same thing: at load, in on_init, at run time
/// (whether on_load then follows it is FL108's question), or in code the model cannot place.
fn made_elsewhere(model: &Model, r: &Registration) -> bool {
    let Some(key) = model.registration_key(r) else {
        return true;
    };
    model.registrations.iter().any(|q| {
        if q.kind != r.kind || (q.call == r.call && q.name == r.name) {
            return false;
        }
        let same = match model.registration_key(q) {
            Some(k) => k == key,
            // A name only known at run time may be this one.
            None => true,
        } || (key.starts_with('?') && q.handler.is_some() && q.handler == r.handler);
        let contexts = model.registration_contexts(q);
        same && (contexts.is_empty()
            || q.via_event_handler
            || contexts
                .iter()
                .any(|c| !matches!(c, Context::OnLoad | Context::OnConfigurationChanged)))
    })
}

/// Registered in on_load (and perhaps on_configuration_changed, which also never runs for a
/// new game), and nowhere else.
fn only_in_on_load(model: &Model, r: &Registration) -> bool {
    let contexts = model.registration_contexts(r);
    contexts.contains(&Context::OnLoad)
        && contexts
            .iter()
            .all(|c| matches!(c, Context::OnLoad | Context::OnConfigurationChanged))
}

impl Rule for RegistrationOnlyInOnLoad {
    fn code(&self) -> &'static str {
        "FL106"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let registrations = &model.registrations;
        // An on_init the model cannot follow could make any registration.
        if registrations
            .iter()
            .any(|r| r.kind == RegKind::OnInit && r.handler.is_none())
        {
            return;
        }
        let unresolved_in_init = unresolved_names_in_on_init(model);
        let mut by_call: BTreeMap<CallRef, Vec<&Registration>> = BTreeMap::new();
        for r in registrations {
            if r.via_event_handler
                || !matches!(
                    r.kind,
                    RegKind::Event | RegKind::NthTick | RegKind::Command | RegKind::Remote
                )
                || !only_in_on_load(model, r)
            {
                continue;
            }
            // on_init calls something of that name the model could not resolve: it may be
            // the same function.
            let on_the_way = std::iter::once(caller_of(model, r.call)).chain(
                model
                    .chain(caller_of(model, r.call), Context::OnLoad)
                    .into_iter()
                    .map(|(f, _)| f),
            );
            if on_the_way
                .filter_map(|f| simple_name(&model.ir(f.file).function(f.func).name))
                .any(|name| unresolved_in_init.contains(name))
            {
                continue;
            }
            if made_elsewhere(model, r) {
                continue;
            }
            by_call.entry(r.call).or_default().push(r);
        }
        for (call, found) in by_call {
            out.push(diagnostic(unit, call, &found));
        }
    }
}

/// `M.register_events` → `register_events`; `local f` → `f`; nothing for anonymous ones.
fn simple_name(name: &str) -> Option<&str> {
    let last = name.rsplit([' ', '.', ':']).next()?;
    (!last.is_empty() && !last.starts_with('<') && last != "chunk").then_some(last)
}

/// The names of calls made from on_init (through everything it calls) that the model could
/// not resolve to a function: `self:setup()`, `modules[i].init()`.
fn unresolved_names_in_on_init<'m>(model: &'m Model) -> FastSet<&'m str> {
    let mut names = FastSet::default();
    for init in model
        .registrations
        .iter()
        .filter(|r| r.kind == RegKind::OnInit)
        .filter_map(|r| r.handler)
    {
        for f in model.reachable_from(init) {
            let ir = model.ir(f.file);
            for call in ir.calls.iter().filter(|c| c.func == f.func) {
                let name = match &call.callee {
                    Value::Index(_, Key::Name(n)) => n.as_str(),
                    Value::Local(b) => ir.binding(*b).name.as_str(),
                    _ => continue,
                };
                if model.callees(f.file, &call.callee).is_empty() {
                    names.insert(name);
                }
            }
        }
    }
    names
}

fn diagnostic(unit: &UnitFacts<'_>, call: CallRef, found: &[&Registration]) -> Diagnostic {
    let file = &unit.files[call.file];
    let names: Vec<String> = found.iter().map(|r| subject(r.kind, &r.name)).collect();
    let (registered, verb) = match names.as_slice() {
        [one] => (one.clone(), "is"),
        [rest @ .., last] => (format!("{} and {last}", rest.join(", ")), "are"),
        [] => (String::new(), "is"),
    };
    let kind = found[0].kind;
    let message = format!(
        "{registered} {verb} registered only in on_load; a new game, which runs on_init instead, never registers it"
    );
    let call_span = file.ir.call(call.call).callee_span;
    let mut diagnostic = Diagnostic::new("FL106", file.id, call_span, message)
        .with_label("registered only when a save is loaded");
    diagnostic = with_chain(diagnostic, unit, call, Context::OnLoad);
    let note = match kind {
        RegKind::Event | RegKind::NthTick => {
            "on_load runs only when a save is loaded (on the host and on every joining client); a new game runs \
             on_init instead. The host of a new game does not have this handler while a client joining it \
             registers it in on_load, and the join fails with `multiplayer.script-event-mismatch` (\"… was not \
             registered for the following events when the map was saved but has registered them as a result of \
             loading\"); in single player the handler only appears after the first save and load"
        }
        _ => {
            "on_load runs only when a save is loaded; a new game runs on_init instead. Until the game is saved \
             and loaded once, the host does not have it, while every client that joins does"
        }
    };
    diagnostic.with_note(note).with_help(
        "register it at the top level of control.lua, which runs for new and loaded games alike; or make the \
         same registration in on_init as well (Wube's event_handler library registers in both)",
    )
}
