//! Rule selection on the command line (`--select`, `--extend-select`, `--ignore`), the same
//! words in factolint.toml, and the output switches `--exit-zero`, `--quiet`, `--statistics`,
//! `-o`.

use crate::common::*;

/// The codes found in the bundled example mod with `args`.
fn codes(args: &[&str]) -> Vec<String> {
    let mut all = vec!["hazardous-mod"];
    all.extend_from_slice(args);
    let run = check_json(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"),
        &all,
    );
    let mut codes: Vec<String> = run.findings().into_iter().map(|f| f.3).collect();
    codes.dedup();
    codes
}

#[test]
fn select_ignore_and_extend_select_take_codes_families_and_names() {
    assert_eq!(
        codes(&[]),
        ["FL501", "FL101", "FL501", "FL301", "FL203", "FL202", "FL401"]
    );
    assert_eq!(codes(&["--select", "FL5"]), ["FL501"]);
    assert_eq!(
        codes(&["--select", "FL1,global-in-2-0"]),
        ["FL501", "FL101", "FL501"]
    );
    assert_eq!(
        codes(&["--select", "FL5", "--extend-select", "storage-userdata"]),
        ["FL501", "FL301"]
    );
    assert_eq!(
        codes(&["--ignore", "FL5", "--ignore", "FL2,FL401"]),
        ["FL101", "FL301"]
    );
    // The most specific selector wins; on a tie, --ignore does.
    assert_eq!(
        codes(&[
            "--select",
            "ALL",
            "--ignore",
            "FL2,FL3,FL4,FL5",
            "--extend-select",
            "FL401"
        ]),
        ["FL101", "FL401"]
    );
    assert_eq!(
        codes(&["--select", "FL501", "--ignore", "FL501"]),
        [] as [&str; 0]
    );
}

#[test]
fn an_unknown_selector_is_a_usage_error_naming_it() {
    let run = factolint(
        &fixtures("fl501"),
        &["check", "fail-2-0", "--select", "FL9"],
    );
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert_eq!(
        run.stderr,
        "factolint: error: --select: no rule code starts with FL9\n"
    );
    let run = factolint(
        &fixtures("fl501"),
        &["check", "fail-2-0", "--ignore", "loud"],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("\"loud\""), "{}", run.stderr);
}

#[test]
fn the_command_line_decides_over_factolint_toml() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", b"global.x = 1\n"),
            (
                "m/factolint.toml",
                b"select = [\"FL1\"]\n[rules]\nglobal-in-2-0 = \"warn\"\n",
            ),
        ],
    );
    // The file selects FL1 only, but its level for FL501 enables it, as a warning.
    let run = check_json(dir.path(), &["m"]);
    assert_eq!(run.json()["diagnostics"][0]["severity"], "warning");
    assert_eq!(run.code, 0);
    assert_eq!(
        check_json(dir.path(), &["m", "--ignore", "FL5"]).findings(),
        vec![]
    );
}

#[test]
fn a_rule_set_by_code_and_by_name_in_factolint_toml_is_an_error_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", b"global.x = 1\n"),
            (
                "m/factolint.toml",
                b"[rules]\nFL501 = \"off\"\nglobal-in-2-0 = \"error\"\n",
            ),
        ],
    );
    let run = factolint(dir.path(), &["check", "m"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with(
            "factolint: invalid configuration: m/factolint.toml:3:1: \"FL501\" and \"global-in-2-0\" both set the level of FL501; keep one of them"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn exit_zero_quiet_and_output_file() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures("fl501/fail-2-0"), &dir.path().join("m"));
    let run = factolint(
        dir.path(),
        &["check", "m", "--exit-zero", "--format", "concise"],
    );
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("FL501"));

    let quiet = factolint(
        dir.path(),
        &["check", "m", "--quiet", "--format", "concise"],
    );
    assert_eq!(quiet.code, 1);
    assert!(
        quiet.stdout.lines().all(|l| l.contains(": FL501 [error] ")),
        "{}",
        quiet.stdout
    );
    assert!(!quiet.stdout.contains("Found"), "{}", quiet.stdout);

    let run = factolint(
        dir.path(),
        &["check", "m", "--format", "json", "-o", "report.json"],
    );
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    let written = std::fs::read_to_string(dir.path().join("report.json")).unwrap();
    let document: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert!(document["summary"]["errors"].as_u64().unwrap() > 0);
}

#[test]
fn statistics_count_findings_per_rule_most_first() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let run = factolint(&examples, &["check", "hazardous-mod", "--statistics"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "3  FL501  global-in-2-0 [*]\n\
         1  FL101  event-registration-outside-control\n\
         1  FL202  pairs-order-storage-write\n\
         1  FL203  state-outside-storage\n\
         1  FL301  storage-userdata\n\
         1  FL401  chart-tag-mutation\n\
         8 findings in 3 files ([*] fixable with `--fix`)\n"
    );
    let run = factolint(
        &examples,
        &["check", "hazardous-mod", "--statistics", "--format", "json"],
    );
    let rows: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(rows[0]["code"], "FL501");
    assert_eq!(rows[0]["count"], 3);
    assert_eq!(rows[0]["fixable"], 3);
    assert_eq!(rows.as_array().unwrap().len(), 6);
    let run = factolint(
        &examples,
        &[
            "check",
            "hazardous-mod",
            "--statistics",
            "--format",
            "sarif",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--statistics"), "{}", run.stderr);
}
