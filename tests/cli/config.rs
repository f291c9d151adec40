//! factolint.toml over `fixtures/config/`, and exit codes.

use crate::common::*;

#[test]
fn severities_overrides_and_excludes_apply() {
    let run = check_json(&fixtures("config"), &["valid"]);
    // Warning, not error; the RCON script has FL501 off (and its suppression of FL501 is not
    // stale); vendor/ is not read at all (it does not even parse).
    let document = run.json();
    assert_eq!(
        run.findings(),
        vec![("valid/control.lua".to_string(), 2, 3, "FL501".to_string())]
    );
    assert_eq!(document["diagnostics"][0]["severity"], "warning");
    assert_eq!(document["summary"]["files"], 2);
    assert_eq!(run.code, 0);
}

#[test]
fn deny_warnings_turns_warnings_into_exit_1() {
    let run = factolint(
        &fixtures("config"),
        &["check", "valid", "--deny-warnings", "--format", "concise"],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
}

#[test]
fn a_scenario_takes_its_factorio_version_from_the_config() {
    let run = check_json(&fixtures("config"), &["scenario-version"]);
    assert_eq!(
        run.findings(),
        vec![(
            "scenario-version/control.lua".to_string(),
            2,
            3,
            "FL501".to_string()
        )]
    );
    assert_eq!(run.code, 1);
}

#[test]
fn a_broken_config_exits_2_naming_file_and_line() {
    let run = factolint(&fixtures("config"), &["check", "broken"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stdout, "",
        "nothing is checked with a broken configuration"
    );
    // The path is shown relative to the working directory, like diagnostic paths.
    assert!(
        run.stderr
            .starts_with("factolint: invalid configuration: broken/factolint.toml:5:9: "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("\"loud\""), "{}", run.stderr);
}

#[test]
fn a_broken_config_given_with_dash_dash_config_exits_2() {
    let run = factolint(
        &fixtures("config"),
        &["check", "valid", "--config", "broken/factolint.toml"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("broken/factolint.toml:5:9: "),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_config_given_with_dash_dash_config_exits_2() {
    let run = factolint(
        &fixtures("config"),
        &["check", "valid", "--config", "no-such/factolint.toml"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no-such/factolint.toml"),
        "{}",
        run.stderr
    );
}

#[test]
fn dash_dash_config_replaces_the_discovered_one() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[("strict.toml", b"[rules]\nFL501 = \"info\"\n")],
    );
    copy_dir(&fixtures("config/valid"), &dir.path().join("valid"));
    let run = check_json(dir.path(), &["valid", "--config", "strict.toml"]);
    // Neither the override nor the exclude of valid/factolint.toml applies now.
    let findings = run.findings();
    let paths: Vec<&str> = findings.iter().map(|f| f.0.as_str()).collect();
    assert!(
        paths.contains(&"valid/scripts/rcon/reset.lua"),
        "{findings:?}"
    );
    assert!(paths.contains(&"valid/vendor/lib.lua"), "{findings:?}");
    assert!(run.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "FL501")
        .all(|d| d["severity"] == "info"));
}

#[test]
fn dash_dash_config_with_a_relative_path_applies_its_globs() {
    // Excludes and overrides are relative to the config's folder, also when it is named
    // relative to the working directory.
    let expected = vec![("control.lua".to_string(), 2, 3, "FL501".to_string())];
    let valid = fixtures("config/valid");
    assert_eq!(
        check_json(&valid, &["--config", "factolint.toml"]).findings(),
        expected
    );
    assert_eq!(
        check_json(&valid, &["--config", "./factolint.toml", "."]).findings(),
        expected
    );
    let run = check_json(
        &fixtures("config"),
        &["valid", "--config", "valid/factolint.toml"],
    );
    assert_eq!(
        run.findings(),
        vec![("valid/control.lua".to_string(), 2, 3, "FL501".to_string())]
    );
}

#[test]
fn exit_codes() {
    let fl501 = fixtures("fl501");
    assert_eq!(factolint(&fl501, &["check", "pass-1-1"]).code, 0);
    assert_eq!(
        factolint(&fl501, &["check", "pass-1-1", "--deny-warnings"]).code,
        0
    );
    assert_eq!(factolint(&fl501, &["check", "fail-2-0"]).code, 1);

    let missing = factolint(&fl501, &["check", "no-such-mod"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("no-such-mod"), "{}", missing.stderr);
    assert_eq!(missing.stdout, "");

    // A missing path among good ones still fails the run.
    assert_eq!(
        factolint(&fl501, &["check", "pass-1-1", "no-such-mod"]).code,
        2
    );

    // Usage errors.
    assert_eq!(factolint(&fl501, &["check", "--format", "xml"]).code, 2);
    assert_eq!(factolint(&fl501, &["check", "--fix", "--diff"]).code, 2);
    assert_eq!(factolint(&fl501, &["frobnicate"]).code, 2);
    assert_eq!(factolint(&fl501, &["rule", "FL999"]).code, 2);
    assert_eq!(factolint(&fl501, &["--help"]).code, 0);
}

#[test]
fn checks_the_current_directory_by_default() {
    let run = check_json(&fixtures("fl501/fail-2-0"), &[]);
    assert_eq!(run.code, 1);
    assert_eq!(run.findings()[0].0, "control.lua");
}

#[test]
fn a_tag_turns_its_rules_off_and_the_summary_counts_tags_apart() {
    let dir = tempfile::tempdir().unwrap();
    let control = b"local seen = {}\n\
        script.on_event(defines.events.on_built_entity, function(e) seen[e.entity.unit_number] = true end)\n\
        script.on_event(defines.events.on_tick, function()\n\
          for k in pairs(seen) do table.insert(storage.queue, k) end\n\
          global.x = 1\n\
        end)\n";
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", control),
        ],
    );
    let both = check_json(dir.path(), &["m"]);
    let codes = |run: &Run| -> Vec<String> { run.findings().into_iter().map(|f| f.3).collect() };
    assert_eq!(codes(&both), ["FL203", "FL202", "FL501"]);
    assert_eq!(both.json()["summary"]["hazards"], 2);
    assert_eq!(both.json()["summary"]["standards"], 1);
    let concise = factolint(dir.path(), &["check", "m", "--format", "concise"]);
    assert!(
        concise.stdout.ends_with(
            "in 1 file: 2 hazards, 1 coding-standard warning. 1 fixable with `--fix`.\n"
        ),
        "{}",
        concise.stdout
    );

    write_files(
        dir.path(),
        &[("m/factolint.toml", b"[rules]\nstandard = \"off\"\n")],
    );
    assert_eq!(codes(&check_json(dir.path(), &["m"])), ["FL203", "FL501"]);
    write_files(
        dir.path(),
        &[("m/factolint.toml", b"[rules]\nhazard = \"off\"\n")],
    );
    assert_eq!(codes(&check_json(dir.path(), &["m"])), ["FL202"]);
}
