//! FL303 unregistered-metatable: `setmetatable` on a table that is (or flows into) `storage`,
//! with a metatable that is neither registered with `script.register_metatable` while the mod
//! loads nor set again in on_load. Factorio saves the table without it.

use super::{stores, walk_stored, StoredPart, Visit};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::*;
use crate::semantic::model::{Context, FastSet, FnRef, Model, Origin};
use crate::source::Span;
use std::collections::BTreeMap;

pub struct UnregisteredMetatable;

impl Rule for UnregisteredMetatable {
    fn code(&self) -> &'static str {
        "FL303"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        // Findings lie at `setmetatable` calls of the files in scope: without one, there is
        // nothing to judge (most units).
        let sets_metatables =
            unit.files.iter().enumerate().any(|(index, file)| {
                unit.in_scope(index) && file.ir.calls.iter().any(is_setmetatable)
            });
        if !sets_metatables {
            return;
        }
        // Each `setmetatable` call whose table is saved, with the first place it is saved.
        let mut saved: BTreeMap<(usize, CallId), (usize, Span, String)> = BTreeMap::new();
        for (file_index, facts) in unit.files.iter().enumerate() {
            for store in stores(model, file_index) {
                let start = StoredPart {
                    file: file_index,
                    value: store.value,
                    span: store.value_span,
                    field: None,
                };
                walk_stored(model, start, 0, &mut |part| match metatable_call(
                    model, part.file, part.value,
                ) {
                    Some(call) => {
                        saved
                            .entry((part.file, call))
                            .or_insert_with(|| (file_index, store.target_span, store.path.clone()));
                        Visit::Stop
                    }
                    None => Visit::Descend,
                });
            }
            if crate::rules::is_test_code(facts.rel) {
                // Test code's `global`/`storage` is its own stand-in (see `stores`).
                continue;
            }
            // `setmetatable(storage.x, mt)`
            for (id, call) in facts.ir.calls.iter().enumerate() {
                if is_setmetatable(call) {
                    if let Some(path) = call
                        .args
                        .first()
                        .and_then(|t| model.storage_path(file_index, t))
                    {
                        saved
                            .entry((file_index, id as CallId))
                            .or_insert((file_index, call.span, path));
                    }
                }
            }
        }
        // Reported at the call: stores anywhere find it, only those in scope are judged.
        saved.retain(|(file, _), _| unit.in_scope(*file));
        if saved.is_empty() {
            return;
        }
        let restored = restored_metatables(model);
        for ((file, call_id), (store_file, store_span, path)) in saved {
            let call = model.ir(file).call(call_id);
            let Some(metatable) = call.args.get(1) else {
                continue;
            };
            let origins = origin_keys(model, file, metatable);
            // A metatable the model cannot see built is unknown: no finding.
            let built = origins.iter().any(|o| o.starts_with("T:"));
            if !built
                || origins.iter().any(|o| restored.contains(o))
                || gives_nothing(model, file, metatable)
            {
                continue;
            }
            let (what, help) = match metatable {
                Value::Table(_) => (
                    "a metatable built at this call".to_string(),
                    "define the metatable once at the top level of the file, register it there with \
                     `script.register_metatable(name, metatable)` and use that table here; or set it again on every saved \
                     table in on_load"
                        .to_string(),
                ),
                _ => {
                    let name = model.ir(file).describe(metatable);
                    (
                        format!("the metatable `{name}`"),
                        format!(
                            "register it once at the top level of the file that defines it \
                             (`script.register_metatable(\"{name}\", {name})`), or set it again on every saved table in on_load"
                        ),
                    )
                }
            };
            let mut diagnostic = Diagnostic::new(
                "FL303",
                unit.files[file].id,
                call.span,
                format!(
                    "a table saved in `{path}` gets {what}, which is not registered with `script.register_metatable`"
                ),
            )
            .with_label("metatable set here")
            .with_note(
                "Factorio saves the table but not its metatable: tables with unregistered metatables come back as plain tables \
                 after a save/load, so every peer that loaded the map (a joining client too) loses the methods while the host \
                 still has them until it reloads",
            )
            .with_help(help);
            if store_span != call.span {
                diagnostic =
                    diagnostic.with_secondary(unit.files[store_file].id, store_span, "saved here");
            }
            out.push(diagnostic);
        }
    }
}

