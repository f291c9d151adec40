//! Storage rules: what is put into `storage`. Shared here: the places a mod writes into
//! storage, and the parts of each value written there (the value, the fields of the tables it
//! builds, through locals, one call level of returns and of parameters).

pub mod storage_userdata;
pub mod unregistered_metatable;
pub mod unsaveable_storage_value;

use crate::rules::is_test_code;
use crate::semantic::ir::*;
use crate::semantic::model::Model;
use crate::source::Span;

/// A value written into storage: `storage.x[k] = value` or `table.insert(storage.x, value)`.
pub(super) struct Store<'a> {
    /// `storage.x[…]`
    pub path: String,
    pub value: &'a Value,
    pub value_span: Span,
    /// The assignment target or the `table.insert` call.
    pub target_span: Span,
}

/// Every write into storage in `file`. None in test code (`tests/`, `spec/`): it runs outside
/// Factorio, where nothing is saved and `global`/`storage` are the test's own stand-ins.
pub(super) fn stores<'a>(model: &Model<'a>, file: usize) -> Vec<Store<'a>> {
    let mut out = Vec::new();
    if is_test_code(model.files[file].rel) {
        return out;
    }
    let ir = model.ir(file);
    for assign in &ir.assigns {
        // `alias = v` rebinds a local that pointed into storage; it writes nothing there.
        if !matches!(assign.target, Value::Index(..)) {
            continue;
        }
        if let Some(path) = model.storage_path(file, &assign.target) {
            out.push(Store {
                path,
                value: &assign.value,
                value_span: assign.value_span,
                target_span: assign.span,
            });
        }
    }
    for call in &ir.calls {
        if !call.callee.is_global_path(&["table", "insert"]) || call.args.len() < 2 {
            continue;
        }
        if let Some(path) = model.storage_path(file, &call.args[0]) {
            let last = call.args.len() - 1;
            out.push(Store {
                path,
                value: &call.args[last],
                value_span: call.arg_spans[last],
                target_span: call.span,
            });
        }
    }
    out
}

/// One part of a value being saved: the value itself, a field of a table it builds, or what
/// a called function returns or a caller passes for a parameter.
#[derive(Clone)]
pub(super) struct StoredPart<'a> {
    pub file: usize,
    pub value: &'a Value,
    pub span: Span,
    /// `entity = …` inside a table constructor: the field name.
    pub field: Option<String>,
}

/// What a visitor says about a part.
#[derive(PartialEq, Eq)]
pub(super) enum Visit {
    /// Reported or judged: do not look inside.
    Stop,
    /// Look at the parts it is built from.
    Descend,
}

/// Steps followed (fields, locals, returns, parameters): enough for a constructor's field
/// handed through two helpers to the one that saves it.
const MAX_DEPTH: u32 = 8;

/// Visits `value` and, where the visitor descends, the parts it is built from: fields of a
/// table constructor (also one held by a local, with fields assigned to the local later),
/// the values a called function of the mod returns (also into a local), and what callers pass
/// for a parameter.
pub(super) fn walk_stored<'a>(
    model: &Model<'a>,
    part: StoredPart<'a>,
    depth: u32,
    visit: &mut dyn FnMut(&StoredPart<'a>) -> Visit,
) {
    if depth > MAX_DEPTH || visit(&part) == Visit::Stop {
        return;
    }
    let ir = model.ir(part.file);
    let inner = |value: &'a Value, span: Span, field: Option<String>, file: usize| StoredPart {
        file,
        value,
        span,
        // A part inside a named field keeps the outermost name.
        field: part.field.clone().or(field),
    };
    let mut parts: Vec<StoredPart<'a>> = Vec::new();
    let constructor_fields = |fields: &'a [TableField], parts: &mut Vec<StoredPart<'a>>| {
        for field in fields {
            let name = match &field.key {
                Some(Key::Name(name)) => Some(name.to_string()),
                _ => None,
            };
            parts.push(inner(&field.value, field.span, name, part.file));
        }
    };
    match part.value {
        Value::Table(fields) => constructor_fields(fields, &mut parts),
        Value::Local(binding) => {
            let info = ir.binding(*binding);
            match info.kind {
                // A local that is a plain table built here, and what is put into it later.
                BindingKind::Local => {
                    if let [Value::Table(fields)] = info.values.as_slice() {
                        constructor_fields(fields, &mut parts);
                        for assign in &ir.assigns {
                            if let Value::Index(base, key) = &assign.target {
                                if **base == Value::Local(*binding) {
                                    let name = match key {
                                        Key::Name(name) => Some(name.to_string()),
                                        Key::Dynamic(_) => None,
                                    };
                                    parts.push(inner(
                                        &assign.value,
                                        assign.value_span,
                                        name,
                                        part.file,
                                    ));
                                }
                            }
                        }
                    }
                    // What a function of the mod builds for it (`local q = new_queue(cmp)`),
                    // also when on_load rebinds it to the saved copy later.
                    for value in info.values.iter().filter(|v| matches!(v, Value::Call(_))) {
                        parts.push(inner(value, part.span, None, part.file));
                    }
                }
                // What each caller passes (and, level by level, their callers).
                BindingKind::Param => {
                    for (caller_file, arg) in model.arguments_for(part.file, *binding) {
                        let span = argument_span(model, caller_file, arg).unwrap_or(part.span);
                        parts.push(inner(arg, span, None, caller_file));
                    }
                }
                _ => {}
            }
        }
        // A table built by a function of the mod and returned.
        Value::Call(call) => {
            let call = ir.call(*call);
            for callee in model.callees(part.file, &call.callee) {
                let function = model.ir(callee.file).function(callee.func);
                for values in &function.returns {
                    if let Some(value @ (Value::Table(_) | Value::Local(_) | Value::Call(_))) =
                        values.first()
                    {
                        // A closure handing back what its creator was given (`function()
                        // return default end`) returns it only on the creator's branch that
                        // made that closure, which callers' other arguments never take.
                        if let Value::Local(b) = value {
                            let binding = model.ir(callee.file).binding(*b);
                            if binding.kind == BindingKind::Param && binding.func != callee.func {
                                continue;
                            }
                        }
                        let span = return_span(model, callee.file, value).unwrap_or(part.span);
                        parts.push(inner(value, span, None, callee.file));
                    }
                }
            }
        }
        Value::Either(a, b) => {
            parts.push(inner(a, part.span, None, part.file));
            parts.push(inner(b, part.span, None, part.file));
        }
        _ => {}
    }
    for inner in parts {
        walk_stored(model, inner, depth + 1, visit);
    }
}

/// Where a caller passes `arg` (the argument's own span).
fn argument_span(model: &Model, file: usize, arg: &Value) -> Option<Span> {
    model.ir(file).calls.iter().find_map(|call| {
        call.args
            .iter()
            .position(|a| std::ptr::eq(a, arg))
            .and_then(|i| call.arg_spans.get(i).copied())
    })
}

/// Where a function returns `value`: the span of a call or constructor inside it, if the IR
/// knows one; otherwise the function head.
fn return_span(model: &Model, file: usize, value: &Value) -> Option<Span> {
    let ir = model.ir(file);
    match value {
        Value::Call(call) => Some(ir.call(*call).span),
        _ => ir.functions.iter().find_map(|f| {
            f.returns
                .iter()
                .any(|values| values.first().is_some_and(|v| std::ptr::eq(v, value)))
                .then_some(f.head_span)
        }),
    }
}
