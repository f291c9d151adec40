//! FL302 unsaveable-storage-value: a value Factorio cannot save put into `storage`: a
//! function (a closure or a named function), a `LuaCustomTable`, a `LuaLazyLoadedValue`, a
//! `LuaProfiler` or a `LuaSimulation`.

use super::{stores, walk_stored, StoredPart, Visit};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::Value;
use crate::semantic::model::{FastSet, Model, Origin};
use crate::source::{FileId, Span};

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
        let mut reported = FastSet::default();
        for (file_index, file) in unit.files.iter().enumerate() {
            for store in stores(model, file_index) {
                let start = StoredPart {
                    file: file_index,
                    value: store.value,
                    span: store.value_span,
                    field: None,
                };
                // One finding per store: a table holding many functions is one mistake.
                let mut found: Vec<(StoredPart, Unsaveable)> = Vec::new();
                walk_stored(model, start, 0, &mut |part| {
                    let Some(what) = unsaveable(model, part) else {
                        return Visit::Descend;
                    };
                    if reported.insert((part.file, part.span)) {
                        found.push((part.clone(), what));
                    }
                    Visit::Stop
                });
                if found.is_empty() {
                    continue;
                }
                let before_2_0 = unit.files[file_index]
                    .factorio_version
                    .is_some_and(|v| !v.is_2_0_or_later());
                let target = (file.id, store.target_span);
                out.push(match found.as_slice() {
                    [(part, what)] => diagnostic(
                        unit.files[part.file].id,
                        target,
                        &store.path,
                        what,
                        part,
                        before_2_0,
                    ),
                    _ => many_diagnostic(unit, target, &store.path, &found, before_2_0),
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

/// Secondary labels for the other unsaveable parts of one store.
const MAX_OTHER_LABELS: usize = 3;

/// A store whose value holds several unsaveable parts: one finding at the first, counting them
/// all.
fn many_diagnostic(
    unit: &UnitFacts<'_>,
    target: (FileId, Span),
    path: &str,
    found: &[(StoredPart, Unsaveable)],
    before_2_0: bool,
) -> Diagnostic {
    let (first, first_what) = &found[0];
    let functions = found
        .iter()
        .filter(|(_, what)| matches!(what, Unsaveable::Function(_)))
        .count();
    let mut kinds: Vec<String> = Vec::new();
    if functions > 0 {
        kinds.push(plural(functions, "function", "functions"));
    }
    for (_, what) in found {
        if let Unsaveable::ApiValue(kind) = what {
            let count = found
                .iter()
                .filter(|(_, w)| matches!(w, Unsaveable::ApiValue(k) if k == kind))
                .count();
            let text = plural(count, kind, &format!("{kind} values"));
            if !kinds.contains(&text) {
                kinds.push(text);
            }
        }
    }
    let holding = match kinds.as_slice() {
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    let message = format!(
        "`{path}` gets a table holding {holding} (first: {}), and Factorio cannot save them",
        describe(first_what, first)
    );
    let single = diagnostic(
        unit.files[first.file].id,
        target,
        path,
        first_what,
        first,
        before_2_0,
    );
    let mut diagnostic = Diagnostic::new("FL302", unit.files[first.file].id, first.span, message)
        .with_label(label(first_what))
        .with_secondary(target.0, target.1, "saved here");
    for (part, what) in found.iter().skip(1).take(MAX_OTHER_LABELS) {
        diagnostic = diagnostic.with_secondary(
            unit.files[part.file].id,
            part.span,
            format!("also {}", describe(what, part)),
        );
    }
    for note in single.notes {
        diagnostic = diagnostic.with_note(note);
    }
    if found.len() > 1 + MAX_OTHER_LABELS {
        diagnostic = diagnostic.with_note(format!(
            "{} more of them in the same value are not labelled",
            found.len() - 1 - MAX_OTHER_LABELS
        ));
    }
    match single.help {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    if count == 1 {
        format!("1 {one}")
    } else {
        format!("{count} {many}")
    }
}

/// `the function `f` in field `init``, `a LuaCustomTable`: one part, for labels.
fn describe(what: &Unsaveable, part: &StoredPart) -> String {
    let subject = match what {
        Unsaveable::Function(name) if name == "<anonymous>" => "a function".to_string(),
        Unsaveable::Function(name) => {
            format!("the function `{}`", name.trim_start_matches("local "))
        }
        Unsaveable::ApiValue(kind) => format!("a {kind}"),
    };
    match &part.field {
        Some(field) => format!("{subject} in field `{field}`"),
        None => subject,
    }
}

fn label(what: &Unsaveable) -> &'static str {
    match what {
        Unsaveable::Function(_) => "a function",
        Unsaveable::ApiValue(_) => "cannot be saved",
    }
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
