//! Settled kinds: a value's kind when every value its variable can hold has that kind.
//!
//! Kinds are found flow-insensitively and from the first source that has one: a local that is
//! sometimes an entity and sometimes a position, a parameter some callers pass a force and
//! others a string, a function returning an entity or a position all get the kind of the
//! first. That is enough to follow objects; a rule that reports a member as missing needs
//! more, and asks for a settled kind.

use super::{Kind, Plain, MAX_DEPTH};
use crate::semantic::ir::*;
use crate::semantic::model::{FastSet, Model};

/// A kind the model is sure of.
#[derive(Clone, Debug, PartialEq)]
pub struct Settled {
    pub kind: Kind,
    /// Some parameter on the way has callers the model cannot follow, and its `---@param`
    /// annotation vouches for them: the mod's word, not the code's.
    pub from_annotation: bool,
}

struct Walk {
    /// Values on the current path: met again, they add no kind of their own.
    visiting: FastSet<(usize, *const Value)>,
    from_annotation: bool,
}

impl<'a> Model<'a> {
    /// The kind of `value` if the model is sure of it: each variable on its way is only ever
    /// given values of that kind or nil; each parameter gets it from every caller (callers
    /// passing values of unknown kind are accepted when a `---@param` annotation names
    /// exactly the kind, and a parameter annotated with another type is never sure); each
    /// function it comes from returns only that kind.
    pub fn settled_kind(&self, file: usize, value: &'a Value) -> Option<Settled> {
        let kind = self.kind(file, value)?;
        let mut walk = Walk {
            visiting: FastSet::default(),
            from_annotation: false,
        };
        self.is_settled(file, value, 0, &mut walk)
            .then_some(Settled {
                kind,
                from_annotation: walk.from_annotation,
            })
    }

    fn is_settled(&self, file: usize, value: &'a Value, depth: u32, walk: &mut Walk) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        if !walk.visiting.insert((file, value as *const Value)) {
            return true;
        }
        let kind = self.kind(file, value);
        let settled = match value {
            Value::Index(base, _) => match self.kind(file, base) {
                // The API's type for an API value's field is exact once the value is.
                Some(Kind::Class(_) | Kind::Api(_) | Kind::EventData(_)) => {
                    self.is_settled(file, base, depth + 1, walk)
                }
                // A field of the mod's own table: everything stored there.
                _ => match self
                    .assigned_path(file, value)
                    .and_then(|p| self.assigned_to(p))
                {
                    Some(stored) => stored
                        .iter()
                        .all(|(f, v)| self.agrees(*f, v, kind.as_ref(), false, depth + 1, walk)),
                    // Nothing stored there that the model sees: the kind is the declared one.
                    None => {
                        walk.from_annotation = true;
                        true
                    }
                },
            },
            Value::Local(binding) => self.local_settled(file, *binding, kind.as_ref(), depth, walk),
            Value::Call(call) => {
                let call = self.ir(file).call(*call);
                self.call_settled(file, call, kind.as_ref(), depth, walk)
            }
            Value::Either(a, b) => [a, b]
                .into_iter()
                .all(|side| self.agrees(file, side, kind.as_ref(), false, depth + 1, walk)),
            _ => true,
        };
        walk.visiting.remove(&(file, value as *const Value));
        settled
    }

    fn local_settled(
        &self,
        file: usize,
        binding: BindingId,
        kind: Option<&Kind>,
        depth: u32,
        walk: &mut Walk,
    ) -> bool {
        let info = self.ir(file).binding(binding);
        let assigned = info
            .values
            .iter()
            .all(|v| self.agrees(file, v, kind, false, depth + 1, walk));
        if !assigned || info.kind != BindingKind::Param {
            return assigned;
        }
        let vouched = match info.annotation.as_deref() {
            None => false,
            Some(ty) if kind.is_some() && self.annotated_kind(ty).as_ref() == kind => true,
            // `---@param x table` or a union: the author expects other values too.
            Some(_) => return false,
        };
        let arguments = self.arguments_for(file, binding);
        if arguments.is_empty() && vouched {
            walk.from_annotation = true;
        }
        arguments
            .into_iter()
            .all(|(caller, arg)| self.agrees(caller, arg, kind, vouched, depth + 1, walk))
    }

    fn call_settled(
        &self,
        file: usize,
        call: &'a Call,
        kind: Option<&Kind>,
        depth: u32,
        walk: &mut Walk,
    ) -> bool {
        if let Value::Index(object, Key::Name(_)) = &call.callee {
            if let Some(Kind::Class(_)) = self.kind(file, object) {
                return self.is_settled(file, object, depth + 1, walk);
            }
        }
        self.callees(file, &call.callee).into_iter().all(|callee| {
            self.ir(callee.file)
                .function(callee.func)
                .returns
                .iter()
                .filter_map(|values| values.first())
                .all(|v| self.agrees(callee.file, v, kind, false, depth + 1, walk))
        })
    }

    /// One source of a variable's value is consistent with the kind: nil, the same kind
    /// (settled in turn), or, if `vouched` (an annotation names the kind), a value of unknown
    /// kind that is not plain data.
    fn agrees(
        &self,
        file: usize,
        source: &'a Value,
        kind: Option<&Kind>,
        vouched: bool,
        depth: u32,
        walk: &mut Walk,
    ) -> bool {
        if *source == Value::Nil {
            return true;
        }
        match self.kind(file, source) {
            Some(found) => Some(&found) == kind && self.is_settled(file, source, depth, walk),
            None if vouched && self.plainness(file, source) != Plain::Yes => {
                walk.from_annotation = true;
                true
            }
            None => false,
        }
    }
}
