//! FL302 unsaveable-storage-value: a value Factorio cannot save put into `storage`: a
//! function (a closure or a named function), a `LuaCustomTable`, a `LuaLazyLoadedValue`, a
//! `LuaProfiler` or a `LuaSimulation`.

use super::{stores, walk_stored, StoredPart, Visit};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::Value;
use crate::semantic::model::{Model, Origin};
use crate::source::{FileId, Span};
use std::collections::HashSet;

pub struct UnsaveableStorageValue;

/// What cannot be saved, for the message.
enum Unsaveable {
    Function(String),
    ApiValue(String),
}

impl Rule for UnsaveableStorageValue {
    fn code(&self) -> &'static str {
        "FL302"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let mut reported = HashSet::new();
        for (file_index, file) in unit.files.iter().enumerate() {
            for store in stores(model, file_index) {
                let start = StoredPart {
                    file: file_index,
                    value: store.value,
                    span: store.value_span,
                    field: None,
                };
                walk_stored(model, start, 0, &mut |part| {
                    let Some(what) = unsaveable(model, part) else {
                        return Visit::Descend;
                    };
                    if reported.insert((part.file, part.span)) {
                        let before_2_0 = unit.files[file_index]
                            .factorio_version
                            .is_some_and(|v| !v.is_2_0_or_later());
                        out.push(diagnostic(
                            unit.files[part.file].id,
                            (file.id, store.target_span),
                            &store.path,
                            &what,
                            part,
                            before_2_0,
                        ));
                    }
                    Visit::Stop
                });
            }
        }
    }
}

/// A function, or an API value of an unsaveable type (`game.players`, a profiler).
fn unsaveable(model: &Model, part: &StoredPart) -> Option<Unsaveable> {
    if let Some(kind) = model.kind(part.file, part.value) {
        return kind
            .is_unsaveable()
            .then(|| Unsaveable::ApiValue(kind.describe()));
    }
    if let Value::Function(func) = part.value {
        let name = &model.ir(part.file).function(*func).name;
        return Some(Unsaveable::Function(name.clone()));
    }
    if !matches!(
        part.value,
        Value::Local(_) | Value::Global(_) | Value::Index(..) | Value::Call(_)
    ) {
        return None;
    }
    // Every value the model sees it take is a function (a local function, a module's
    // function field, a closure a factory returns).
    let origins = model.eval(part.file, part.value);
    let mut functions = origins.iter().filter_map(|o| match o {
        Origin::Func(f) => Some(*f),
        _ => None,
    });
    let first = functions.next()?;
    let only_functions = origins
        .iter()
        .all(|o| matches!(o, Origin::Func(_) | Origin::Path(_)));
    only_functions.then(|| {
        let name = &model.ir(first.file).function(first.func).name;
        Unsaveable::Function(name.clone())
    })
}

fn diagnostic(
    object_file: FileId,
    (store_file, target_span): (FileId, Span),
    path: &str,
    what: &Unsaveable,
    part: &StoredPart,
    before_2_0: bool,
) -> Diagnostic {
    let place = match &part.field {
        Some(field) => format!("field `{field}` of a table saved in `{path}`"),
        None => format!("`{path}`"),
    };
    let (subject, label, note) = match what {
        Unsaveable::Function(name) => {
            let subject = if name == "<anonymous>" {
                "a function".to_string()
            } else {
                format!("the function `{}`", name.trim_start_matches("local "))
            };
            let note = if before_2_0 {
                "Factorio 1.1 silently drops functions when it saves `global`: after a save/load, and on every client that \
                 joins, the field is nil while the host still has it (2.0.7 changelog: \"Lua functions inside of `global` will \
                 now throw an error when saving instead of being silently discarded.\")"
            } else {
                "Factorio 2.0 cannot save functions: \"Functions are not allowed in `storage` and will throw an error when \
                 saving\" (Storage docs); the save fails"
            };
            (subject, "a function", note)
        }
        Unsaveable::ApiValue(kind) => (
            format!("a {kind}"),
            "cannot be saved",
            "Factorio cannot serialise LuaCustomTable, LuaLazyLoadedValue, LuaProfiler or LuaSimulation values; for a \
             custom table the API says \"an error will be displayed and the game will not be saved\"",
        ),
    };
    let help = match what {
        Unsaveable::Function(_) => {
            "store data that names the behaviour (a string key into a table of functions defined at load) and look the \
             function up when you need it"
        }
        Unsaveable::ApiValue(_) => {
            "store what you need from it (indexes, names) and ask the API again when you need the object"
        }
    };
    Diagnostic::new(
        "FL302",
        object_file,
        part.span,
        format!("{subject} is stored in {place}, and Factorio cannot save it"),
    )
    .with_label(label)
    .with_secondary(store_file, target_span, "saved here")
    .with_note(note)
    .with_help(help)
}
