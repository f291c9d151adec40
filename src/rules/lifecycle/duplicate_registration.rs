//! FL110 duplicate-registration: the same event, nth-tick period, lifecycle handler, command
//! or remote interface registered twice where both registrations run, so one replaces the
//! other (or, for commands, loading fails).

use super::subject;
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::model::{CallRef, Context, FastSet, Model, RegKind, Registration};
use std::collections::BTreeMap;

pub struct DuplicateRegistration;

/// The contexts that make up loading a game, in the order they run.
const LOADING: [Context; 4] = [
    Context::Load,
    Context::OnInit,
    Context::OnLoad,
    Context::OnConfigurationChanged,
];

/// Whether registrations made in these two contexts can both run in one session: every pair
/// but on_init with on_load (a new game runs one, a loaded save the other).
fn run_together(a: Context, b: Context) -> bool {
    !matches!(
        (a, b),
        (Context::OnInit, Context::OnLoad) | (Context::OnLoad, Context::OnInit)
    )
}

/// One unconditional registration in one loading context.
#[derive(Clone, Copy)]
struct Made<'r> {
    registration: &'r Registration,
    context: Context,
}

impl Made<'_> {
    /// Where it stands among the others: context order (certain: on_init runs after control.lua),
    /// then file and place (only a stable order: `require` decides which file runs first).
    fn order(&self, model: &Model) -> (Context, usize, usize) {
        let span = model
            .ir(self.registration.call.file)
            .call(self.registration.call.call)
            .span;
        (self.context, self.registration.call.file, span.start)
    }
}

/// Two registrations that differ in effect: different handlers (both known), or any two
/// commands or interfaces (adding one twice is itself the problem).
fn differ(a: &Registration, b: &Registration) -> bool {
    match a.kind {
        RegKind::Command | RegKind::Remote => true,
        _ => matches!((a.handler, b.handler), (Some(x), Some(y)) if x != y),
    }
}

/// Made in this context with no condition on the way from its entry point (nor inside its
/// own function).
fn unconditional(model: &Model, r: &Registration, context: Context) -> bool {
    model.conditions_on_the_way(r.call, context).is_empty()
}

impl Rule for DuplicateRegistration {
    fn code(&self) -> &'static str {
        "FL110"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let mut groups: BTreeMap<(RegKind, String), Vec<Made>> = BTreeMap::new();
        for r in model
            .registrations
            .iter()
            .filter(|r| !r.via_event_handler && r.name_known)
        {
            for context in model.registration_contexts(r) {
                if LOADING.contains(&context) && unconditional(model, r, context) {
                    groups
                        .entry((r.kind, r.name.clone()))
                        .or_default()
                        .push(Made {
                            registration: r,
                            context,
                        });
                }
            }
        }
        let mut reported: FastSet<CallRef> = FastSet::default();
        for made in groups.values() {
            for later in made {
                let earlier = made
                    .iter()
                    .filter(|e| {
                        e.registration.call != later.registration.call
                            && run_together(e.context, later.context)
                            && e.order(model) < later.order(model)
                            && differ(e.registration, later.registration)
                    })
                    .min_by_key(|e| e.order(model));
                if let Some(earlier) = earlier {
                    if reported.insert(later.registration.call) {
                        out.push(twice(unit, earlier, later));
                    }
                }
            }
        }
        event_handler_conflicts(unit, &mut reported, out);
    }
}

