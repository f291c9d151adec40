//! FL107 stale-storage-alias: a file-level local, module-table field or global that points
//! into `storage`, bound while control.lua loads (before the saved table is in place), or set
//! in on_init / on_configuration_changed and never again in on_load (nil after a load).

use super::{first_sure_context, where_it_runs};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::*;
use crate::semantic::lifecycle::{local_users, Use};
use crate::semantic::model::{Context, FnRef, Model, Origin};
use crate::source::Span;

pub struct StaleStorageAlias;

/// Contexts whose code runs again after a save is loaded, so a binding made there is fresh.
fn refreshes(context: Context) -> bool {
    matches!(
        context,
        Context::OnLoad | Context::Event | Context::Command | Context::Remote
    )
}

/// Where a binding to storage is made.
enum Binder {
    /// The control.lua chunk (or a file it requires) at load.
    Load,
    /// on_init or on_configuration_changed only.
    HostOnly(Context),
}

struct Alias<'a> {
    file: usize,
    func: FuncId,
    span: Span,
    /// The alias as written: `data`, `M.players`.
    name: String,
    /// `storage.players`.
    path: String,
    target: Target<'a>,
    binder: Binder,
}

/// What is bound: a file-level local, a Lua global, or a field of a table.
enum Target<'a> {
    Local(BindingId),
    Global(&'a str),
    Field(&'a Value, &'a str),
}

impl Rule for StaleStorageAlias {
    fn code(&self) -> &'static str {
        "FL107"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        // Needed only once an alias is judged (most units have none).
        let filled_at_load = std::cell::OnceCell::new();
        for (file_index, file) in unit.files.iter().enumerate() {
            // Each finding lies at its alias, in this file.
            if !unit.in_scope(file_index) {
                continue;
            }
            for alias in aliases(unit, file_index) {
                if is_rebound_later(model, &alias) {
                    continue;
                }
                let filled_at_load = filled_at_load.get_or_init(|| paths_written_at_load(model));
                let readers = handler_reads(model, &alias, filled_at_load);
                if matches!(alias.target, Target::Local(_)) && readers.is_empty() {
                    continue;
                }
                let root = alias.path.split(['.', '[']).next().unwrap_or("storage");
                let (message, label, note) = match alias.binder {
                    Binder::Load => (
                        format!(
                            "`{}` is bound to `{}` while the mod loads, before the saved `{root}` is in place",
                            alias.name, alias.path
                        ),
                        "bound while loading".to_string(),
                        format!(
                            "while control.lua runs, `{root}` is a fresh table; Factorio puts the saved one in place just \
                             before on_load, so after a save is loaded (and on every joining client) `{}` still points at \
                             the discarded table (or is nil) while the game's data is elsewhere",
                            alias.name
                        ),
                    ),
                    Binder::HostOnly(context) => (
                        format!(
                            "`{}` is set to `{}` only {}, and on_load never sets it again",
                            alias.name,
                            alias.path,
                            where_it_runs(context, "")
                        ),
                        format!("set only {}", where_it_runs(context, "")),
                        format!(
                            "on_init and on_configuration_changed run only on the host, and not when a save is loaded: after \
                             a load, and on every joining client, `{}` is nil (or a stale table) while the host's is set",
                            alias.name
                        ),
                    ),
                };
                let mut diagnostic =
                    Diagnostic::new("FL107", file.id, alias.span, message).with_label(label);
                for (reader_file, span, context, origin) in readers.into_iter().take(3) {
                    diagnostic = diagnostic.with_secondary(
                        unit.files[reader_file].id,
                        span,
                        format!("read {}", where_it_runs(context, &origin)),
                    );
                }
                out.push(diagnostic.with_note(note).with_help(format!(
                    "look it up from `{root}` where it is used, or set it again in `script.on_load` \
                     (`{} = {}`)",
                    alias.name, alias.path
                )));
            }
        }
    }
}

/// Every binding of a file-level name or a table field to a place in storage, made at load
/// or only on the host.
fn aliases<'a>(unit: &UnitFacts<'a>, file: usize) -> Vec<Alias<'a>> {
    let model = &unit.model;
    let ir = unit.files[file].ir;
    let mut out = Vec::new();
    let main = FnRef {
        file,
        func: MAIN_CHUNK,
    };
    let main_at_load = model.sure_reach(main, Context::Load).is_some();
    // `local data = storage.data` at the top of a file.
    if main_at_load {
        for (id, binding) in ir.bindings.iter().enumerate() {
            let id = id as BindingId;
            if binding.func != MAIN_CHUNK || binding.kind != BindingKind::Local {
                continue;
            }
            let assigned = ir
                .assigns
                .iter()
                .filter(|a| a.target == Value::Local(id))
                .count();
            // Later assignments are appended to `values`: an initialiser comes first.
            let Some(init) = binding
                .values
                .first()
                .filter(|_| binding.values.len() > assigned)
            else {
                continue;
            };
            if let Some(path) = model.storage_path(file, init) {
                out.push(Alias {
                    file,
                    func: MAIN_CHUNK,
                    span: binding.span,
                    name: binding.name.to_string(),
                    path,
                    target: Target::Local(id),
                    binder: Binder::Load,
                });
            }
        }
    }
    for assign in &ir.assigns {
        let Some(target) = bindable_target(model, file, &assign.target) else {
            continue;
        };
        let f = FnRef {
            file,
            func: assign.func,
        };
        let contexts = model.sure_contexts(f);
        let binder = if assign.func == MAIN_CHUNK {
            if !main_at_load {
                continue;
            }
            Binder::Load
        } else {
            match first_sure_context(unit, f, |c| {
                matches!(c, Context::OnInit | Context::OnConfigurationChanged)
            }) {
                Some((context, _)) if !contexts.iter().any(|c| refreshes(*c)) => {
                    Binder::HostOnly(context)
                }
                _ => continue,
            }
        };
        let Some(path) = model.storage_path(file, &assign.value) else {
            continue;
        };
        out.push(Alias {
            file,
            func: assign.func,
            span: assign.span,
            name: ir.describe(&assign.target),
            path,
            target,
            binder,
        });
    }
    out
}

