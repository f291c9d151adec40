//! Mods as modders hold them: zips from the mod portal and a Factorio `mods` folder, checked
//! without unpacking; paths read `name.zip/control.lua`.

use crate::common::*;
use std::io::Write;
use std::path::Path;

/// Writes a zip of `files` (path inside the zip, content), deflated.
fn write_zip(path: &Path, files: &[(&str, &[u8])]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in files {
        zip.start_file(*name, options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.finish().unwrap();
}

fn portal_zip(path: &Path, top: &str) {
    let info = info_json("zipped", "2.0");
    write_zip(
        path,
        &[
            (&format!("{top}/info.json"), &info),
            (
                &format!("{top}/control.lua"),
                b"local util = require(\"scripts.util\")\nutil.setup()\nscript.on_event(defines.events.on_tick, function() end)\n",
            ),
            (
                &format!("{top}/scripts/util.lua"),
                b"return { setup = function() global.ready = true end }\n",
            ),
            (&format!("{top}/thumbnail.png"), b"\x89PNG"),
        ],
    );
}

#[test]
fn a_mod_zip_is_checked_as_the_mod_inside_it() {
    let dir = tempfile::tempdir().unwrap();
    portal_zip(&dir.path().join("zipped_1.2.3.zip"), "zipped_1.2.3");
    let run = check_json(dir.path(), &["zipped_1.2.3.zip"]);
    assert_eq!(
        run.findings(),
        vec![(
            "zipped_1.2.3.zip/scripts/util.lua".to_string(),
            1,
            29,
            "FL501".to_string()
        )]
    );
    assert_eq!(run.json()["summary"]["files"], 2);
    // The fix is offered, not applied: a zip is never rewritten.
    let fix = &run.json()["diagnostics"][0]["fix"];
    assert_eq!(fix["safe"], false);
    let run = factolint(dir.path(), &["check", "zipped_1.2.3.zip", "--fix"]);
    assert_eq!(run.code, 1);
    assert!(!run.stdout.contains("fixable with"), "{}", run.stdout);
}

#[test]
fn a_mods_folder_of_zips_and_folders_is_checked_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mods = dir.path().join("mods");
    std::fs::create_dir(&mods).unwrap();
    portal_zip(&mods.join("zipped_1.2.3.zip"), "zipped_1.2.3");
    write_files(
        &mods,
        &[
            ("mod-list.json", b"{\"mods\": []}"),
            ("unpacked/info.json", &info_json("unpacked", "2.0")),
            (
                "unpacked/control.lua",
                b"global.x = 1\nscript.on_event(defines.events.on_tick, function() end)\n",
            ),
        ],
    );
    // Not a zip at all, and a zip with two folders: each is an error; the rest is checked.
    write_files(&mods, &[("broken.zip", b"not a zip")]);
    write_zip(
        &mods.join("two_1.0.0.zip"),
        &[("a/control.lua", b"x = 1\n"), ("b/control.lua", b"y = 1\n")],
    );
    let run = check_json(dir.path(), &["mods"]);
    assert_eq!(
        run.findings(),
        vec![
            (
                "mods/unpacked/control.lua".to_string(),
                1,
                1,
                "FL501".to_string()
            ),
            (
                "mods/zipped_1.2.3.zip/scripts/util.lua".to_string(),
                1,
                29,
                "FL501".to_string()
            ),
        ]
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("factolint: mods/broken.zip: not a readable zip file"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("factolint: mods/two_1.0.0.zip: holds 2 top folders (a, b)"),
        "{}",
        run.stderr
    );
    // `events` over several mods names each row's mod, in JSON and for people.
    let events = factolint(dir.path(), &["events", "--format", "json", "mods"]);
    assert_eq!(events.code, 2, "the broken zips are still errors");
    let document: serde_json::Value = serde_json::from_str(&events.stdout).unwrap();
    let rows: Vec<(&str, &str, &str)> = document["registrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["mod"].as_str().unwrap(),
                r["name"].as_str().unwrap(),
                r["path"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("unpacked", "on_tick", "mods/unpacked/control.lua"),
            ("zipped", "on_tick", "mods/zipped_1.2.3.zip/control.lua"),
        ]
    );
    let human = factolint(dir.path(), &["events", "mods"]);
    assert!(
        human.stdout.starts_with(
            "on_tick\n  unpacked  mods/unpacked/control.lua:2 -> handler mods/unpacked/control.lua:2  [load]\n  \
             zipped  mods/zipped_1.2.3.zip/control.lua:3 -> handler mods/zipped_1.2.3.zip/control.lua:3  [load]\n"
        ),
        "{}",
        human.stdout
    );
}

#[test]
fn a_zip_inside_a_mod_is_not_read_as_another_mod() {
    // A built release lying in the mod's own folder would double every finding.
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", b"global.x = 1\n"),
        ],
    );
    portal_zip(&dir.path().join("m/m_1.0.0.zip"), "m_1.0.0");
    assert_eq!(check_json(dir.path(), &["m"]).findings().len(), 1);
}
