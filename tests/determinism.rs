//! The same files give byte-identical output whatever the thread count: diagnostics are
//! sorted, and nothing in the output depends on which worker finished first.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A multi-mod, multi-file set: the parse fixtures, the example mod, and generated mods with
/// files of very different sizes (so that workers finish in a different order per run).
fn fixture_set(dir: &Path) -> Vec<PathBuf> {
    for m in 0..6 {
        let root = dir.join(format!("mod{m}"));
        std::fs::create_dir_all(root.join("scripts")).unwrap();
        std::fs::write(
            root.join("info.json"),
            format!(
                "{{\"name\": \"gen{m}\", \"version\": \"1.0.0\", \"factorio_version\": \"2.0\"}}"
            ),
        )
        .unwrap();
        let mut control = String::new();
        for f in 0..8 {
            control.push_str(&format!("require(\"scripts.part{f}\")\n"));
            let mut part =
                format!("local M = {{}}\n-- factolint: ignore FL501\nglobal.part{f} = {{}}\n");
            for i in 0..(f * f * 10 + m * 7) {
                part.push_str(&format!(
                    "function M.f{i}(event) global.v{i} = event.tick end\n"
                ));
            }
            if (m + f) % 5 == 0 {
                part.push_str("local broken = = 1\n");
            }
            std::fs::write(root.join(format!("scripts/part{f}.lua")), part).unwrap();
        }
        std::fs::write(root.join("control.lua"), control).unwrap();
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    vec![
        dir.to_path_buf(),
        manifest.join("fixtures/parse"),
        manifest.join("examples/hazardous-mod"),
    ]
}

fn run(paths: &[PathBuf], threads: usize, format: &str) -> Vec<u8> {
    let output = Command::new(env!("CARGO_BIN_EXE_factolint"))
        .arg("check")
        .args(paths)
        .args([
            "--format",
            format,
            "--color",
            "never",
            "--threads",
            &threads.to_string(),
            "--no-cache",
        ])
        .output()
        .expect("factolint runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn output_is_identical_with_one_and_four_threads() {
    let dir = tempfile::tempdir().unwrap();
    let paths = fixture_set(dir.path());
    for format in ["json", "human", "concise", "sarif", "github"] {
        let one = run(&paths, 1, format);
        let four = run(&paths, 4, format);
        assert!(
            one == four,
            "{format} output differs between --threads 1 and --threads 4"
        );
        if format == "json" {
            let json: serde_json::Value = serde_json::from_slice(&one).unwrap();
            let diagnostics = json["diagnostics"].as_array().unwrap();
            // Enough findings of several kinds for the order to matter.
            assert!(diagnostics.len() > 300, "{}", diagnostics.len());
            for code in ["FL001", "FL501"] {
                assert!(diagnostics.iter().any(|d| d["code"] == code), "{code}");
            }
        }
    }
}

/// A mod checked alone may share its checks between two workers, each with its own model;
/// the findings must be those of one worker. Every rule fixture mod that must fire is checked,
/// so every rule takes part, and the example mod for many rules in one unit.
#[test]
fn one_mod_checked_on_two_workers_gives_the_findings_of_one() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut mods = vec![manifest.join("examples/hazardous-mod")];
    for rule in std::fs::read_dir(manifest.join("fixtures/rules")).unwrap() {
        let fires = rule.unwrap().path().join("fires");
        if fires.join("info.json").is_file() {
            mods.push(fires);
        }
    }
    mods.sort();
    assert!(mods.len() > 20, "{}", mods.len());
    let findings = |root: &Path, two: bool| {
        let options = factolint::engine::CheckOptions {
            threads: Some(2),
            checks_on_two_workers: Some(two),
            ..Default::default()
        };
        factolint::engine::check_paths(&[root.to_path_buf()], &options)
            .unwrap()
            .diagnostics
    };
    for root in &mods {
        let one = findings(root, false);
        assert!(!one.is_empty(), "{}", root.display());
        assert!(
            one == findings(root, true),
            "{}: findings differ between one and two workers",
            root.display()
        );
    }
}
