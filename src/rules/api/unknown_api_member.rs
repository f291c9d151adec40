//! FL402 unknown-api-member: a member that does not exist on a value of known API class, for
//! the mod's Factorio version.
//!
//! Three kinds of value are judged: LuaObjects whose class the model knows, the `event` table
//! a handler receives, and `defines`. Members that an older Factorio had and the mod's version
//! no longer has are left to the migration rules (FL502 moved-api, FL503 removed-api), through
//! the queries of `api::migration`: one mistake, one finding.

use super::{added_in, closest, first_newer, judging_table, runs_in, version_phrase};
use crate::api::{self, later, migration, Api, FactorioVersion};
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::*;
use crate::semantic::kinds::Kind;
use crate::semantic::model::{FastMap, FastSet, FnRef, Model};
use crate::semantic::FileFacts;

pub struct UnknownApiMember;

/// Members every LuaObject answered before 2.0 without the API listing them.
const LUA_OBJECT_1_1: &[&str] = &["__self", "isluaobject"];
const TWO_ZERO: FactorioVersion = FactorioVersion { major: 2, minor: 0 };

/// Classes whose objects also answer names that are not members: a custom table's keys
/// (`game.players.Alice`) and a GUI element's children (`frame.my_button`).
const NAMED_CHILDREN: &[&str] = &["LuaCustomTable", "LuaGuiElement"];

impl Rule for UnknownApiMember {
    fn code(&self) -> &'static str {
        "FL402"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        let uses_other_mods = requires_other_mods(unit);
        // Needed only for a near miss under `defines.events`: found on first use.
        let custom_events = std::cell::OnceCell::new();
        // Whether the mod adds a name under `defines`, by its full name: files of a unit name
        // the same defines again and again.
        let added_by_mod = std::cell::RefCell::new(FastMap::default());
        for (index, file) in unit.files.iter().enumerate() {
            // Each finding lies at its own member.
            if !unit.in_scope(index) {
                continue;
            }
            let Some(table) = judging_table(unit, file) else {
                continue;
            };
            let stages = file.stages;
            let check = FileCheck {
                unit,
                model: &unit.model,
                file,
                index,
                table,
                version: file.factorio_version,
                // Libraries add their own tables to `defines` (`defines.color`): in the
                // settings and data stages every mod shares one `defines`, and at run time a
                // required library of another mod may have added them.
                own_defines_only: !(uses_other_mods || stages.data || stages.settings),
                custom_events: &custom_events,
                added_by_mod: &added_by_mod,
            };
            // LuaObjects and event data exist only at run time; `defines` in every stage.
            let runtime = stages.control || stages.is_unknown();
            let defines_chains = DefinesChains::of(file.ir);
            for member in &file.ir.members {
                let finding = match defines_chains.path(file.ir, member) {
                    Some(path) => check.define(&path, member),
                    _ if runtime => check.object(member),
                    _ => None,
                };
                out.extend(finding);
            }
        }
    }
}

struct FileCheck<'a, 'm> {
    unit: &'m UnitFacts<'a>,
    model: &'m Model<'a>,
    file: &'m FileFacts<'a>,
    index: usize,
    table: &'static Api,
    version: Option<FactorioVersion>,
    /// Nothing but Factorio and this mod can have put names directly under `defines`.
    own_defines_only: bool,
    /// The `custom-event` prototypes the unit declares (they appear in `defines.events`).
    custom_events: &'m std::cell::OnceCell<FastSet<String>>,
    /// See [`FileCheck::define_added_by_mod`], by the define's full name.
    added_by_mod: &'m std::cell::RefCell<FastMap<String, bool>>,
}

