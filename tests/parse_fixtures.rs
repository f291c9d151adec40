//! Every construct in `fixtures/parse/` parses (no FL001), and the workarounds that make
//! full_moon accept them move no position: FL501 lands on the exact line and column.

use factolint::engine::{check_paths, CheckOptions};
use std::path::PathBuf;

fn findings(case: &str) -> Vec<(String, usize, usize)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/parse")
        .join(case);
    let report = check_paths(&[root], &CheckOptions::default()).expect("fixture exists");
    report
        .diagnostics
        .iter()
        .map(|d| {
            let at = report.sources.get(d.file).line_col(d.span.start);
            (d.code.to_string(), at.line, at.column)
        })
        .collect()
}

fn fl501(at: &[(usize, usize)]) -> Vec<(String, usize, usize)> {
    at.iter()
        .map(|&(line, column)| ("FL501".to_string(), line, column))
        .collect()
}

#[test]
fn byte_order_mark() {
    assert_eq!(findings("bom"), fl501(&[(4, 3)]));
}

#[test]
fn shebang() {
    assert_eq!(findings("shebang"), fl501(&[(4, 3)]));
}

#[test]
fn break_before_label() {
    assert_eq!(findings("break-before-label"), fl501(&[(13, 3), (13, 19)]));
}

#[test]
fn break_before_statement() {
    assert_eq!(findings("break-before-statement"), fl501(&[(14, 3)]));
}

#[test]
fn goto_and_labels() {
    assert_eq!(findings("goto-continue"), fl501(&[(5, 5)]));
}

#[test]
fn string_escapes() {
    assert_eq!(findings("string-escapes"), fl501(&[(10, 3)]));
}

#[test]
fn empty_statements() {
    assert_eq!(findings("empty-statements"), fl501(&[(5, 29)]));
}

#[test]
fn form_feed_and_vertical_tab() {
    assert_eq!(findings("form-feed"), fl501(&[(5, 3)]));
}

#[test]
fn invalid_lua_is_still_a_parse_error_at_its_own_position() {
    assert_eq!(findings("invalid"), vec![("FL001".to_string(), 6, 16)]);
}
