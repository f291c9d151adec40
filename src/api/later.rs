//! Names a table does not have yet: API members that later patch releases of the same
//! Factorio added, as Wube's changelog lists them ("Added LuaBootstrap::get_event_name()." in
//! 2.1.12, after the 2.1.9 table). They exist for a mod written for that Factorio, so no rule
//! may call them unknown; their types are not known.
//!
//! The committed `later-additions.json` comes from `changelog.txt` through [`generate`].

use super::{Api, FactorioVersion, KNOWN_VERSIONS};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

pub const EXTRACT: &str = include_str!("later-additions.json");

/// What the patch releases after one table's version added.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Additions {
    /// The newest release the changelog covers.
    through: String,
    /// Class → members added (new classes appear with no members).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    members: BTreeMap<String, BTreeSet<String>>,
    /// Paths under `defines` added, without the prefix.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    defines: BTreeSet<String>,
}

/// By the full version of the table they follow (`2.1.9`).
type ByTable = BTreeMap<String, Additions>;

fn committed() -> &'static ByTable {
    static ADDITIONS: OnceLock<ByTable> = OnceLock::new();
    ADDITIONS.get_or_init(|| serde_json::from_str(EXTRACT).expect("later-additions.json is valid"))
}

/// Members that Wube's own game Lua (the `core` and `base` mods) uses but neither the
/// machine-readable tables nor the changelog list: (class, member, first release that uses it).
/// `game.enable_galaxy_of_fame_button` is set by core/lualib/space-finish-script.lua since 2.0.43.
const UNDOCUMENTED: &[(&str, &str, &str)] =
    &[("LuaGameScript", "enable_galaxy_of_fame_button", "2.0.43")];

/// Whether a later patch release of the table's Factorio added `class.member`, or Wube's own
/// Lua for that Factorio uses it though no table lists it.
pub fn added_member(table: &Api, class: &str, member: &str) -> bool {
    let used_by_wube = UNDOCUMENTED.iter().any(|(c, m, since)| {
        *c == class
            && *m == member
            && release(since).is_some_and(|since| {
                release(table.factorio_version()).is_some_and(|table| since <= table)
            })
    });
    used_by_wube
        || committed()
            .get(table.factorio_version())
            .and_then(|additions| additions.members.get(class))
            .is_some_and(|members| members.contains(member))
}

/// Whether a later patch release of the table's Factorio added `defines.<path>`.
pub fn added_define(table: &Api, path: &str) -> bool {
    committed()
        .get(table.factorio_version())
        .is_some_and(|additions| additions.defines.contains(path))
}

/// `major.minor.patch` as numbers, for ordering.
fn release(text: &str) -> Option<(FactorioVersion, u32)> {
    let version = FactorioVersion::parse(text)?;
    let patch = text.trim().split('.').nth(2)?.parse().ok()?;
    Some((version, patch))
}

/// The text of `later-additions.json` from Wube's `changelog.txt` and the full versions of the
/// tables (`1.1.110`, `2.0.77`, `2.1.9`).
pub fn generate(changelog: &str, table_versions: &[&str]) -> Result<String, String> {
    let mut by_table = ByTable::new();
    let mut current: Option<(FactorioVersion, u32)> = None;
    let mut current_text = String::new();
    let mut in_scripting = false;
    for line in changelog.lines() {
        if let Some(version) = line.strip_prefix("Version: ") {
            current = release(version);
            current_text = version.trim().to_string();
            in_scripting = false;
            continue;
        }
        // Section headings are indented two spaces ("  Scripting:"), entries four.
        if line.starts_with("  ") && !line.starts_with("    ") && line.trim_end().ends_with(':') {
            in_scripting = line.trim() == "Scripting:";
            continue;
        }
        let Some(entry) = line.trim().strip_prefix("- Added ") else {
            continue;
        };
        let Some((minor, patch)) = current.filter(|_| in_scripting) else {
            continue;
        };
        for table in table_versions {
            let (table_minor, table_patch) =
                release(table).ok_or_else(|| format!("not a full version: {table}"))?;
            if table_minor != minor || patch <= table_patch {
                continue;
            }
            let additions = by_table.entry(table.to_string()).or_default();
            if release(&additions.through).is_none_or(|(_, p)| p < patch) {
                additions.through = current_text.clone();
            }
            read_entry(entry, additions);
        }
    }
    let value = serde_json::to_value(&by_table).map_err(|e| e.to_string())?;
    Ok(super::extract::layout(&value))
}

/// The names in one "Added ..." entry: `LuaPlayer::get_pins() and clear_pins()` gives two
/// members of LuaPlayer, `LuaPin.` a class, `defines.x.y` a define.
fn read_entry(entry: &str, additions: &mut Additions) {
    let mut class: Option<String> = None;
    for word in entry.split([' ', ',']) {
        let word = word.trim_end_matches(['.', ';']);
        if let Some(path) = word.strip_prefix("defines.") {
            additions.defines.insert(path.to_string());
        } else if let Some((owner, member)) = word.split_once("::") {
            let member = member.trim_end_matches("()");
            additions
                .members
                .entry(owner.to_string())
                .or_default()
                .insert(member.to_string());
            class = Some(owner.to_string());
        } else if word.starts_with("Lua") && word.chars().all(char::is_alphanumeric) {
            additions.members.entry(word.to_string()).or_default();
        } else if let (Some(owner), Some(member)) = (&class, word.strip_suffix("()")) {
            // "... and clear_pins()": another member of the class named before.
            if member
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                additions
                    .members
                    .entry(owner.clone())
                    .or_default()
                    .insert(member.to_string());
            }
        }
    }
}

/// The tables' full versions, for the generator.
pub fn table_versions() -> Vec<&'static str> {
    KNOWN_VERSIONS
        .iter()
        .map(|known| super::for_version(Some(known.version)).factorio_version())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_name_members_classes_and_defines() {
        let changelog = "\
---
Version: 2.1.12
Date: 1. 1. 2026
  Scripting:
    - Added LuaBootstrap::get_event_name().
    - Added LuaPlayer::get_pins() and clear_pins().
  Bugfixes:
    - Added LuaIgnored::in_bugfixes().
---
Version: 2.1.10
  Scripting:
    - Added LuaPin.
    - Added defines.events.on_pin_added.
---
Version: 2.1.9
  Scripting:
    - Added LuaTooOld::member().
";
        let text = generate(changelog, &["2.0.77", "2.1.9"]).unwrap();
        let parsed: ByTable = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed.keys().collect::<Vec<_>>(), ["2.1.9"]);
        let additions = &parsed["2.1.9"];
        assert_eq!(additions.through, "2.1.12");
        let members = |class: &str| -> Vec<&str> {
            additions.members[class]
                .iter()
                .map(String::as_str)
                .collect()
        };
        assert_eq!(members("LuaBootstrap"), ["get_event_name"]);
        assert_eq!(members("LuaPlayer"), ["clear_pins", "get_pins"]);
        assert!(additions.members["LuaPin"].is_empty());
        assert!(!additions.members.contains_key("LuaIgnored"));
        assert!(!additions.members.contains_key("LuaTooOld"));
        assert!(additions.defines.contains("events.on_pin_added"));
    }
}
