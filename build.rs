//! Embeds every `rules/FLxxx.toml` in the binary: the list is generated from the folder, so a
//! new rule's documentation needs no registry line of its own (see `src/catalog.rs`). Rebuilds
//! the API tables committed as patches of 2.0's (see `src/api/mod.rs`) into whole JSON, so
//! that a run reads each table straight into its types.

use std::fmt::Write as _;
use std::path::Path;

// Only `apply` is needed here; `diff` serves the extract tool.
#[allow(dead_code)]
#[path = "src/api/patch.rs"]
mod patch;

/// The API tables stored as patches of 2.0's extract, by version.
const PATCHED_TABLES: [&str; 2] = ["1.1", "2.1"];

fn main() {
    rule_files();
    api_tables();
}

fn api_tables() {
    let api = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("src/api");
    let out = std::env::var("OUT_DIR").unwrap();
    println!("cargo:rerun-if-changed=src/api/patch.rs");
    let read = |name: &str| {
        println!("cargo:rerun-if-changed=src/api/{name}");
        let text = std::fs::read_to_string(api.join(name))
            .unwrap_or_else(|e| panic!("src/api/{name} is readable: {e}"));
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("src/api/{name} is JSON: {e}"))
    };
    let base = read("runtime-2.0.json");
    for version in PATCHED_TABLES {
        let mut table = base.clone();
        patch::apply(&mut table, read(&format!("runtime-{version}.patch.json")));
        let target = Path::new(&out).join(format!("runtime-{version}.json"));
        std::fs::write(target, serde_json::to_string(&table).unwrap())
            .expect("OUT_DIR is writable");
    }
}

fn rule_files() {
    println!("cargo:rerun-if-changed=rules");
    let dir = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("rules");
    let mut codes: Vec<String> = std::fs::read_dir(&dir)
        .expect("the rules/ folder is readable")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            Some(name.strip_suffix(".toml")?.to_string())
        })
        .collect();
    codes.sort();
    let mut out = String::from("pub const RULE_FILES: &[(&str, &str)] = &[\n");
    for code in &codes {
        let path = dir.join(format!("{code}.toml"));
        writeln!(
            out,
            "    ({code:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let target = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("rule_files.rs");
    std::fs::write(target, out).expect("OUT_DIR is writable");
}
