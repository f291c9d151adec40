//! FL203 state-outside-storage: module state (a file-level local, an upvalue of load-time code,
//! a module table's field, a Lua global) written at run time with game state and read again in
//! a later invocation. The host keeps it; a joining client starts from what loading gives it.

use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::model::{Context, FnRef, Model};
use crate::semantic::module_state::{
    History, Segment, StatePlace, StateRead, StateRoot, StateWrite, WriteKind,
};
use std::collections::BTreeMap;

pub struct StateOutsideStorage;

impl Rule for StateOutsideStorage {
    fn code(&self) -> &'static str {
        "FL203"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let model = &unit.model;
        let state = model.module_state();
        // One finding per variable, at its first write that carries game state.
        let mut by_variable: BTreeMap<StatePlace, Vec<&StateWrite>> = BTreeMap::new();
        for write in &state.writes {
            if carries_state(model, write) {
                by_variable
                    .entry(write.place.variable())
                    .or_default()
                    .push(write);
            }
        }
        if by_variable.is_empty() {
            // Nothing to find: the reads are not even collected.
            return;
        }
        // Places overlap only under the same root: look only there (large mods have
        // thousands of reads and variables).
        let mut reads_by_root: BTreeMap<&StateRoot, Vec<&StateRead>> = BTreeMap::new();
        for read in model.state_reads() {
            reads_by_root
                .entry(&read.place.root)
                .or_default()
                .push(read);
        }
        let mut findings: Vec<Finding> = Vec::new();
        for (variable, writes) in by_variable {
            let reads: Vec<&StateRead> = reads_by_root
                .get(&variable.root)
                .into_iter()
                .flatten()
                .copied()
                .filter(|r| {
                    r.place.overlaps(&variable)
                        // Only the host runs on_init and on_configuration_changed: what they
                        // read cannot differ from a joining client's copy.
                        && model.runs_in_play(r.function())
                        && !model.read_is_part_of_write(r)
                        && !model.read_is_output_only(r)
                        && !model.read_is_checked_against_fresh(r)
                        && !model.read_is_fresh(r)
                })
                .collect();
            if reads.is_empty() {
                // Write-only, or scratch state read only after a reset in the same call.
                continue;
            }
            findings.push(Finding {
                variable,
                writes,
                reads,
            });
        }
        for group in group_fields(findings) {
            out.push(diagnostic(unit, model, &group));
        }
    }
}

/// The state one finding reports: a variable, or several fields of one table that one
/// function writes (`config.a = …; config.b = …` in one remote function).
struct Finding<'m> {
    variable: StatePlace,
    writes: Vec<&'m StateWrite>,
    reads: Vec<&'m StateRead>,
}

/// The table around a named field (`config` for `config.a`), if the variable is one.
fn table_of(variable: &StatePlace) -> Option<StatePlace> {
    match variable.path.last() {
        Some(Segment::Field(_)) => Some(StatePlace {
            root: variable.root.clone(),
            path: variable.path[..variable.path.len() - 1].to_vec(),
        }),
        _ => None,
    }
}

/// Fields of one table whose first write is in the same function become one finding (the
/// same mistake, made once): its variable is the table, its writes and reads are theirs.
/// Groups come in variable order.
fn group_fields(findings: Vec<Finding<'_>>) -> Vec<Group<'_>> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: BTreeMap<(StatePlace, FnRef), usize> = BTreeMap::new();
    for finding in findings {
        let key = table_of(&finding.variable).map(|t| (t, finding.writes[0].function()));
        match key.as_ref().and_then(|k| index.get(k)) {
            Some(&at) => groups[at].members.push(finding),
            None => {
                if let Some(key) = key {
                    index.insert(key, groups.len());
                }
                groups.push(Group {
                    members: vec![finding],
                });
            }
        }
    }
    for group in &mut groups {
        // Fields in the order the code writes them.
        group
            .members
            .sort_by_key(|m| (m.writes[0].file, m.writes[0].span.start));
    }
    groups
}

struct Group<'m> {
    /// In variable order; one member for a lone variable.
    members: Vec<Finding<'m>>,
}

