//! What a mod for a newer Factorio may still use from an older one: API members, `defines`
//! and event fields that were moved, renamed or removed between versions.
//!
//! The migration rules (FL502 moved-api, FL503 removed-api) report these; every other rule
//! that judges API use asks [`is_moved_or_removed`] and its siblings first, so that one
//! mistake gets one finding.
//!
//! 1.1 → 2.0 comes from a committed extract (`migration-1.1-to-2.0.json`, made by
//! [`generate`]) of `removed_members_1.1.110_to_2.0.77.json`, the rows of
//! `migration_1.1_to_2.0.json` and the difference of the two versions' API tables (`defines`
//! and event fields, which the removed-members list does not cover). 2.0 → 2.1 is the
//! difference of the 2.0 and 2.1 tables, worked out when asked.

use super::{for_version, Api, Define, FactorioVersion, KNOWN_VERSIONS};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// The committed 1.1 → 2.0 extract.
pub const EXTRACT_1_1_TO_2_0: &str = include_str!("migration-1.1-to-2.0.json");

/// Members every LuaObject answered in 1.1 (`obj.help()`, `obj.__self`, `obj.isluaobject`),
/// listed under this class name.
const ANY_CLASS: &str = "*";

/// What 1.1 had and 2.0 does not.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removed {
    /// Class → its members (own and inherited) that are gone; [`ANY_CLASS`] for all classes.
    members: BTreeMap<String, BTreeSet<String>>,
    /// Paths under `defines`, without the prefix (`events.on_entity_destroyed`).
    defines: BTreeSet<String>,
    /// Event → its data fields that are gone.
    event_fields: BTreeMap<String, BTreeSet<String>>,
}

fn removed_in_2_0() -> &'static Removed {
    static REMOVED: OnceLock<Removed> = OnceLock::new();
    REMOVED.get_or_init(|| {
        serde_json::from_str(EXTRACT_1_1_TO_2_0).expect("the migration extract is valid")
    })
}

fn is_2_0_or_later(version: FactorioVersion) -> bool {
    version >= KNOWN_VERSIONS[1].version
}

/// The 2.0 table when `version` is 2.1 or later (its own table differs from 2.0's): members it
/// had and the later one lacks were dropped or renamed in 2.1.
fn previous_table(version: FactorioVersion) -> Option<(&'static Api, &'static Api)> {
    let own = for_version(Some(version));
    let older = for_version(Some(KNOWN_VERSIONS[1].version));
    (version >= KNOWN_VERSIONS[2].version && !std::ptr::eq(own, older)).then_some((older, own))
}

/// `class.member` is an API member an older Factorio had that a mod for `version` no longer
/// has: moved (`game.item_prototypes` → `prototypes.item`), renamed or removed. The class is
/// named as in the mod's own version; ancestors count.
pub fn is_moved_or_removed(version: FactorioVersion, class: &str, member: &str) -> bool {
    if !is_2_0_or_later(version) {
        return false;
    }
    let removed = removed_in_2_0();
    let own = for_version(Some(version));
    let lineage = std::iter::once(class)
        .chain(own.parents(class))
        .chain([ANY_CLASS]);
    let in_2_0 = lineage
        .into_iter()
        .any(|c| removed.members.get(c).is_some_and(|m| m.contains(member)));
    in_2_0
        || previous_table(version).is_some_and(|(older, newer)| {
            older.has_member(class, member) && !newer.has_member(class, member)
        })
}

/// `defines.<path>` (path without the prefix) existed in an older Factorio and not in the one
/// a mod for `version` runs on.
pub fn is_moved_or_removed_define(version: FactorioVersion, path: &str) -> bool {
    if !is_2_0_or_later(version) {
        return false;
    }
    removed_in_2_0().defines.contains(path)
        || previous_table(version)
            .is_some_and(|(older, newer)| older.is_define(path) && !newer.is_define(path))
}

/// `event.<field>` was in the data of the named event in an older Factorio and is not in
/// the one a mod for `version` runs on (`created_entity` of `on_built_entity`).
pub fn is_moved_or_removed_event_field(version: FactorioVersion, event: &str, field: &str) -> bool {
    if !is_2_0_or_later(version) {
        return false;
    }
    let in_2_0 = removed_in_2_0()
        .event_fields
        .get(event)
        .is_some_and(|fields| fields.contains(field));
    in_2_0
        || previous_table(version).is_some_and(|(older, newer)| {
            older.event_field(event, field).is_some() && newer.event_field(event, field).is_none()
        })
}

/// Names [`is_moved_or_removed`] (members) and [`is_moved_or_removed_event_field`] (fields)
/// can answer for, in any class or event: a test by name alone, asked before the costlier
/// question of which class a value has.
struct GoneNames {
    members: NameSet,
    event_fields: NameSet,
}

/// Asked of every member a mod reads: a fast hash.
type NameSet = std::collections::HashSet<String, foldhash::fast::FixedState>;

