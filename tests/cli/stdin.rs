//! `factolint check --stdin-filename PATH -`: an editor's buffer checked as that file of its
//! mod, the rest of the mod read from disk.

use crate::common::*;

fn a_mod() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            (
                "m/control.lua",
                b"local ticker = require(\"scripts.ticker\")\ncommands.add_command(\"go\", \"\", ticker.start)\n",
            ),
            ("m/scripts/ticker.lua", b"return {}\n"),
        ],
    );
    dir
}

#[test]
fn the_buffer_is_checked_as_that_file_of_its_mod() {
    let dir = a_mod();
    // On disk, ticker.lua is harmless. The buffer registers on_tick from the /go command that
    // control.lua (read from disk) adds: only the whole mod shows that this is FL101.
    let buffer = b"local M = {}\nfunction M.start()\n  script.on_event(defines.events.on_tick, function() end)\n  global.on = true\nend\nreturn M\n";
    let run = factolint_with_input(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "m/scripts/ticker.lua",
            "-",
        ],
        Some(buffer),
    );
    assert_eq!(
        run.findings(),
        vec![
            (
                "m/scripts/ticker.lua".to_string(),
                3,
                3,
                "FL101".to_string()
            ),
            (
                "m/scripts/ticker.lua".to_string(),
                4,
                3,
                "FL501".to_string()
            ),
        ]
    );
    assert_eq!(run.code, 1);
    // The file on disk is untouched and still clean.
    assert_eq!(check_json(dir.path(), &["m"]).findings(), vec![]);
}

#[test]
fn a_buffer_for_a_file_not_yet_on_disk() {
    let dir = a_mod();
    let run = factolint_with_input(
        dir.path(),
        &[
            "check",
            "--format",
            "concise",
            "--stdin-filename",
            "m/scripts/new.lua",
            "-",
        ],
        Some(b"global.count = 1\n"),
    );
    assert_eq!(
        run.stdout.lines().next().unwrap(),
        "m/scripts/new.lua:1:1: FL501 [error] `global` is nil in Factorio 2.0; the saved table is now `storage`"
    );
    assert!(!dir.path().join("m/scripts/new.lua").exists());
}

#[test]
fn fix_prints_the_fixed_buffer_and_the_findings_left_on_stderr() {
    let dir = a_mod();
    let run = factolint_with_input(
        dir.path(),
        &[
            "check",
            "--fix",
            "--format",
            "concise",
            "--stdin-filename",
            "m/control2.lua",
            "-",
        ],
        Some(b"global.a = 1\nglobal.b = global.a\n"),
    );
    assert_eq!(run.stdout, "storage.a = 1\nstorage.b = storage.a\n");
    assert_eq!(run.stderr, "No problems found in 1 file.\n");
    assert_eq!(run.code, 0);
}

#[test]
fn dash_without_stdin_filename_is_a_usage_error() {
    let dir = a_mod();
    let run = factolint_with_input(dir.path(), &["check", "-"], Some(b"x = 1\n"));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--stdin-filename"), "{}", run.stderr);
    let run = factolint_with_input(
        dir.path(),
        &["check", "--stdin-filename", "m/a.lua", "m"],
        Some(b"x = 1\n"),
    );
    assert_eq!(run.code, 2);
}
