//! FL203 state-outside-storage: what a finding says, over `fixtures/rules/FL203/`.

use crate::common::*;

#[test]
fn fields_of_one_table_written_by_one_remote_function_are_one_finding() {
    let run = check_json(
        &fixtures("rules/FL203"),
        &["fires-remote", "--select", "FL203"],
    );
    let document = run.json();
    let diagnostics = document["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diagnostics.len(), 2, "{}", run.stdout);

    let limits = &diagnostics[0];
    assert_eq!(limits["line"], 11);
    assert!(
        limits["message"].as_str().unwrap().starts_with(
            "`limits` fields per_tick, radius and delay (fields of the file-level local"
        ),
        "{limits}"
    );
    // Labels on three writes at most: this one and two more, then the read and the declaration.
    let related: Vec<(u64, &str)> = limits["related"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["message"].as_str().unwrap()))
        .collect();
    let also_written = related
        .iter()
        .filter(|(_, m)| m.starts_with("also written here"))
        .map(|(line, _)| *line)
        .collect::<Vec<_>>();
    assert_eq!(also_written, [14, 16], "{related:?}");

    // Set through a remote interface: the text says when that is safe.
    let note = limits["notes"][0].as_str().unwrap();
    assert!(
        note.contains("safe only if every mod that calls it calls it again from its own on_load"),
        "{note}"
    );
    assert!(limits["help"].as_str().unwrap().contains("on_load"));

    // Another table, written by another remote function: its own finding, about one field.
    let paused = &diagnostics[1];
    assert_eq!(paused["line"], 19);
    assert!(
        paused["message"]
            .as_str()
            .unwrap()
            .starts_with("`paused.surfaces` (a field of the file-level local `paused`"),
        "{paused}"
    );
}

#[test]
fn state_written_by_event_handlers_gets_the_storage_or_on_load_advice() {
    let run = check_json(&fixtures("rules/FL203"), &["fires", "--select", "FL203"]);
    let document = run.json();
    let first = &document["diagnostics"][0];
    assert!(
        first["help"]
            .as_str()
            .unwrap()
            .starts_with("keep it in `storage`; or, if it is a cache, rebuild it in on_load"),
        "{first}"
    );
    assert!(!first["notes"][0].as_str().unwrap().contains("remote"));
}
