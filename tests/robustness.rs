//! Hostile and extreme input: every file gets a result (a parse, FL001 or one FL005), never a
//! crash, a stack overflow or a hang. Inputs are generated; `fuzz/regressions/` holds every
//! input the fuzzer found crashing.

use factolint::config::Config;
use factolint::engine::{check_source, CheckOptions, Report, MAX_NESTING_CEILING};
use std::path::Path;
use std::sync::Arc;

fn check_with(text: &[u8], config: Config) -> Report {
    let options = CheckOptions {
        config: Some(Arc::new(config)),
        threads: Some(1),
        ..CheckOptions::default()
    };
    check_source(Path::new("/robust/control.lua"), text, &options)
}

fn check(text: &[u8]) -> Report {
    check_with(text, Config::default())
}

fn codes(report: &Report) -> Vec<&'static str> {
    report.diagnostics.iter().map(|d| d.code).collect()
}

fn config(toml: &str) -> Config {
    Config::parse(Path::new("/robust/factolint.toml"), toml).expect("valid config")
}

#[test]
fn fuzz_regressions_never_crash() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("fuzz/regressions") {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let report = check(&bytes);
        for format in [
            factolint::output::Format::Human,
            factolint::output::Format::Json,
            factolint::output::Format::Sarif,
            factolint::output::Format::Github,
            factolint::output::Format::Concise,
        ] {
            factolint::cli::render(&report, format, false);
        }
        count += 1;
    }
    assert!(count >= 1);
}

#[test]
fn backtick_in_code_is_a_parse_error() {
    // full_moon 3.0 panicked on this (found by fuzzing).
    let report = check(b"local s = `text`\n");
    assert_eq!(codes(&report), vec!["FL001"]);
    assert_eq!(report.diagnostics[0].span.start, 10);
}

/// `depth` levels of each construct that nests, with the expression in the innermost level.
fn nested(kind: &str, depth: usize) -> String {
    let r = |s: &str, n: usize| s.repeat(n);
    match kind {
        "parens" => format!("x = {}1{}", r("(", depth), r(")", depth)),
        "tables" => format!("x = {}1{}", r("{", depth), r("}", depth)),
        "index" => format!("x = {}1{}", r("a[", depth), r("]", depth)),
        "calls" => format!("x = {}1{}", r("f(", depth), r(")", depth)),
        "do" => format!("{}x = 1{}", r("do ", depth), r(" end", depth)),
        "while" => format!("{}x = 1{}", r("while a do ", depth), r(" end", depth)),
        "if" => format!("{}x = 1{}", r("if a then ", depth), r(" end", depth)),
        "repeat" => format!("{}x = 1{}", r("repeat ", depth), r(" until a", depth)),
        "functions" => format!(
            "x = {}1{}",
            r("function() return ", depth),
            r(" end", depth)
        ),
        "minus" => format!("x = {}1", r("- ", depth)),
        "not" => format!("x = {}1", r("not ", depth)),
        "length" => format!("x = {}t", r("#", depth)),
        "concat" => format!("x = 'a'{}", r(" .. 'a'", depth)),
        "power" => format!("x = 2{}", r(" ^ 2", depth)),
        "plus" => format!("x = 1{}", r(" + 1", depth)),
        "and" => format!("x = a{}", r(" and a", depth)),
        "mixed" => format!("x = {}1{}", r("{(-", depth / 3), r(")}", depth / 3)),
        _ => unreachable!(),
    }
}

const KINDS: &[&str] = &[
    "parens",
    "tables",
    "index",
    "calls",
    "do",
    "while",
    "if",
    "repeat",
    "functions",
    "minus",
    "not",
    "length",
    "concat",
    "power",
    "plus",
    "and",
    "mixed",
];

#[test]
fn nesting_below_the_limit_is_analysed_and_past_it_is_one_fl005() {
    let limit = 120;
    let config = || config(&format!("[limits]\nmax-nesting = {limit}\n"));
    for kind in KINDS {
        // One below: a function's parameter list counts as one more level.
        let below = check_with(nested(kind, limit - 1).as_bytes(), config());
        assert!(
            codes(&below).is_empty(),
            "{kind} below the limit: {:?}",
            below.diagnostics
        );
        let over = check_with(nested(kind, limit + 3).as_bytes(), config());
        assert_eq!(codes(&over), vec!["FL005"], "{kind} over the limit");
        let message = &over.diagnostics[0].message;
        assert!(message.contains(&format!("limit of {limit}")), "{message}");
        assert!(over.diagnostics[0]
            .help
            .as_deref()
            .is_some_and(|h| h.contains("max-nesting")));
    }
}

