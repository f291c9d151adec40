//! Arbitrary bytes through the whole per-file pipeline: limits, parse (with its rewrites),
//! lowering, rules, suppressions, every output format, and safe fixes.
#![no_main]

use factolint::cli::render;
use factolint::engine::{check_source, CheckOptions};
use factolint::output::Format;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    // The scanner-only paths must never accept what full_moon rejects: literal-data files,
    // and blanked tables of literals (the thresholds are tiny under `cfg(fuzzing)`). Tables
    // of literals read back by the scanner must lower as full_moon's tree of them does.
    if let Ok(text) = std::str::from_utf8(data) {
        let elided = factolint::syntax::parse(text);
        let whole = factolint::syntax::parse_without_elision(text);
        assert_eq!(
            elided.is_ok(),
            whole.is_ok(),
            "blanking tables changed whether this parses: {text:?}"
        );
        if let (Ok(elided), Ok(whole)) = (&elided, &whole) {
            if elided.tables.numeric.is_empty() {
                let lower = |parsed| format!("{:?}", factolint::semantic::lower::lower(parsed, text));
                assert_eq!(lower(elided), lower(whole), "read back differently: {text:?}");
            }
        }
        if factolint::syntax::is_literal_data(text) {
            assert!(
                factolint::syntax::parse(text).is_ok(),
                "literal data that does not parse: {text:?}"
            );
        }
    }
    let options = CheckOptions {
        threads: Some(1),
        ..CheckOptions::default()
    };
    let path = Path::new("/fuzz/control.lua");
    let report = check_source(path, data, &options);
    for format in [
        Format::Human,
        Format::Concise,
        Format::Json,
        Format::Github,
        Format::Sarif,
    ] {
        render(&report, format, false);
    }
    // Safe fixes of a file that parsed must leave a file that still parses.
    let parsed = !report
        .diagnostics
        .iter()
        .any(|d| d.code == "FL001" || d.code == "FL005");
    for (_, fixed) in
        factolint::fix::fixed_files(&report.sources, &report.diagnostics, &report.lossy_files)
    {
        let again = check_source(path, fixed.as_bytes(), &options);
        let broken = again.diagnostics.iter().find(|d| d.code == "FL001");
        assert!(
            !parsed || broken.is_none(),
            "a safe fix broke the file: {broken:?}\n{fixed}"
        );
    }
});
