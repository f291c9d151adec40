//! Places where code writes into the saved table: assignments into `storage` (any depth,
//! through aliases), `table.insert`/`table.remove`/`rawset` on a table in it, and replacing
//! `storage` itself.

use super::ir::*;
use super::model::Model;
use crate::source::Span;

#[derive(Clone, Debug)]
pub struct StorageWrite<'a> {
    pub func: FuncId,
    /// The assignment target, or the whole call.
    pub span: Span,
    /// `storage.players[…]`.
    pub path: String,
    /// The value that names the written place (the target, or the call's table argument).
    pub place: &'a Value,
    pub how: WriteKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteKind {
    Assign,
    /// `storage = …`: the saved table itself replaced.
    Replace,
    TableInsert,
    TableRemove,
    Rawset,
}

impl WriteKind {
    pub fn verb(self) -> &'static str {
        match self {
            WriteKind::Assign => "assigned",
            WriteKind::Replace => "replaced",
            WriteKind::TableInsert => "appended to (table.insert)",
            WriteKind::TableRemove => "shortened (table.remove)",
            WriteKind::Rawset => "written (rawset)",
        }
    }
}

impl<'a> Model<'a> {
    /// Every write into storage in `file` made in the functions `wanted` accepts, in source
    /// order of kind (assignments, then calls). Written paths are worked out only for those
    /// functions: a rule about on_load asks about the few that run there.
    pub fn storage_writes_in(
        &self,
        file: usize,
        wanted: impl Fn(FuncId) -> bool,
    ) -> Vec<StorageWrite<'a>> {
        let ir = self.ir(file);
        let mut writes = Vec::new();
        for assign in &ir.assigns {
            if !wanted(assign.func) {
                continue;
            }
            let how = match &assign.target {
                // `local_alias = v` rebinds a local; it writes nothing into storage.
                Value::Index(..) => WriteKind::Assign,
                Value::Global(name) if self.storage_roots(file).contains(&name.as_str()) => {
                    WriteKind::Replace
                }
                _ => continue,
            };
            if rewrites_itself(ir, &assign.target, &assign.value) {
                continue;
            }
            if let Some(path) = self.written_storage_path(file, &assign.target) {
                writes.push(StorageWrite {
                    func: assign.func,
                    span: assign.span,
                    path,
                    place: &assign.target,
                    how,
                });
            }
        }
        for call in &ir.calls {
            if !wanted(call.func) {
                continue;
            }
            // Asked of every call: compared in place, no path built.
            let callee = &call.callee;
            let how = if callee.is_global_path(&["table", "insert"]) {
                WriteKind::TableInsert
            } else if callee.is_global_path(&["table", "remove"]) {
                WriteKind::TableRemove
            } else if callee.is_global_path(&["rawset"]) {
                WriteKind::Rawset
            } else {
                continue;
            };
            let Some(table) = call.args.first() else {
                continue;
            };
            if let Some(path) = self.written_storage_path(file, table) {
                writes.push(StorageWrite {
                    func: call.func,
                    span: call.span,
                    path,
                    place: table,
                    how,
                });
            }
        }
        writes
    }
}

impl<'a> Model<'a> {
    /// The storage path of a written place, also through the value of a `pairs`/`ipairs`
    /// loop over a table in storage (`for _, data in pairs(storage.players) do data.gui =
    /// nil end` writes `storage.players[…].gui`).
    fn written_storage_path(&self, file: usize, place: &'a Value) -> Option<String> {
        if let Some(path) = self.storage_path(file, place) {
            return Some(path);
        }
        let mut keys = Vec::new();
        let mut root = place;
        while let Value::Index(base, key) = root {
            keys.push(key);
            root = base;
        }
        let Value::Local(binding) = root else {
            return None;
        };
        let ir = self.ir(file);
        let BindingKind::LoopVar(loop_id) = ir.binding(*binding).kind else {
            return None;
        };
        let loop_info = ir.loop_(loop_id);
        let (LoopKind::Pairs(table) | LoopKind::Ipairs(table)) = &loop_info.kind else {
            return None;
        };
        if loop_info.vars.iter().position(|v| v == binding) != Some(1) {
            return None;
        }
        let mut path = format!("{}[…]", self.storage_path(file, table)?);
        for key in keys.into_iter().rev() {
            match key {
                Key::Name(name) => {
                    path.push('.');
                    path.push_str(name);
                }
                Key::Dynamic(_) => path.push_str("[…]"),
            }
        }
        Some(path)
    }
}

/// `t.x = t.x` and `t.x = setmetatable(t.x, mt)`: the same table put back where it was,
/// which changes no saved data (re-applying a metatable in on_load is the documented use).
fn rewrites_itself(ir: &FileIr, target: &Value, value: &Value) -> bool {
    match value {
        v if v == target => true,
        Value::Call(id) => {
            let call = ir.call(*id);
            call.callee.is_global_path(&["setmetatable"]) && call.args.first() == Some(target)
        }
        _ => false,
    }
}