#[test]
fn the_nesting_ceiling_fits_the_worker_stack() {
    // Whatever factolint.toml asks for, the deepest file analysed is MAX_NESTING_CEILING
    // levels of the most stack-hungry construct, in this unoptimised build too.
    let config = || config("[limits]\nmax-nesting = 1000000\n");
    for kind in KINDS {
        let report = check_with(nested(kind, MAX_NESTING_CEILING - 1).as_bytes(), config());
        assert!(
            codes(&report).is_empty(),
            "{kind}: {:?}",
            report.diagnostics
        );
    }
    let over = check_with(
        nested("parens", MAX_NESTING_CEILING + 1).as_bytes(),
        config(),
    );
    assert_eq!(codes(&over), vec!["FL005"]);
    assert!(
        over.diagnostics[0].message.contains("ceiling"),
        "{}",
        over.diagnostics[0].message
    );
}

#[test]
fn very_deep_input_is_one_fl005_at_the_default_limit() {
    for kind in ["parens", "minus", "not", "concat", "plus", "do", "tables"] {
        let report = check(nested(kind, 200_000).as_bytes());
        assert_eq!(codes(&report), vec!["FL005"], "{kind}");
    }
}

#[test]
fn files_over_the_size_limit_are_one_fl005() {
    let text = "local x = 1\n".repeat(200_000); // 2.4 MB
    let report = check_with(text.as_bytes(), config("[limits]\nmax-file-size-mb = 1\n"));
    assert_eq!(codes(&report), vec!["FL005"]);
    assert!(
        report.diagnostics[0].message.contains("1 MiB limit"),
        "{}",
        report.diagnostics[0].message
    );
    assert!(report.diagnostics[0]
        .help
        .as_deref()
        .is_some_and(|h| h.contains("max-file-size-mb")));
}

#[test]
fn ten_megabyte_file_with_one_long_line() {
    // 10 MB on one line: a long string and a long comment.
    let body = "x".repeat(5 * 1024 * 1024);
    let text = format!("local s = \"{body}\" --[[{body}]] global.s = s");
    let report = check(text.as_bytes());
    assert!(
        codes(&report).iter().all(|c| *c == "FL501"),
        "{:?}",
        codes(&report)
    );
    factolint::cli::render(&report, factolint::output::Format::Human, false);
}

#[test]
fn fifty_thousand_statements() {
    let mut text = String::new();
    for i in 0..50_000 {
        text.push_str(&format!(
            "local v{i} = {{ name = \"item-{i}\", count = {i} }}\n"
        ));
    }
    let report = check(text.as_bytes());
    assert!(codes(&report).is_empty(), "{:?}", codes(&report));
    assert_eq!(report.lines_checked, 50_001);
}

#[test]
fn long_left_associative_chain_under_a_raised_limit() {
    // Valid Lua of any length; the pre-scan counts it, so it is analysed when the limit allows.
    let text = nested("plus", 1_500);
    let report = check_with(text.as_bytes(), config("[limits]\nmax-nesting = 2000\n"));
    assert!(codes(&report).is_empty(), "{:?}", codes(&report));
}

#[test]
fn nested_indexing_is_linear() {
    // Spans came from full_moon's `Node::range`, exponential in this nesting (ten levels took
    // 26 s); sixty levels would never finish.
    let report = check(nested("index", 60).as_bytes());
    assert!(codes(&report).is_empty());
}

#[test]
fn field_kinds_through_chains_of_callers_finish() {
    // fixtures/robustness/caller-chains: what a parameter's field holds was asked of every
    // chain of callers (6^12 of them), and factolint never finished on such a mod; a fact
    // found at the top of a chain must still be found.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/robustness/caller-chains");
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let report = factolint::engine::check_paths(&[root], &CheckOptions::default());
        let _ = done.send(report.map(|r| {
            r.diagnostics
                .iter()
                .map(|d| (d.code, r.sources.get(d.file).line_col(d.span.start).line))
                .collect::<Vec<_>>()
        }));
    });
    // Not a speed measurement: a deadline far above any machine's time, so a hang fails.
    let found = finished
        .recv_timeout(std::time::Duration::from_secs(120))
        .expect("the check never finished")
        .expect("fixture exists");
    assert_eq!(found, vec![("FL301", 118)]);
}

#[test]
fn binary_invalid_utf8_and_empty_input() {
    assert_eq!(codes(&check(b"local x = 1\0\x01")), vec!["FL001"]);
    assert!(codes(&check(b"")).is_empty());
    // Latin-1 in a string is fine for Lua; in code it is an error, at the same offset.
    assert!(codes(&check(b"local s = 'caf\xe9'")).is_empty());
    let report = check(b"local \xe9 = 1");
    assert_eq!(codes(&report), vec!["FL001"]);
    assert_eq!(report.diagnostics[0].span.start, 6);
}
