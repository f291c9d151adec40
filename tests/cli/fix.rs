//! `--fix` and `--diff`.

use crate::common::*;
use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn fix_rewrites_global_to_storage_and_a_second_run_finds_nothing() {
    let dir = copy_fixture("fl501/fail-2-0");
    let run = factolint(dir.path(), &["check", "--fix", "--format", "json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.findings(), vec![]);
    assert!(
        run.stderr.contains("applied 4 fixes in 2 files"),
        "{}",
        run.stderr
    );

    let control = read(&dir.path().join("control.lua"));
    assert!(
        control.contains(
            "  local count = storage.players_seen or 0\n  storage.players_seen = count + 1\n"
        ),
        "{control}"
    );
    let state = read(&dir.path().join("scripts/state.lua"));
    assert!(
        state.contains("  storage = {}\n  storage.version = 1\n"),
        "{state}"
    );
    // Everything else is byte for byte the same, the comment that names `global` included.
    let original = read(&fixtures("fl501/fail-2-0/control.lua"));
    assert_eq!(
        control,
        original.replace("global.players_seen", "storage.players_seen")
    );
    assert!(control.starts_with("-- A 2.0 mod that still uses the 1.1 name `global`.\n"));

    let again = factolint(dir.path(), &["check", "--fix", "--format", "json"]);
    assert_eq!(again.code, 0);
    assert_eq!(again.json()["summary"]["fixable"], 0);
    assert!(!again.stderr.contains("applied"), "{}", again.stderr);
    assert_eq!(read(&dir.path().join("control.lua")), control);
}

#[test]
fn fix_removes_stale_suppressions_and_keeps_live_ones() {
    let dir = copy_fixture("suppress/mod");
    let run = factolint(dir.path(), &["check", "--fix", "--format", "json"]);
    assert_eq!(run.findings(), vec![], "{}", run.stdout);
    let control = read(&dir.path().join("control.lua"));
    assert!(
        control.contains("global.by_code = 1 -- factolint: ignore FL501\n"),
        "{control}"
    );
    assert!(
        control.contains("storage.not_suppressed = 5\nlocal clean = 6\nlocal also_clean = 7\n"),
        "{control}"
    );
    assert!(!control.contains("FL999"), "{control}");
    assert!(control.contains("\n\nstorage.too_far = 9\n--[[ factolint: ignore FL501 ]] global.after_long_comment = 10\n--[==[\n"), "{control}");
    let stale = read(&dir.path().join("scripts/stale_file.lua"));
    assert!(stale.starts_with("local M = {}\n"), "{stale}");
}

#[test]
fn diff_prints_a_unified_diff_and_writes_nothing() {
    let dir = copy_fixture("fl501/fail-2-0");
    let before = read(&dir.path().join("scripts/state.lua"));
    let run = factolint(dir.path(), &["check", "--diff"]);
    assert_eq!(run.code, 1, "fixes are pending");
    assert_eq!(read(&dir.path().join("scripts/state.lua")), before);
    assert_eq!(
        read(&dir.path().join("control.lua")),
        read(&fixtures("fl501/fail-2-0/control.lua"))
    );
    insta::assert_snapshot!("diff_fl501_fail_2_0", run.stdout);

    // The diff applies: every removed line is in the file, every added line is the fix.
    let removed: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    let added: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(removed.len(), 4);
    for (minus, plus) in removed.iter().zip(&added) {
        assert_eq!(minus[1..].replace("global", "storage"), plus[1..]);
    }
}

#[test]
fn diff_with_nothing_to_fix_is_empty_and_exits_0() {
    let run = factolint(&fixtures("fl501"), &["check", "pass-1-1", "--diff"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
}

#[test]
fn fix_never_rewrites_a_file_that_is_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let latin1: &[u8] = b"local name = \"Zahnr\xe4der\"\nglobal.name = name\n";
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", latin1),
        ],
    );
    let run = factolint(dir.path(), &["check", "m", "--fix", "--format", "json"]);
    assert_eq!(
        std::fs::read(dir.path().join("m/control.lua")).unwrap(),
        latin1
    );
    assert_eq!(
        run.findings(),
        vec![("m/control.lua".to_string(), 2, 1, "FL501".to_string())]
    );
    assert_eq!(run.code, 1);
    assert!(!run.stderr.contains("applied"), "{}", run.stderr);
    // So it is not promised as fixable either.
    let document = run.json();
    assert_eq!(document["summary"]["fixable"], 0);
    assert_eq!(document["diagnostics"][0]["fix"]["safe"], false);
    let concise = factolint(dir.path(), &["check", "m", "--format", "concise"]);
    assert!(!concise.stdout.contains("fixable"), "{}", concise.stdout);
    let diff = factolint(dir.path(), &["check", "m", "--diff"]);
    assert_eq!((diff.code, diff.stdout.as_str()), (0, ""));
}
