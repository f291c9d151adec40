//! pre-commit: the README's local hook (`language: python`, the wheel as its dependency) runs
//! in a scratch git repository with no Rust on PATH, gets only the staged Lua files and
//! reports their findings. The wheel comes from `--find-links`, as it would from PyPI.
//! The repository's own manifest (`.pre-commit-hooks.yaml`) is validated by pre-commit.

use crate::support::*;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const TEST: &str = "packaging::pre_commit";

/// The hook run itself, once its environment is installed; generous for a loaded CI machine
/// (on an idle one it is well under a second).
const HOOK_RUN_LIMIT: Duration = Duration::from_secs(20);

/// The YAML block of README.md that configures the wheel hook.
fn readme_wheel_hook() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let block = readme
        .split("```yaml")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .find(|block| block.contains("language: python"))
        .expect("README.md has a yaml block with the `language: python` hook");
    // The block is indented as part of a list item.
    let indent = block
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap();
    block
        .lines()
        .map(|l| l.get(indent..).unwrap_or("").trim_end())
        .collect::<Vec<_>>()
        .join("\n")
}

fn git(dir: &Path, args: &[&str]) {
    run_ok(Command::new("git").args(args).current_dir(dir));
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn readme_wheel_hook_runs_on_the_staged_lua_files_without_rust() {
    let (tools, wheel) = match (tools(), wheel()) {
        (Ok(tools), Ok(wheel)) => (tools, wheel),
        (Err(reason), _) | (_, Err(reason)) => return skip(TEST, reason),
    };
    let config = readme_wheel_hook();
    assert!(
        config.contains(&format!("\"factolint=={}\"", env!("CARGO_PKG_VERSION"))),
        "the README's hook pins this version of the wheel:\n{config}"
    );

    let scratch = tempfile::tempdir().unwrap();
    let project = scratch.path().join("project");
    std::fs::create_dir(&project).unwrap();
    git(&project, &["init", "--quiet"]);
    git(&project, &["config", "user.email", "test@example.invalid"]);
    git(&project, &["config", "user.name", "test"]);
    git(&project, &["config", "commit.gpgsign", "false"]);
    write(
        &project,
        "info.json",
        r#"{"name": "scratch", "version": "0.1.0", "title": "Scratch", "author": "test", "factorio_version": "2.0"}"#,
    );
    write(&project, "control.lua", "require(\"scripts.counter\")\n");
    // A finding that is already committed: not staged, so the hook must not report it.
    write(
        &project,
        "scripts/counter.lua",
        "script.on_init(function()\n  global.count = 0\nend)\n",
    );
    write(&project, ".pre-commit-config.yaml", &config);
    git(&project, &["add", "-A"]);
    git(
        &project,
        &["commit", "--quiet", "--no-verify", "-m", "start"],
    );

    let cache = scratch.path().join("pre-commit-cache");
    let path = path_without_rust(tools);
    let wheel_dir = wheel.parent().unwrap();
    let pre_commit = |args: &[&str]| {
        let started = Instant::now();
        let output = Command::new(tools.join("pre-commit"))
            .args(args)
            .current_dir(&project)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", &cache)
            .env("PIP_FIND_LINKS", wheel_dir)
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env_remove("CARGO_HOME")
            .env_remove("RUSTUP_HOME")
            .output()
            .unwrap();
        (output, started.elapsed())
    };

    // Only a non-Lua file staged: `types: [lua]` leaves the hook nothing to do.
    write(
        &project,
        "notes.txt",
        "global.count is set in scripts/counter.lua\n",
    );
    git(&project, &["add", "notes.txt"]);
    let (output, _) = pre_commit(&["install-hooks"]);
    assert!(output.status.success(), "{}", text(&output));
    let (output, _) = pre_commit(&["run"]);
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("(no files to check)Skipped"),
        "{}",
        text(&output)
    );

    // A staged Lua file with a 2.0 hazard: the hook fails and names it, and only it.
    write(
        &project,
        "control.lua",
        "require(\"scripts.counter\")\nscript.on_configuration_changed(function()\n  global.version = 2\nend)\n",
    );
    git(&project, &["add", "control.lua"]);
    let (output, elapsed) = pre_commit(&["run"]);
    let shown = text(&output);
    eprintln!("pre-commit run of the wheel hook (one staged Lua file): {elapsed:?}");
    assert_eq!(output.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("factolint....") && shown.contains("Failed"),
        "{shown}"
    );
    assert!(shown.contains("FL501"), "{shown}");
    assert!(shown.contains("control.lua:3:3"), "{shown}");
    assert!(
        !shown.contains("counter.lua:2"),
        "a finding in a file that was not staged:\n{shown}"
    );
    assert!(elapsed < HOOK_RUN_LIMIT, "took {elapsed:?}:\n{shown}");

    // The hook ran the wheel's binary: the environment pre-commit made holds it.
    let envs: Vec<_> = walk(&cache)
        .into_iter()
        .filter(|p| p.ends_with("bin/factolint"))
        .collect();
    assert_eq!(envs.len(), 1, "{envs:?}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn hooks_manifest_is_valid_and_keeps_the_rust_hooks() {
    let tools = match tools() {
        Ok(tools) => tools,
        Err(reason) => return skip(TEST, reason),
    };
    run_ok(
        Command::new(tools.join("pre-commit"))
            .args(["validate-manifest", ".pre-commit-hooks.yaml"])
            .current_dir(repo()),
    );
    let manifest = std::fs::read_to_string(repo().join(".pre-commit-hooks.yaml")).unwrap();
    for id in ["- id: factolint\n", "- id: factolint-all\n"] {
        assert!(manifest.contains(id), "{id:?} missing");
    }
    assert_eq!(manifest.matches("\n  language: rust\n").count(), 2);
}
