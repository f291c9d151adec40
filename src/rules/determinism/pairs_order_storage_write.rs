//! FL202 pairs-order-storage-write: `storage` written in the order of a `pairs()` loop, or a
//! table built in that order saved into `storage`.

use super::{is_sorted, pairs_loops};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::*;
use crate::semantic::model::{FnRef, Model};
use std::collections::BTreeSet;

pub struct PairsOrderStorageWrite;

impl Rule for PairsOrderStorageWrite {
    fn code(&self) -> &'static str {
        "FL202"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        for (file_index, file) in unit.files.iter().enumerate() {
            let ir = file.ir;
            for (loop_id, pairs_loop) in pairs_loops(ir) {
                let mut seen_targets = BTreeSet::new();
                for write in ordered_writes_in_loop(model, file_index, loop_id) {
                    if seen_targets.insert(write.span.start) {
                        out.push(
                            Diagnostic::new("FL202", file.id, write.span, write.message)
                                .with_label(write.label)
                                .with_secondary(file.id, pairs_loop.span, "iterates in the table's insertion order")
                                .with_note(ORDER_NOTE)
                                .with_help(
                                    "collect the keys, table.sort() them and iterate with ipairs(); or key the saved table by the loop's key instead of appending",
                                ),
                        );
                    }
                }
            }
            // Tables built in pairs() order that are then saved.
            for assign in &ir.assigns {
                let Some(path) = model.storage_path(file_index, &assign.target) else {
                    continue;
                };
                if let Some((builder_file, builder_loop, local_name)) =
                    pairs_built_table(model, file_index, &assign.value, 0)
                {
                    let builder = &unit.files[builder_file];
                    out.push(
                        Diagnostic::new(
                            "FL202",
                            file.id,
                            assign.value_span,
                            format!("`{local_name}` is built in `pairs()` order and saved into `{path}`"),
                        )
                        .with_label("saved here")
                        .with_secondary(builder.id, builder.ir.loop_(builder_loop).span, "filled in pairs() order here")
                        .with_note(ORDER_NOTE)
                        .with_help("build it from sorted keys (collect, table.sort(), ipairs()) so its order does not depend on another table's history"),
                    );
                }
            }
        }
    }
}

const ORDER_NOTE: &str = "pairs() follows each table's insertion history; Factorio makes that deterministic for one Lua state, \
                          but a table whose history differs between peers (a cache rebuilt in on_load, state kept outside storage) \
                          iterates differently, and order-dependent writes to storage then diverge and desync";

struct OrderedWrite {
    span: crate::source::Span,
    message: String,
    label: &'static str,
}

/// Writes into storage inside a `pairs` loop whose result depends on the iteration order:
/// appends (`table.insert`, `t[#t + 1]`) and slots numbered by a counter kept in the loop.
fn ordered_writes_in_loop(model: &Model, file: usize, loop_id: LoopId) -> Vec<OrderedWrite> {
    let ir = model.ir(file);
    let mut writes = Vec::new();
    let in_loop = |loops: &[LoopId]| loops.contains(&loop_id);
    // Counters: `n = n + 1` inside the loop.
    let counters: Vec<&Value> = ir
        .assigns
        .iter()
        .filter(|a| {
            in_loop(&a.loops) && matches!(&a.value, Value::Scalar(ops) if ops.contains(&a.target))
        })
        .map(|a| &a.target)
        .collect();
    for assign in ir.assigns.iter().filter(|a| in_loop(&a.loops)) {
        let Value::Index(base, Key::Dynamic(key)) = &assign.target else {
            continue;
        };
        let Some(path) = model.storage_path(file, base) else {
            continue;
        };
        let appends = key.any(&mut |v| matches!(v, Value::Length(_)));
        let counted = counters.iter().any(|c| key.any(&mut |v| v == *c));
        if appends || counted {
            writes.push(OrderedWrite {
                span: assign.span,
                message: format!("`{path}` gets its entries in `pairs()` order"),
                label: if appends {
                    "appended in loop order"
                } else {
                    "numbered by a counter in loop order"
                },
            });
        }
    }
    for (call_id, call) in ir.calls.iter().enumerate() {
        if !in_loop(&call.loops) {
            continue;
        }
        if let Some(path) = table_insert_target(model, file, call) {
            writes.push(OrderedWrite {
                span: call.span,
                message: format!("`{path}` gets its entries in `pairs()` order"),
                label: "appended in loop order",
            });
            continue;
        }
        // Through a called function that appends to storage.
        let _ = call_id;
        for callee in model.callees(file, &call.callee) {
            if let Some(path) = appends_to_storage(model, callee) {
                writes.push(OrderedWrite {
                    span: call.span,
                    message: format!(
                        "`{path}` gets its entries in `pairs()` order, through this call"
                    ),
                    label: "this call appends to storage",
                });
                break;
            }
        }
    }
    writes
}

