//! FL201 pairs-order-registration: event or command registration in the order of a `pairs()`
//! loop over a table whose contents or order can differ between peers.

use super::{deciding_loop, explain_history, iterated, pairs_loop_flags};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::history::{Histories, History};
use crate::semantic::ir::*;
use crate::semantic::model::{FastMap, FnRef, Model, RegKind, Registration};
use crate::semantic::FileFacts;

pub struct PairsOrderRegistration;

impl Rule for PairsOrderRegistration {
    fn code(&self) -> &'static str {
        "FL201"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let histories = Histories::new(model);
        let scope = unit.unit.config.options.pairs_order;
        let registrations = RegistrationIndex::new(model);
        for (file_index, file) in unit.files.iter().enumerate() {
            // Each finding lies at its call, in the loop's file.
            if !unit.in_scope(file_index) {
                continue;
            }
            let ir = file.ir;
            // Each call inside a `pairs` loop once, in the order of the first such loop around
            // it, then of the calls (what is found does not depend on that loop).
            let is_pairs: Vec<bool> = pairs_loop_flags(ir);
            let mut calls: Vec<(LoopId, usize)> = ir
                .calls
                .iter()
                .enumerate()
                .filter_map(|(call_id, call)| {
                    let first = call
                        .loops
                        .iter()
                        .copied()
                        .filter(|l| is_pairs[*l as usize])
                        .min()?;
                    Some((first, call_id))
                })
                .collect();
            calls.sort_unstable();
            for (_, call_id) in calls {
                let call = &ir.calls[call_id];
                let Some(found) =
                    registrations.registration_by(model, file_index, call_id as CallId)
                else {
                    continue;
                };
                let Some((deciding, history)) =
                    deciding_loop(&histories, file_index, ir, &call.loops, scope, true, |l| {
                        order_matters(model, file_index, call, &found, ir.loop_(l), l)
                    })
                else {
                    continue;
                };
                let table = ir.describe(iterated(ir, deciding));
                let diagnostic = registration_in_pairs(unit, file, deciding, call, &found, &table);
                out.push(
                    explain_history(unit, &table, &history, scope, diagnostic)
                        .with_help(help(&history)),
                );
            }
        }
    }
}

/// A registration a call in a loop makes: itself, or (one level: deeper chains are too far
/// from the loop to blame it) in the body of the function it calls.
struct Found<'m> {
    registration: &'m Registration,
    /// Made in the called function, not by the call itself.
    callee: Option<FnRef>,
}

/// The unit's registrations by the call that makes them and by the function that holds that
/// call: looked up for every call in a `pairs` loop.
struct RegistrationIndex<'m> {
    /// The first registration (other than a remote interface) a call makes.
    by_call: FastMap<(usize, CallId), &'m Registration>,
    /// The first ordered registration made directly (not through an event library) in a
    /// function's body.
    by_function: FastMap<FnRef, &'m Registration>,
}

fn is_ordered_kind(r: &Registration) -> bool {
    matches!(r.kind, RegKind::Event | RegKind::NthTick | RegKind::Command)
}

impl<'m> RegistrationIndex<'m> {
    fn new(model: &'m Model<'_>) -> Self {
        let mut by_call = FastMap::default();
        let mut by_function = FastMap::default();
        for r in &model.registrations {
            if r.kind != RegKind::Remote {
                by_call.entry((r.call.file, r.call.call)).or_insert(r);
            }
            if is_ordered_kind(r) && !r.via_event_handler {
                let f = FnRef {
                    file: r.call.file,
                    func: model.ir(r.call.file).call(r.call.call).func,
                };
                by_function.entry(f).or_insert(r);
            }
        }
        RegistrationIndex {
            by_call,
            by_function,
        }
    }

