//! FL202 pairs-order-storage-write: `storage` written in the order of a `pairs()` loop over a
//! table whose order can differ between peers, or a table built in that order saved into
//! `storage`.

use super::{
    deciding_loop, explain_history, is_pairs_loop, iterated, may_run_on_every_peer, pairs_loops,
};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::history::{Histories, History};
use crate::semantic::ir::*;
use crate::semantic::model::{FnRef, Model};
use crate::source::Span;
use std::collections::BTreeMap;

pub struct PairsOrderStorageWrite;

impl Rule for PairsOrderStorageWrite {
    fn code(&self) -> &'static str {
        "FL202"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let histories = Histories::new(model);
        let scope = unit.unit.config.options.pairs_order;
        for (file_index, file) in unit.files.iter().enumerate() {
            // Each finding lies at its write or its saving assignment, in this file.
            if !unit.in_scope(file_index) {
                continue;
            }
            let ir = file.ir;
            // One finding per write, however many pairs loops it sits in.
            let mut writes: BTreeMap<(usize, usize), (OrderedWrite, Vec<LoopId>)> = BTreeMap::new();
            for (loop_id, _) in pairs_loops(ir) {
                for write in ordered_writes_in_loop(model, file_index, loop_id) {
                    let key = (write.span.start, write.span.end);
                    writes
                        .entry(key)
                        .or_insert_with(|| (write, Vec::new()))
                        .1
                        .push(loop_id);
                }
            }
            for (write, ordering_loops) in writes.into_values() {
                if !may_run_on_every_peer(model, file_index, write.func) {
                    continue;
                }
                let Some((loop_id, history)) = deciding_loop(
                    &histories,
                    file_index,
                    ir,
                    &write.loops,
                    scope,
                    false,
                    |l| ordering_loops.contains(&l),
                ) else {
                    continue;
                };
                let table = ir.describe(iterated(ir, loop_id));
                let diagnostic = Diagnostic::new("FL202", file.id, write.span, write.message)
                    .with_label(write.label)
                    .with_secondary(
                        file.id,
                        ir.loop_(loop_id).span,
                        format!("iterates `{table}` in its insertion order"),
                    );
                out.push(
                    explain_history(unit, &table, &history, scope, diagnostic)
                        .with_help(help(&history)),
                );
            }
            // Tables built in pairs() order that are then saved.
            for assign in &ir.assigns {
                // Only a local or a call result can be a table built elsewhere (see
                // `pairs_built_table`): asked first, it spares the other questions.
                if !matches!(assign.value, Value::Local(_) | Value::Call(_))
                    || !may_run_on_every_peer(model, file_index, assign.func)
                {
                    continue;
                }
                let Some(path) = model.storage_path(file_index, &assign.target) else {
                    continue;
                };
                let Some(built) = pairs_built_table(model, file_index, &assign.value, 0) else {
                    continue;
                };
                let builder = &unit.files[built.file];
                let Some((loop_id, history)) = deciding_loop(
                    &histories,
                    built.file,
                    builder.ir,
                    &built.loops,
                    scope,
                    false,
                    |_| true,
                ) else {
                    continue;
                };
                let table = builder.ir.describe(iterated(builder.ir, loop_id));
                let diagnostic = Diagnostic::new(
                    "FL202",
                    file.id,
                    assign.value_span,
                    format!(
                        "`{}` is built in `pairs()` order and saved into `{path}`",
                        built.name
                    ),
                )
                .with_label("saved here")
                .with_secondary(
                    builder.id,
                    builder.ir.loop_(loop_id).span,
                    format!("filled in the insertion order of `{table}` here"),
                );
                out.push(
                    explain_history(unit, &table, &history, scope, diagnostic).with_help(
                        "build it from sorted keys (collect, table.sort(), ipairs()) so its order does not depend on another table's history",
                    ),
                );
            }
        }
    }
}

fn help(history: &History) -> &'static str {
    match history {
        History::Differs(_) => {
            "keep the iterated table in `storage` (saved with its history, the same on every peer), or collect its keys, table.sort() them and iterate with ipairs()"
        }
        _ => {
            "collect the keys, table.sort() them and iterate with ipairs(); or key the saved table by the loop's key instead of appending"
        }
    }
}

struct OrderedWrite {
    span: Span,
    message: String,
    label: &'static str,
    /// Every loop around the write, outermost first.
    loops: Vec<LoopId>,
    /// The function the write is in.
    func: FuncId,
}

