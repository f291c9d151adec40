//! FL501 global-in-2-0 over the fixtures in `fixtures/fl501/`.

use crate::common::*;

#[test]
fn reports_reads_and_writes_at_exact_positions_in_a_2_0_mod() {
    let run = check_json(&fixtures("fl501"), &["fail-2-0"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let findings = run.findings();
    let expected = [
        ("fail-2-0/control.lua", 9, 17),
        ("fail-2-0/control.lua", 10, 3),
        ("fail-2-0/scripts/state.lua", 5, 3),
        ("fail-2-0/scripts/state.lua", 6, 3),
    ];
    let got: Vec<(&str, u64, u64)> = findings
        .iter()
        .map(|(p, l, c, _)| (p.as_str(), *l, *c))
        .collect();
    assert_eq!(got, expected);
    assert!(findings.iter().all(|f| f.3 == "FL501"), "{findings:?}");

    let document = run.json();
    let first = &document["diagnostics"][0];
    assert_eq!(first["rule"], "global-in-2-0");
    assert_eq!(first["severity"], "error");
    assert_eq!(
        (first["end_line"].as_u64(), first["end_column"].as_u64()),
        (Some(9), Some(23))
    );
    assert!(
        first["message"].as_str().unwrap().contains("nil"),
        "a read: {first}"
    );
    assert_eq!(first["fix"]["safe"], true);
    assert_eq!(first["fix"]["edits"][0]["replacement"], "storage");

    // `global = {}` in the required module is a write: an unsaved variable, not a nil read.
    let write = &document["diagnostics"][2];
    assert!(
        write["message"].as_str().unwrap().contains("unsaved"),
        "a write: {write}"
    );
    assert_eq!(document["summary"]["errors"], 4);
    assert_eq!(document["summary"]["fixable"], 4);
}

#[test]
fn a_1_1_mod_is_not_flagged() {
    let run = check_json(&fixtures("fl501"), &["pass-1-1"]);
    assert_eq!(run.findings(), vec![]);
    assert_eq!(run.code, 0);
    assert_eq!(run.json()["summary"]["files"], 2);
}

#[test]
fn look_alikes_are_not_flagged() {
    let root = fixtures("fl501");
    let mut cases: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("pass-"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 6, "{cases:?}");
    for case in &cases {
        let run = check_json(&root, &[case]);
        // Other rules may see other things in these mods (pass-local-shadow keeps a counter
        // outside storage: FL203); the look-alikes are about FL501.
        let fl501: Vec<_> = run
            .findings()
            .into_iter()
            .filter(|f| f.3 == "FL501")
            .collect();
        assert_eq!(fl501, vec![], "{case} must have no FL501 findings");
        assert_eq!(run.code, 0, "{case}");
        assert!(
            run.json()["summary"]["files"].as_u64().unwrap() >= 1,
            "{case} was not checked at all"
        );
    }
}

#[test]
fn every_pass_case_is_a_near_miss_of_a_real_finding() {
    // The look-alikes only prove something if the same mod with a plain `global` read is
    // flagged: each pass case's Lua, after one line put before it, must give exactly one FL501.
    for case in [
        "pass-local-shadow",
        "pass-settings-global",
        "pass-field-and-key",
        "pass-parameter",
    ] {
        let dir = copy_fixture(&format!("fl501/{case}"));
        let control = dir.path().join("control.lua");
        let text = std::fs::read_to_string(&control).unwrap();
        std::fs::write(&control, format!("log(global)\n{text}")).unwrap();
        let run = check_json(dir.path(), &["."]);
        let fl501: Vec<_> = run
            .findings()
            .into_iter()
            .filter(|f| f.3 == "FL501")
            .collect();
        assert_eq!(
            fl501,
            vec![("control.lua".to_string(), 1, 5, "FL501".to_string())],
            "{case}"
        );
    }
}

#[test]
fn a_required_module_named_alone_is_reported_alone_but_read_with_its_mod() {
    let root = fixtures("fl501");
    let run = check_json(&root, &["fail-2-0/scripts/state.lua"]);
    let paths: Vec<String> = run.findings().into_iter().map(|f| f.0).collect();
    assert_eq!(
        paths,
        vec!["fail-2-0/scripts/state.lua", "fail-2-0/scripts/state.lua"]
    );
    assert_eq!(run.json()["summary"]["files"], 1);

    // The version comes from the mod's info.json even when only one file is named.
    let run = check_json(&root, &["pass-1-1/scripts/state.lua"]);
    assert_eq!(run.findings(), vec![]);
}

#[test]
fn a_data_stage_file_named_alone_keeps_its_stage() {
    let run = check_json(
        &fixtures("fl501"),
        &["pass-data-stage/prototypes/items.lua"],
    );
    assert_eq!(run.findings(), vec![]);
    assert_eq!(run.json()["summary"]["files"], 1);
}

#[test]
fn factorio_2_1_is_2_0_or_later() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.1")),
            ("m/control.lua", b"global.x = 1\n"),
        ],
    );
    let run = check_json(dir.path(), &["m"]);
    assert_eq!(
        run.findings(),
        vec![("m/control.lua".to_string(), 1, 1, "FL501".to_string())]
    );
}

#[test]
fn the_readme_example_mod() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = check_json(root, &["examples/hazardous-mod"]);
    let at = |path: &str, line, column, code: &str| {
        (
            format!("examples/hazardous-mod/{path}"),
            line,
            column,
            code.to_string(),
        )
    };
    // One finding of each hazard family, at the lines the example was written for.
    assert_eq!(
        run.findings(),
        vec![
            at("control.lua", 7, 3, "FL501"),
            at("control.lua", 16, 3, "FL101"),
            at("scripts/depots.lua", 14, 3, "FL501"),
            at("scripts/depots.lua", 14, 25, "FL501"),
            at("scripts/depots.lua", 15, 42, "FL301"),
            at("scripts/depots.lua", 16, 3, "FL203"),
            at("scripts/depots.lua", 21, 5, "FL202"),
            at("scripts/markers.lua", 6, 5, "FL401"),
        ]
    );
}