/// A metatable that gives its tables nothing: no metamethod but `__index`, and `__index` a
/// table of plain functions that take no `self` (`function Marker.text(marker)`, not
/// `function Marker:text()`): they are called through the class, not through the saved
/// table, so losing the metatable on load changes nothing.
fn gives_nothing<'a>(model: &Model<'a>, file: usize, metatable: &'a Value) -> bool {
    let entries = model.table_entries(file, metatable);
    if entries.is_empty() {
        return false;
    }
    let own = origin_keys(model, file, metatable);
    let plain_function = |f: usize, value: &'a Value| {
        let functions = model.callees(f, value);
        !functions.is_empty()
            && functions.iter().all(|g| {
                let ir = model.ir(g.file);
                ir.function(g.func)
                    .params
                    .first()
                    .is_none_or(|p| ir.binding(*p).name != "self")
            })
    };
    entries.iter().all(|&(f, key, value)| match key {
        Key::Name(name) if name == "__index" => {
            // Itself (`Tag.__index = Tag`): its own entries are checked here; another table's
            // entries must be plain functions too.
            origin_keys(model, f, value).iter().all(|o| own.contains(o)) || {
                let members = model.table_entries(f, value);
                !members.is_empty()
                    && members.iter().all(|&(mf, mkey, mvalue)| {
                        matches!(mkey, Key::Name(n) if !n.starts_with("__"))
                            && plain_function(mf, mvalue)
                    })
            }
        }
        Key::Name(name) => !name.starts_with("__") && plain_function(f, value),
        Key::Dynamic(_) => false,
    })
}

fn is_setmetatable(call: &Call) -> bool {
    matches!(&call.callee, Value::Global(name) if name == "setmetatable")
}

/// The `setmetatable` call that gives `value` its metatable: the value is its result, or a
/// local that is given one or passed to one in the same file.
fn metatable_call(model: &Model, file: usize, value: &Value) -> Option<CallId> {
    let ir = model.ir(file);
    let from_call = |v: &Value| match v {
        Value::Call(id) if is_setmetatable(ir.call(*id)) => Some(*id),
        _ => None,
    };
    match value {
        Value::Call(_) => from_call(value),
        Value::Local(binding) if ir.binding(*binding).kind == BindingKind::Local => ir
            .binding(*binding)
            .values
            .iter()
            .find_map(from_call)
            .or_else(|| {
                ir.calls
                    .iter()
                    .position(|c| {
                        is_setmetatable(c) && c.args.first() == Some(&Value::Local(*binding))
                    })
                    .map(|i| i as CallId)
            }),
        _ => None,
    }
}

/// Metatables that survive a save/load: registered with `script.register_metatable` while the
/// mod loads (or in code the model cannot place), or set again in on_load.
fn restored_metatables(model: &Model) -> FastSet<String> {
    let mut restored = FastSet::default();
    for (file, facts) in model.files.iter().enumerate() {
        for call in &facts.ir.calls {
            let contexts = || {
                model.contexts(FnRef {
                    file,
                    func: call.func,
                })
            };
            // Both take the metatable second: a call with fewer arguments restores none (and
            // need not be evaluated).
            let metatable = if call.args.len() < 2 {
                None
            } else if is_setmetatable(call) {
                call.args
                    .get(1)
                    .filter(|_| contexts().contains(&Context::OnLoad))
            } else if model.is_api(file, &call.callee, "script.register_metatable") {
                let contexts = contexts();
                let at_load = contexts.is_empty() || contexts.contains(&Context::Load);
                call.args.get(1).filter(|_| at_load)
            } else {
                None
            };
            if let Some(metatable) = metatable {
                restored.extend(origin_keys(model, file, metatable));
            }
        }
    }
    restored
}

/// What a metatable value can be, as comparable keys: the same table constructor, local or
/// field path gives the same key.
fn origin_keys(model: &Model, file: usize, value: &Value) -> Vec<String> {
    model
        .eval(file, value)
        .into_iter()
        .map(|origin| match origin {
            Origin::Func(f) => format!("F:{}:{}", f.file, f.func),
            Origin::Table { file, fields } => format!("T:{file}:{:p}", fields.as_ptr()),
            Origin::Path(path) => format!("P:{path}"),
            Origin::External(path) => format!("E:{path}"),
        })
        .collect()
}
