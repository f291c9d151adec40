//! FL502 moved-api: an API name that an older Factorio had and the mod's Factorio replaced
//! (moved to another object, renamed, made a method, or changed in shape), with a safe fix
//! where the rewrite is mechanical.

use super::api_changes::New;
use super::changed_calls::{changed_calls, Change, ChangedCall};
use super::reshaped_results::{reshaped_reads, Reading, ReshapedRead};
use super::{gone_uses, GoneUse, Owner};
use crate::diagnostics::{Diagnostic, Edit, Fix};
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::MemberUse;
use crate::source::Span;

pub struct MovedApi;

impl Rule for MovedApi {
    fn code(&self) -> &'static str {
        "FL502"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        for gone in gone_uses(unit) {
            if gone.new != New::Removed {
                out.push(finding(unit, &gone));
            }
        }
        for read in reshaped_reads(unit) {
            out.push(reshaped_finding(&read));
        }
        for call in changed_calls(unit) {
            out.push(changed_call_finding(&call));
        }
    }
}

/// A call written with the parameters of 1.1.
fn changed_call_finding(found: &ChangedCall) -> Diagnostic {
    let callee = &found.callee;
    let version = found.version;
    let (message, label, note, description) = match found.change {
        Change::PrintColor => (
            format!(
                "`{callee}` takes print settings as its second argument in Factorio {version}, not a color"
            ),
            "a Color",
            "since Factorio 2.0 the second argument of `print` is a PrintSettings table (`color`, `sound`, `skip`, ...); a Color there is not accepted",
            "wrap the color: `{ color = … }`",
        ),
        Change::SpillPositional => (
            format!(
                "`{callee}` takes one table of named parameters in Factorio {version}, not positional arguments"
            ),
            "positional arguments",
            "since Factorio 2.0 `spill_item_stack` takes a single table (`position`, `stack`, `enable_looted`, `force`, `allow_belts`, ...)",
            "name the arguments: `{ position = …, stack = …, … }`",
        ),
    };
    Diagnostic::new("FL502", found.file.id, found.span, message)
        .with_label(label)
        .with_note(note)
        .with_help(format!(
            "{description}; `factolint check --fix` rewrites it"
        ))
        .with_fix(Fix {
            description: description.to_string(),
            edits: found.edits.clone(),
            safe: true,
        })
}

/// A `{[name] = count}` result of 1.1 read that way, though it is an array of records now.
fn reshaped_finding(read: &ReshapedRead) -> Diagnostic {
    let result = match &read.through {
        Some(variable) => format!("`{variable}` (from `{}()`)", read.callee),
        None => format!("`{}()`", read.callee),
    };
    let (message, label) = match &read.reading {
        Reading::Loop { key, value } => (
            format!(
                "this loop reads {result} as {{[name] = count}}, but {} returns an array of {{name, count, quality}} records in Factorio {}: `{key}` is an index and `{value}` a table",
                read.method, read.version
            ),
            "iterates the 1.1 shape".to_string(),
        ),
        Reading::Next { key } => (
            format!(
                "`{key}` gets the first key of {result}, which is the index 1 in Factorio {}: {} returns an array of {{name, count, quality}} records",
                read.version, read.method
            ),
            "reads the 1.1 shape".to_string(),
        ),
    };
    Diagnostic::new("FL502", read.file.id, read.span, message)
        .with_label(label)
        .with_note("changed in Factorio 2.0 (quality): the code runs without an error and silently gets indexes and tables instead of names and counts")
        .with_help("read the records: `for _, item in pairs(...) do ... item.name, item.count, item.quality ... end`, or ask for one count with `get_item_count(name)`")
}