/// A target that outlives the function binding it: a file-level local, a global other than
/// storage, or a named field of a table that is not itself in storage.
fn bindable_target<'a>(model: &Model<'a>, file: usize, target: &'a Value) -> Option<Target<'a>> {
    let ir = model.ir(file);
    match target {
        Value::Local(binding) => {
            (ir.binding(*binding).func == MAIN_CHUNK).then_some(Target::Local(*binding))
        }
        Value::Global(name) => (!model.storage_roots(file).contains(&name.as_str()))
            .then_some(Target::Global(name.as_str())),
        Value::Index(base, Key::Name(field)) => {
            if model.storage_path(file, target).is_some() {
                return None;
            }
            // Fields of a file-level table or a global table, not of a parameter or a
            // function's own local (those do not outlive the call).
            let mut root = base.as_ref();
            while let Value::Index(inner, _) = root {
                root = inner;
            }
            let lasting = match root {
                Value::Global(_) => true,
                Value::Local(b) => ir.binding(*b).func == MAIN_CHUNK,
                _ => false,
            };
            lasting.then_some(Target::Field(base, field.as_str()))
        }
        _ => None,
    }
}

/// Whether the same name is bound again in code that runs after a save is loaded (on_load,
/// a handler, a command, a remote function) or in code whose context is unknown.
fn is_rebound_later(model: &Model, alias: &Alias) -> bool {
    let rebinds_later = |file: usize, func: FuncId| {
        if file == alias.file && func == alias.func {
            return false;
        }
        let contexts = model.sure_contexts(FnRef { file, func });
        contexts.is_empty() || contexts.iter().any(|c| refreshes(*c))
    };
    match &alias.target {
        Target::Local(binding) => model
            .ir(alias.file)
            .assigns
            .iter()
            .any(|a| a.target == Value::Local(*binding) && rebinds_later(alias.file, a.func)),
        Target::Global(name) => model.files.iter().enumerate().any(|(file, facts)| {
            facts.ir.assigns.iter().any(|a| {
                matches!(&a.target, Value::Global(n) if n == name) && rebinds_later(file, a.func)
            })
        }),
        Target::Field(base, field) => {
            let tables = table_identities(model, alias.file, base);
            model.files.iter().enumerate().any(|(file, facts)| {
                facts.ir.assigns.iter().any(|a| match &a.target {
                    Value::Index(other, Key::Name(f)) if f == field => {
                        rebinds_later(file, a.func)
                            && table_identities(model, file, other)
                                .iter()
                                .any(|t| tables.contains(t))
                    }
                    _ => false,
                })
            })
        }
    }
}

/// The storage paths the mod writes while loading (into the fresh table every peer builds).
fn paths_written_at_load(model: &Model) -> Vec<String> {
    let mut paths = Vec::new();
    for file in 0..model.files.len() {
        let at_load = |func| {
            model
                .sure_reach(FnRef { file, func }, Context::Load)
                .is_some()
        };
        paths.extend(
            model
                .storage_writes_in(file, at_load)
                .into_iter()
                .map(|write| write.path),
        );
    }
    paths
}

/// `storage.config.ranks` is within `storage.config`.
fn is_within(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// What a table value can be, as comparable keys (a path, or a constructor's place).
fn table_identities(model: &Model, file: usize, value: &Value) -> Vec<String> {
    model
        .eval(file, value)
        .into_iter()
        .filter_map(|origin| match origin {
            Origin::Path(path) => Some(path),
            Origin::Table { file, fields } => Some(format!("T{file}:{:p}", fields.as_ptr())),
            _ => None,
        })
        .collect()
}

/// Where handlers (events, commands, remote functions) read a local alias: file, span,
/// context and origin.
fn handler_reads(
    model: &Model,
    alias: &Alias,
    filled_at_load: &[String],
) -> Vec<(usize, Span, Context, String)> {
    let Target::Local(binding) = alias.target else {
        return Vec::new();
    };
    let ir = model.ir(alias.file);
    // Bound at load from a part of storage the mod fills while loading (a scenario's
    // configuration), a copied number or string is the same on every peer and stays
    // right; only a table reference can point at the discarded table. From any other part,
    // the value is not the saved one (nil, or the fallback) whatever it is. Set on the
    // host only, any value is missing on the peers that loaded a save.
    let how = match alias.binder {
        Binder::Load if filled_at_load.iter().any(|p| is_within(&alias.path, p)) => Use::AsTable,
        Binder::Load | Binder::HostOnly(_) => Use::Any,
    };
    let mut reads: Vec<(usize, Span, Context, String, FuncId)> = Vec::new();
    for (func, span) in local_users(ir, binding, how) {
        let f = FnRef {
            file: alias.file,
            func,
        };
        let handler = model
            .sure_contexts(f)
            .into_iter()
            .find(|c| matches!(c, Context::Event | Context::Command | Context::Remote));
        if reads.iter().any(|(_, _, _, _, g)| *g == func) {
            continue;
        }
        if let Some(context) = handler {
            let origin = model
                .sure_reach(f, context)
                .map(|r| r.origin.clone())
                .unwrap_or_default();
            reads.push((alias.file, span, context, origin, func));
        }
    }
    reads
        .into_iter()
        .map(|(file, span, context, origin, _)| (file, span, context, origin))
        .collect()
}
