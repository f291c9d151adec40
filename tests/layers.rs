//! The crate's modules form layers: a module may use only modules below it, so dependencies
//! read top-down (cli/lsp → output → engine → rules → semantic → syntax/api/source) and no
//! two modules depend on each other. This scans every `crate::<module>` path in src/.

use std::path::Path;

/// Top to bottom. A module may name only modules listed after it (and itself).
const LAYERS: &[&str] = &[
    "cli",
    "lsp",
    "output",
    "engine",
    "cache",
    "suppress",
    "fix",
    "rules",
    "semantic",
    "workspace",
    "config",
    "syntax",
    "api",
    "diagnostics",
    "source",
    "catalog",
];

/// `(module, used module, file)` for every `crate::used` path in a file of `module`.
fn uses_in(module: &str, file: &str, text: &str, out: &mut Vec<(String, String, String)>) {
    for (at, _) in text.match_indices("crate::") {
        // `$crate::` in macros, and identifiers ending in `crate`, are not paths into this crate.
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &text[at + "crate::".len()..];
        let used: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !used.is_empty() && used != module {
            out.push((module.to_string(), used, file.to_string()));
        }
    }
}

fn violations(uses: &[(String, String, String)]) -> Vec<String> {
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut out = Vec::new();
    for (module, used, file) in uses {
        match (rank(module), rank(used)) {
            (Some(from), Some(to)) if from < to => {}
            (Some(_), Some(_)) => {
                out.push(format!("{file}: `{module}` uses `{used}`, a higher layer"))
            }
            (None, _) => out.push(format!(
                "{file}: module `{module}` is in no layer of tests/layers.rs"
            )),
            (_, None) => out.push(format!(
                "{file}: `{used}` is in no layer of tests/layers.rs"
            )),
        }
    }
    out
}

fn collect(dir: &Path, module: Option<&str>, out: &mut Vec<(String, String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            collect(&path, Some(module.unwrap_or(&name)), out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            // lib.rs and main.rs are the crate roots, above every layer.
            let Some(module) = module
                .map(str::to_string)
                .or_else(|| (name != "lib" && name != "main").then(|| name.clone()))
            else {
                continue;
            };
            let text = std::fs::read_to_string(&path).unwrap();
            uses_in(&module, &path.display().to_string(), &text, out);
        }
    }
}

#[test]
fn no_module_uses_a_higher_layer() {
    let mut uses = Vec::new();
    collect(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        None,
        &mut uses,
    );
    assert!(
        uses.len() > 50,
        "the scan found too few paths: {}",
        uses.len()
    );
    let found = violations(&uses);
    assert!(found.is_empty(), "layer violations:\n{}", found.join("\n"));
}

#[test]
fn the_check_catches_an_upward_use_and_an_unknown_module() {
    let mut uses = Vec::new();
    uses_in(
        "config",
        "src/config.rs",
        "use crate::rules::lookup;",
        &mut uses,
    );
    uses_in(
        "rules",
        "src/rules/x.rs",
        "let d = crate::diagnostics::Diagnostic::new();",
        &mut uses,
    );
    uses_in(
        "rules",
        "src/rules/y.rs",
        "macro_rules! m { () => { $crate::engine::x() } }",
        &mut uses,
    );
    uses_in(
        "newthing",
        "src/newthing.rs",
        "use crate::source::Span;",
        &mut uses,
    );
    assert_eq!(
        violations(&uses),
        vec![
            "src/config.rs: `config` uses `rules`, a higher layer".to_string(),
            "src/newthing.rs: module `newthing` is in no layer of tests/layers.rs".to_string(),
        ]
    );
}
