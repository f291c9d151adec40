//! What the packaging tests share: a Python environment with the packaging tools, the wheel
//! (one release build for every test), and running commands with a clear failure message.
//!
//! A tool that cannot be installed here (no python3, no network to the registry) makes the
//! tests that need it skip with the reason printed; a tool that runs and fails is a failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The packaging tools, pinned so that a new release of one cannot break CI unannounced.
pub const TOOL_PINS: &[&str] = &[
    "maturin==1.16.0",
    "pre-commit==4.7.0",
    "check-jsonschema==0.39.0",
];

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where these tests keep what is worth keeping between runs (the tools' venv, npm's
/// node_modules): inside the cargo target folder, so `cargo clean` removes it.
pub fn work_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("packaging");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Printed past the test harness's capture, so a skip is visible in CI logs.
pub fn skip(test: &str, reason: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
}

/// The `bin` (or `Scripts`) folder of a virtual environment.
pub fn venv_bin(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts")
    } else {
        venv.join("bin")
    }
}

/// Runs a command; panics with its output when it cannot start or exits non-zero.
pub fn run_ok(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed ({})\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs a command and returns its output, or why it could not run or failed (for skips).
pub fn try_run(command: &mut Command) -> Result<Output, String> {
    match command.output() {
        Err(e) => Err(format!("cannot run {command:?}: {e}")),
        Ok(output) if !output.status.success() => Err(format!(
            "{command:?} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim_end()
        )),
        Ok(output) => Ok(output),
    }
}

/// A new virtual environment with `packages` installed, or why one cannot be made here.
pub fn make_venv(venv: &Path, packages: &[&str]) -> Result<(), String> {
    if !venv_bin(venv).join("python").exists() {
        try_run(Command::new("python3").args(["-m", "venv"]).arg(venv))?;
    }
    if !packages.is_empty() {
        try_run(
            Command::new(venv_bin(venv).join("python"))
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .args(packages),
        )?;
    }
    Ok(())
}

/// The tools' venv (see TOOL_PINS), made once per test run; Err is why it cannot be had.
pub fn tools() -> Result<&'static Path, &'static str> {
    static TOOLS: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    TOOLS
        .get_or_init(|| {
            let venv = work_dir().join("tools-venv");
            make_venv(&venv, TOOL_PINS)
                .map(|()| venv_bin(&venv))
                .map_err(|e| format!("the packaging tools cannot be installed ({e})"))
        })
        .as_ref()
        .map(PathBuf::as_path)
        .map_err(String::as_str)
}

/// The wheel for this machine, built once with the command README.md documents
/// (`maturin build --release --out DIR`). The release build lands in the usual target folder,
/// so a second run (or `cargo build --release` before) makes it cheap.
pub fn wheel() -> Result<&'static Path, &'static str> {
    static WHEEL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    WHEEL
        .get_or_init(|| {
            let tools = tools().map_err(str::to_string)?;
            let out = work_dir().join("wheels");
            let _ = std::fs::remove_dir_all(&out);
            run_ok(
                Command::new(tools.join("maturin"))
                    .args(["build", "--release", "--locked", "--out"])
                    .arg(&out)
                    .current_dir(repo()),
            );
            let wheels: Vec<PathBuf> = std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "whl"))
                .collect();
            assert_eq!(wheels.len(), 1, "one wheel expected in {out:?}: {wheels:?}");
            Ok(wheels.into_iter().next().unwrap())
        })
        .as_ref()
        .map(PathBuf::as_path)
        .map_err(String::as_str)
}

/// The names and unix modes of a zip archive's entries (wheels and VSIX files are zips),
/// read with Python's zipfile so the test needs no zip crate.
pub fn zip_entries(archive: &Path) -> Vec<(String, u32)> {
    let script = "import sys, zipfile\n\
                  for info in zipfile.ZipFile(sys.argv[1]).infolist():\n\
                  \x20   print(f'{info.external_attr >> 16:o} {info.filename}')\n";
    let output = run_ok(Command::new("python3").args(["-c", script]).arg(archive));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (mode, name) = line.split_once(' ').unwrap();
            (name.to_string(), u32::from_str_radix(mode, 8).unwrap())
        })
        .collect()
}

/// One entry of a zip archive, as bytes.
pub fn zip_read(archive: &Path, entry: &str) -> Vec<u8> {
    let script = "import sys, zipfile\n\
                  sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))\n";
    run_ok(
        Command::new("python3")
            .args(["-c", script])
            .arg(archive)
            .arg(entry),
    )
    .stdout
}

/// PATH with no Rust toolchain on it: what a Factorio modder without Rust has. A folder that
/// holds git as well as cargo (a system-wide Rust in /usr/bin) stays, since pre-commit needs git.
pub fn path_without_rust(first: &Path) -> std::ffi::OsString {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    let kept = std::env::split_paths(&rest).filter(|dir| {
        let has_rust = dir.join("cargo").exists() || dir.join("rustc").exists();
        if has_rust && dir.join("git").exists() {
            eprintln!("note: {dir:?} holds both cargo and git; it stays on PATH");
            return true;
        }
        !has_rust
    });
    std::env::join_paths(std::iter::once(first.to_path_buf()).chain(kept)).unwrap()
}