/// `table.insert(t, v)` / `table.insert(t, pos, v)` with `t` in storage: the saved path.
fn table_insert_target(model: &Model, file: usize, call: &Call) -> Option<String> {
    if call.callee.global_path()? != ["table", "insert"] {
        return None;
    }
    model.storage_path(file, call.args.first()?)
}

/// A function that appends to storage anywhere in its body (not counting its own loops'
/// order, which FL202 reports where they are).
fn appends_to_storage(model: &Model, f: FnRef) -> Option<String> {
    let ir = model.ir(f.file);
    for call in ir.calls.iter().filter(|c| c.func == f.func) {
        if let Some(path) = table_insert_target(model, f.file, call) {
            return Some(path);
        }
    }
    for assign in ir.assigns.iter().filter(|a| a.func == f.func) {
        if let Value::Index(base, Key::Dynamic(key)) = &assign.target {
            if key.any(&mut |v| matches!(v, Value::Length(_))) {
                if let Some(path) = model.storage_path(f.file, base) {
                    return Some(path);
                }
            }
        }
    }
    None
}

/// When `value` is (or returns) a local table filled inside a `pairs` loop and never sorted:
/// the file and loop that filled it, and the local's name.
fn pairs_built_table(
    model: &Model,
    file: usize,
    value: &Value,
    depth: u32,
) -> Option<(usize, LoopId, String)> {
    if depth > 3 {
        return None;
    }
    let ir = model.ir(file);
    match value {
        Value::Local(binding) => {
            if let Some(found) = filled_in_pairs_loop(ir, *binding) {
                return Some((file, found, ir.binding(*binding).name.clone()));
            }
            // `local saved = build(x)`: follow what the local was given.
            ir.binding(*binding).values.iter().find_map(|v| match v {
                Value::Call(_) => pairs_built_table(model, file, v, depth + 1),
                _ => None,
            })
        }
        Value::Call(call) => {
            let call = ir.call(*call);
            model
                .callees(file, &call.callee)
                .into_iter()
                .find_map(|callee| {
                    let function = model.ir(callee.file).function(callee.func);
                    function
                        .returns
                        .iter()
                        .filter_map(|values| values.first())
                        .find_map(|v| pairs_built_table(model, callee.file, v, depth + 1))
                })
        }
        _ => None,
    }
}

/// The pairs loop that fills the local table `binding` (declared outside it), unless the
/// function sorts the table (the collect-then-sort idiom).
fn filled_in_pairs_loop(ir: &FileIr, binding: BindingId) -> Option<LoopId> {
    let info = ir.binding(binding);
    if !info.values.iter().any(|v| matches!(v, Value::Table(_))) {
        return None;
    }
    if is_sorted(ir, binding) {
        return None;
    }
    let is_pairs = |l: &LoopId| matches!(ir.loop_(*l).kind, LoopKind::Pairs(_));
    let from_assign = ir.assigns.iter().find_map(|a| match &a.target {
        Value::Index(base, _) if **base == Value::Local(binding) => {
            a.loops.iter().copied().find(is_pairs)
        }
        _ => None,
    });
    from_assign.or_else(|| {
        ir.calls.iter().find_map(|c| {
            let is_insert = c.callee.global_path().as_deref() == Some(&["table", "insert"][..]);
            (is_insert && c.args.first() == Some(&Value::Local(binding)))
                .then(|| c.loops.iter().copied().find(is_pairs))
                .flatten()
        })
    })
}
