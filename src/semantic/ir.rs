//! The per-file summary: a compact, scope-resolved picture of one Lua file.
//!
//! Lowering (see `lower`) turns full_moon's lossless tree into this IR and the tree is dropped,
//! so the cross-file phase holds facts, not syntax. Every name is already resolved: a local is a
//! [`BindingId`], anything else is a free (global) name.

use super::annotations::{ClassDecl, TypeExpr};
use crate::source::Span;

pub type FuncId = u32;
pub type BindingId = u32;
pub type CallId = u32;
pub type LoopId = u32;

/// The main chunk of every file is function 0.
pub const MAIN_CHUNK: FuncId = 0;

#[derive(Clone, Debug, Default)]
pub struct FileIr {
    pub functions: Vec<Function>,
    pub bindings: Vec<Binding>,
    pub calls: Vec<Call>,
    pub assigns: Vec<Assign>,
    pub loops: Vec<Loop>,
    /// Every reference to a name that no local declaration covers.
    pub free_names: Vec<NameRef>,
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

#[derive(Clone, Debug)]
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindingKind {
    Local,
    LocalFunction,
    Param,
    LoopVar(LoopId),
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub name: String,
    pub span: Span,
    pub func: FuncId,
    pub kind: BindingKind,
    /// Every value the local is given: its initialiser and any later plain assignments.
    pub values: Vec<Value>,
    /// The `---@type`/`---@param`/`---@class` annotation written for it, if any.
    pub annotation: Option<Box<TypeExpr>>,
}

#[derive(Clone, Debug)]
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

#[derive(Clone, Debug)]
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

#[derive(Clone, Debug, PartialEq)]
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

#[derive(Clone, Debug)]
pub struct Loop {
    /// The loop header (`for k, v in pairs(t) do`).
    pub span: Span,
    pub func: FuncId,
    pub kind: LoopKind,
    pub vars: Vec<BindingId>,
}

#[derive(Clone, Debug)]
pub struct NameRef {
    pub name: String,
    pub span: Span,
    pub write: bool,
}

/// A read of a place rooted outside the reading function: a local of an enclosing function (an
/// upvalue; file-level locals included) or a global that is not a Factorio or Lua built-in, with
/// its field chain (`M.cache[…]`). Local functions are left out: they are code, not state.
/// Assignment targets are writes ([`Assign`]), not reads.
#[derive(Clone, Debug)]
pub struct OuterRead {
    pub place: Value,
    pub span: Span,
    pub func: FuncId,
}

/// A table key in an index or a constructor.
#[derive(Clone, Debug, PartialEq)]
pub enum Key {
    Name(String),
    /// `t[expr]`.
    Dynamic(Box<Value>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableField {
    pub key: Option<Key>,
    pub value: Value,
    pub span: Span,
}

/// A symbolic value: what an expression is, as far as one file can tell.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    #[default]
    Unknown,
    Nil,
    Bool,
    /// A numeric literal, as written (`60`, `0x10`).
    Number(String),
    Str(String),
    Vararg,
    /// A free name (`game`, `storage`, `defines`, a mod's own global).
    Global(String),
    Local(BindingId),
    Index(Box<Value>, Key),
    /// The (first) result of a call.
    Call(CallId),
    Function(FuncId),
    Table(Vec<TableField>),
    /// `a or b`, `a and b`: either operand.
    Either(Box<Value>, Box<Value>),
    /// `#t`.
    Length(Box<Value>),
    /// Arithmetic, concatenation, comparison, `not`: a plain scalar built from these operands.
    Scalar(Vec<Value>),
}

impl Value {
    pub fn index(self, key: &str) -> Value {
        Value::Index(Box::new(self), Key::Name(key.to_string()))
    }

    /// `defines.events.on_tick` → `["defines", "events", "on_tick"]` for global paths.
    pub fn global_path(&self) -> Option<Vec<&str>> {
        match self {
            Value::Global(name) => Some(vec![name.as_str()]),
            Value::Index(base, Key::Name(field)) => {
                let mut path = base.global_path()?;
                path.push(field.as_str());
                Some(path)
            }
            _ => None,
        }
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

    /// The string literals passed to `require` at any call, with the call span.
    pub fn requires(&self) -> impl Iterator<Item = (&str, &Call)> {
        self.calls
            .iter()
            .filter_map(|call| match (&call.callee, call.args.first()) {
                (Value::Global(name), Some(Value::Str(path))) if name == "require" => {
                    Some((path.as_str(), call))
                }
                _ => None,
            })
    }

    /// A readable rendering of a value (`storage.players[...]`), for messages and event names.
    pub fn describe(&self, value: &Value) -> String {
        match value {
            Value::Unknown => "…".to_string(),
            Value::Nil => "nil".to_string(),
            Value::Bool => "boolean".to_string(),
            Value::Number(n) => n.clone(),
            Value::Str(s) => format!("{s:?}"),
            Value::Vararg => "...".to_string(),
            Value::Global(name) => name.clone(),
            Value::Local(b) => self.binding(*b).name.clone(),
            Value::Index(base, Key::Name(field)) => format!("{}.{field}", self.describe(base)),
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
