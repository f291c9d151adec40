//! `factolint rule CODE` and `factolint rules`.

use crate::common::*;

#[test]
fn rule_prints_the_documentation_by_code_or_name() {
    let run = factolint(&fixtures(""), &["rule", "FL501"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .starts_with("FL501 global-in-2-0\n\nDefault level: error (fixable)\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("`settings.global`"),
        "the explanation is printed"
    );
    assert!(
        run.stdout
            .contains("\nFlagged:\n\n    script.on_init(function()\n      global.players = {}\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("\nInstead:\n\n    script.on_init(function()\n      storage.players = {}\n"),
        "{}",
        run.stdout
    );

    assert_eq!(
        factolint(&fixtures(""), &["rule", "global-in-2-0"]).stdout,
        run.stdout
    );
    assert_eq!(
        factolint(&fixtures(""), &["rule", "fl501"]).stdout,
        run.stdout
    );
}

#[test]
fn an_unknown_rule_is_a_usage_error() {
    let run = factolint(&fixtures(""), &["rule", "FL999"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("FL999") && run.stderr.contains("factolint rules"),
        "{}",
        run.stderr
    );
}

#[test]
fn rules_lists_every_rule_file() {
    let run = factolint(&fixtures(""), &["rules"]);
    assert_eq!(run.code, 0);
    let mut lines = run.stdout.lines();
    assert_eq!(
        lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
        ["code", "name", "level", "tag", "fix"]
    );
    // The table ends at the first blank line (a note on opt-in rules may follow).
    let rows: Vec<Vec<&str>> = lines
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(
        rows.contains(&vec!["FL501", "global-in-2-0", "error", "hazard", "yes"]),
        "{rows:?}"
    );
    assert!(
        rows.contains(&vec!["FL001", "parse-error", "error", "hazard", "no"]),
        "{rows:?}"
    );
    assert!(
        rows.contains(&vec![
            "FL202",
            "pairs-order-storage-write",
            "warning",
            "standard",
            "no"
        ]),
        "{rows:?}"
    );
    for row in &rows {
        let meta = factolint::catalog::meta(row[0]).unwrap();
        assert_eq!(row[3], meta.tag.as_str(), "{}", row[0]);
    }

    // The registry itself is tied to the files in rules/ by a unit test in src/rules.
    let listed: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    let registered: Vec<String> = factolint::catalog::all()
        .iter()
        .map(|m| m.code.clone())
        .collect();
    assert_eq!(listed, registered);
    for row in &rows {
        let doc = factolint(&fixtures(""), &["rule", row[0]]);
        assert_eq!(doc.code, 0, "{}", row[0]);
        assert!(doc.stdout.starts_with(&format!("{} {}\n", row[0], row[1])));
    }
}

#[test]
fn rule_all_prints_every_page_and_rules_json_lists_every_rule() {
    let all = factolint(&fixtures(""), &["rule", "--all"]);
    assert_eq!(all.code, 0);
    for meta in factolint::catalog::all() {
        let one = factolint(&fixtures(""), &["rule", &meta.code]);
        assert!(all.stdout.contains(&one.stdout), "{} missing", meta.code);
    }
    let run = factolint(&fixtures(""), &["rules", "--format", "json"]);
    assert_eq!(run.code, 0);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let rules = document["rules"].as_array().unwrap();
    assert_eq!(rules.len(), factolint::catalog::all().len());
    let fl501 = rules.iter().find(|r| r["code"] == "FL501").unwrap();
    assert_eq!(fl501["name"], "global-in-2-0");
    assert_eq!(fl501["default_level"], "error");
    assert_eq!(fl501["fixable"], true);
    assert!(fl501["bad"].as_str().unwrap().contains("global.players"));
}

#[test]
fn completions_are_generated_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = factolint(&fixtures(""), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(run.stdout.contains("stdin-filename"), "{shell}");
    }
    assert_eq!(factolint(&fixtures(""), &["completions", "tcsh"]).code, 2);
}