/// Writes into storage inside a `pairs` loop whose result depends on that loop's order:
/// appends (`table.insert`, `t[#t + 1]`) and slots numbered by a counter kept in the loop,
/// also through a function called in the loop.
fn ordered_writes_in_loop(model: &Model, file: usize, loop_id: LoopId) -> Vec<OrderedWrite> {
    let ir = model.ir(file);
    let mut writes = Vec::new();
    for assign in ir.assigns.iter().filter(|a| a.loops.contains(&loop_id)) {
        let Value::Index(base, Key::Dynamic(key)) = &assign.target else {
            continue;
        };
        let Some(order) = ordered_key(ir, key, loop_id) else {
            continue;
        };
        let Some(path) = model.storage_path(file, base) else {
            continue;
        };
        writes.push(OrderedWrite {
            span: assign.span,
            message: format!("`{path}` gets its entries in `pairs()` order"),
            label: order.label(),
            loops: assign.loops.clone(),
            func: assign.func,
        });
    }
    for call in ir.calls.iter().filter(|c| c.loops.contains(&loop_id)) {
        if let Some(path) = table_insert_target(model, file, call) {
            writes.push(OrderedWrite {
                span: call.span,
                message: format!("`{path}` gets its entries in `pairs()` order"),
                label: "appended in loop order",
                loops: call.loops.clone(),
                func: call.func,
            });
            continue;
        }
        // Through a called function that appends to storage.
        for callee in model.callees(file, &call.callee) {
            if let Some(path) = appends_to_storage(model, callee) {
                writes.push(OrderedWrite {
                    span: call.span,
                    message: format!(
                        "`{path}` gets its entries in `pairs()` order, through this call"
                    ),
                    label: "this call appends to storage",
                    loops: call.loops.clone(),
                    func: call.func,
                });
                break;
            }
        }
    }
    writes
}

/// How a key hands out slots in loop order.
#[derive(Clone, Copy)]
enum Order {
    /// `#t + 1`.
    Append,
    /// A counter incremented in the loop.
    Counter,
}

impl Order {
    fn label(self) -> &'static str {
        match self {
            Order::Append => "appended in loop order",
            Order::Counter => "numbered by a counter in loop order",
        }
    }
}

/// Whether the key `t[key]` takes its slot from the order of `loop_id`: a length (`#t + 1`)
/// or a counter incremented in that loop (`n = n + 1`).
fn ordered_key(ir: &FileIr, key: &Value, loop_id: LoopId) -> Option<Order> {
    // `t[#t + 1]`, or `local slot = #t + 1; t[slot]` with the local made in the loop.
    let through_local = |v: &Value, test: &mut dyn FnMut(&Value) -> bool| {
        test(v)
            || matches!(v, Value::Local(b) if {
                let info = ir.binding(*b);
                info.loops.contains(&loop_id) && info.values.iter().any(|given| given.any(test))
            })
    };
    if key.any(&mut |v| through_local(v, &mut |x| matches!(x, Value::Length(_)))) {
        return Some(Order::Append);
    }
    let counted = ir
        .assigns
        .iter()
        .filter(|a| {
            a.loops.contains(&loop_id)
                && matches!(&a.value, Value::Scalar(ops) if ops.contains(&a.target))
        })
        .any(|counter| key.any(&mut |v| through_local(v, &mut |x| *x == counter.target)));
    counted.then_some(Order::Counter)
}

/// `table.insert(t, v)` / `table.insert(t, pos, v)` with `t` in storage: the saved path.
fn table_insert_target(model: &Model, file: usize, call: &Call) -> Option<String> {
    if !is_table_insert(call) {
        return None;
    }
    model.storage_path(file, call.args.first()?)
}

fn is_table_insert(call: &Call) -> bool {
    call.callee.is_global_path(&["table", "insert"])
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

/// A local table filled in the order of `pairs` loops: where, and its name.
struct BuiltTable {
    file: usize,
    /// The loops whose order decides the table's order, outermost first.
    loops: Vec<LoopId>,
    name: String,
}

/// When `value` is (or returns) a local table filled in `pairs` order and never sorted.
fn pairs_built_table(model: &Model, file: usize, value: &Value, depth: u32) -> Option<BuiltTable> {
    if depth > 3 {
        return None;
    }
    let ir = model.ir(file);
    match value {
        Value::Local(binding) => {
            let loops = ordered_fill_loops(ir, *binding);
            if !loops.is_empty() {
                return Some(BuiltTable {
                    file,
                    loops,
                    name: ir.binding(*binding).name.to_string(),
                });
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

/// The `pairs` loops that put entries into the local table `binding` in their own order
/// (appends, counters), unless the table is sorted. Loops around the declaration do not
/// count (the table is new on each of their turns), nor do keyed writes (`t[k] = v` gives
/// the same entries in any order).
fn ordered_fill_loops(ir: &FileIr, binding: BindingId) -> Vec<LoopId> {
    let info = ir.binding(binding);
    if !info.values.iter().any(|v| matches!(v, Value::Table(_))) || ir.sorts(binding) {
        return Vec::new();
    }
    let is_table = |v: &Value| *v == Value::Local(binding);
    let candidates = |loops: &[LoopId]| -> Vec<LoopId> {
        loops
            .iter()
            .copied()
            .filter(|l| !info.loops.contains(l) && is_pairs_loop(ir, *l))
            .collect()
    };
    let mut found = Vec::new();
    for assign in &ir.assigns {
        let Value::Index(base, Key::Dynamic(key)) = &assign.target else {
            continue;
        };
        if is_table(base) {
            found.extend(
                candidates(&assign.loops)
                    .into_iter()
                    .filter(|l| ordered_key(ir, key, *l).is_some()),
            );
        }
    }
    for call in &ir.calls {
        if is_table_insert(call) && call.args.first().is_some_and(is_table) {
            found.extend(candidates(&call.loops));
        }
    }
    // Loop ids follow the source, so an outer loop comes before the loops inside it.
    found.sort_unstable();
    found.dedup();
    found
}
