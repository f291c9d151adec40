//! The per-file summary: a compact, scope-resolved picture of one Lua file.
//!
//! Lowering (see `lower`) turns full_moon's lossless tree into this IR and the tree is dropped,
//! so the cross-file phase holds facts, not syntax. Every name is already resolved: a local is a
//! [`BindingId`], anything else is a free (global) name.

use super::annotations::{ClassDecl, TypeExpr};
use crate::source::Span;
use serde::{Deserialize, Serialize};
pub use smol_str::SmolStr;
use std::sync::Arc;

pub type FuncId = u32;
pub type BindingId = u32;
pub type CallId = u32;
pub type LoopId = u32;

/// The main chunk of every file is function 0.
pub const MAIN_CHUNK: FuncId = 0;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FileIr {
    pub functions: Vec<Function>,
    pub bindings: Vec<Binding>,
    pub calls: Vec<Call>,
    pub assigns: Vec<Assign>,
    pub loops: Vec<Loop>,
    /// Code that runs only when a condition holds (see [`Guard`]; loop bodies are in `loops`).
    pub guards: Vec<Guard>,
    /// Every reference to a name that no local declaration covers.
    pub free_names: Vec<NameRef>,
    /// Every `value.name` and `value:name(...)` (a call's callee before its arguments).
    pub members: Vec<MemberRef>,
    /// The field chains members are read from (`player.character.health` once for its three
    /// members; see [`FileIr::member_base`]).
    pub member_chains: Vec<MemberChain>,
    /// The condition of every `if`, `elseif`, `while` and `until`: reads that no call or
    /// assignment holds.
    pub tests: Vec<Test>,
    /// Reads of places that outlive the reading function (see [`OuterRead`]).
    pub outer_reads: Vec<OuterRead>,
    /// `if`, `while`, `repeat` and `for` statements, with the function they are in: code inside
    /// them may not run on every call of that function.
    pub conditional_blocks: Vec<(FuncId, Span)>,
    /// `---@class` declarations (unit-wide, as LuaLS reads them).
    pub classes: Vec<ClassDecl>,
    /// `---@alias Name Type`.
    pub aliases: Vec<(String, TypeExpr)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Function {
    /// From `function` to `end` (the whole file for the main chunk).
    pub span: Span,
    /// Where the function is named (`function M.f`), or its `function` keyword.
    pub head_span: Span,
    /// A readable name: `M.on_created`, `local f`, or `<anonymous>`.
    pub name: String,
    pub parent: Option<FuncId>,
    pub params: Vec<BindingId>,
    /// Values of each `return` statement, in source order.
    pub returns: Vec<Vec<Value>>,
    /// The first `---@return` type written for it.
    pub return_annotation: Option<Box<TypeExpr>>,
}

impl Function {
    /// Function 0 of a file of `len` bytes: its top-level code.
    pub fn main_chunk(len: usize) -> Function {
        Function {
            span: Span::new(0, len),
            head_span: Span::new(0, 0),
            name: "main chunk".to_string(),
            parent: None,
            params: Vec::new(),
            returns: Vec::new(),
            return_annotation: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BindingKind {
    Local,
    LocalFunction,
    Param,
    LoopVar(LoopId),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Binding {
    pub name: SmolStr,
    pub span: Span,
    pub func: FuncId,
    pub kind: BindingKind,
    /// Every value the local is given: its initialiser and any later plain assignments.
    pub values: Vec<Value>,
    /// The `---@type`/`---@param`/`---@class` annotation written for it, if any.
    pub annotation: Option<Box<TypeExpr>>,
    /// Loops of its function the declaration is inside, outermost first (a loop's own
    /// variables are not inside it).
    pub loops: Vec<LoopId>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Call {
    /// The whole call expression.
    pub span: Span,
    /// The callee's name part (`script.on_event`), for labels.
    pub callee_span: Span,
    pub func: FuncId,
    pub callee: Value,
    /// `obj:method(...)`: the callee is `obj.method` and `obj` is prepended to `args`.
    pub is_method: bool,
    pub args: Vec<Value>,
    pub arg_spans: Vec<Span>,
    /// Enclosing loops inside the same function, outermost first.
    pub loops: Vec<LoopId>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Assign {
    /// The assignment target (`storage.x[k]`).
    pub span: Span,
    pub value_span: Span,
    pub func: FuncId,
    pub target: Value,
    pub value: Value,
    pub loops: Vec<LoopId>,
    /// `---@type T` written above the assignment (its first target).
    pub annotation: Option<Box<TypeExpr>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LoopKind {
    /// `for k, v in pairs(x)` (and `next, x`): insertion-order iteration.
    Pairs(Value),
    Ipairs(Value),
    /// Any other generic `for` (an iterator function).
    Generic(Value),
    Numeric,
    While,
    Repeat,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Loop {
    /// The loop header (`for k, v in pairs(t) do`).
    pub span: Span,
    pub func: FuncId,
    pub kind: LoopKind,
    pub vars: Vec<BindingId>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NameRef {
    pub name: SmolStr,
    pub span: Span,
    pub write: bool,
    /// The function whose body holds the reference.
    pub func: FuncId,
    /// Read only to test whether it is set: a condition (`if game then`), the left of
    /// `and`/`or`, `not x`, `x == nil`, `type(x)`.
    pub tested: bool,
}

/// A condition's value, where it is tested.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Test {
    pub func: FuncId,
    pub span: Span,
    pub value: Value,
}

/// Code that runs only when a condition holds: an `if`/`elseif`/`else` branch, the right
/// operand of `and`/`or`, the rest of a block after `if <c> then return end`, or the rest of
/// the function after an `if` chain whose every branch returns.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Guard {
    pub func: FuncId,
    /// The guarded code.
    pub region: Span,
    /// The condition (the left operand for `and`/`or`).
    pub condition: Span,
    /// Places the condition proves truthy (`true`) or falsy (`false`) inside the region:
    /// `if game and x ~= nil then` gives `(game, true), (x, true)`.
    pub facts: Vec<(Value, bool)>,
    /// The operands of the tests that decide it, whatever their outcome: a branch's own test
    /// and those of the branches before it (`a and b or c` is `[a, b, c]`).
    pub conditions: Vec<Value>,
}

/// How code uses a member of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberUse {
    Read,
    /// The target of an assignment (`entity.name = x`).
    Write,
    /// Called: `value.name(...)` or `value:name(...)`.
    Call,
}

/// `value.name` or `value:name(...)`: a named member of a value, where the name is written.
/// [`FileIr::member_base`] and [`FileIr::member_name`] read it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MemberRef {
    /// The chain in `FileIr::member_chains` that ends in (or goes on past) `value.name`.
    pub chain: u32,
    /// How many fields to take off the end of the chain to reach the value (at least one:
    /// the member itself).
    pub depth: u32,
    /// The name after its `.` or `:`.
    pub span: Span,
    /// The expression before the `.` or `:` (for fixes that rewrite the whole access).
    pub base_span: Span,
    pub func: FuncId,
    pub usage: MemberUse,
}

/// The field chain of [`MemberRef`]s.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum MemberChain {
    Value(Value),
    /// The callee of a call (`game.print` in `game.print(x)`): kept once, in the call.
    Callee(CallId),
}

/// A read of a place rooted outside the reading function: a local of an enclosing function (an
/// upvalue; file-level locals included) or a global that is not a Factorio or Lua built-in, with
/// its field chain (`M.cache[…]`). Local functions are left out: they are code, not state.
/// Assignment targets are writes ([`Assign`]), not reads.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OuterRead {
    pub place: Value,
    pub span: Span,
    pub func: FuncId,
}

/// A table key in an index or a constructor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Key {
    Name(SmolStr),
    /// `t[expr]`.
    Dynamic(Arc<Value>),
}

impl Key {
    /// The field name, `None` for a dynamic key.
    pub fn name(&self) -> Option<&str> {
        match self {
            Key::Name(name) => Some(name),
            Key::Dynamic(_) => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TableField {
    pub key: Option<Key>,
    pub value: Value,
    pub span: Span,
}

/// A symbolic value: what an expression is, as far as one file can tell.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub enum Value {
    #[default]
    Unknown,
    Nil,
    Bool(bool),
    /// A numeric literal, as written (`60`, `0x10`).
    Number(SmolStr),
    Str(SmolStr),
    Vararg,
    /// A free name (`game`, `storage`, `defines`, a mod's own global).
    Global(SmolStr),
    Local(BindingId),
    Index(Arc<Value>, Key),
    /// The (first) result of a call.
    Call(CallId),
    Function(FuncId),
    Table(Vec<TableField>),
    /// `a or b`, `a and b`: either operand.
    Either(Arc<Value>, Arc<Value>),
    /// `#t`.
    Length(Arc<Value>),
    /// Arithmetic, concatenation, comparison, `not`: a plain scalar built from these operands.
    Scalar(Vec<Value>),
}

impl Value {
    pub fn index(self, key: &str) -> Value {
        Value::Index(Arc::new(self), Key::Name(SmolStr::new(key)))
    }

    /// `defines.events.on_tick` → `["defines", "events", "on_tick"]` for global paths.
    pub fn global_path(&self) -> Option<Vec<&str>> {
        // Asked of most values by most rules: one allocation, none when it is not a path.
        let mut len = 1;
        let mut root = self;
        while let Value::Index(base, Key::Name(_)) = root {
            len += 1;
            root = base;
        }
        let Value::Global(name) = root else {
            return None;
        };
        let mut path = vec![name.as_str(); len];
        let mut at = self;
        while let Value::Index(base, Key::Name(field)) = at {
            len -= 1;
            path[len] = field.as_str();
            at = base;
        }
        Some(path)
    }

    /// Whether this is the global path `path` (`["table", "insert"]`): [`Value::global_path`]
    /// without building it, for the calls asked about at every call site.
    pub fn is_global_path(&self, path: &[&str]) -> bool {
        let Some((root, fields)) = path.split_first() else {
            return false;
        };
        let mut at = self;
        for field in fields.iter().rev() {
            match at {
                Value::Index(base, Key::Name(name)) if name == field => at = base,
                _ => return false,
            }
        }
        matches!(at, Value::Global(name) if name == root)
    }

    /// Whether any operand of this value (recursively, not through calls) satisfies `pred`.
    pub fn any(&self, pred: &mut dyn FnMut(&Value) -> bool) -> bool {
        if pred(self) {
            return true;
        }
        match self {
            Value::Index(base, key) => {
                base.any(pred) || matches!(key, Key::Dynamic(k) if k.any(pred))
            }
            Value::Table(fields) => fields.iter().any(|f| {
                f.value.any(pred) || matches!(&f.key, Some(Key::Dynamic(k)) if k.any(pred))
            }),
            Value::Either(a, b) => a.any(pred) || b.any(pred),
            Value::Length(v) => v.any(pred),
            Value::Scalar(vs) => vs.iter().any(|v| v.any(pred)),
            _ => false,
        }
    }
}

impl FileIr {
    /// Whether `table.sort(t)` is called on the local `t`: its order is then the sort's.
    pub fn sorts(&self, binding: BindingId) -> bool {
        // The argument first: comparing it is cheap.
        self.calls.iter().any(|c| {
            c.args.first() == Some(&Value::Local(binding))
                && c.callee.is_global_path(&["table", "sort"])
        })
    }

    pub fn call(&self, id: CallId) -> &Call {
        &self.calls[id as usize]
    }
    pub fn function(&self, id: FuncId) -> &Function {
        &self.functions[id as usize]
    }
    pub fn binding(&self, id: BindingId) -> &Binding {
        &self.bindings[id as usize]
    }
    pub fn loop_(&self, id: LoopId) -> &Loop {
        &self.loops[id as usize]
    }

    /// `value.name` itself (`player.character.health`).
    fn member_value(&self, member: &MemberRef) -> &Value {
        let mut value = self.member_chain(&self.member_chains[member.chain as usize]);
        for _ in 1..member.depth {
            match value {
                Value::Index(base, _) => value = base,
                _ => break,
            }
        }
        value
    }

    /// The whole chain's value.
    pub fn member_chain<'s>(&'s self, chain: &'s MemberChain) -> &'s Value {
        match chain {
            MemberChain::Value(value) => value,
            MemberChain::Callee(call) => &self.call(*call).callee,
        }
    }

    /// The value a member is read from (`player.character` for `player.character.health`).
    pub fn member_base(&self, member: &MemberRef) -> &Value {
        match self.member_value(member) {
            Value::Index(base, _) => base,
            other => other,
        }
    }

    /// The member's name (`health`).
    pub fn member_name(&self, member: &MemberRef) -> &str {
        match self.member_value(member) {
            Value::Index(_, Key::Name(name)) => name,
            _ => "",
        }
    }

    /// The guards around a place in a function, outermost first.
    pub fn guards_at(&self, func: FuncId, at: Span) -> impl Iterator<Item = &Guard> {
        self.guards.iter().filter(move |g| {
            g.func == func && g.region.start <= at.start && at.start < g.region.end
        })
    }

    /// The module paths passed to `require` at any call, with the call's id: string literals,
    /// and the strings of a literal list a loop goes through (`for _, name in ipairs({"a", "b"})
    /// do require(name) end`).
    pub fn requires(&self) -> impl Iterator<Item = (&str, CallId)> {
        self.calls.iter().enumerate().flat_map(move |(id, call)| {
            let paths = match (&call.callee, call.args.first()) {
                (Value::Global(name), Some(arg)) if name == "require" => self.module_paths(arg),
                _ => Vec::new(),
            };
            paths.into_iter().map(move |path| (path, id as CallId))
        })
    }

    /// The strings a `require` argument can be: a literal, or the values of a loop over a
    /// local list of literals.
    fn module_paths<'s>(&'s self, arg: &'s Value) -> Vec<&'s str> {
        let strings = |value: &'s Value| -> Vec<&'s str> {
            let Value::Table(fields) = value else {
                return Vec::new();
            };
            fields
                .iter()
                .map_while(|f| match (&f.key, &f.value) {
                    (None, Value::Str(s)) => Some(s.as_str()),
                    _ => None,
                })
                .collect()
        };
        match arg {
            Value::Str(path) => vec![path.as_str()],
            Value::Local(b) => {
                let BindingKind::LoopVar(loop_id) = self.binding(*b).kind else {
                    return Vec::new();
                };
                let the_loop = self.loop_(loop_id);
                let (LoopKind::Ipairs(list) | LoopKind::Pairs(list)) = &the_loop.kind else {
                    return Vec::new();
                };
                if the_loop.vars.get(1) != Some(b) {
                    return Vec::new();
                }
                match list {
                    Value::Local(l) => match self.binding(*l).values.as_slice() {
                        [only] => strings(only),
                        _ => Vec::new(),
                    },
                    other => strings(other),
                }
            }
            _ => Vec::new(),
        }
    }

    /// A readable rendering of a value (`storage.players[...]`), for messages and event names.
    pub fn describe(&self, value: &Value) -> String {
        match value {
            Value::Unknown => "…".to_string(),
            Value::Nil => "nil".to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Str(s) => format!("{s:?}"),
            Value::Vararg => "...".to_string(),
            Value::Global(name) => name.to_string(),
            Value::Local(b) => self.binding(*b).name.to_string(),
            Value::Index(base, Key::Name(field)) if is_identifier(field) => {
                format!("{}.{field}", self.describe(base))
            }
            Value::Index(base, Key::Name(field)) => format!("{}[{field:?}]", self.describe(base)),
            Value::Index(base, Key::Dynamic(key)) => match key.as_ref() {
                Value::Str(s) => format!("{}[{s:?}]", self.describe(base)),
                _ => format!("{}[…]", self.describe(base)),
            },
            Value::Call(id) => format!("{}(…)", self.describe(&self.call(*id).callee)),
            Value::Function(f) => format!("function {}", self.function(*f).name),
            Value::Table(_) => "{…}".to_string(),
            Value::Either(a, b) => format!("{} or {}", self.describe(a), self.describe(b)),
            Value::Length(v) => format!("#{}", self.describe(v)),
            Value::Scalar(_) => "expression".to_string(),
        }
    }
}

/// A name Lua accepts after a `.` (`t["iron-chest"]` cannot be written `t.iron-chest`).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::{Key, Value};
    use std::sync::Arc;

    fn field(base: Value, name: &str) -> Value {
        Value::Index(Arc::new(base), Key::Name(name.into()))
    }

    #[test]
    fn a_global_path_is_matched_as_global_path_would_build_it() {
        let table_insert = field(Value::Global("table".into()), "insert");
        let local_insert = field(Value::Local(3), "insert");
        let dynamic = Value::Index(
            Arc::new(Value::Global("table".into())),
            Key::Dynamic(Arc::new(Value::Str("insert".into()))),
        );
        for value in [
            &table_insert,
            &local_insert,
            &dynamic,
            &Value::Global("rawset".into()),
        ] {
            for path in [
                &["table", "insert"][..],
                &["rawset"],
                &["table"],
                &["insert"],
                &[],
            ] {
                assert_eq!(
                    value.is_global_path(path),
                    value.global_path().as_deref() == Some(path),
                    "{value:?} against {path:?}"
                );
            }
        }
        assert!(table_insert.is_global_path(&["table", "insert"]));
        assert!(!table_insert.is_global_path(&["table", "remove"]));
    }
}
