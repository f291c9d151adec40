//! `-- factolint: ignore` comments over `fixtures/suppress/`.

use crate::common::*;

fn findings() -> Vec<(String, u64, u64, String)> {
    check_json(&fixtures("suppress"), &["mod"]).findings()
}

fn at(path: &str, line: u64, column: u64, code: &str) -> (String, u64, u64, String) {
    (format!("mod/{path}"), line, column, code.to_string())
}

#[test]
fn suppressions_by_code_and_name_on_the_line_and_the_line_before() {
    let findings = findings();
    let control: Vec<_> = findings
        .iter()
        .filter(|f| f.0 == "mod/control.lua")
        .cloned()
        .collect();
    assert_eq!(
        control,
        vec![
            // Lines 5-10 and 15 are suppressed: end of line and line before, by code and by
            // name, with a reason, and for every rule. So are 19 (a long comment before the code
            // on its line) and 24 (after a block comment that ends on line 23).
            at("control.lua", 11, 1, "FL501"),
            at("control.lua", 12, 17, "FL002"),
            at("control.lua", 13, 1, "FL002"),
            // A comment before a blank line covers the blank line only.
            at("control.lua", 16, 1, "FL002"),
            at("control.lua", 18, 1, "FL501"),
        ]
    );
}

#[test]
fn ignore_file_covers_the_whole_file_and_reports_when_stale() {
    let findings = findings();
    assert!(
        !findings.iter().any(|f| f.0 == "mod/scripts/legacy.lua"),
        "{findings:?}"
    );
    let stale: Vec<_> = findings
        .iter()
        .filter(|f| f.0 == "mod/scripts/stale_file.lua")
        .cloned()
        .collect();
    assert_eq!(stale, vec![at("scripts/stale_file.lua", 1, 1, "FL002")]);
}

#[test]
fn stale_suppressions_say_why() {
    let document = check_json(&fixtures("suppress"), &["mod"]).json();
    let messages: Vec<(&str, &str, &str)> = document["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "FL002")
        .map(|d| {
            (
                d["rule"].as_str().unwrap(),
                d["severity"].as_str().unwrap(),
                d["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        vec![
            (
                "unused-suppression",
                "warning",
                "`FL501` suppresses nothing here"
            ),
            ("unused-suppression", "warning", "unknown rule `FL999`"),
            (
                "unused-suppression",
                "warning",
                "`FL501` suppresses nothing here"
            ),
            (
                "unused-suppression",
                "warning",
                "`global-in-2-0` suppresses nothing here"
            ),
        ]
    );
}

#[test]
fn stale_suppressions_are_warnings_and_fail_only_with_deny_warnings() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", b"local x = 1 -- factolint: ignore FL501\n"),
        ],
    );
    let run = factolint(dir.path(), &["check", "m", "--format", "concise"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .starts_with("m/control.lua:1:13: FL002 [warning] "),
        "{}",
        run.stdout
    );
    let run = factolint(
        dir.path(),
        &["check", "m", "--format", "concise", "--deny-warnings"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
}

#[test]
fn suppressing_one_rule_leaves_other_rules_and_lines_alone() {
    let dir = tempfile::tempdir().unwrap();
    let control = b"global.a = 1 -- factolint: ignore FL002\nglobal.b = 2\n";
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", control),
        ],
    );
    let run = check_json(dir.path(), &["m"]);
    assert_eq!(
        run.findings(),
        vec![
            ("m/control.lua".to_string(), 1, 1, "FL501".to_string()),
            ("m/control.lua".to_string(), 1, 14, "FL002".to_string()),
            ("m/control.lua".to_string(), 2, 1, "FL501".to_string()),
        ]
    );
}
