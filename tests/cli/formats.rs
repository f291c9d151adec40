//! Every output format over `fixtures/output/showcase`, as reviewed snapshots.
//!
//! The showcase mod has one finding at each level (error, warning, info), a parse error, a
//! read and a write of `global`, and a non-ASCII line (columns count characters).

use crate::common::*;

fn showcase(format: &str) -> Run {
    let run = factolint(
        &fixtures("output"),
        &["check", "showcase", "--format", format, "--color", "never"],
    );
    assert_eq!(run.code, 1, "{format}: {}", run.stderr);
    assert_eq!(run.stderr, "", "{format}");
    run
}

#[test]
fn human() {
    insta::assert_snapshot!("showcase_human", showcase("human").stdout);
}

#[test]
fn concise() {
    insta::assert_snapshot!("showcase_concise", showcase("concise").stdout);
}

#[test]
fn json() {
    let run = showcase("json");
    insta::assert_snapshot!("showcase_json", run.stdout);
    let document = run.json();
    assert_eq!(document["version"], 1);
    for d in document["diagnostics"].as_array().unwrap() {
        for key in [
            "code",
            "rule",
            "severity",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "message",
            "fix",
        ] {
            assert!(d.get(key).is_some(), "diagnostic without {key}: {d}");
        }
        assert!(!d["path"].as_str().unwrap().contains('\\'));
    }
}

#[test]
fn github() {
    insta::assert_snapshot!("showcase_github", showcase("github").stdout);
}

#[test]
fn sarif() {
    let run = showcase("sarif");
    let mut document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    // Rule documentation is checked in `sarif.rs`; the snapshot keeps only the rule ids so that
    // editing a rule's explanation does not touch this file.
    let driver = &mut document["runs"][0]["tool"]["driver"];
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    driver["version"] = "[version]".into();
    let ids: Vec<serde_json::Value> = driver["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    driver["rules"] = ids.into();
    insta::assert_snapshot!(
        "showcase_sarif",
        serde_json::to_string_pretty(&document).unwrap()
    );
}

#[test]
fn color_always_colours_and_never_does_not() {
    let plain = showcase("human").stdout;
    assert!(!plain.contains('\x1b'));
    let coloured = factolint(
        &fixtures("output"),
        &["check", "showcase", "--color", "always"],
    )
    .stdout;
    assert!(coloured.contains("\x1b["), "{coloured}");
    // Not a terminal: `auto` means no colour.
    let auto = factolint(&fixtures("output"), &["check", "showcase"]).stdout;
    assert_eq!(auto, plain);
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let args = |threads| {
        [
            "check",
            "fl501",
            "bad-input",
            "suppress",
            "output",
            "--format",
            "json",
            "--threads",
            threads,
        ]
    };
    let one = factolint(&fixtures(""), &args("1")).stdout;
    let four = factolint(&fixtures(""), &args("4")).stdout;
    assert_eq!(one, four);
    // An absurd thread count is capped, not a minute of spawning threads.
    let started = std::time::Instant::now();
    let many = factolint(&fixtures(""), &args("100000")).stdout;
    assert_eq!(one, many);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert!(one.contains("\"FL501\"") && one.contains("\"FL001\"") && one.contains("\"FL004\""));
}
