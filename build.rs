//! Embeds every `rules/FLxxx.toml` in the binary: the list is generated from the folder, so a
//! new rule's documentation needs no registry line of its own (see `src/catalog.rs`).

use std::fmt::Write as _;

fn main() {
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
