//! FL201 pairs-order-registration: event or command registration in the order of a `pairs()`
//! loop.

use super::pairs_loops;
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::*;
use crate::semantic::model::{FnRef, RegKind};
use crate::semantic::FileFacts;
use std::collections::HashSet;

pub struct PairsOrderRegistration;

impl Rule for PairsOrderRegistration {
    fn code(&self) -> &'static str {
        "FL201"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let registering = |f: FnRef| {
            model.registrations.iter().find(|r| {
                matches!(r.kind, RegKind::Event | RegKind::NthTick | RegKind::Command)
                    && !r.via_event_handler
                    && r.call.file == f.file
                    && model.ir(f.file).call(r.call.call).func == f.func
            })
        };
        let mut reported = HashSet::new();
        for (file_index, file) in unit.files.iter().enumerate() {
            for (loop_id, pairs_loop) in pairs_loops(file.ir) {
                for (call_id, call) in file.ir.calls.iter().enumerate() {
                    if !call.loops.contains(&loop_id) {
                        continue;
                    }
                    // Directly, or in the body of the function called in the loop (one level:
                    // deeper chains are too far from the loop to blame it).
                    let direct = model.registrations.iter().find(|r| {
                        r.call.file == file_index
                            && r.call.call == call_id as CallId
                            && r.kind != RegKind::Remote
                    });
                    let (registration, through) = match direct {
                        Some(r)
                            if matches!(
                                r.kind,
                                RegKind::Event | RegKind::NthTick | RegKind::Command
                            ) =>
                        {
                            (r, false)
                        }
                        Some(_) => continue,
                        None => {
                            let callees = model.callees(file_index, &call.callee);
                            let found = callees.iter().find_map(|f| registering(*f));
                            match found {
                                Some(r) => (r, true),
                                None => continue,
                            }
                        }
                    };
                    if !reported.insert((file_index, call_id)) {
                        continue;
                    }
                    out.push(registration_in_pairs(
                        unit,
                        file,
                        pairs_loop,
                        call,
                        registration,
                        through,
                    ));
                }
            }
        }
    }
}

fn registration_in_pairs(
    unit: &UnitFacts<'_>,
    file: &FileFacts,
    pairs_loop: &Loop,
    call: &Call,
    registration: &crate::semantic::model::Registration,
    through: bool,
) -> Diagnostic {
    let what = match registration.kind {
        RegKind::Command => "commands are registered",
        RegKind::NthTick => "nth-tick handlers are registered",
        _ => "event handlers are registered",
    };
    let message = format!("{what} in the order of a `pairs()` loop");
    let mut diagnostic = Diagnostic::new("FL201", file.id, call.callee_span, message)
        .with_label(if through {
            "this call registers handlers"
        } else {
            "registered in pairs() order"
        })
        .with_secondary(
            file.id,
            pairs_loop.span,
            "iterates in the table's insertion order",
        );
    if through {
        let reg_file = &unit.files[registration.call.file];
        let reg_call = reg_file.ir.call(registration.call.call);
        diagnostic = diagnostic.with_secondary(
            reg_file.id,
            reg_call.callee_span,
            "the registration it reaches",
        );
    }
    diagnostic
        .with_note(
            "Factorio's pairs() is deterministic (insertion order), and a joining client's check compares the set of \
             registered events, not their order; but when the iterated table is built from state that can differ \
             between peers, the registrations differ too",
        )
        .with_help("iterate a fixed array with ipairs(), or collect the keys, table.sort() them and register in that order")
}
