//! The progress line: shown on a terminal for runs longer than a second, never in machine
//! output or when standard error is not a terminal.

use crate::common::*;
use std::process::Command;

/// A mod big enough that a debug build takes well over a second on it.
fn big_mod() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..30)
        .map(|j| format!("local a{j} = {{x = {j}}}\nfunction f{j}(t) return t.x + a{j}.x end\n"))
        .collect();
    let info = info_json("m", "2.0");
    let names: Vec<String> = (0..600).map(|i| format!("m/f{i}.lua")).collect();
    let mut files: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), body.as_bytes()))
        .collect();
    files.push(("m/info.json", &info));
    write_files(dir.path(), &files);
    dir
}

/// Runs factolint under `script`, which gives it a terminal; `None` without `script`.
fn on_a_terminal(cwd: &std::path::Path, args: &str) -> Option<(String, std::time::Duration)> {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_factolint"));
    let started = std::time::Instant::now();
    let output = Command::new("script")
        .current_dir(cwd)
        .args(["-qec", &command, "/dev/null"])
        .output()
        .ok()?;
    Some((
        String::from_utf8_lossy(&output.stdout).into_owned(),
        started.elapsed(),
    ))
}

#[test]
fn progress_shows_on_a_terminal_only_for_people() {
    let dir = big_mod();
    let Some((human, took)) = on_a_terminal(dir.path(), "check m --format concise") else {
        eprintln!("skipped: no `script` to give factolint a terminal");
        return;
    };
    if took > std::time::Duration::from_millis(1500) {
        assert!(human.contains("factolint: parsed "), "{human}");
        assert!(human.contains(" files, checked "), "{human}");
        // Erased before the report.
        let last_progress = human.rfind("factolint: parsed ").unwrap();
        let erased = human.rfind("\r\x1b[2K").unwrap();
        assert!(erased > last_progress, "{human:?}");
    }
    let (json, _) = on_a_terminal(dir.path(), "check m --format json").unwrap();
    assert!(!json.contains("parsed"), "no progress with JSON output");
    let run = factolint(dir.path(), &["check", "m", "--format", "concise"]);
    assert!(
        !run.stderr.contains("parsed"),
        "no progress when stderr is not a terminal"
    );
}