impl<'a> FileCheck<'a, '_> {
    /// A member of a LuaObject or of a handler's event table.
    fn object(&self, member: &'a MemberRef) -> Option<Diagnostic> {
        let base = self.file.ir.member_base(member);
        // Asked only of a member found missing (findings are rare), before its finding is
        // written: the questions that build keys or walk further. Is the root the API's
        // global, is the kind certain?
        let sure = || {
            if defined_by_mod(self.model, root(base)) {
                return false;
            }
            let Some(settled) = self.model.settled_kind(self.index, base) else {
                return false;
            };
            // A value the mod only annotates as an API class, and stores this very field
            // into, is the mod's own table under a wrong annotation.
            !(settled.from_annotation && self.mod_assigns(base, self.file.ir.member_name(member)))
        };
        match self.model.kind(self.index, base)? {
            Kind::Class(class) => self.class_member(class, member, sure),
            Kind::EventData(events) => self.event_field(&events, member, sure),
            _ => None,
        }
    }

    fn class_member(
        &self,
        class: &str,
        member: &MemberRef,
        sure: impl Fn() -> bool,
    ) -> Option<Diagnostic> {
        let name = self.file.ir.member_name(member);
        // The cheap questions first.
        if self.table.has_member(class, name)
            || (NAMED_CHILDREN.contains(&class) && member.usage != MemberUse::Write)
            || (self.table.version() < TWO_ZERO && LUA_OBJECT_1_1.contains(&name))
            // The object may be of a subclass (`get_control_behavior()` gives a
            // LuaControlBehavior that is really a LuaLampControlBehavior).
            || self.table.subclass_has_member(class, name)
            || later::added_member(self.table, class, name)
            || self.is_migration(|v| migration::is_moved_or_removed(v, class, name))
            || self.in_any_version(|t| t.has_member(class, name))
            || !sure()
        {
            return None;
        }
        let object = self.file.ir.describe(self.file.ir.member_base(member));
        let verb = match member.usage {
            MemberUse::Read => "read",
            MemberUse::Write => "assigned",
            MemberUse::Call => "called",
        };
        let message = format!(
            "`{object}.{name}` is {verb}, but {class} has no member `{name}` in {}",
            version_phrase(self.version, self.table)
        );
        let suggestion = closest(name, self.table.member_names(class));
        let added = first_newer(self.table, |t| t.has_member(class, name));
        let effect = format!(
            "Factorio stops the mod with \"{class} doesn't contain key {name}.\" when this runs"
        );
        let label = format!("not a member of {class}");
        Some(self.finding(member, message, label, Some(effect), suggestion, added))
    }

    fn event_field(
        &self,
        events: &[String],
        member: &MemberRef,
        sure: impl Fn() -> bool,
    ) -> Option<Diagnostic> {
        let name = self.file.ir.member_name(member);
        // Event tables are plain tables: a mod may add its own fields, and only the tables
        // Factorio builds have a known shape.
        if member.usage == MemberUse::Write
            || !self.only_from_factorio(self.file.ir.member_base(member), name)
        {
            return None;
        }
        let known = |table: &Api| events.iter().all(|e| table.event(e).is_some());
        if !known(self.table) || events.iter().any(|e| e.starts_with("script_raised_")) {
            return None;
        }
        let has = |table: &Api| events.iter().any(|e| table.event_field(e, name).is_some());
        if has(self.table)
            || self.is_migration(|v| {
                events
                    .iter()
                    .any(|e| migration::is_moved_or_removed_event_field(v, e, name))
            })
            || self.in_any_version(has)
            || !sure()
        {
            return None;
        }
        let object = self.file.ir.describe(self.file.ir.member_base(member));
        let which = events.join("/");
        let message = format!(
            "`{object}.{name}` is always nil: {which} event data has no field `{name}` in {}",
            version_phrase(self.version, self.table)
        );
        let fields = events
            .iter()
            .filter_map(|e| self.table.event(e))
            .flat_map(|e| e.data.keys().map(String::as_str));
        let suggestion = closest(name, fields);
        let added = first_newer(self.table, |t| known(t) && has(t));
        let label = "no such event field".to_string();
        Some(self.finding(member, message, label, None, suggestion, added))
    }

    /// `defines.<path>.<name>`: the node `path` names must have `name`.
    fn define(&self, path: &[&str], member: &MemberRef) -> Option<Diagnostic> {
        let name = self.file.ir.member_name(member);
        let parent = path[1..].join(".");
        if parent.is_empty() && !self.own_defines_only {
            return None;
        }
        let children: Vec<&str> = if parent.is_empty() {
            self.table.define_names().collect()
        } else {
            match self.table.define(&parent)? {
                api::Define::Values(values) => values.iter().map(String::as_str).collect(),
                api::Define::Subkeys(children) => children.keys().map(String::as_str).collect(),
            }
        };
        // Most defines a mod names exist: told before the name is put together.
        if children.contains(&name) {
            return None;
        }
        let full = if parent.is_empty() {
            name.to_string()
        } else {
            format!("{parent}.{name}")
        };
        if self.define_added_by_mod(&full)
            || later::added_define(self.table, &full)
            || self.is_migration(|v| migration::is_moved_or_removed_define(v, &full))
            || self.in_any_version(|t| t.is_define(&full))
        {
            return None;
        }
        let suggestion = closest(name, children.iter().copied());
        // 2.0 added custom-event prototypes: `defines.events` also holds the names this mod
        // or any mod it depends on declares, so only a near miss of Factorio's own names is
        // reported.
        let custom_events_possible = parent == "events" && self.table.version() >= TWO_ZERO;
        if custom_events_possible
            && (suggestion.is_none()
                || self
                    .custom_events
                    .get_or_init(|| custom_event_prototypes(self.unit))
                    .contains(name))
        {
            return None;
        }
        let message = format!(
            "`defines.{full}` does not exist in {}; it is nil",
            version_phrase(self.version, self.table)
        );
        let added = first_newer(self.table, |t| t.is_define(&full));
        let what = if parent.is_empty() {
            "no such define".to_string()
        } else {
            format!("not in defines.{parent}")
        };
        Some(self.finding(member, message, what, None, suggestion, added))
    }

    /// A mod may add its own entries (`defines.events.my_event = script.generate_event_name()`,
    /// `_G.defines.color = colors`): whether it assigns `defines`, a table on the way to
    /// `defines.<full>`, or that name itself.
    fn define_added_by_mod(&self, full: &str) -> bool {
        if let Some(added) = self.added_by_mod.borrow().get(full) {
            return *added;
        }
        let added = ["G:defines", "G:_G.defines"].into_iter().any(|root| {
            let mut prefix = root.to_string();
            full.split('.').chain([""]).any(|part| {
                let assigned = self.model.assigned_at(&prefix).is_some()
                    || self.model.assigned_at(&format!("{prefix}[]")).is_some();
                prefix = format!("{prefix}.{part}");
                assigned
            })
        });
        self.added_by_mod
            .borrow_mut()
            .insert(full.to_string(), added);
        added
    }

    /// Whether the mod assigns `base.name` (the same variable's field) anywhere.
    fn mod_assigns(&self, base: &Value, name: &str) -> bool {
        self.model
            .assigned_at_field(self.index, base, Some(name))
            .is_some()
    }

    /// A member an older Factorio had, for a mod whose version no longer has it: the
    /// migration rules' finding, not this one.
    fn is_migration(&self, moved: impl Fn(FactorioVersion) -> bool) -> bool {
        self.version.is_some_and(moved)
    }

    /// With no version declared, a member some known Factorio has may be right for the
    /// version the mod is really for.
    fn in_any_version(&self, has: impl Fn(&Api) -> bool) -> bool {
        self.version.is_none()
            && api::KNOWN_VERSIONS
                .iter()
                .any(|k| has(api::for_version(Some(k.version))))
    }

    fn only_from_factorio(&self, base: &Value, field: &str) -> bool {
        only_from_factorio(self.model, self.index, base, field)
    }

    /// The finding, with its notes in reading order: what happens, since when the name
    /// exists, where the code runs.
    fn finding(
        &self,
        member: &MemberRef,
        message: String,
        label: String,
        effect: Option<String>,
        suggestion: Option<&str>,
        added: Option<FactorioVersion>,
    ) -> Diagnostic {
        let context = runs_in(self.unit, self.index, member.func);
        let added_note = added.map(|newer| added_in(newer, self.table));
        let mut diagnostic =
            Diagnostic::new("FL402", self.file.id, member.span, message).with_label(label);
        for note in [effect, added_note, context].into_iter().flatten() {
            diagnostic = diagnostic.with_note(note);
        }
        let help = match (suggestion, added) {
            (Some(suggestion), _) => format!("did you mean `{suggestion}`?"),
            (None, Some(newer)) => format!(
                "declare `\"factorio_version\": \"{}.{}\"` if the mod needs it, or use what Factorio {} offers",
                newer.major, newer.minor, self.table.version()
            ),
            (None, None) => {
                "check the name against the API documentation for this Factorio version".to_string()
            }
        };
        diagnostic.with_help(help)
    }
}