fn finding(unit: &UnitFacts, gone: &GoneUse) -> Diagnostic {
    let spelled = &gone.spelled;
    let since = gone.since;
    let name = gone.file.ir.member_name(gone.member);
    let (message, label) = match (&gone.new, &gone.owner) {
        (New::Rename(new), Owner::Event(events)) => (
            format!(
                "`{spelled}` is nil in Factorio {since}: the {} event's `{name}` is now `{new}`",
                events.join("/")
            ),
            format!("renamed to `{new}`"),
        ),
        (New::Global(new), _) => (
            format!("`{spelled}` moved to `{new}` in Factorio {since}"),
            format!("moved to `{new}`"),
        ),
        (New::Rename(new), _) => (
            format!("`{spelled}` was renamed to `{new}` in Factorio {since}"),
            format!("renamed to `{new}`"),
        ),
        (New::Through(path), _) => (
            format!(
                "`{spelled}` moved to `{}` in Factorio {since}",
                via(gone, path)
            ),
            format!("moved to `{path}`"),
        ),
        (New::Getter(method), _) => (
            format!("`{spelled}` became the method `{method}()` in Factorio {since}"),
            format!("now `{method}()`"),
        ),
        (New::Define(path), _) => (
            format!("`{spelled}` was renamed to `defines.{path}` in Factorio {since}"),
            format!("renamed to `defines.{path}`"),
        ),
        (New::Manual(new), _) => (
            format!("`{spelled}` was replaced by `{new}` in Factorio {since}"),
            "replaced; rewrite by hand".to_string(),
        ),
        (New::Removed, _) => unreachable!("FL503 reports removed names"),
    };
    let mut diagnostic = Diagnostic::new("FL502", gone.file.id, gone.member.span, message)
        .with_label(label)
        .with_note(gone.consequence());
    let fix = mechanical_fix(unit, gone);
    let help = match (&fix, &gone.new) {
        (Ok((_, shown)), _) => format!("write `{shown}`; `factolint check --fix` rewrites it"),
        (Err(reason), New::Manual(_)) => match gone.advice {
            "" => reason.clone(),
            advice => advice.to_string(),
        },
        (Err(reason), _) => format!("{reason} (not fixed automatically)"),
    };
    diagnostic = diagnostic.with_help(help);
    if let Ok((fix, _)) = fix {
        diagnostic = diagnostic.with_fix(fix);
    }
    diagnostic
}

/// `entity.commandable.set_command` for `entity.set_command` moving through `commandable`.
fn via(gone: &GoneUse, path: &str) -> String {
    let base = gone.file.ir.describe(gone.base);
    format!("{base}.{path}")
}

/// The safe rewrite with the new spelling of the whole access, or why there is none here.
fn mechanical_fix(unit: &UnitFacts, gone: &GoneUse) -> Result<(Fix, String), String> {
    let member = gone.member;
    let spelled = &gone.spelled;
    let table = unit.model.api;
    let class = match gone.owner {
        Owner::Class(class) => Some(class),
        _ => None,
    };
    let whole_access = Span::new(member.base_span.start, member.span.end);
    let (span, replacement) = match gone.new {
        New::Global(new) => {
            if !gone.base_is_plain_path() {
                return Err(format!(
                    "write `{new}`; the expression before `.{}` has calls to keep",
                    gone.file.ir.member_name(member)
                ));
            }
            if gone.is_colon_call() {
                return Err(format!("call `{new}(…)` with `.`"));
            }
            let global = new.split('.').next().unwrap_or(new);
            if shadows_global(unit, gone, global) {
                return Err(format!(
                    "write `{new}`; this mod also has its own variable named `{global}`"
                ));
            }
            (whole_access, new.to_string())
        }
        New::Rename(new) => {
            let fits = match class {
                Some(class) if member.usage == MemberUse::Write => {
                    table.attribute_is_writable(class, new)
                }
                Some(class) => table.has_member(class, new),
                None => member.usage == MemberUse::Read,
            };
            if !fits {
                return Err(format!("use `{new}`"));
            }
            (member.span, new.to_string())
        }
        New::Through(path) => {
            if member.usage == MemberUse::Write {
                return Err(format!("use `{}`", via(gone, path)));
            }
            if gone.is_colon_call() {
                // `entity:set_command(c)` → `entity.commandable:set_command(c)`, when the `:`
                // directly follows the object.
                if member.base_span.end + 1 != member.span.start {
                    return Err(format!("use `{}`", via(gone, path)));
                }
                let (through, last) = path.rsplit_once('.').unwrap_or(("", path));
                let span = Span::new(member.base_span.end, member.span.end);
                (span, format!(".{through}:{last}"))
            } else {
                (member.span, path.to_string())
            }
        }
        New::Getter(method) => {
            if member.usage != MemberUse::Read {
                return Err(format!("call `{method}()`"));
            }
            (member.span, format!("{method}()"))
        }
        New::Define(path) => (whole_access, format!("defines.{path}")),
        New::Manual(new) => return Err(format!("rewrite it with `{new}`")),
        New::Removed => return Err(String::new()),
    };
    let shown = match gone.new {
        New::Global(_) | New::Define(_) => replacement.clone(),
        New::Through(path) => via(gone, path),
        _ => format!("{}.{replacement}", gone.file.ir.describe(gone.base)),
    };
    let fix = Fix {
        description: format!("replace `{spelled}` with `{shown}`"),
        edits: vec![Edit { span, replacement }],
        safe: true,
    };
    Ok((fix, shown))
}

/// The mod has a local or global of its own named like the global object the fix would
/// write, so the rewritten name might not mean the API object.
fn shadows_global(unit: &UnitFacts, gone: &GoneUse, global: &str) -> bool {
    gone.file.ir.bindings.iter().any(|b| b.name == global)
        || unit.model.assigned_at(&format!("G:{global}")).is_some()
}
