//! The 2.0 migration end to end: a 1.1 mod bumped to 2.0, fixed by FL501 and FL502 in one
//! `--fix` run, and checked again.

use crate::common::*;
use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Selects the migration rules only: every other rule is set to "off" in a factolint.toml
/// (until `--select FL5` exists), so that the port is judged by FL5xx alone.
fn select_migration_rules(dir: &Path) {
    let listed = factolint(dir, &["rules"]).stdout;
    let mut config = String::from("[rules]\n");
    for code in listed.lines().filter_map(|l| l.split_whitespace().next()) {
        if code.starts_with("FL") && !code.starts_with("FL5") && code != "FL001" {
            config.push_str(&format!("{code} = \"off\"\n"));
        }
    }
    std::fs::write(dir.join("factolint.toml"), config).unwrap();
}

fn codes(run: &Run) -> Vec<String> {
    run.findings().into_iter().map(|f| f.3).collect()
}

#[test]
fn fix_ports_the_mechanical_part_of_a_1_1_mod_and_a_second_check_is_clean() {
    let dir = copy_fixture("migration/port-1-1");
    select_migration_rules(dir.path());

    let before = check_json(dir.path(), &[]);
    let found = codes(&before);
    assert_eq!(before.code, 1);
    assert_eq!(found.iter().filter(|c| *c == "FL501").count(), 7);
    assert_eq!(found.iter().filter(|c| *c == "FL502").count(), 19);
    assert_eq!(found.len(), 26, "{found:?}");
    assert_eq!(before.json()["summary"]["fixable"], 26);

    let run = factolint(dir.path(), &["check", "--fix", "--format", "json"]);
    // The CLI counts edits: the print color is wrapped by two insertions.
    assert!(
        run.stderr.contains("applied 27 fixes in 3 files"),
        "{}",
        run.stderr
    );
    assert_eq!(run.findings(), vec![], "{}", run.stdout);
    assert_eq!(run.code, 0);

    let expected = fixtures("migration/port-1-1.fixed");
    for file in ["control.lua", "scripts/depots.lua", "scripts/report.lua"] {
        assert_eq!(
            read(&dir.path().join(file)),
            read(&expected.join(file)),
            "{file} after --fix"
        );
    }

    // Checked again with every rule on: the new spellings are valid 2.0 API (no FL402), and
    // what is left is the LuaEntity the mod stores on purpose (FL301, turned off above).
    std::fs::remove_file(dir.path().join("factolint.toml")).unwrap();
    let all_rules = check_json(dir.path(), &[]);
    assert_eq!(
        all_rules.findings(),
        vec![(
            "scripts/depots.lua".to_string(),
            14,
            24,
            "FL301".to_string()
        )]
    );
}

#[test]
fn diff_previews_the_port_and_writes_nothing() {
    let dir = copy_fixture("migration/port-1-1");
    select_migration_rules(dir.path());
    let run = factolint(dir.path(), &["check", "--diff"]);
    assert_eq!(run.code, 1, "fixes are pending");
    assert_eq!(
        read(&dir.path().join("scripts/depots.lua")),
        read(&fixtures("migration/port-1-1/scripts/depots.lua"))
    );
    insta::assert_snapshot!("diff_port_1_1", run.stdout);

    // Applying the previewed hunks gives what --fix writes.
    let added: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .map(|l| &l[1..])
        .collect();
    let fixed = fixtures("migration/port-1-1.fixed");
    let fixed_text: String = ["control.lua", "scripts/depots.lua", "scripts/report.lua"]
        .iter()
        .map(|f| read(&fixed.join(f)))
        .collect();
    for line in &added {
        assert!(
            fixed_text.contains(line),
            "{line:?} is not in the fixed files"
        );
    }
    assert_eq!(added.len(), 20, "changed lines: {added:#?}");
}

#[test]
fn replacements_that_need_a_hand_keep_their_finding_and_get_no_fix() {
    let dir = copy_fixture("rules/FL502/fires");
    select_migration_rules(dir.path());
    let run = factolint(dir.path(), &["check", "--fix", "--format", "json"]);
    let document = run.json();
    let left: Vec<(String, u64, String)> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert!(d["fix"].is_null(), "a fixable finding was left: {d}");
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        left,
        vec![(
            "scripts/depots.lua".to_string(),
            20,
            "`force.evolution_factor` was replaced by `get_evolution_factor(surface)` in Factorio 2.0"
                .to_string()
        )]
    );
    assert_eq!(
        document["diagnostics"][0]["help"],
        "enemy evolution is per surface in Factorio 2.0: read it with `get_…(surface)` and write it with `set_…(value, surface)`"
    );
}

#[test]
fn a_fix_that_could_change_meaning_is_offered_but_not_applied() {
    let dir = copy_fixture("rules/FL502/unsafe-fixes");
    let before = read(&dir.path().join("control.lua"));
    let run = factolint(dir.path(), &["check", "--fix", "--format", "json"]);
    assert_eq!(read(&dir.path().join("control.lua")), before);
    let document = run.json();
    let helps: Vec<&str> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "FL502")
        .map(|d| d["help"].as_str().unwrap())
        .collect();
    assert_eq!(
        helps,
        [
            "write `helpers.table_to_json`; this mod also has its own variable named `helpers` (not fixed automatically)",
            "write `prototypes.item`; the expression before `.item_prototypes` has calls to keep (not fixed automatically)",
        ]
    );
}
