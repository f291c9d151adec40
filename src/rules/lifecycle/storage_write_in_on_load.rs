//! FL102 storage-write-in-on-load: `storage` written from on_load (directly, through calls,
//! or an `event_handler` lib's `on_load`), where Factorio allows only reading it.

use super::{first_sure_context, placement, with_call_chain};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::*;
use crate::semantic::model::{Context, FastSet, FnRef, Model};
use crate::semantic::storage_writes::StorageWrite;

pub struct StorageWriteInOnLoad;

impl Rule for StorageWriteInOnLoad {
    fn code(&self) -> &'static str {
        "FL102"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let mut reported = FastSet::default();
        for (file_index, file) in unit.files.iter().enumerate() {
            // Only writes in functions that surely run in on_load can be reported.
            let in_on_load = |func| {
                let f = FnRef {
                    file: file_index,
                    func,
                };
                model.sure_reach(f, Context::OnLoad).is_some()
            };
            for write in model.storage_writes_in(file_index, in_on_load) {
                let f = FnRef {
                    file: file_index,
                    func: write.func,
                };
                let Some((_, origin)) = first_sure_context(unit, f, |c| c == Context::OnLoad)
                else {
                    continue;
                };
                if skipped_in_on_load(model, f, &write)
                    || !writes_storage_in_on_load(model, f, &write)
                {
                    continue;
                }
                let root = write.path.split(['.', '[']).next().unwrap_or("storage");
                let placed = placement(unit, f, write.span, Context::OnLoad, |c| {
                    c == Context::OnLoad
                });
                if !reported.insert((placed.file, placed.span)) {
                    continue;
                }
                let written = file.ir.describe(write.place);
                let place = if written == write.path {
                    format!("`{written}`")
                } else {
                    format!("`{written}` (`{}`)", write.path)
                };
                let message = format!(
                    "{place} is {} in on_load{}, where `{root}` may only be read",
                    write.how.verb(),
                    placed.through_phrase()
                );
                let diagnostic = placed.diagnostic(
                    "FL102",
                    unit,
                    message,
                    &format!("writes `{root}` during on_load"),
                    (file_index, write.span, &format!("writes `{root}` here")),
                );
                out.push(
                    with_call_chain(diagnostic, unit, f, Context::OnLoad, &origin)
                        .with_note(format!(
                            "on_load runs on every peer each time a save is loaded, also on a player joining; Factorio compares \
                             `{root}` before and after it and stops loading the mod with \"Detected modifications to the '{root}' \
                             table … on_load() should never change the {root} table\" (1.x: \"Error while running mod-NAME::on_load(). \
                             Detected modifications to the 'global' table: CRC before: … CRC after: …\")"
                        ))
                        .with_help(format!(
                            "create or migrate `{root}` data in on_init and on_configuration_changed; in on_load only read `{root}`: \
                             re-apply metatables, re-register conditional handlers, and set local references to its tables"
                        )),
                );
            }
        }
    }
}

/// The write sits in code that on_load skips: under `if game then` (`game` is nil in
/// on_load), also around a call on the way to it, under a flag parameter that the call reaching it from on_load passes as a
/// literal of the other truthiness (`setup(false)` for `if is_new_game then`), or under a
/// variable that on_init sets (`if is_new_game then`, with `is_new_game = true` in on_init).
fn skipped_in_on_load(model: &Model, f: FnRef, write: &StorageWrite) -> bool {
    if model.skipped_while_loading(f, write.span, Context::OnLoad) {
        return true;
    }
    let ir = model.ir(f.file);
    let params = &ir.function(f.func).params;
    model.is_guarded(f.file, f.func, write.span, |value, truthy| {
        let Value::Local(binding) = value else {
            return false;
        };
        let Some(index) = params.iter().position(|p| p == binding) else {
            return false;
        };
        argument_truthiness(model, f, index).is_some_and(|passed| passed != truthy)
    })
}

/// Whether the literal passed for parameter `index` by the call that reaches `f` from
/// on_load is truthy; `None` when it is not a literal (or `f` is entered another way).
fn argument_truthiness(model: &Model, f: FnRef, index: usize) -> Option<bool> {
    match model.argument_in_context(f, Context::OnLoad, index)? {
        None | Some((_, Value::Nil)) => Some(false),
        Some((_, Value::Bool(b))) => Some(*b),
        Some((_, Value::Number(_) | Value::Str(_) | Value::Table(_) | Value::Function(_))) => {
            Some(true)
        }
        Some(_) => None,
    }
}

/// A write through a parameter (`function reset(list) list.n = 0 end`) writes storage in
/// on_load only when the call reaching it from on_load passes a place in storage.
fn writes_storage_in_on_load(model: &Model, f: FnRef, write: &StorageWrite) -> bool {
    let Some(index) = parameter_root(model, f, write.place, 0) else {
        return true;
    };
    // Entered directly (on_load's own parameters are not storage) or not by a plain call.
    match model.argument_in_context(f, Context::OnLoad, index) {
        Some(Some((file, arg))) => model.storage_path(file, arg).is_some(),
        _ => false,
    }
}

/// The position of `f`'s own parameter that `place` is rooted at, through locals
/// (`local items = list.items; items[k] = v`).
fn parameter_root(model: &Model, f: FnRef, place: &Value, depth: u32) -> Option<usize> {
    if depth > 4 {
        return None;
    }
    let ir = model.ir(f.file);
    match place {
        Value::Index(base, _) => parameter_root(model, f, base, depth),
        Value::Local(binding) => {
            let info = ir.binding(*binding);
            if info.kind == BindingKind::Param {
                return (info.func == f.func)
                    .then(|| ir.function(f.func).params.iter().position(|p| p == binding))
                    .flatten();
            }
            // The local's storage value decides, as in `Model::storage_path`.
            let aliased = info
                .values
                .iter()
                .find(|v| model.storage_path(f.file, v).is_some())?;
            parameter_root(model, f, aliased, depth + 1)
        }
        Value::Either(a, b) => {
            parameter_root(model, f, a, depth).or_else(|| parameter_root(model, f, b, depth))
        }
        _ => None,
    }
}