/// `event.field` where `event` is the first parameter of a handler that only Factorio calls
/// (in file `index`), and the mod never stores `field` into it.
pub(crate) fn only_from_factorio(model: &Model, index: usize, base: &Value, field: &str) -> bool {
    let Value::Local(binding) = base else {
        return false;
    };
    let ir = model.ir(index);
    let info = ir.binding(*binding);
    let function = FnRef {
        file: index,
        func: info.func,
    };
    let is_first_param =
        info.kind == BindingKind::Param && ir.function(info.func).params.first() == Some(binding);
    let called_by_mod = model
        .calls_to
        .get(&function)
        .is_some_and(|callers| !callers.is_empty());
    let written = model.assigned_at_field(index, base, Some(field)).is_some();
    is_first_param && !called_by_mod && !written
}

/// Whether the unit requires code of other mods (`require("__stdlib__/...")`); Factorio's own
/// lualib (`util`, `__core__/lualib/...`) does not count.
fn requires_other_mods(unit: &UnitFacts) -> bool {
    unit.files.iter().enumerate().any(|(index, file)| {
        file.ir.requires().any(|(path, call)| {
            let foreign = path.starts_with("__")
                && !path.starts_with("__core__")
                && !path.starts_with("__base__");
            foreign && matches!(unit.model.require_target(index, call), Some(Err(_)))
        })
    })
}