    fn registration_by(&self, model: &Model<'_>, file: usize, call: CallId) -> Option<Found<'m>> {
        if let Some(r) = self.by_call.get(&(file, call)) {
            return is_ordered_kind(r).then_some(Found {
                registration: r,
                callee: None,
            });
        }
        let callee_value = &model.ir(file).call(call).callee;
        model.callees(file, callee_value).into_iter().find_map(|f| {
            self.by_function.get(&f).map(|r| Found {
                registration: r,
                callee: Some(f),
            })
        })
    }
}

/// Whether what the loop `l` registers depends on its order. It does not when each turn
/// registers a different name (the name is the loop's key, or looked up by it: the set is the
/// table's keys), or when every turn registers the same handler (the set is the names, and
/// nothing is overwritten by a different function): the dispatcher of an event library. Through
/// a called function, neither does a call whose other arguments are the same on every turn:
/// the function then does the same for the same name, whatever the order.
fn order_matters(
    model: &Model<'_>,
    file: usize,
    call: &Call,
    found: &Found<'_>,
    l: &Loop,
    loop_id: LoopId,
) -> bool {
    let ir = model.ir(file);
    let registration = found.registration;
    let reg_ir = model.ir(registration.call.file);
    let reg_call = reg_ir.call(registration.call.call);
    let handler_position = match registration.kind {
        RegKind::Command => 2,
        _ => 1,
    };
    let key = l.vars.first().copied();
    let by_key = |value: &Value| match (value, key) {
        (Value::Local(b), Some(k)) => *b == k,
        (Value::Index(_, Key::Dynamic(index)), Some(k)) => **index == Value::Local(k),
        _ => false,
    };
    match found.callee {
        None => {
            let name_by_key = reg_call.args.first().is_some_and(by_key);
            let fixed_handler = reg_call
                .args
                .get(handler_position)
                .is_some_and(|h| is_fixed_in_loop(ir, h, loop_id));
            !(name_by_key || fixed_handler)
        }
        Some(callee) => {
            let fixed_handler = reg_call
                .args
                .get(handler_position)
                .is_some_and(|h| is_module_level(reg_ir, h));
            // The name is a parameter the loop's call fills.
            let params = &reg_ir.function(callee.func).params;
            let name_position = match reg_call.args.first() {
                Some(Value::Local(b)) => params.iter().position(|p| p == b),
                _ => None,
            };
            let Some(name_position) = name_position else {
                return !fixed_handler;
            };
            let name_by_key = call.args.get(name_position).is_some_and(by_key);
            let same_otherwise = call
                .args
                .iter()
                .enumerate()
                .all(|(i, arg)| i == name_position || is_fixed_in_loop(ir, arg, loop_id));
            !(name_by_key || fixed_handler || same_otherwise)
        }
    }
}

/// A value that is the same on every turn of the loop: it reads no variable of the loop and
/// no local declared inside it, and makes no call and no function (a closure made in the loop
/// can capture its variables).
fn is_fixed_in_loop(ir: &FileIr, value: &Value, loop_id: LoopId) -> bool {
    !value.any(&mut |v| match v {
        Value::Local(b) => {
            let info = ir.binding(*b);
            info.kind == BindingKind::LoopVar(loop_id) || info.loops.contains(&loop_id)
        }
        Value::Call(_) | Value::Function(_) | Value::Vararg | Value::Unknown => true,
        _ => false,
    })
}

/// A name that does not depend on the called function's parameters: a global, a file-level
/// local, or a field path of one.
fn is_module_level(ir: &FileIr, value: &Value) -> bool {
    match value {
        Value::Global(_) => true,
        Value::Index(base, Key::Name(_)) => is_module_level(ir, base),
        Value::Local(b) => ir.binding(*b).func == MAIN_CHUNK,
        _ => false,
    }
}

fn help(history: &History) -> &'static str {
    match history {
        History::Differs(_) => {
            "register from data every peer has: a fixed list, or `storage` (re-registered in on_load from the same data); keep run-time changes in `storage`"
        }
        _ => "iterate a fixed array with ipairs(), or collect the keys, table.sort() them and register in that order",
    }
}

fn registration_in_pairs(
    unit: &UnitFacts<'_>,
    file: &FileFacts,
    loop_id: LoopId,
    call: &Call,
    found: &Found<'_>,
    table: &str,
) -> Diagnostic {
    let registration = found.registration;
    let what = match registration.kind {
        RegKind::Command => "commands are registered",
        RegKind::NthTick => "nth-tick handlers are registered",
        _ => "event handlers are registered",
    };
    let message = format!("{what} in the order of a `pairs()` loop over `{table}`");
    let mut diagnostic = Diagnostic::new("FL201", file.id, call.callee_span, message)
        .with_label(if found.callee.is_some() {
            "this call registers handlers"
        } else {
            "registered in pairs() order"
        })
        .with_secondary(
            file.id,
            file.ir.loop_(loop_id).span,
            format!("iterates `{table}` in its insertion order"),
        );
    if found.callee.is_some() {
        let reg_file = &unit.files[registration.call.file];
        let reg_call = reg_file.ir.call(registration.call.call);
        diagnostic = diagnostic.with_secondary(
            reg_file.id,
            reg_call.callee_span,
            "the registration it reaches",
        );
    }
    diagnostic.with_note(
        "Factorio's pairs() is deterministic (insertion order), and a joining client's check compares the set of \
         registered events, not their order; but when the iterated table differs between peers, so do the \
         registrations (`multiplayer.script-event-mismatch`, or different handlers running)",
    )
}
