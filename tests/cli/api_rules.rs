//! FL402–FL404 over the fixtures in `fixtures/rules/FL40x/`: the text users read (messages,
//! suggestions, version notes, contexts) and exact columns; tests/rule_fixtures.rs checks
//! which lines are reported.

use crate::common::*;
use serde_json::Value;

/// The diagnostics of one rule in one fixture case.
fn diagnostics(rule: &str, case: &str, code: &str) -> Vec<Value> {
    let run = check_json(&fixtures("rules").join(rule), &[case]);
    let document = run.json();
    document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == code)
        .cloned()
        .collect()
}

fn find<'a>(found: &'a [Value], needle: &str) -> &'a Value {
    found
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains(needle))
        .unwrap_or_else(|| panic!("no finding mentions {needle}: {found:#?}"))
}

fn notes(diagnostic: &Value) -> Vec<&str> {
    diagnostic["notes"]
        .as_array()
        .map(|n| n.iter().map(|n| n.as_str().unwrap()).collect())
        .unwrap_or_default()
}

#[test]
fn unknown_members_name_the_value_the_class_and_the_closest_member() {
    let found = diagnostics("FL402", "fires", "FL402");
    let typo = find(&found, "player.charactr");
    assert_eq!(
        typo["message"],
        "`player.charactr` is read, but LuaPlayer has no member `charactr` in Factorio 2.0"
    );
    assert_eq!(
        (typo["line"].as_u64(), typo["column"].as_u64()),
        (Some(5), Some(13))
    );
    assert_eq!(typo["end_column"], 21, "the span is the member's name");
    assert_eq!(typo["help"], "did you mean `character`?");
    let notes = notes(typo);
    assert!(
        notes[0].contains("LuaPlayer doesn't contain key charactr."),
        "{notes:?}"
    );
    assert!(notes[1].contains("on_player_joined handler"), "{notes:?}");

    let method = find(&found, "reset_technology_efects");
    assert!(method["message"]
        .as_str()
        .unwrap()
        .contains("is called, but LuaForce"));
    assert_eq!(method["help"], "did you mean `reset_technology_effects`?");
    let write = find(&found, "driver_is_gunnr");
    assert!(write["message"]
        .as_str()
        .unwrap()
        .contains("is assigned, but LuaEntity"));
    assert_eq!(write["path"], "fires/scripts/vehicles.lua");

    // A truncated name is matched to the name it starts, not to a same-length look-alike.
    let event = find(&found, "defines.events.on_player_joined");
    assert_eq!(event["help"], "did you mean `on_player_joined_game`?");
    let field = find(&found, "event.stakc");
    assert!(field["message"]
        .as_str()
        .unwrap()
        .contains("always nil: on_built_entity event data"));
}

#[test]
fn names_of_a_newer_factorio_say_which_version_added_them() {
    let found = diagnostics("FL402", "added-later", "FL402");
    assert_eq!(found.len(), 2);
    let music = find(&found, "play_music");
    assert!(
        notes(music)[1].starts_with("added in Factorio 2.1; this code is checked as Factorio 2.0")
    );
    assert_eq!(
        music["help"],
        "declare `\"factorio_version\": \"2.1\"` if the mod needs it, or use what Factorio 2.0 offers"
    );
    let old = diagnostics("FL402", "old-mod", "FL402");
    let commandable = find(&old, "built.commandable");
    assert!(commandable["message"]
        .as_str()
        .unwrap()
        .ends_with("in Factorio 1.1"));
    assert!(notes(commandable)[1].starts_with("added in Factorio 2.0"));
}

#[test]
fn stage_globals_name_the_stage_and_the_replacement() {
    let found = diagnostics("FL403", "fires", "FL403");
    let data = find(&found, "`data` does not exist in the control stage");
    assert_eq!(data["path"], "fires/control.lua");
    assert!(data["help"].as_str().unwrap().contains("prototypes.*"));
    let setting = find(&found, "`settings.global` does not exist in the data stage");
    assert_eq!(setting["column"], 13, "the span is `global`");
    assert!(setting["help"]
        .as_str()
        .unwrap()
        .contains("settings.startup"));
    let required = find(&found, "`storage` does not exist in the data stage");
    assert_eq!(required["path"], "fires/prototypes/recipes.lua");
    assert!(notes(required)[0].contains("data.lua, data-updates.lua, data-final-fixes.lua"));
}

#[test]
fn read_only_writes_name_the_attribute_and_when_it_became_writable() {
    let found = diagnostics("FL404", "fires", "FL404");
    let name = find(&found, "built.name");
    assert_eq!(
        name["message"],
        "`built.name` is assigned, but LuaEntity::name is read-only in Factorio 2.0"
    );
    assert!(notes(name)[0].contains("LuaEntity::name is read only."));
    let copy = find(&found, "entity_copy_source");
    assert!(notes(copy)
        .iter()
        .any(|n| n.starts_with("writable from Factorio 2.1")));
    let moved = find(&found, "entity.position");
    assert_eq!(moved["path"], "fires/scripts/moves.lua");
    assert!(moved["help"].as_str().unwrap().contains("teleport"));
    // 2.1 made `active` read-only: reported for a 2.1 mod only.
    assert_eq!(diagnostics("FL404", "newer-mod", "FL404").len(), 2);
    assert_eq!(diagnostics("FL404", "silent", "FL404").len(), 0);
}
