//! README.md stays true: its first commands and its rule table.

/// Blessing rewrites README.md from two tests; they take turns.
static README: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The rule table, one row per `rules/*.toml`, between its markers.
fn rule_table() -> String {
    let mut table = String::from(
        "| code | name | level | tag | fix | what |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for meta in factolint::catalog::all() {
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            meta.code,
            meta.name,
            if meta.default_enabled {
                meta.default_severity.as_str().to_string()
            } else {
                format!("({}, opt-in)", meta.default_severity.as_str())
            },
            meta.tag.as_str(),
            if meta.fixable { "yes" } else { "no" },
            meta.summary.trim().replace('\n', " ").replace('|', "\\|")
        ));
    }
    table
}

#[test]
fn readme_rule_table_matches_rule_files() {
    let _turn = README.lock().unwrap_or_else(|e| e.into_inner());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let start = readme
        .find("<!-- rules:")
        .expect("the rule table's opening marker");
    let start = start + readme[start..].find('\n').unwrap() + 1;
    let end = start
        + readme[start..]
            .find("<!-- end rules -->")
            .expect("the rule table's closing marker");
    let table = rule_table();
    if std::env::var_os("FACTOLINT_BLESS_README").is_some() {
        std::fs::write(
            path,
            format!("{}{table}{}", &readme[..start], &readme[end..]),
        )
        .unwrap();
        return;
    }
    assert!(
        readme[start..end] == table,
        "README.md's rule table is out of date (FACTOLINT_BLESS_README=1 cargo test --test readme \
         rewrites it); it should be:\n{table}"
    );
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

/// Every ```text block that follows an `<!-- output: ARGS -->` line is what `factolint ARGS`
/// prints in the repository's root (without colour, as when piped). With
/// `FACTOLINT_BLESS_README=1` the test rewrites the blocks instead of comparing.
#[test]
fn readme_sample_output_is_the_real_output() {
    let _turn = README.lock().unwrap_or_else(|e| e.into_inner());
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let bless = std::env::var_os("FACTOLINT_BLESS_README").is_some();
    let mut blessed = String::new();
    let mut copied_up_to = 0;
    let mut checked = 0;
    for (marker_at, _) in readme.match_indices("<!-- output: ") {
        let rest = &readme[marker_at + "<!-- output: ".len()..];
        let args_end = rest.find(" -->").expect("a closed marker");
        let args: Vec<&str> = rest[..args_end].split_whitespace().collect();
        let (between, after) = rest[args_end + " -->".len()..]
            .split_once("```text\n")
            .expect("a ```text block after the marker");
        assert!(
            between.trim().is_empty(),
            "the block follows its marker directly"
        );
        let block = after.split_once("```").expect("a closed block").0;
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_factolint"))
            .current_dir(root)
            .args(&args)
            // Output is the same with the cache; without it no test leaves one behind.
            .args(if args.first() == Some(&"check") {
                &["--no-cache"][..]
            } else {
                &[]
            })
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        let real = String::from_utf8(output.stdout).unwrap();
        if bless {
            let block_at = readme.len() - after.len();
            blessed.push_str(&readme[copied_up_to..block_at]);
            blessed.push_str(&real);
            copied_up_to = block_at + block.len();
            checked += 1;
            continue;
        }
        assert!(
            block == real,
            "README.md's output of `factolint {}` is out of date (FACTOLINT_BLESS_README=1 cargo test --test readme \
             rewrites it); the real output is:\n{real}",
            args.join(" ")
        );
        checked += 1;
    }
    assert!(
        checked >= 2,
        "the README's sample outputs carry their markers"
    );
    if bless {
        blessed.push_str(&readme[copied_up_to..]);
        std::fs::write(format!("{root}/README.md"), blessed).unwrap();
    }
}
