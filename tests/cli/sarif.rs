//! `--format sarif` against the SARIF 2.1.0 JSON schema (vendored in `tests/schemas/`).

use crate::common::*;
use serde_json::Value;
use std::path::Path;

fn validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(include_str!("../schemas/sarif-2.1.0.json")).expect("schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn schema_errors(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Runs `check --format sarif ARGS` in `cwd`, validates the output and returns it.
fn sarif(cwd: &Path, args: &[&str]) -> Value {
    let mut all = vec!["check", "--format", "sarif"];
    all.extend_from_slice(args);
    let run = factolint(cwd, &all);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let document: Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    let errors = schema_errors(&validator(), &document);
    assert!(
        errors.is_empty(),
        "SARIF output of {args:?} breaks the schema:\n{}\n{}",
        errors.join("\n"),
        run.stdout
    );
    document
}

#[test]
fn the_validator_rejects_invalid_sarif() {
    // Proves the schema is really applied: each of these edits must be caught.
    let validator = validator();
    let valid = sarif(&fixtures("output"), &["showcase"]);
    type Edit = fn(&mut Value);
    let edits: [(&str, Edit); 4] = [
        ("no version", |d| {
            d.as_object_mut()
                .unwrap()
                .remove("version")
                .map(drop)
                .unwrap_or(())
        }),
        ("bad level", |d| {
            d["runs"][0]["results"][0]["level"] = "fatal".into()
        }),
        ("line 0", |d| {
            d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
                0.into()
        }),
        ("unknown property", |d| {
            d["runs"][0]["tool"]["driver"]["colour"] = "blue".into()
        }),
    ];
    for (what, edit) in edits {
        let mut broken = valid.clone();
        edit(&mut broken);
        assert!(
            !schema_errors(&validator, &broken).is_empty(),
            "{what} was not caught"
        );
    }
}

#[test]
fn showcase_results_match_the_json_findings() {
    let cwd = fixtures("output");
    let document = sarif(&cwd, &["showcase"]);
    assert_eq!(document["version"], "2.1.0");
    assert!(document["$schema"]
        .as_str()
        .unwrap()
        .ends_with("sarif-2.1.0.json"));
    let run = &document["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "factolint");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    let json = check_json(&cwd, &["showcase"]).json();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(results.len(), diagnostics.len());
    for (result, d) in results.iter().zip(diagnostics) {
        assert_eq!(result["ruleId"], d["code"]);
        let rule = &rules[result["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], d["code"], "ruleIndex points at the rule");
        assert_eq!(rule["name"], d["rule"]);
        let level = match d["severity"].as_str().unwrap() {
            "info" => "note",
            other => other,
        };
        assert_eq!(result["level"], level);
        assert!(result["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with(d["message"].as_str().unwrap()));
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], d["path"]);
        let region = &location["region"];
        assert_eq!(
            [
                &region["startLine"],
                &region["startColumn"],
                &region["endLine"],
                &region["endColumn"]
            ],
            [&d["line"], &d["column"], &d["end_line"], &d["end_column"]]
        );
        assert_eq!(result.get("fixes").is_some(), !d["fix"].is_null());
    }
}

#[test]
fn rule_metadata_comes_from_the_rule_files() {
    let document = sarif(&fixtures("fl501"), &["pass-1-1"]);
    let rules = document["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let listed = factolint(&fixtures(""), &["rules"]).stdout;
    let codes: Vec<&str> = listed
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, codes);
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("rules/{id}.toml")),
        )
        .unwrap();
        let summary = rule["shortDescription"]["text"].as_str().unwrap();
        assert!(
            text.contains(summary),
            "{id}: summary not from rules/{id}.toml"
        );
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
    }
    assert_eq!(document["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn generated_bad_input_and_odd_paths_stay_valid() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("x = {}1{}\n", "{".repeat(900), "}".repeat(900));
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            (
                "m/control.lua",
                b"global.x = 1 -- factolint: ignore FL501, nothing\n",
            ),
            ("m/odd, name: 100% ä.lua", b"global.y = 2\n"),
            ("m/binary.lua", b"\x00\x01"),
            ("m/deep.lua", deep.as_bytes()),
            ("m/broken.lua", b"local function f(\n"),
            ("m/latin1.lua", b"global.z = '\xe4'\n"),
            ("bad/info.json", b"{\"name\": 1"),
            ("bad/control.lua", b"return\n"),
        ],
    );
    let document = sarif(dir.path(), &["m", "bad"]);
    let uris: Vec<&str> = document["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(
        uris.contains(&"m/odd%2C%20name%3A%20100%25%20%C3%A4.lua"),
        "{uris:?}"
    );
    assert!(uris.contains(&"bad/info.json"), "{uris:?}");
    assert_eq!(uris.len(), 7, "{uris:?}");

    // Paths outside the working directory are absolute: `file:` URIs.
    let outside = tempfile::tempdir().unwrap();
    let absolute = dir.path().join("m");
    let document = sarif(outside.path(), &[absolute.to_str().unwrap()]);
    let uri = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert_eq!(uri, format!("file://{}/binary.lua", absolute.display()));
}

#[test]
fn suppress_fixture_is_valid() {
    sarif(&fixtures("suppress"), &["mod"]);
}
