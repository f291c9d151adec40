//! Which values are the saved table (`storage`, or `global` before 2.0) or a place inside it,
//! through locals, parameters, and functions that return such places.

use super::ir::*;
use super::model::{FnRef, Model};

/// A call being followed into its callee: the callee, and the caller's file and arguments.
#[derive(Clone, Copy)]
struct BoundCall<'a> {
    callee: FnRef,
    file: usize,
    args: &'a [Value],
}

const MAX_DEPTH: u32 = 6;

impl<'a> Model<'a> {
    /// The names of the saved table in a file: `storage` in 2.0, `global` before, both when
    /// the version is unknown.
    pub fn storage_roots(&self, file: usize) -> &'static [&'static str] {
        match self.files[file].factorio_version {
            Some(v) if v.is_2_0_or_later() => &["storage"],
            Some(_) => &["global"],
            None => &["storage", "global"],
        }
    }

    /// `Some("storage.books[…]")` when `value` is the saved table or a place inside it.
    pub fn storage_path(&self, file: usize, value: &'a Value) -> Option<String> {
        if !self.answers.complete {
            return self.storage_path_at(file, value, 0, None);
        }
        let key = (file, value as *const Value);
        if let Some(known) = self.answers.storage_path.borrow().get(&key) {
            return known.clone();
        }
        let path = self.storage_path_at(file, value, 0, None);
        self.answers
            .storage_path
            .borrow_mut()
            .insert(key, path.clone());
        path
    }

    /// Whether `value` is the saved table or a place inside it: [`Model::storage_path`]
    /// without putting the path together or keeping the answer, for questions asked of every
    /// place of a kind (a field chain is in storage exactly when its root is).
    pub fn in_storage(&self, file: usize, value: &'a Value) -> bool {
        let mut root = value;
        while let Value::Index(base, _) = root {
            root = base;
        }
        self.storage_path_at(file, root, 0, None).is_some()
    }

    /// Locals and calls are worked out once per depth: module-state and history questions ask
    /// about the same ones again and again, through many callers.
    fn cached_storage_path(
        &self,
        key: StoragePathKey,
        compute: impl FnOnce() -> Option<String>,
    ) -> Option<String> {
        // Parameters are followed to their callers, which are linked while the model is built.
        if !self.answers.complete {
            return compute();
        }
        if let Some(path) = self.answers.storage_path_parts.borrow().get(&key) {
            return path.clone();
        }
        let path = compute();
        self.answers
            .storage_path_parts
            .borrow_mut()
            .insert(key, path.clone());
        path
    }

    /// `call`: while following a call's return value, the callee's parameters are what that
    /// call passes (`get_or_create(local_table, k)` is not storage because another caller passes
    /// storage to the same helper).
    fn storage_path_at(
        &self,
        file: usize,
        value: &'a Value,
        depth: u32,
        call: Option<BoundCall<'a>>,
    ) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match value {
            Value::Global(name) => self
                .storage_roots(file)
                .contains(&name.as_str())
                .then(|| name.to_string()),
            Value::Index(base, key) => Some(place_in(
                self.storage_path_at(file, base, depth, call)?,
                key,
            )),
            // Without a call being followed, a local's answer depends only on it and the depth.
            Value::Local(binding) if call.is_none() => self
                .cached_storage_path(StoragePathKey::Local(file, *binding, depth), || {
                    self.local_storage_path(file, *binding, depth, None)
                }),
            Value::Local(binding) => self.local_storage_path(file, *binding, depth, call),
            // Operands are part of the same expression: no step deeper.
            Value::Either(a, b) => self
                .storage_path_at(file, a, depth, call)
                .or_else(|| self.storage_path_at(file, b, depth, call)),
            // What a call gives does not depend on a call being followed.
            Value::Call(id) => self
                .cached_storage_path(StoragePathKey::Call(file, *id, depth), || {
                    self.call_storage_path(file, *id, depth)
                }),
            _ => None,
        }
    }

    /// `require` of a module that returns a storage place, or a function returning one.
    fn call_storage_path(&self, file: usize, id: CallId, depth: u32) -> Option<String> {
        let made = self.ir(file).call(id);
        // `local config = require("config")` where config.lua returns `storage.config`.
        if let Some(Ok(module)) = self.require_target(file, id) {
            let export = self.ir(module).functions[MAIN_CHUNK as usize]
                .returns
                .last()
                .and_then(|values| values.first())?;
            return self.storage_path_at(module, export, depth + 1, None);
        }
        self.callees(file, &made.callee)
            .into_iter()
            .find_map(|callee| {
                let function = self.ir(callee.file).function(callee.func);
                let bound = BoundCall {
                    callee,
                    file,
                    args: &made.args,
                };
                function
                    .returns
                    .iter()
                    .filter_map(|values| values.first())
                    .find_map(|v| self.storage_path_at(callee.file, v, depth + 1, Some(bound)))
            })
    }

    /// A parameter is what its callers pass (or what the followed call passes); another local
    /// is an alias when what it was given is (the first such value).
    fn local_storage_path(
        &self,
        file: usize,
        binding: BindingId,
        depth: u32,
        call: Option<BoundCall<'a>>,
    ) -> Option<String> {
        let ir = self.ir(file);
        let binding_info = ir.binding(binding);
        if binding_info.kind == BindingKind::Param {
            if let Some(bound) = call.filter(|c| {
                c.callee
                    == FnRef {
                        file,
                        func: binding_info.func,
                    }
            }) {
                let position = ir
                    .function(binding_info.func)
                    .params
                    .iter()
                    .position(|p| *p == binding)?;
                let arg = bound.args.get(position)?;
                return self.storage_path_at(bound.file, arg, depth + 1, None);
            }
            return self.param_storage_path(file, binding, depth);
        }
        // A local is an alias when what it was given is (the first such value).
        binding_info
            .values
            .iter()
            .find_map(|v| self.storage_path_at(file, v, depth + 1, call))
    }

    /// A parameter is a storage alias when some caller passes a storage place for it.
    fn param_storage_path(&self, file: usize, binding: BindingId, depth: u32) -> Option<String> {
        self.arguments_for(file, binding)
            .into_iter()
            .find_map(|(caller_file, arg)| self.storage_path_at(caller_file, arg, depth + 1, None))
    }
}

/// A storage local or call whose path is worked out once (see [`Model::storage_path`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum StoragePathKey {
    /// A local at a depth of the search.
    Local(usize, BindingId, u32),
    Call(usize, CallId, u32),
}

/// The path of `base[key]`.
fn place_in(base: String, key: &Key) -> String {
    match key {
        Key::Name(field) if is_identifier(field) => format!("{base}.{field}"),
        Key::Name(field) => format!("{base}[{field:?}]"),
        Key::Dynamic(_) => format!("{base}[…]"),
    }
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
