//! Adopting factolint on an existing mod: `--write-baseline` / `--baseline`, and
//! `--add-suppressions`.

use crate::common::*;

fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hazardous-mod"),
        &dir.path().join("m"),
    );
    dir
}

fn edit(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn a_baseline_hides_recorded_findings_and_reports_new_and_stale_ones() {
    let dir = example_copy();
    let run = factolint(
        dir.path(),
        &["check", "m", "--write-baseline", "baseline.json"],
    );
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    assert!(
        run.stderr.contains("wrote 8 findings to baseline.json"),
        "{}",
        run.stderr
    );
    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("baseline.json")).unwrap())
            .unwrap();
    assert_eq!(document["findings"][0]["path"], "m/control.lua");

    let run = factolint(dir.path(), &["check", "m", "--baseline", "baseline.json"]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        "No problems found in 3 files. 8 findings in the baseline not shown.\n"
    );

    // Lines inserted above move every finding: they stay recognised. A new `global` is new;
    // the rewritten chart-tag line no longer matches its entry, which is stale.
    edit(
        &dir.path().join("m/control.lua"),
        "global.depots = {}",
        "-- moved\n\n  global.depots = {}\n  global.extra = 1",
    );
    edit(
        &dir.path().join("m/scripts/markers.lua"),
        "tag.text = \"depot\"",
        "tag.text = \"store\"",
    );
    let run = check_json(dir.path(), &["m", "--baseline", "baseline.json"]);
    assert_eq!(
        run.findings(),
        vec![
            ("m/control.lua".to_string(), 10, 3, "FL501".to_string()),
            (
                "m/scripts/markers.lua".to_string(),
                6,
                5,
                "FL401".to_string()
            ),
        ]
    );
    assert_eq!(run.json()["summary"]["baselined"], 7);
    assert_eq!(
        run.stderr,
        "factolint: warning: 1 baseline entries match no finding any more (fixed, or the code changed); refresh the baseline with --write-baseline:\n  \
         FL401 m/scripts/markers.lua:6 `tag.text` is assigned on a chart tag (LuaCustomChartTag)\n"
    );
    // Checking one file of the mod does not call the other files' entries stale.
    let run = factolint(
        dir.path(),
        &["check", "m/control.lua", "--baseline", "baseline.json"],
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn a_missing_or_foreign_baseline_is_an_error() {
    let dir = example_copy();
    let run = factolint(dir.path(), &["check", "m", "--baseline", "nope.json"]);
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert!(
        run.stderr.contains("cannot read the baseline nope.json"),
        "{}",
        run.stderr
    );
    write_files(dir.path(), &[("other.json", b"{\"version\": 1}")]);
    let run = factolint(dir.path(), &["check", "m", "--baseline", "other.json"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("is not a factolint baseline"),
        "{}",
        run.stderr
    );
}

#[test]
fn add_suppressions_comments_every_finding_with_a_reason_to_fill_in() {
    let dir = example_copy();
    let run = factolint(
        dir.path(),
        &["check", "m", "--add-suppressions", "--format", "concise"],
    );
    assert!(
        run.stderr
            .contains("added 7 suppression comments in 3 files"),
        "{}",
        run.stderr
    );
    // Nothing is left, and nothing is stale.
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "No problems found in 3 files.\n")
    );
    let depots = std::fs::read_to_string(dir.path().join("m/scripts/depots.lua")).unwrap();
    assert!(
        depots.contains(
            "\n  -- factolint: ignore FL501 -- TODO: say why this is safe\n  global.depot_count ="
        ),
        "{depots}"
    );
    assert_eq!(check_json(dir.path(), &["m"]).findings(), vec![]);
}