impl Group<'_> {
    /// The writes of every member, in file and source order.
    fn writes(&self) -> Vec<&StateWrite> {
        let mut writes: Vec<&StateWrite> = self
            .members
            .iter()
            .flat_map(|m| m.writes.iter().copied())
            .collect();
        writes.sort_by_key(|w| (w.file, w.span.start));
        writes
    }
}

/// The run-time code that writes is reached only as a remote function: other mods set it.
fn written_only_through_remote(model: &Model, f: FnRef) -> bool {
    let runtime: Vec<Context> = model
        .contexts(f)
        .into_iter()
        .filter(|c| c.is_runtime())
        .collect();
    !runtime.is_empty() && runtime.iter().all(|c| *c == Context::Remote)
}

/// A run-time write of game state to module state that no peer repeats while loading: not
/// in code that also runs at load or in on_load, not to a place on_load rebuilds.
fn carries_state(model: &Model, write: &StateWrite) -> bool {
    let contexts = model.contexts(write.function());
    contexts.iter().any(|c| c.is_runtime())
        && !contexts
            .iter()
            .any(|c| matches!(c, Context::Load | Context::OnLoad))
        && !model.is_storage_shared(&write.place)
        && model.rebuilt_in_on_load(&write.place).is_none()
        && match model.write_history(write) {
            History::Variant => true,
            // A copy of run-time settings stays right while the mod invalidates it.
            History::Setting => !model.is_invalidated_elsewhere(write),
            _ => false,
        }
}

/// `M.cache`, `players`, `MyMod.queue`.
fn variable_name(unit: &UnitFacts<'_>, place: &StatePlace) -> String {
    let mut name = match &place.root {
        StateRoot::Upvalue { file, binding } => {
            unit.files[*file].ir.binding(*binding).name.to_string()
        }
        StateRoot::Module { file } => {
            let rel = unit.files[*file].rel;
            let stem = rel.rsplit('/').next().unwrap_or(rel);
            stem.strip_suffix(".lua").unwrap_or(stem).to_string()
        }
        StateRoot::Global(name) => name.to_string(),
    };
    for segment in &place.path {
        match segment {
            Segment::Field(field) => {
                name.push('.');
                name.push_str(field);
            }
            Segment::Dynamic => name.push_str("[…]"),
        }
    }
    name
}

/// What kind of variable it is, for the message.
fn variable_kind(unit: &UnitFacts<'_>, model: &Model, place: &StatePlace) -> String {
    let field = !place.path.is_empty();
    match &place.root {
        StateRoot::Upvalue { file, binding } => {
            let info = unit.files[*file].ir.binding(*binding);
            let rel = unit.files[*file].rel;
            let owner = if info.func == 0 {
                format!("the file-level local `{}` of {rel}", info.name)
            } else {
                let function = model.ir(*file).function(info.func);
                let function = function.name.trim_start_matches("local ");
                format!("a local of `{function}` kept alive by its closures")
            };
            if field {
                format!("a field of {owner}")
            } else {
                owner
            }
        }
        StateRoot::Module { file } => {
            format!("a field of the module table of {}", unit.files[*file].rel)
        }
        StateRoot::Global(name) if field => format!("a field of the Lua global `{name}`"),
        StateRoot::Global(_) => "a Lua global".to_string(),
    }
}

/// `the on_tick handler`, `on_init`, `the /reset command`: where a function runs at run time.
/// With `in_play`, only the contexts every peer runs (handlers, commands, remote functions).
fn run_time_origin(model: &Model, f: FnRef, in_play: bool) -> String {
    model
        .contexts(f)
        .into_iter()
        .filter(|c| {
            c.is_runtime()
                && !(in_play && matches!(c, Context::OnInit | Context::OnConfigurationChanged))
        })
        .find_map(|c| model.reach(f, c).map(|r| r.origin.clone()))
        .unwrap_or_else(|| "run-time code".to_string())
}