fn twice(unit: &UnitFacts<'_>, earlier: &Made, later: &Made) -> Diagnostic {
    let r = later.registration;
    let file = &unit.files[r.call.file];
    let span = file.ir.call(r.call.call).callee_span;
    let e_file = &unit.files[earlier.registration.call.file];
    let e_span = e_file.ir.call(earlier.registration.call.call).callee_span;
    let what = subject(r.kind, &r.name);
    let place = |made: &Made| match made.context {
        Context::Load => "while control.lua loads".to_string(),
        context => format!("in {}", context.name()),
    };
    let same_place = earlier.context == later.context;
    let message = match r.kind {
        RegKind::Command | RegKind::Remote => {
            format!("{what} is added twice {}", place(later))
        }
        _ if same_place => format!(
            "{what} is registered twice {}; only one of the two handlers runs",
            place(later)
        ),
        _ => format!(
            "{what} is registered {} and again {}; the second replaces the first",
            place(earlier),
            place(later)
        ),
    };
    let note = match r.kind {
        RegKind::Command => {
            "adding a command whose name is already in use is an error (\"A script command already exists with \
             the name: …\"), so loading the mod fails"
        }
        RegKind::Remote => {
            "a mod has one remote interface per name; the second `remote.add_interface` with the same name \
             cannot add the functions of the first one to it"
        }
        _ => {
            "each mod has one handler per event (and per nth-tick period, and one on_init, on_load and \
             on_configuration_changed handler): a later registration silently replaces the earlier one, whose \
             handler then never runs"
        }
    };
    Diagnostic::new("FL110", file.id, span, message)
        .with_label("registered again here")
        .with_secondary(e_file.id, e_span, "also registered here")
        .with_note(note)
        .with_help(
            "register once and call both functions from that one handler (or use a library that dispatches \
             to several handlers, such as Wube's event_handler)",
        )
}

/// A mod that uses Wube's `event_handler` library and also registers what it registers: the
/// library's own `script.on_init`/`on_load`/`on_configuration_changed` (made when it is
/// required), and the events of its libs (registered in its on_init and on_load).
fn event_handler_conflicts(
    unit: &UnitFacts<'_>,
    reported: &mut FastSet<CallRef>,
    out: &mut Vec<Diagnostic>,
) {
    let model = &unit.model;
    let libs: Vec<&Registration> = model
        .registrations
        .iter()
        .filter(|r| r.via_event_handler)
        .collect();
    let Some(first_lib) = libs.first() else {
        return;
    };
    for r in model.registrations.iter().filter(|r| !r.via_event_handler) {
        let at_load = model
            .registration_contexts(r)
            .into_iter()
            .any(|c| LOADING.contains(&c) && unconditional(model, r, c));
        if !at_load || reported.contains(&r.call) {
            continue;
        }
        let lib = match r.kind {
            RegKind::OnInit | RegKind::OnLoad | RegKind::OnConfigurationChanged => Some(*first_lib),
            RegKind::Event | RegKind::NthTick if r.name_known => libs
                .iter()
                .find(|l| l.kind == r.kind && l.name_known && l.name == r.name)
                .copied(),
            _ => None,
        };
        let Some(lib) = lib else { continue };
        reported.insert(r.call);
        let file = &unit.files[r.call.file];
        let span = file.ir.call(r.call.call).callee_span;
        let lib_file = &unit.files[lib.call.file];
        let lib_span = lib_file.ir.call(lib.call.call).callee_span;
        let what = subject(r.kind, &r.name);
        let (message, note) = match r.kind {
            RegKind::Event | RegKind::NthTick => (
                format!("{what} is registered here and also by a lib of Wube's event_handler library; only one of them runs"),
                "event_handler registers one handler per event for all its libs, in its own on_init and on_load; \
                 a mod has one handler per event, so the library's registration replaces this one (or this one \
                 replaces the library's, depending on which runs last)",
            ),
            _ => (
                format!("{what} is registered directly in a mod that uses Wube's event_handler library; one of the two replaces the other"),
                "event_handler calls `script.on_init`, `script.on_load` and `script.on_configuration_changed` \
                 itself when it is required, and registers its libs' events from them; a direct registration \
                 replaces the library's (its libs' on_init and events then never run for new games) or is \
                 replaced by it",
            ),
        };
        out.push(
            Diagnostic::new("FL110", file.id, span, message)
                .with_label("registered directly here")
                .with_secondary(lib_file.id, lib_span, "the event_handler lib added here")
                .with_note(note)
                .with_help(
                    "move this handler into a lib table (`lib.on_init`, `lib.events[...]`) and add it with \
                     `handler.add_lib`",
                ),
        );
    }
}
