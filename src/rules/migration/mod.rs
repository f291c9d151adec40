//! Migration rules: code written for an older Factorio than the mod declares.
//!
//! FL502 and FL503 share one scan ([`gone_uses`]): every API member, `defines` entry and event
//! field the code names that the mod's Factorio no longer has (by `api::migration`, the same
//! queries FL402 defers to), each with the row of [`api_changes`] that says what replaced it.
//! FL502 reports the ones with a replacement, FL503 the rest.

pub mod api_changes;
pub mod changed_calls;
pub mod global_in_2_0;
pub mod moved_api;
pub mod removed_api;
pub mod reshaped_results;

use crate::api::{self, migration, Api, FactorioVersion};
use crate::rules::api::unknown_api_member::{
    defined_by_mod, only_from_factorio, root, DefinesChains,
};
use crate::rules::{is_test_code, UnitFacts};
use crate::semantic::ir::{Key, MemberRef, MemberUse, Value};
use crate::semantic::kinds::Kind;
use crate::semantic::FileFacts;
use api_changes::{ApiChange, New};

/// What the gone name belonged to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owner {
    /// A LuaObject class (as the mod's Factorio names it).
    Class(&'static str),
    /// `defines`; the path is the gone one, without the prefix.
    Defines(String),
    /// The data of these events, as a handler receives it.
    Event(Vec<String>),
}

/// One use of a name the mod's Factorio no longer has.
pub struct GoneUse<'u> {
    pub file: &'u FileFacts<'u>,
    pub member: &'u MemberRef,
    /// The object the member is read from.
    pub base: &'u Value,
    pub owner: Owner,
    /// How the code spells it: `game.item_prototypes`, `defines.events.on_entity_destroyed`.
    pub spelled: String,
    /// What replaces it ([`New::Removed`] for a name no row lists).
    pub new: New,
    /// The Factorio version that dropped it.
    pub since: FactorioVersion,
    /// The row's advice; empty for none.
    pub advice: &'static str,
}

impl GoneUse<'_> {
    /// What happens in the game when the old name runs.
    pub fn consequence(&self) -> String {
        let name = self.file.ir.member_name(self.member);
        match &self.owner {
            Owner::Class(class) => format!(
                "Factorio {} stops the mod with \"{class} doesn't contain key {name}.\" when this runs",
                self.since
            ),
            Owner::Defines(path) => format!(
                "`defines.{path}` is nil in Factorio {}, so code that uses it fails or silently does nothing",
                self.since
            ),
            Owner::Event(_) => format!(
                "Factorio {} no longer puts `{name}` in the event data, so it reads as nil",
                self.since
            ),
        }
    }

    /// The member is called with `:` (`entity:set_command(...)`).
    pub fn is_colon_call(&self) -> bool {
        self.member.usage == MemberUse::Call
            && self
                .file
                .ir
                .calls
                .iter()
                .any(|call| call.is_method && call.callee_span.end == self.member.span.end)
    }

    /// The expression before the member is a plain name or field path (no calls), so dropping
    /// it loses nothing.
    pub fn base_is_plain_path(&self) -> bool {
        is_plain_path(self.base)
    }
}

fn is_plain_path(value: &Value) -> bool {
    match value {
        Value::Global(_) | Value::Local(_) => true,
        Value::Index(base, Key::Name(_)) => is_plain_path(base),
        Value::Index(base, Key::Dynamic(key)) => {
            is_plain_path(base)
                && matches!(
                    key.as_ref(),
                    Value::Str(_) | Value::Number(_) | Value::Local(_) | Value::Global(_)
                )
        }
        _ => false,
    }
}

/// The Factorio version of a 2.0+ file and its API table, when the unit's value kinds were
/// worked out with that table (a file configured for another version is not judged by them).
pub(super) fn uses_api_of(
    unit: &UnitFacts,
    file: &FileFacts,
) -> Option<(FactorioVersion, &'static Api)> {
    let version = file.factorio_version.filter(|v| v.is_2_0_or_later())?;
    let table = api::for_version(Some(version));
    std::ptr::eq(table, unit.model.api).then_some((version, table))
}

