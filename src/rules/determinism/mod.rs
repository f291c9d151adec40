//! Determinism rules: work whose outcome follows an order or a state that can differ between
//! peers. Shared here: which loops iterate with `pairs()`.

pub mod pairs_order_registration;
pub mod pairs_order_storage_write;
pub mod state_outside_storage;

use crate::semantic::ir::*;

/// The `pairs` loops of a file, except over an array the code sorts itself: `pairs` walks
/// integer keys 1..n in order, like `ipairs`.
pub(super) fn pairs_loops(ir: &FileIr) -> impl Iterator<Item = (LoopId, &Loop)> {
    ir.loops
        .iter()
        .enumerate()
        .filter(|(_, l)| match &l.kind {
            LoopKind::Pairs(Value::Local(binding)) => !is_sorted(ir, *binding),
            LoopKind::Pairs(_) => true,
            _ => false,
        })
        .map(|(i, l)| (i as LoopId, l))
}

/// `table.sort(t)` is called on the local `t`.
pub(super) fn is_sorted(ir: &FileIr, binding: BindingId) -> bool {
    ir.calls.iter().any(|c| {
        c.callee.global_path().as_deref() == Some(&["table", "sort"][..])
            && c.args.first() == Some(&Value::Local(binding))
    })
}
