//! FL104 require-at-runtime: `require` run after control.lua has loaded: in a handler,
//! command, remote function, on_init, on_configuration_changed, on_load or injected code.

use super::{first_sure_context, placement, where_it_runs, with_call_chain};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::{Call, CallId, FileIr, Value};
use crate::semantic::model::{Context, FastSet, FnRef};
use crate::source::Span;

pub struct RequireAtRuntime;

impl Rule for RequireAtRuntime {
    fn code(&self) -> &'static str {
        "FL104"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let mut reported = FastSet::default();
        for (file_index, file) in unit.files.iter().enumerate() {
            for (id, call, path_at) in file
                .ir
                .calls
                .iter()
                .enumerate()
                .filter_map(|(id, c)| Some((id as CallId, c, require_path_at(c)?)))
            {
                let f = FnRef {
                    file: file_index,
                    func: call.func,
                };
                let Some((context, origin)) = first_sure_context(unit, f, |c| c != Context::Load)
                else {
                    continue;
                };
                let placed = placement(unit, f, call.span, context, |c| c != Context::Load);
                if !reported.insert((placed.file, placed.span)) {
                    continue;
                }
                let path = required_name(file.ir, call, path_at);
                let message = format!(
                    "`require({path})` runs {}{}, after control.lua has finished loading",
                    where_it_runs(context, &origin),
                    placed.through_phrase()
                );
                let mut diagnostic = placed.diagnostic(
                    "FL104",
                    unit,
                    message,
                    "fails at run time",
                    (file_index, call.span, "`require` is called here"),
                );
                diagnostic = with_call_chain(diagnostic, unit, f, context, &origin);
                if let Some((load_file, load_call)) = required_at_load(unit, file_index, id) {
                    let at = &unit.files[load_file];
                    diagnostic = diagnostic.with_secondary(
                        at.id,
                        load_call,
                        "also required here at load, which does not make the later call work",
                    );
                }
                out.push(
                    diagnostic
                        .with_note(
                            "Factorio runs `require` only while control.lua and the files it requires are being loaded; \
                             in event handlers, commands, remote calls, the console and the other lifecycle handlers it \
                             stops with \"Require can't be used outside of control.lua parsing.\" This holds even when the \
                             same module was already required at load: real mods (Factorio 0.17 and 2.0) crashed on such a call",
                        )
                        .with_help(
                            "require the module once at the top of the file and keep it in a local (`local m = require(\"…\")`); \
                             use that local here",
                        ),
                );
            }
        }
    }
}

/// Where a call that runs `require` has the module's path: `require(path)`, and `require`
/// handed to a protected call, `pcall(require, path)` or `xpcall(require, handler, path)`.
fn require_path_at(call: &Call) -> Option<usize> {
    let is_require = |value: &Value| matches!(value, Value::Global(name) if name == "require");
    if is_require(&call.callee) {
        return Some(0);
    }
    if call.args.first().is_some_and(is_require) {
        return match call.callee.global_path()?.as_slice() {
            ["pcall"] => Some(1),
            ["xpcall"] => Some(2),
            _ => None,
        };
    }
    None
}

/// The module a `require` names, for the message: `"scripts.gui"`, also through a local
/// constant (`local path = "scripts.gui"`), else the argument as written.
fn required_name(ir: &FileIr, call: &Call, path_at: usize) -> String {
    let literal = |value: &Value| match value {
        Value::Str(path) => Some(format!("{path:?}")),
        _ => None,
    };
    match call.args.get(path_at) {
        Some(Value::Local(binding)) => match ir.binding(*binding).values.as_slice() {
            [only] => literal(only),
            _ => None,
        }
        .unwrap_or_else(|| ir.binding(*binding).name.to_string()),
        Some(arg) => literal(arg).unwrap_or_else(|| ir.describe(arg)),
        None => String::new(),
    }
}

/// A call that requires the same file while the mod loads, for a secondary label.
fn required_at_load(unit: &UnitFacts<'_>, file: usize, call: CallId) -> Option<(usize, Span)> {
    let model = &unit.model;
    let target = model.require_target(file, call)?.ok()?;
    unit.files.iter().enumerate().find_map(|(i, facts)| {
        facts.ir.requires().find_map(|(_, other)| {
            let at_load = model.sure_contexts(FnRef {
                file: i,
                func: facts.ir.call(other).func,
            }) == [Context::Load];
            (at_load && model.require_target(i, other) == Some(Ok(target)))
                .then(|| (i, facts.ir.call(other).span))
        })
    })
}
