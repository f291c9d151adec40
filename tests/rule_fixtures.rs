//! Every case under fixtures/rules: the findings must be exactly the lines marked
//! `-- expect: CODE` (see fixtures/rules/README.md).

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

type Finding = (String, u64, String);

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut cases = Vec::new();
    for rule in std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
    {
        for case in std::fs::read_dir(rule.path())
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_dir())
        {
            cases.push(case.path());
        }
    }
    cases.sort();
    cases
}

fn expected(case: &Path) -> BTreeSet<Finding> {
    let mut found = BTreeSet::new();
    for entry in walk(case) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let rel = entry
            .strip_prefix(case)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            if let Some((_, codes)) = line.split_once("-- expect:") {
                for code in codes.split([',', ' ']).filter(|c| !c.is_empty()) {
                    found.insert((rel.clone(), i as u64 + 1, code.to_string()));
                }
            }
        }
    }
    found
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "lua") {
            files.push(path);
        }
    }
    files
}

/// `--extend-select` for every rule that is off by default: fixtures test every rule.
fn opt_in_rules() -> Vec<String> {
    static ARGS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    ARGS.get_or_init(|| {
        let output = Command::new(env!("CARGO_BIN_EXE_factolint"))
            .args(["rules", "--format", "json"])
            .output()
            .expect("runs");
        let list: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        list["rules"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["default_enabled"] == false)
            .flat_map(|r| {
                [
                    "--extend-select".to_string(),
                    r["code"].as_str().unwrap().into(),
                ]
            })
            .collect()
    })
    .clone()
}

/// The findings of a case; a rule reporting the same place twice fails here (one mistake, one
/// finding: nested loops around one write once gave two).
fn actual(case: &Path) -> BTreeSet<Finding> {
    let output = Command::new(env!("CARGO_BIN_EXE_factolint"))
        .args(["check", "--format", "json", "--no-cache", "."])
        .args(opt_in_rules())
        .current_dir(case)
        .output()
        .expect("runs");
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "{}: {}",
        case.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let document: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let diagnostics = document["diagnostics"].as_array().unwrap();
    let mut places = BTreeSet::new();
    for d in diagnostics {
        let place = (
            d["code"].as_str().unwrap().to_string(),
            d["path"].as_str().unwrap().to_string(),
            [&d["line"], &d["column"], &d["end_line"], &d["end_column"]]
                .map(|n| n.as_u64().unwrap()),
        );
        assert!(
            places.insert(place.clone()),
            "{}: reported twice: {place:?}",
            case.display()
        );
    }
    diagnostics
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn rule_fixtures_report_exactly_the_marked_lines() {
    let mut failures = Vec::new();
    let cases = cases();
    assert!(cases.len() >= 3, "fixtures missing");
    for case in &cases {
        let expected = expected(case);
        let actual = actual(case);
        let missing: Vec<_> = expected.difference(&actual).collect();
        let extra: Vec<_> = actual.difference(&expected).collect();
        if !missing.is_empty() || !extra.is_empty() {
            failures.push(format!(
                "{}:\n  missing {missing:?}\n  unexpected {extra:?}",
                case.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
