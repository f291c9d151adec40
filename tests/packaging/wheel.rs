//! The Python wheel: built by the documented maturin command, installed into a fresh venv with
//! no Rust toolchain on PATH, it gives a `factolint` that checks the example mod exactly as
//! the cargo-built binary does.

use crate::support::*;
use serde_json::Value;
use std::process::Command;

const TEST: &str = "packaging::wheel";

/// The `Name: value` lines of a wheel's METADATA, in order (the README body is left out).
fn metadata_fields(metadata: &str) -> Vec<(String, String)> {
    metadata
        .lines()
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    fields
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

#[test]
fn wheel_holds_only_the_factolint_executable_and_the_cargo_metadata() {
    let wheel = match wheel() {
        Ok(wheel) => wheel,
        Err(reason) => return skip(TEST, reason),
    };
    let version = env!("CARGO_PKG_VERSION");
    let name = wheel.file_name().unwrap().to_str().unwrap();
    assert!(
        name.starts_with(&format!("factolint-{version}-py3-none-")),
        "{name}: a bin wheel works with any Python 3"
    );

    let entries = zip_entries(wheel);
    let scripts: Vec<&(String, u32)> = entries
        .iter()
        .filter(|(n, _)| n.contains(".data/scripts/"))
        .collect();
    assert_eq!(
        scripts.len(),
        1,
        "only the factolint executable: {entries:?}"
    );
    let (script, mode) = scripts[0];
    assert_eq!(
        script,
        &format!("factolint-{version}.data/scripts/factolint")
    );
    assert_eq!(mode & 0o111, 0o111, "{script} is not executable: {mode:o}");

    let metadata = String::from_utf8(zip_read(
        wheel,
        &format!("factolint-{version}.dist-info/METADATA"),
    ))
    .unwrap();
    let fields = metadata_fields(&metadata);
    assert_eq!(field(&fields, "Name"), ["factolint"]);
    assert_eq!(field(&fields, "Version"), [version], "from Cargo.toml");
    assert_eq!(field(&fields, "Summary"), [env!("CARGO_PKG_DESCRIPTION")]);
    assert_eq!(field(&fields, "License"), [env!("CARGO_PKG_LICENSE")]);
    let urls = field(&fields, "Project-URL");
    assert!(
        urls.iter()
            .any(|u| u.ends_with(&format!(", {}", env!("CARGO_PKG_REPOSITORY")))),
        "{urls:?}"
    );
    assert!(field(&fields, "Classifier").contains(&"Programming Language :: Lua"));
    assert_eq!(
        field(&fields, "Description-Content-Type"),
        ["text/markdown; charset=UTF-8; variant=GFM"]
    );
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(
        metadata.contains(readme.lines().nth(2).unwrap()),
        "README.md is the long description"
    );
}

#[test]
fn pip_install_of_the_wheel_gives_a_working_factolint_without_rust() {
    let wheel = match wheel() {
        Ok(wheel) => wheel,
        Err(reason) => return skip(TEST, reason),
    };
    let scratch = tempfile::tempdir().unwrap();
    let venv = scratch.path().join("venv");
    if let Err(reason) = make_venv(&venv, &[]) {
        return skip(TEST, &reason);
    }
    let bin = venv_bin(&venv);
    let path = path_without_rust(&bin);
    // --no-index: the wheel itself, nothing from a registry.
    run_ok(
        Command::new(bin.join("python"))
            .args(["-m", "pip", "install", "--quiet", "--no-index"])
            .arg(wheel)
            .env("PATH", &path),
    );
    let installed = bin.join("factolint");
    assert!(installed.exists(), "pip put no factolint in {bin:?}");

    // Found through PATH, as a user's shell finds it.
    let version = run_ok(
        Command::new("factolint")
            .arg("--version")
            .env("PATH", &path),
    );
    assert_eq!(
        String::from_utf8(version.stdout).unwrap().trim(),
        format!("factolint {}", env!("CARGO_PKG_VERSION"))
    );

    let check = |program: &std::path::Path| {
        Command::new(program)
            .args(["check", "--format", "json", "examples/hazardous-mod"])
            .current_dir(repo())
            .env("PATH", &path)
            .output()
            .unwrap()
    };
    let from_wheel = check(&installed);
    let from_cargo = check(std::path::Path::new(env!("CARGO_BIN_EXE_factolint")));
    assert_eq!(from_wheel.status.code(), Some(1), "error-level findings");
    let report: Value = serde_json::from_slice(&from_wheel.stdout).unwrap();
    assert!(
        report["summary"]["errors"].as_u64().unwrap() > 0,
        "{report}"
    );
    assert_eq!(
        String::from_utf8_lossy(&from_wheel.stdout),
        String::from_utf8_lossy(&from_cargo.stdout),
        "the wheel's binary and the cargo-built one disagree"
    );
}

#[test]
fn pip_install_from_the_source_tree_builds_and_installs_factolint() {
    // After the wheel, so this build finds the release artifacts ready instead of racing it.
    if let Err(reason) = wheel() {
        return skip(TEST, reason);
    }
    let scratch = tempfile::tempdir().unwrap();
    let venv = scratch.path().join("venv");
    if let Err(reason) = make_venv(&venv, &[]) {
        return skip(TEST, &reason);
    }
    let bin = venv_bin(&venv);
    // pip fetches maturin (pyproject.toml's build-system) into an isolated build environment;
    // the registry is reachable, or wheel() would have skipped.
    run_ok(
        Command::new(bin.join("python"))
            .args(["-m", "pip", "install", "--quiet", "."])
            .current_dir(repo()),
    );
    let version = run_ok(Command::new(bin.join("factolint")).arg("--version"));
    assert_eq!(
        String::from_utf8(version.stdout).unwrap().trim(),
        format!("factolint {}", env!("CARGO_PKG_VERSION"))
    );
}
