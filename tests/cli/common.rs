//! Running the built binary over fixtures, and reading what it prints.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `fixtures/` in the repository, or one folder inside it.
pub fn fixtures(sub: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    if sub.is_empty() {
        root
    } else {
        root.join(sub)
    }
}

/// What one run of `factolint` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSON document printed by `--format json`.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }

    /// `(path, line, column, code)` of every diagnostic in `--format json` output.
    pub fn findings(&self) -> Vec<(String, u64, u64, String)> {
        let document = self.json();
        document["diagnostics"]
            .as_array()
            .expect("diagnostics array")
            .iter()
            .map(|d| {
                (
                    d["path"].as_str().expect("path").to_string(),
                    d["line"].as_u64().expect("line"),
                    d["column"].as_u64().expect("column"),
                    d["code"].as_str().expect("code").to_string(),
                )
            })
            .collect()
    }
}

/// Runs `factolint ARGS` in `cwd`. Fails the test if the process crashed (a signal, or a Rust
/// panic, which exits with 101): bad input must never do that.
pub fn factolint(cwd: &Path, args: &[&str]) -> Run {
    factolint_with_input(cwd, args, None)
}

/// Runs `factolint ARGS` in `cwd` with `input` on standard input (none: standard input is
/// empty and closed).
pub fn factolint_with_input(cwd: &Path, args: &[&str], input: Option<&[u8]>) -> Run {
    spawn(cwd, args, input, shared_cache(args))
}

/// Runs `factolint ARGS` in `cwd` with the cache where factolint puts it by default.
pub fn factolint_default_cache(cwd: &Path, args: &[&str]) -> Run {
    spawn(cwd, args, None, Vec::new())
}

fn spawn(cwd: &Path, args: &[&str], input: Option<&[u8]>, extra: Vec<String>) -> Run {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_factolint"))
        .current_dir(cwd)
        .args(args)
        .args(extra)
        .env_remove("NO_COLOR")
        .env("RUST_BACKTRACE", "0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the factolint binary runs");
    let mut stdin = child.stdin.take().expect("stdin");
    if let Some(input) = input {
        // factolint may refuse the input before reading it.
        let _ = stdin.write_all(input);
    }
    drop(stdin);
    let output = child.wait_with_output().expect("factolint finishes");
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    };
    assert!(
        output.status.code().is_some() && run.code != 101 && !run.stderr.contains("panicked"),
        "factolint {args:?} in {} crashed: {:?}\nstderr:\n{}",
        cwd.display(),
        output.status,
        run.stderr
    );
    run
}

/// Checks share one cache under the target folder, unless a test names its own or none: no
/// test leaves a `.factolint_cache` in the fixtures, and every test of the output also runs
/// against entries other tests stored (byte-identical output is then an assertion of each).
fn shared_cache(args: &[&str]) -> Vec<String> {
    let own = args
        .iter()
        .any(|a| *a == "--no-cache" || *a == "--cache-dir");
    if args.first() != Some(&"check") || own {
        return Vec::new();
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache");
    vec!["--cache-dir".into(), dir.to_string_lossy().into_owned()]
}

/// `factolint check --format json ARGS` in `cwd`.
pub fn check_json(cwd: &Path, args: &[&str]) -> Run {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    factolint(cwd, &all)
}

/// A copy of a fixture folder in a fresh temporary directory (for tests that write files).
pub fn copy_fixture(sub: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(&fixtures(sub), dir.path());
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

/// Writes `files` (relative path, content) below `root`, creating folders.
pub fn write_files(root: &Path, files: &[(&str, &[u8])]) {
    for (rel, content) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create dir");
        std::fs::write(path, content).expect("write file");
    }
}

/// An info.json for a generated mod.
pub fn info_json(name: &str, factorio_version: &str) -> Vec<u8> {
    format!("{{\"name\": \"{name}\", \"version\": \"1.0.0\", \"factorio_version\": \"{factorio_version}\"}}\n").into_bytes()
}
