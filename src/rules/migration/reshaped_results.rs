//! Results whose shape changed: methods that returned a `{[name] = count}` table in Factorio 1.1
//! and return an array of `{name, count, quality}` records from 2.0 (`inventory.get_contents()`,
//! `train.get_contents()`, `grid.get_contents()`, ...), still read the 1.1 way. The code runs
//! without an error and silently does the wrong thing: the keys are now 1, 2, 3 and the values
//! tables.
//!
//! Which methods changed comes from the API tables (a dictionary result in 1.1, an array in
//! the mod's version), not from a list.

use super::uses_api_of;
use crate::api::{self, Api, FactorioVersion, Type};
use crate::rules::is_test_code;
use crate::rules::UnitFacts;
use crate::semantic::ir::{BindingId, Call, FileIr, Key, LoopKind, Value};
use crate::semantic::kinds::Kind;
use crate::semantic::model::FastSet;
use crate::semantic::FileFacts;
use crate::source::Span;
use std::cell::OnceCell;

/// How the code reads the result the 1.1 way.
pub enum Reading {
    /// `for name, count in pairs(result)`: the two loop variables.
    Loop { key: String, value: String },
    /// `local name = next(result)`: the variable given the first key.
    Next { key: String },
}

/// One 1.1-style read of a reshaped result.
pub struct ReshapedRead<'u> {
    pub file: &'u FileFacts<'u>,
    /// The loop header or the `next(...)` call.
    pub span: Span,
    /// `self.entity.get_output_inventory(…).get_contents`.
    pub callee: String,
    /// `LuaInventory.get_contents`.
    pub method: String,
    /// The variable holding the result, when it is not the call itself.
    pub through: Option<String>,
    pub reading: Reading,
    pub version: FactorioVersion,
}

pub fn reshaped_reads<'u>(unit: &'u UnitFacts<'u>) -> Vec<ReshapedRead<'u>> {
    let mut reads = Vec::new();
    for (index, file) in unit.files.iter().enumerate() {
        // Each read is reported where it is written.
        if !unit.in_scope(index) {
            continue;
        }
        let Some((version, table)) = uses_api_of(unit, file) else {
            continue;
        };
        if !(file.stages.control || (file.stages.is_unknown() && !is_test_code(file.rel))) {
            continue;
        }
        let scan = Scan {
            unit,
            file,
            index,
            table,
            version,
            record_uses: OnceCell::new(),
        };
        let ir = file.ir;
        for lp in &ir.loops {
            let LoopKind::Pairs(iterated) = &lp.kind else {
                continue;
            };
            let [key, value, ..] = lp.vars[..] else {
                continue;
            };
            if scan.used_as_record(value) {
                continue;
            }
            if let Some(read) = scan.read(iterated, lp.span) {
                let names = |b: BindingId| ir.binding(b).name.to_string();
                reads.push(read(Reading::Loop {
                    key: names(key),
                    value: names(value),
                }));
            }
        }
        for (id, call) in ir.calls.iter().enumerate() {
            if !matches!(&call.callee, Value::Global(name) if name == "next") {
                continue;
            }
            // The variable that receives the first key; `_` when the code skips it.
            let receiver = ir
                .bindings
                .iter()
                .position(|b| b.values.first() == Some(&Value::Call(id as u32)));
            let Some(receiver) = receiver.map(|b| b as BindingId) else {
                continue;
            };
            let key = ir.binding(receiver).name.to_string();
            if key == "_" || scan.read_as_record(receiver) {
                continue;
            }
            let Some(iterated) = call.args.first() else {
                continue;
            };
            if let Some(read) = scan.read(iterated, call.span) {
                reads.push(read(Reading::Next { key }));
            }
        }
    }
    reads
}

struct Scan<'u> {
    unit: &'u UnitFacts<'u>,
    file: &'u FileFacts<'u>,
    index: usize,
    table: &'static Api,
    version: FactorioVersion,
    /// The file's locals read as records or handed on whole, found once per file: asked of
    /// every `pairs` loop.
    record_uses: OnceCell<RecordUses>,
}

#[derive(Default)]
struct RecordUses {
    /// Locals a field is read from (`v.name`).
    read: FastSet<BindingId>,
    /// Locals passed whole to a call.
    passed: FastSet<BindingId>,
}

impl<'u> Scan<'u> {
    fn ir(&self) -> &'u FileIr {
        self.file.ir
    }

    /// The 1.1-style read of `iterated` at `span`, if it holds a reshaped result: the call
    /// itself or a local given one.
    fn read(
        &self,
        iterated: &Value,
        span: Span,
    ) -> Option<impl FnOnce(Reading) -> ReshapedRead<'u>> {
        let (call, through) = match iterated {
            Value::Call(id) => (self.ir().call(*id), None),
            Value::Local(binding) => {
                let info = self.ir().binding(*binding);
                let call = info.values.iter().find_map(|v| match v {
                    Value::Call(id) if self.reshaped(self.ir().call(*id)).is_some() => {
                        Some(self.ir().call(*id))
                    }
                    _ => None,
                })?;
                (call, Some(info.name.to_string()))
            }
            _ => return None,
        };
        let method = self.reshaped(call)?;
        let callee = self.ir().describe(&call.callee);
        let (file, version) = (self.file, self.version);
        Some(move |reading| ReshapedRead {
            file,
            span,
            callee,
            method,
            through,
            reading,
            version,
        })
    }

    /// `Class.method` when the call's result was a dictionary in 1.1 and is an array now.
    fn reshaped(&self, call: &Call) -> Option<String> {
        let Value::Index(object, Key::Name(method)) = &call.callee else {
            return None;
        };
        let Some(Kind::Class(class)) = self.unit.model.kind(self.index, object) else {
            return None;
        };
        let before = api::for_version(Some(FactorioVersion { major: 1, minor: 1 }));
        let was_dictionary = matches!(before.method_return(class, method), Some(Type::Dict(..)));
        let is_array = matches!(
            self.table.method_return(class, method),
            Some(Type::Array(_))
        );
        (was_dictionary && is_array).then(|| format!("{class}.{method}"))
    }

    /// The variable is read as a record (`item.name`), as 2.0 code does.
    fn read_as_record(&self, binding: BindingId) -> bool {
        self.record_uses().read.contains(&binding)
    }

    /// A loop's value is read as a record or handed on whole (to code that may read it so).
    fn used_as_record(&self, binding: BindingId) -> bool {
        let uses = self.record_uses();
        uses.read.contains(&binding) || uses.passed.contains(&binding)
    }

    fn record_uses(&self) -> &RecordUses {
        self.record_uses.get_or_init(|| {
            let ir = self.ir();
            let local = |value: &Value| match value {
                Value::Local(binding) => Some(*binding),
                _ => None,
            };
            RecordUses {
                read: ir
                    .members
                    .iter()
                    .filter_map(|m| local(ir.member_base(m)))
                    .collect(),
                passed: ir
                    .calls
                    .iter()
                    .flat_map(|c| &c.args)
                    .filter_map(local)
                    .collect(),
            }
        })
    }
}