impl GoneNames {
    fn of_2_0() -> &'static GoneNames {
        static NAMES: OnceLock<GoneNames> = OnceLock::new();
        NAMES.get_or_init(|| {
            let removed = removed_in_2_0();
            GoneNames {
                members: removed.members.values().flatten().cloned().collect(),
                event_fields: removed.event_fields.values().flatten().cloned().collect(),
            }
        })
    }

    /// What the newest table lacks of 2.0's; `None` when the two are one table.
    fn of_2_1() -> Option<&'static GoneNames> {
        static NAMES: OnceLock<Option<GoneNames>> = OnceLock::new();
        NAMES
            .get_or_init(|| {
                let (older, newer) = previous_table(KNOWN_VERSIONS[2].version)?;
                let mut names = GoneNames {
                    members: Default::default(),
                    event_fields: Default::default(),
                };
                for class in older.class_names() {
                    for member in older.member_names(class) {
                        if !newer.has_member(class, member) {
                            names.members.insert(member.to_string());
                        }
                    }
                }
                for (event, data) in &older.events {
                    for field in data.data.keys() {
                        if newer.event_field(event, field).is_none() {
                            names.event_fields.insert(field.clone());
                        }
                    }
                }
                Some(names)
            })
            .as_ref()
    }

    /// Whether `has` may hold for a name of a mod for `version`.
    fn may(version: FactorioVersion, has: impl Fn(&GoneNames) -> bool) -> bool {
        if !is_2_0_or_later(version) {
            return false;
        }
        if has(GoneNames::of_2_0()) {
            return true;
        }
        match previous_table(version) {
            None => false,
            Some((_, newer))
                if std::ptr::eq(newer, for_version(Some(KNOWN_VERSIONS[2].version))) =>
            {
                GoneNames::of_2_1().is_some_and(has)
            }
            // A table this cache does not cover: no shortcut.
            Some(_) => true,
        }
    }
}

/// Whether [`is_moved_or_removed`] may hold for `member` of some class.
pub fn may_be_moved_or_removed(version: FactorioVersion, member: &str) -> bool {
    GoneNames::may(version, |names| names.members.contains(member))
}

/// Whether [`is_moved_or_removed_event_field`] may hold for `field` of some event.
pub fn may_be_moved_or_removed_event_field(version: FactorioVersion, field: &str) -> bool {
    GoneNames::may(version, |names| names.event_fields.contains(field))
}

type Result<T> = std::result::Result<T, String>;

/// The text of `migration-1.1-to-2.0.json` from the shared files: the removed-members list,
/// the migration table, and the 1.1 and 2.0 `runtime-api.json`.
pub fn generate(
    removed_members_json: &str,
    migration_json: &str,
    runtime_1_1_json: &str,
    runtime_2_0_json: &str,
) -> Result<String> {
    let table = |text: &str| -> Result<Api> {
        let raw: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        super::extract::extract(&raw)
    };
    let (old, new) = (table(runtime_1_1_json)?, table(runtime_2_0_json)?);
    let mut removed = Removed {
        members: serde_json::from_str(removed_members_json)
            .map_err(|e| format!("removed members: {e}"))?,
        ..Removed::default()
    };
    let new_defines = define_paths(&new);
    removed.defines = define_paths(&old)
        .into_iter()
        .filter(|path| !new_defines.contains(path))
        .collect();
    for (event, data) in &old.events {
        let gone: BTreeSet<String> = data
            .data
            .keys()
            .filter(|field| {
                new.events
                    .get(event)
                    .is_some_and(|e| !e.data.contains_key(*field))
            })
            .cloned()
            .collect();
        if !gone.is_empty() {
            removed.event_fields.insert(event.clone(), gone);
        }
    }

    // The table's rows name a few things the lists above must hold, and the members that every
    // LuaObject had.
    let rows: Vec<Value> =
        serde_json::from_str(migration_json).map_err(|e| format!("migration table: {e}"))?;
    for row in &rows {
        let old_text = row.get("old").and_then(Value::as_str).unwrap_or_default();
        if row.get("kind").and_then(Value::as_str) == Some("semantics") {
            continue;
        }
        for token in old_text.split([' ', '/', '(', ')', ',']) {
            if let Some(member) = token.strip_prefix("obj.") {
                removed
                    .members
                    .entry(ANY_CLASS.to_owned())
                    .or_default()
                    .insert(member.to_owned());
            } else if let Some(path) = token.strip_prefix("defines.") {
                if !removed.defines.contains(path) {
                    return Err(format!("row {old_text:?}: defines.{path} is still in 2.0"));
                }
            } else if let Some(field) = token.strip_prefix("event.") {
                if !removed
                    .event_fields
                    .values()
                    .any(|fields| fields.contains(field))
                {
                    return Err(format!("row {old_text:?}: event.{field} is still in 2.0"));
                }
            }
        }
    }
    let value = serde_json::to_value(&removed).map_err(|e| e.to_string())?;
    Ok(super::extract::layout(&value))
}

/// Every node and value under `defines`, as dotted paths without the prefix.
fn define_paths(api: &Api) -> BTreeSet<String> {
    fn walk(prefix: &str, define: &Define, out: &mut BTreeSet<String>) {
        out.insert(prefix.to_owned());
        match define {
            Define::Values(values) => {
                out.extend(values.iter().map(|value| format!("{prefix}.{value}")))
            }
            Define::Subkeys(children) => {
                for (name, child) in children {
                    walk(&format!("{prefix}.{name}"), child, out);
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    for (name, define) in &api.defines {
        walk(name, define, &mut out);
    }
    out
}