/// Every use of a gone name in the unit's files in scope, in file and source order.
pub fn gone_uses<'u>(unit: &'u UnitFacts<'u>) -> Vec<GoneUse<'u>> {
    let mut uses = Vec::new();
    for (index, file) in unit.files.iter().enumerate() {
        if !unit.in_scope(index) {
            continue;
        }
        let Some((version, table)) = uses_api_of(unit, file) else {
            continue;
        };
        let scan = FileScan {
            unit,
            file,
            index,
            version,
            table,
        };
        // LuaObjects and event data exist only at run time (test code runs outside Factorio);
        // `defines` in every stage.
        let runtime = file.stages.control || (file.stages.is_unknown() && !is_test_code(file.rel));
        let defines_chains = DefinesChains::of(file.ir);
        for member in &file.ir.members {
            let found = match defines_chains.path(file.ir, member) {
                Some(path) => scan.define(&path[1..], member),
                _ if runtime => scan.object(member),
                _ => None,
            };
            uses.extend(found);
        }
    }
    uses
}

struct FileScan<'u> {
    unit: &'u UnitFacts<'u>,
    file: &'u FileFacts<'u>,
    index: usize,
    version: FactorioVersion,
    table: &'static Api,
}

impl<'u> FileScan<'u> {
    fn base(&self, member: &MemberRef) -> &'u Value {
        self.file.ir.member_base(member)
    }

    fn applies(&self) -> impl Fn(FactorioVersion) -> bool {
        let version = self.version;
        move |since| since <= version
    }

    /// The Factorio version that dropped a name: 2.0 if 2.0 lacks it, else 2.1.
    fn since(&self, gone_in: impl Fn(FactorioVersion) -> bool) -> FactorioVersion {
        if gone_in(api_changes::V2_0) {
            api_changes::V2_0
        } else {
            api_changes::V2_1
        }
    }

    /// A use with its row, or with no row: removed in the version `gone_in` finds first.
    fn found(
        &self,
        member: &'u MemberRef,
        owner: Owner,
        row: Option<&'static ApiChange>,
        gone_in: impl Fn(FactorioVersion) -> bool,
    ) -> GoneUse<'u> {
        let (new, since, advice) = match row {
            Some(row) => (row.new, row.since, row.advice),
            None => (New::Removed, self.since(gone_in), ""),
        };
        GoneUse {
            file: self.file,
            member,
            owner,
            base: self.base(member),
            spelled: format!(
                "{}.{}",
                self.file.ir.describe(self.base(member)),
                self.file.ir.member_name(member)
            ),
            new,
            since,
            advice,
        }
    }

    fn object(&self, member: &'u MemberRef) -> Option<GoneUse<'u>> {
        let model = &self.unit.model;
        let base = self.base(member);
        // By name first: most names were never moved or removed, and a value's kind costs
        // far more to find.
        let name = self.file.ir.member_name(member);
        let may_be_gone = migration::may_be_moved_or_removed(self.version, name)
            || (member.usage != MemberUse::Write
                && (migration::may_be_moved_or_removed_event_field(self.version, name)
                    || api_changes::names_event_field(name)));
        if !may_be_gone || defined_by_mod(model, root(base)) {
            return None;
        }
        match model.kind(self.index, base)? {
            Kind::Class(class) => self.class_member(class, member),
            Kind::EventData(events) => self.event_field(&events, member),
            _ => None,
        }
        // As for FL402: only a kind every source agrees on (asked last: it costs more).
        .filter(|_| model.settled_kind(self.index, base).is_some())
    }

    fn class_member(&self, class: &'static str, member: &'u MemberRef) -> Option<GoneUse<'u>> {
        let name = self.file.ir.member_name(member);
        if self.table.has_member(class, name)
            // The object may be of a subclass that still has the name.
            || self.table.subclass_has_member(class, name)
            || !migration::is_moved_or_removed(self.version, class, name)
        {
            return None;
        }
        let mut lineage: Vec<&str> = std::iter::once(class)
            .chain(self.table.parents(class))
            .collect();
        lineage.push("*");
        let row = api_changes::member(&lineage, name, self.applies());
        let gone_in = |v| migration::is_moved_or_removed(v, class, name);
        Some(self.found(member, Owner::Class(class), row, gone_in))
    }

    fn event_field(&self, events: &[String], member: &'u MemberRef) -> Option<GoneUse<'u>> {
        let name = self.file.ir.member_name(member);
        if member.usage == MemberUse::Write
            || !only_from_factorio(&self.unit.model, self.index, self.base(member), name)
            || events
                .iter()
                .any(|e| self.table.event_field(e, name).is_some())
        {
            return None;
        }
        // A field a row names (also of an event this Factorio no longer has at all, whose
        // `defines` name is reported on its own), else one the API lost.
        let row_of = |event: &str| api_changes::event_field(event, name, self.applies());
        let gone_in = |v: FactorioVersion, event: &str| {
            migration::is_moved_or_removed_event_field(v, event, name)
        };
        let losing: Vec<String> = events
            .iter()
            .filter(|e| row_of(e).is_some() || gone_in(self.version, e))
            .cloned()
            .collect();
        let row = losing.iter().find_map(|e| row_of(e));
        if losing.is_empty() || self.reads_renamed_too(member, row) {
            return None;
        }
        let gone_in = |v: FactorioVersion| losing.iter().any(|e| gone_in(v, e));
        Some(self.found(member, Owner::Event(losing.clone()), row, gone_in))
    }

    /// `event.created_entity or event.entity`: the old and the new name of a renamed field
    /// of the same table in one `or` (or `and`) expression, which works in either version.
    fn reads_renamed_too(&self, member: &MemberRef, row: Option<&ApiChange>) -> bool {
        let Some(New::Rename(new)) = row.map(|r| r.new) else {
            return false;
        };
        let field = |name: &str| {
            Value::Index(
                std::sync::Arc::new(self.base(member).clone()),
                Key::Name(name.into()),
            )
        };
        let (old, new) = (field(self.file.ir.member_name(member)), field(new));
        let ir = self.file.ir;
        let values = ir
            .bindings
            .iter()
            .flat_map(|b| &b.values)
            .chain(ir.assigns.iter().map(|a| &a.value))
            .chain(ir.calls.iter().flat_map(|c| &c.args))
            .chain(ir.functions.iter().flat_map(|f| f.returns.iter().flatten()));
        values.into_iter().any(|value| {
            value.any(&mut |v| {
                if !matches!(v, Value::Either(..)) {
                    return false;
                }
                let mut operands = Vec::new();
                either_operands(v, &mut operands);
                operands.contains(&&old) && operands.contains(&&new)
            })
        })
    }

    /// `defines.<parent>.<name>`: reported at the first gone step of the path only.
    fn define(&self, parent: &[&str], member: &'u MemberRef) -> Option<GoneUse<'u>> {
        let mut path: Vec<&str> = parent.to_vec();
        path.push(self.file.ir.member_name(member));
        let full = path.join(".");
        let gone = |v: FactorioVersion, p: &str| migration::is_moved_or_removed_define(v, p);
        if !gone(self.version, &full)
            || self.table.is_define(&full)
            || (!parent.is_empty() && gone(self.version, &parent.join(".")))
            || self.defined_by_mod(&path)
        {
            return None;
        }
        let row = api_changes::define(&full, self.applies());
        let gone_in = |v| gone(v, &full);
        Some(self.found(member, Owner::Defines(full.clone()), row, gone_in))
    }

    /// The mod sets this `defines` entry (or one above it) itself, often as a shim between
    /// versions (`defines.events.on_entity_destroyed = defines.events.on_object_destroyed`).
    fn defined_by_mod(&self, path: &[&str]) -> bool {
        let mut key = "G:defines".to_string();
        path.iter().any(|part| {
            key.push('.');
            key.push_str(part);
            self.unit.model.assigned_at(&key).is_some()
        })
    }
}

/// The operands of `a or b or c` (through nested `or`/`and`).
fn either_operands<'v>(value: &'v Value, out: &mut Vec<&'v Value>) {
    match value {
        Value::Either(a, b) => {
            either_operands(a, out);
            either_operands(b, out);
        }
        other => out.push(other),
    }
}
