//! Calls whose parameters changed in Factorio 2.0 while the method kept its name, written the
//! 1.1 way:
//!
//! - `print(message, color)` on the game, a player, a surface or a force: the second parameter
//!   is a PrintSettings table since 2.0, and a Color there is no longer accepted;
//! - `surface.spill_item_stack(position, items, ...)`: one table of named parameters since 2.0.
//!
//! Both have a mechanical rewrite: wrap the color as `{color = ...}`; name the positional
//! arguments.

use super::uses_api_of;
use crate::api::FactorioVersion;
use crate::diagnostics::Edit;
use crate::rules::is_test_code;
use crate::rules::UnitFacts;
use crate::semantic::ir::{Key, TableField, Value};
use crate::semantic::kinds::Kind;
use crate::semantic::model::Origin;
use crate::semantic::FileFacts;
use crate::source::Span;

/// The classes whose `print` took a Color in 1.1.
const PRINTERS: &[&str] = &["LuaGameScript", "LuaPlayer", "LuaSurface", "LuaForce"];

/// 1.1's positional parameters of `LuaSurface::spill_item_stack`, with their 2.0 names.
const SPILL_PARAMETERS: &[&str] = &["position", "stack", "enable_looted", "force", "allow_belts"];

pub enum Change {
    /// `print(message, color)`.
    PrintColor,
    /// `spill_item_stack(position, items, ...)`.
    SpillPositional,
}

pub struct ChangedCall<'u> {
    pub file: &'u FileFacts<'u>,
    /// The color argument, or the called method.
    pub span: Span,
    /// `player.print`.
    pub callee: String,
    pub change: Change,
    /// The rewrite: insertions around and before the arguments.
    pub edits: Vec<Edit>,
    pub version: FactorioVersion,
}

pub fn changed_calls<'u>(unit: &'u UnitFacts<'u>) -> Vec<ChangedCall<'u>> {
    let mut found = Vec::new();
    for (index, file) in unit.files.iter().enumerate() {
        // Each call is reported where it is written.
        if !unit.in_scope(index) {
            continue;
        }
        let Some((version, _)) = uses_api_of(unit, file) else {
            continue;
        };
        if !(file.stages.control || (file.stages.is_unknown() && !is_test_code(file.rel))) {
            continue;
        }
        for call in &file.ir.calls {
            let Value::Index(object, Key::Name(method)) = &call.callee else {
                continue;
            };
            // Only these methods changed: the receiver's kind (costly) is asked for them alone.
            if !matches!(method.as_str(), "print" | "spill_item_stack") {
                continue;
            }
            let Some(Kind::Class(class)) = unit.model.kind(index, object) else {
                continue;
            };
            // A method call carries its receiver as the first argument.
            let skip = usize::from(call.is_method);
            let args: Vec<(&Value, Span)> = call
                .args
                .iter()
                .zip(&call.arg_spans)
                .skip(skip)
                .map(|(v, s)| (v, *s))
                .collect();
            let change = match method.as_str() {
                "print"
                    if PRINTERS.contains(&class)
                        && args
                            .get(1)
                            .is_some_and(|(color, _)| is_color(unit, index, color)) =>
                {
                    let span = args[1].1;
                    let edits = vec![insert(span.start, "{ color = "), insert(span.end, " }")];
                    Some((Change::PrintColor, edits, span))
                }
                "spill_item_stack"
                    if class == "LuaSurface"
                        && (2..=SPILL_PARAMETERS.len()).contains(&args.len()) =>
                {
                    let mut edits: Vec<Edit> = args
                        .iter()
                        .zip(SPILL_PARAMETERS)
                        .enumerate()
                        .map(|(i, ((_, span), name))| {
                            let open = if i == 0 { "{ " } else { "" };
                            insert(span.start, &format!("{open}{name} = "))
                        })
                        .collect();
                    edits.push(insert(args[args.len() - 1].1.end, " }"));
                    Some((Change::SpillPositional, edits, call.callee_span))
                }
                _ => None,
            };
            if let Some((change, edits, span)) = change {
                found.push(ChangedCall {
                    file,
                    span,
                    callee: file.ir.describe(&call.callee),
                    change,
                    edits,
                    version,
                });
            }
        }
    }
    found
}

fn insert(at: usize, text: &str) -> Edit {
    Edit {
        span: Span::new(at, at),
        replacement: text.to_string(),
    }
}

/// The value is a Color table: every table it can be is written with only `r`, `g`, `b`, `a`
/// keys, or three or four positional numbers.
fn is_color(unit: &UnitFacts, file: usize, value: &Value) -> bool {
    let tables: Vec<&[TableField]> = match value {
        Value::Table(fields) => vec![fields.as_slice()],
        _ => {
            let origins = unit.model.eval(file, value);
            let tables: Vec<&[TableField]> = origins
                .iter()
                .filter_map(|o| match o {
                    Origin::Table { fields, .. } => Some(*fields),
                    _ => None,
                })
                .collect();
            // Anything else it might be (a function result, a parameter) leaves it unknown.
            if origins
                .iter()
                .any(|o| matches!(o, Origin::Func(_) | Origin::External(_)))
            {
                return false;
            }
            tables
        }
    };
    !tables.is_empty() && tables.iter().all(|fields| is_color_table(fields))
}

fn is_color_table(fields: &[TableField]) -> bool {
    let keyed = fields.iter().all(
        |f| matches!(&f.key, Some(Key::Name(k)) if matches!(k.as_str(), "r" | "g" | "b" | "a")),
    );
    let positional = (3..=4).contains(&fields.len())
        && fields
            .iter()
            .all(|f| f.key.is_none() && matches!(f.value, Value::Number(_)));
    !fields.is_empty() && (keyed || positional)
}