fn diagnostic(unit: &UnitFacts<'_>, model: &Model, group: &Group<'_>) -> Diagnostic {
    let writes = group.writes();
    let write = writes[0];
    let first = &group.members[0];
    let file = &unit.files[write.file];
    let (name, kind, subject) = if let [only] = group.members.as_slice() {
        let name = variable_name(unit, &only.variable);
        let kind = variable_kind(unit, model, &only.variable);
        (name.clone(), kind, format!("`{name}`"))
    } else {
        let table = table_of(&first.variable).expect("grouped variables are fields");
        let name = variable_name(unit, &table);
        let fields: Vec<String> = group
            .members
            .iter()
            .filter_map(|m| match m.variable.path.last() {
                Some(Segment::Field(field)) => Some(field.to_string()),
                _ => None,
            })
            .collect();
        let listed = match fields.as_slice() {
            [a, b] => format!("{a} and {b}"),
            [a, b, c] => format!("{a}, {b} and {c}"),
            [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
            _ => fields.join(", "),
        };
        let kind = variable_kind(unit, model, &first.variable);
        (name.clone(), kind, format!("`{name}` fields {listed}"))
    };
    let plural = group.members.len() > 1;
    let written_in = run_time_origin(model, write.function(), false);
    // Prefer a read in another function: the clearest "later invocation".
    let reads: Vec<&StateRead> = group
        .members
        .iter()
        .flat_map(|m| m.reads.iter().copied())
        .collect();
    let read = reads
        .iter()
        .find(|r| r.function() != write.function())
        .unwrap_or(&reads[0]);
    let read_in = run_time_origin(model, read.function(), true);
    let later = if read.function() == write.function() {
        format!("read again by {read_in} on a later call")
    } else {
        format!("read in {read_in}")
    };
    let verb = match write.kind {
        WriteKind::Insert => "appended to",
        _ => "written",
    };
    let (is, it) = if plural {
        ("are", "they are")
    } else {
        ("is", "it is")
    };
    let kind = if plural {
        kind.replacen("a field of", "fields of", 1)
    } else {
        kind
    };
    let message = format!(
        "{subject} ({kind}) {is} {verb} in {written_in} and {later}, but {it} not in `storage`"
    );
    let mut diagnostic = Diagnostic::new("FL203", file.id, write.span, message)
        .with_label(format!("{verb} in {written_in}"))
        .with_secondary(
            unit.files[read.file].id,
            read.span,
            format!("read here, in {read_in}"),
        );
    // Labels on at most three writes: this one and two more.
    for other in writes.iter().skip(1).take(2) {
        let in_other = run_time_origin(model, other.function(), false);
        diagnostic = diagnostic.with_secondary(
            unit.files[other.file].id,
            other.span,
            format!("also written here, in {in_other}"),
        );
    }
    if let StateRoot::Upvalue { file, binding } = &first.variable.root {
        let info = unit.files[*file].ir.binding(*binding);
        diagnostic = diagnostic.with_secondary(
            unit.files[*file].id,
            info.span,
            "declared here: kept in Lua memory, not saved",
        );
    }
    if written_only_through_remote(model, write.function()) {
        return diagnostic
            .with_note(format!(
                "Factorio saves only `storage`; a client that joins (or anyone who loads a save) runs control.lua and \
                 on_load and nothing else, so its `{name}` holds what loading gives it, not what was set through \
                 {written_in} since. That is safe only if every mod that calls it calls it again from its own on_load; \
                 a call from an event handler, a command or RCON reaches only the peers in the game at the time, so the \
                 next handler that reads it behaves differently on different peers, and the game desyncs"
            ))
            .with_help(
                "keep what the remote function sets in `storage`; or, if it must stay in Lua memory, document that every \
                 mod that calls it has to call it again in its on_load, and check that they do",
            );
    }
    diagnostic
        .with_note(format!(
            "Factorio saves only `storage`; a client that joins (or anyone who loads a save) runs control.lua and on_load \
             and nothing else, so its `{name}` holds what loading gives it, not what the host's handlers wrote since; \
             the next handler that reads it behaves differently on different peers, and the game desyncs"
        ))
        .with_help(
            "keep it in `storage`; or, if it is a cache, rebuild it in on_load (and on_init/on_configuration_changed) \
             from `storage` or prototypes, so every peer computes the same",
        )
}
