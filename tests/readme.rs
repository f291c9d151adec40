//! README.md stays true: its first commands and its rule table.

#[test]
fn readme_rule_table_matches_rule_files() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for meta in factolint::catalog::all() {
        let row = format!(
            "| {} | {} | {} | {} |",
            meta.code,
            meta.name,
            meta.default_severity.as_str(),
            if meta.fixable { "yes" } else { "no" }
        );
        assert!(
            readme.contains(&row),
            "README.md has no rule row starting {row:?}"
        );
    }
}

#[test]
fn readme_starts_with_the_two_newcomer_commands() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let block: Vec<&str> = readme
        .split("```")
        .nth(1)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(
        block[0].starts_with("cargo run --release -- check examples/hazardous-mod"),
        "{block:?}"
    );
    assert!(
        block[1].starts_with("cargo test --locked --all-targets"),
        "{block:?}"
    );
    let ci = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/run")).unwrap();
    assert!(
        ci.contains("cargo test --locked --all-targets"),
        ".ci/run must run the README's test command"
    );
    assert!(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/hazardous-mod/info.json"
    ))
    .exists());
}
