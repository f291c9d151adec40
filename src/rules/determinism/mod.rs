//! Determinism rules: work whose outcome follows an order or a state that can differ between
//! peers. Shared here: which loops iterate with `pairs()`, which of them can run in a
//! different order on a joining client, and how a finding explains that.

pub mod pairs_order_registration;
pub mod pairs_order_storage_write;
pub mod state_outside_storage;

use crate::config::PairsOrderScope;
use crate::diagnostics::Diagnostic;
use crate::rules::UnitFacts;
use crate::semantic::history::{DivergenceKind, Histories, History};
use crate::semantic::ir::*;
use crate::semantic::model::{Context, FnRef, Model};

/// The `pairs` loops of a file, except over an array the code sorts itself: `pairs` walks
/// integer keys 1..n in order, like `ipairs`.
pub(super) fn pairs_loops(ir: &FileIr) -> impl Iterator<Item = (LoopId, &Loop)> {
    (0..ir.loops.len() as LoopId)
        .filter(|l| is_pairs_loop(ir, *l))
        .map(|l| (l, ir.loop_(l)))
}

/// Per loop of the file, whether it is one of [`pairs_loops`].
pub(super) fn pairs_loop_flags(ir: &FileIr) -> Vec<bool> {
    (0..ir.loops.len() as LoopId)
        .map(|l| is_pairs_loop(ir, l))
        .collect()
}

pub(super) fn is_pairs_loop(ir: &FileIr, loop_id: LoopId) -> bool {
    match &ir.loop_(loop_id).kind {
        LoopKind::Pairs(Value::Local(binding)) => !ir.sorts(*binding),
        LoopKind::Pairs(_) => true,
        _ => false,
    }
}

/// Whether code in `func` can run on every peer at once during play: in an event, nth-tick,
/// command or remote handler, or an injected script (or where the model cannot tell). What
/// only the host runs (on_init, on_configuration_changed, migrations) reaches joining clients
/// through the save they download, so its order cannot diverge between peers.
pub(super) fn may_run_on_every_peer(model: &Model<'_>, file: usize, func: FuncId) -> bool {
    let contexts = model.contexts(FnRef { file, func });
    contexts.is_empty()
        || contexts.iter().any(|c| {
            matches!(
                c,
                Context::Event | Context::Command | Context::Remote | Context::Injected
            )
        })
}

/// The table a `pairs` loop iterates.
pub(super) fn iterated(ir: &FileIr, loop_id: LoopId) -> &Value {
    match &ir.loop_(loop_id).kind {
        LoopKind::Pairs(table) => table,
        _ => &Value::Unknown,
    }
}

/// Of the `pairs` loops around an order-dependent step (in `file`), the one to report it
/// with, and what is known of the table it iterates; `None` when no loop makes the step a
/// finding.
///
/// A loop over a table the same on every peer never does. A loop over a table that can
/// differ, or one factolint cannot prove the same (in the `unproven` scope), does when the
/// step depends on that loop's order (`order_matters`); with `contents_matter`, a loop over
/// module state written at run time does whatever the order, since its contents differ.
/// Loops whose table can differ come first, the innermost first.
pub(super) fn deciding_loop(
    histories: &Histories<'_, '_>,
    file: usize,
    ir: &FileIr,
    loops: &[LoopId],
    scope: PairsOrderScope,
    contents_matter: bool,
    order_matters: impl Fn(LoopId) -> bool,
) -> Option<(LoopId, History)> {
    let mut unknown = None;
    for &loop_id in loops.iter().rev() {
        if !is_pairs_loop(ir, loop_id) {
            continue;
        }
        let history = histories.of(file, iterated(ir, loop_id));
        match &history {
            History::Same(_) => {}
            History::Differs(d) => {
                let contents_differ = d.how == DivergenceKind::WrittenAtRuntime;
                if (contents_matter && contents_differ) || order_matters(loop_id) {
                    return Some((loop_id, history));
                }
            }
            History::Unknown(_) => {
                if unknown.is_none() && scope == PairsOrderScope::Unproven && order_matters(loop_id)
                {
                    unknown = Some((loop_id, history));
                }
            }
        }
    }
    unknown
}

/// The notes (and a label at the write that makes the table differ) explaining whether the
/// loop's table can differ between peers, and which `pairs-order` scope is on.
pub(super) fn explain_history(
    unit: &UnitFacts<'_>,
    table: &str,
    history: &History,
    scope: PairsOrderScope,
    mut diagnostic: Diagnostic,
) -> Diagnostic {
    let scope_note = match (history, scope) {
        (History::Unknown(_), _) => format!(
            "reported because `[options] pairs-order` is \"{}\" (the default): loops over tables factolint cannot \
             prove identical on every peer are reported as a coding standard; \"can-differ\" reports only tables \
             that can differ between peers",
            scope.as_str()
        ),
        _ => format!(
            "`[options] pairs-order` is \"{}\"; loops over tables that can differ between peers are reported in \
             every scope",
            scope.as_str()
        ),
    };
    match history {
        History::Differs(d) => {
            let written = &unit.files[d.file];
            // `t` itself, or the module state it comes from.
            let subject = if d.name == table {
                format!("`{table}`")
            } else {
                format!(
                    "`{table}` can differ between peers: it comes from `{}`, which",
                    d.name
                )
            };
            let (why, label) = match d.how {
                DivergenceKind::WrittenAtRuntime => (
                    format!(
                        "{subject} is module state written at run time (by {}): a joining client has only what \
                         control.lua builds while loading, so the table's contents and insertion order differ from \
                         the host's",
                        d.origin
                    ),
                    "written at run time here",
                ),
                DivergenceKind::RebuiltInOnLoad => (
                    format!(
                        "{subject} is rebuilt in on_load: a joining client fills it in one go while the host filled \
                         it over time, so its insertion order can differ"
                    ),
                    "rebuilt in on_load here",
                ),
            };
            diagnostic = diagnostic
                .with_secondary(written.id, d.span, label)
                .with_note(why);
        }
        History::Unknown(what) => {
            diagnostic = diagnostic.with_note(format!(
                "factolint cannot prove that `{table}` has the same insertion history on every peer: {what}"
            ));
        }
        History::Same(_) => {}
    }
    diagnostic.with_note(scope_note)
}
