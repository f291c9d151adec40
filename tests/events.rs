//! `factolint events`: the registration map of fixture mods, checked entry by entry.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn events(fixture: &str) -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_factolint"))
        .args(["events", "--format", "json", fixture])
        .current_dir(root.join("fixtures/events"))
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(document["version"], 1);
    document["registrations"]
        .as_array()
        .expect("registrations")
        .clone()
}

/// (kind, name, path, line, contexts) of one registration, with its handler's place.
fn find<'a>(rows: &'a [Value], kind: &str, name: &str) -> Vec<&'a Value> {
    rows.iter()
        .filter(|r| r["kind"] == kind && r["name"] == name)
        .collect()
}

fn contexts(row: &Value) -> Vec<&str> {
    row["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect()
}

fn place(row: &Value) -> (String, u64) {
    (
        row["path"].as_str().unwrap().to_string(),
        row["line"].as_u64().unwrap(),
    )
}

#[test]
fn every_way_of_registering_is_listed_with_its_contexts() {
    let rows = events("everything");
    let one = |kind: &str, name: &str| {
        let found = find(&rows, kind, name);
        assert_eq!(found.len(), 1, "{kind} {name}: {found:?}");
        found[0]
    };

    // Top level: load.
    let created = one("event", "on_player_created");
    assert_eq!(place(created), ("everything/control.lua".into(), 20));
    assert_eq!(contexts(created), ["load"]);
    assert_eq!(created["handler"]["path"], "everything/scripts/players.lua");
    assert_eq!(created["handler"]["line"], 3);

    // A table of events: one row each.
    assert_eq!(contexts(one("event", "on_built_entity")), ["load"]);
    assert_eq!(contexts(one("event", "on_robot_built_entity")), ["load"]);
    assert_eq!(
        place(one("nth_tick", "60")),
        ("everything/control.lua".into(), 22)
    );

    // Lifecycle registrations.
    assert_eq!(contexts(one("on_init", "on_init")), ["load"]);
    assert_eq!(one("on_init", "on_init")["handler"]["line"], 4);
    assert_eq!(contexts(one("on_load", "on_load")), ["load"]);
    assert_eq!(
        contexts(one("on_configuration_changed", "on_configuration_changed")),
        ["load"]
    );

    // Only in on_init / on_configuration_changed.
    let research = one("event", "on_research_finished");
    assert_eq!(place(research), ("everything/control.lua".into(), 6));
    assert_eq!(contexts(research), ["on_init"]);
    assert_eq!(
        contexts(one("nth_tick", "300")),
        ["on_configuration_changed"]
    );

    // Across require, reached from on_load and from a command.
    let tick = one("event", "on_tick");
    assert_eq!(place(tick), ("everything/scripts/ticker.lua".into(), 6));
    assert_eq!(contexts(tick), ["on_load", "command"]);
    assert_eq!(tick["handler"]["line"], 3);

    // Commands and remote interfaces, and a registration inside a remote function.
    assert_eq!(
        place(one("command", "start-ticking")),
        ("everything/control.lua".into(), 24)
    );
    assert_eq!(contexts(one("remote", "everything")), ["load"]);
    assert_eq!(contexts(one("event", "on_player_died")), ["remote"]);

    // `script.on_event(id, nil)` unregisters: not in the map.
    assert!(find(&rows, "event", "on_tick")
        .iter()
        .all(|r| r["line"] != 31));
}

#[test]
fn event_handler_libs_register_in_on_init_and_on_load() {
    let rows = events("event-handler-lib");
    let built = find(&rows, "event", "on_built_entity");
    assert_eq!(built.len(), 1);
    assert_eq!(place(built[0]), ("event-handler-lib/control.lua".into(), 3));
    assert_eq!(contexts(built[0]), ["on_init", "on_load"]);
    assert_eq!(
        built[0]["handler"]["path"],
        "event-handler-lib/scripts/belts.lua"
    );
    assert_eq!(built[0]["handler"]["line"], 3);

    let rotated = find(&rows, "event", "on_player_rotated_entity");
    assert_eq!(rotated[0]["handler"]["line"], 7);

    // add_libraries, with a lib returned as a table constructor.
    let trains = find(&rows, "event", "on_train_changed_state");
    assert_eq!(
        place(trains[0]),
        ("event-handler-lib/control.lua".into(), 4)
    );
    assert_eq!(contexts(trains[0]), ["on_init", "on_load"]);

    let nth = find(&rows, "nth_tick", "120");
    assert_eq!(contexts(nth[0]), ["on_init", "on_load"]);

    // The lib's own on_init is handed to script.on_init at load.
    let init = find(&rows, "on_init", "on_init");
    assert_eq!(contexts(init[0]), ["load"]);
    assert_eq!(init[0]["handler"]["line"], 14);
    assert_eq!(
        contexts(
            find(
                &rows,
                "on_configuration_changed",
                "on_configuration_changed"
            )[0]
        ),
        ["load"]
    );
}

#[test]
fn human_map_groups_by_event() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_factolint"))
        .args(["events", "everything"])
        .current_dir(root.join("fixtures/events"))
        .output()
        .expect("runs");
    let text = String::from_utf8(output.stdout).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn injected_files_run_in_the_injected_context() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_factolint"))
        .args(["events", "--format", "json", "."])
        .current_dir(root.join("fixtures/rules/FL101/injected"))
        .output()
        .expect("runs");
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let rows = document["registrations"].as_array().unwrap();
    let nth = find(rows, "nth_tick", "5");
    assert_eq!(place(nth[0]), ("rcon/walk.lua".into(), 2));
    assert_eq!(contexts(nth[0]), ["injected"]);
    let ticks = find(rows, "event", "on_tick");
    let by_file: Vec<(String, Vec<&str>)> =
        ticks.iter().map(|r| (place(r).0, contexts(r))).collect();
    assert_eq!(
        by_file,
        vec![
            ("control.lua".to_string(), vec!["load"]),
            ("rcon/walk.lua".to_string(), vec!["injected"])
        ]
    );
}