/// The names of `{type = "custom-event", name = "..."}` tables anywhere in the unit's calls
/// (`data:extend`).
fn custom_event_prototypes(unit: &UnitFacts) -> FastSet<String> {
    fn collect(value: &Value, out: &mut FastSet<String>) {
        let Value::Table(fields) = value else {
            return;
        };
        let field = |key: &str| {
            fields.iter().find_map(|f| match (&f.key, &f.value) {
                (Some(Key::Name(k)), Value::Str(text)) if k == key => Some(text.as_str()),
                _ => None,
            })
        };
        if let (Some("custom-event"), Some(name)) = (field("type"), field("name")) {
            out.insert(name.to_string());
        }
        for f in fields {
            collect(&f.value, out);
        }
    }
    let mut names = FastSet::default();
    for file in unit.files {
        for call in &file.ir.calls {
            for arg in &call.args {
                collect(arg, &mut names);
            }
        }
    }
    names
}

/// Which member chains of a file start at the global `defines`: the question every member
/// asks first, answered once per chain (a chain is walked to its root once, not once per
/// member on it).
pub(crate) struct DefinesChains(Vec<bool>);

impl DefinesChains {
    pub(crate) fn of(ir: &FileIr) -> DefinesChains {
        DefinesChains(
            ir.member_chains
                .iter()
                .map(|chain| matches!(root(ir.member_chain(chain)), Value::Global(name) if name == "defines"))
                .collect(),
        )
    }

    /// The path of `defines.a.b` when the member's base is one ([`under_defines`]).
    pub(crate) fn path<'i>(&self, ir: &'i FileIr, member: &MemberRef) -> Option<Vec<&'i str>> {
        // A base named from `defines` ends in the root of its chain.
        if !self.0[member.chain as usize] {
            return None;
        }
        let base = ir.member_base(member);
        under_defines(base).then(|| base.global_path()).flatten()
    }
}

/// `defines.a.b`: a chain of named fields from the global `defines` (asked of every member
/// before its path is built, which allocates).
pub(crate) fn under_defines(value: &Value) -> bool {
    let mut root = value;
    while let Value::Index(base, Key::Name(_)) = root {
        root = base;
    }
    matches!(root, Value::Global(name) if name == "defines")
}

/// The variable a chain of fields starts from (`game` in `game.players[1].name`).
pub(crate) fn root(value: &Value) -> &Value {
    match value {
        Value::Index(base, _) => root(base),
        other => other,
    }
}

/// A global the mod assigns itself (a test double of `game`, its own `script` table): not the
/// API object.
pub(crate) fn defined_by_mod(model: &Model, root: &Value) -> bool {
    matches!(root, Value::Global(name) if model.assigned_at(&format!("G:{name}")).is_some())
}
