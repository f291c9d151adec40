//! Input that is not what a mod should be: factolint reports it and never crashes.

use crate::common::*;

fn finding(path: &str, line: u64, column: u64, code: &str) -> (String, u64, u64, String) {
    (path.to_string(), line, column, code.to_string())
}

#[test]
fn a_syntax_error_is_reported_and_the_neighbouring_file_still_checked() {
    let run = check_json(&fixtures("bad-input"), &["syntax-error"]);
    assert_eq!(
        run.findings(),
        vec![
            finding("syntax-error/scripts/counter.lua", 5, 3, "FL501"),
            finding("syntax-error/scripts/counter.lua", 5, 19, "FL501"),
            finding("syntax-error/scripts/recipes.lua", 4, 3, "FL001"),
        ]
    );
    let document = run.json();
    let parse_error = &document["diagnostics"][2];
    assert!(
        parse_error["message"]
            .as_str()
            .unwrap()
            .starts_with("syntax error: "),
        "{parse_error}"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn a_broken_info_json_is_reported_where_it_breaks() {
    let run = check_json(&fixtures("bad-input"), &["broken-info-json"]);
    // The version is unknown, so FL501 stays silent; the Lua is still read.
    assert_eq!(
        run.findings(),
        vec![finding("broken-info-json/info.json", 5, 1, "FL004")]
    );
    // The position is the diagnostic's: serde_json's own (counted in bytes) is left out.
    assert_eq!(
        run.json()["diagnostics"][0]["message"],
        "info.json is not valid JSON: trailing comma"
    );
    assert_eq!(run.json()["summary"]["files"], 1);
    assert_eq!(run.code, 1);
}

#[test]
fn generated_bad_files_are_reported_not_crashed_on() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("local x = {}1{}\n", "(".repeat(3000), ")".repeat(3000));
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", b"global.ok = true\n"),
            ("m/empty.lua", b""),
            (
                "m/binary.lua",
                b"\x1bLuaR\x00\x01\x04\x08\x04\x08\x00\x19\x93\r\n\x1a\n",
            ),
            (
                "m/latin1.lua",
                b"-- Zahnr\xe4der\nlocal s = \"\xff\xfe\"\nglobal.s = s\n",
            ),
            ("m/latin1_code.lua", b"local \xe4 = 1\n"),
            ("m/deep.lua", deep.as_bytes()),
            ("m/crlf.lua", b"local a = 1\r\nglobal.a = a\r\n"),
            ("m/bom.lua", b"\xef\xbb\xbfglobal.b = 1\n"),
        ],
    );
    let run = check_json(dir.path(), &["m"]);
    assert_eq!(
        run.findings(),
        vec![
            finding("m/binary.lua", 1, 1, "FL001"),
            finding("m/bom.lua", 1, 1, "FL501"),
            finding("m/control.lua", 1, 1, "FL501"),
            finding("m/crlf.lua", 2, 1, "FL501"),
            // The 801st parenthesis: the first past the limit of 800.
            finding("m/deep.lua", 1, 811, "FL005"),
            finding("m/latin1.lua", 3, 1, "FL501"),
            finding("m/latin1_code.lua", 1, 7, "FL001"),
        ]
    );
    let document = run.json();
    let message = |code: &str| {
        document["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == code)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(message("FL001").contains("binary"), "{}", message("FL001"));
    assert!(
        message("FL005").contains("3000 levels deep"),
        "{}",
        message("FL005")
    );
    assert_eq!(document["summary"]["files"], 8);
    assert_eq!(run.code, 1);

    // Every output format copes with the same input.
    for format in ["human", "concise", "github", "sarif"] {
        let run = factolint(
            dir.path(),
            &["check", "m", "--format", format, "--color", "always"],
        );
        assert_eq!(run.code, 1, "{format}");
    }
}

#[test]
fn long_operator_chains_are_refused_not_crashed_on() {
    // Each of these overflowed the parser's or the lowering's stack before operators counted
    // as nesting.
    let dir = tempfile::tempdir().unwrap();
    let unary = format!("x = {}true\n", "not ".repeat(20_000));
    let concat = format!("x = 'a'{}\n", " .. 'a'".repeat(100_000));
    let sum = format!("x = 1{}\n", " + 1".repeat(300_000));
    let fine = format!("x = 1{}\n", " + 1".repeat(700));
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            ("m/unary.lua", unary.as_bytes()),
            ("m/concat.lua", concat.as_bytes()),
            ("m/sum.lua", sum.as_bytes()),
            ("m/fine.lua", fine.as_bytes()),
        ],
    );
    let run = check_json(dir.path(), &["m"]);
    assert_eq!(
        run.findings(),
        vec![
            finding("m/concat.lua", 1, 5609, "FL005"),
            finding("m/sum.lua", 1, 3207, "FL005"),
            finding("m/unary.lua", 1, 3205, "FL005")
        ]
    );
    assert_eq!(run.code, 0, "FL005 is a warning");
}

#[test]
fn nesting_just_under_the_limit_is_analysed_quickly() {
    // 790 levels of each construct: under the default limit of 800, so parsed and lowered. Nested
    // indexing once took time exponential in its depth (14 s for 8 levels).
    let n = 790;
    let files: Vec<(String, String)> = vec![
        (
            "index.lua",
            format!("x = {}1{}\n", "a[".repeat(n), "]".repeat(n)),
        ),
        (
            "calls.lua",
            format!("x = {}{}\n", "f(".repeat(n), ")".repeat(n)),
        ),
        (
            "tables.lua",
            format!("x = {}1{}\n", "{a = ".repeat(n), "}".repeat(n)),
        ),
        (
            "ifs.lua",
            format!("{}y = 1 {}\n", "if x then ".repeat(n), "end ".repeat(n)),
        ),
        (
            "functions.lua",
            format!(
                "x = {}1{}\n",
                "function() return ".repeat(n / 2),
                " end".repeat(n / 2)
            ),
        ),
        ("unary.lua", format!("x = {}true\n", "not ".repeat(n))),
        ("power.lua", format!("x = 2{}\n", " ^ 2".repeat(n))),
        (
            "mixed.lua",
            format!("x = {}1{}\n", "(-t[".repeat(n / 3), "])".repeat(n / 3)),
        ),
    ]
    .into_iter()
    .map(|(name, text)| (format!("m/{name}"), text))
    .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut all: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_bytes()))
        .collect();
    let info = info_json("m", "2.0");
    all.push(("m/info.json", &info));
    write_files(dir.path(), &all);
    let started = std::time::Instant::now();
    let run = check_json(dir.path(), &["m"]);
    assert_eq!(run.findings(), vec![]);
    assert_eq!(run.json()["summary"]["files"], files.len());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn an_empty_mod_is_fine_and_an_empty_folder_says_so() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", b""),
        ],
    );
    std::fs::create_dir(dir.path().join("nothing")).unwrap();
    let run = factolint(dir.path(), &["check", "m", "--format", "concise"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (0, "No problems found in 1 file.\n", "")
    );
    // Nothing checked is never "no problems": exit 2, and stderr says why.
    let run = factolint(dir.path(), &["check", "nothing", "--format", "concise"]);
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert_eq!(
        run.stderr,
        "factolint: warning: nothing: no Lua files in this folder\n\
         factolint: error: nothing was checked: no path named holds a Lua file to check\n"
    );
}

#[test]
fn info_json_that_is_not_an_object_or_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("a/info.json", b"[1, 2]\n"),
            ("a/control.lua", b"global.x = 1\n"),
            (
                "b/info.json",
                b"{\"name\": \"b\", \"factorio_version\": \"\xff2.0\"}",
            ),
            ("b/control.lua", b"global.x = 1\n"),
            (
                "c/info.json",
                b"{\"name\": \"c\", \"factorio_version\": \"two\"}",
            ),
            ("c/control.lua", b"global.x = 1\n"),
            ("d/info.json", b""),
            ("d/control.lua", b"global.x = 1\n"),
        ],
    );
    let run = check_json(dir.path(), &["a", "b", "c", "d"]);
    // `[1, 2]` is no mod's info.json (a save or scenario may hold such a file): `a` is checked
    // as a scenario, whose Factorio version is unknown, so FL501 stays silent.
    let codes: Vec<(String, String)> = run.findings().into_iter().map(|f| (f.0, f.3)).collect();
    let expected: Vec<(String, String)> = ["b", "c", "d"]
        .iter()
        .map(|m| (format!("{m}/info.json"), "FL004".to_string()))
        .collect();
    assert_eq!(codes, expected);
    assert_eq!(run.json()["summary"]["files"], 4);
    assert_eq!(run.code, 1);
}

#[test]
fn info_json_of_saves_scenarios_and_locales_is_recognised() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            // A desync report's or save's info.json holds `null`.
            ("save/info.json", b"null\n"),
            (
                "save/control.lua",
                b"script.on_event(defines.events.on_tick, function() end)\n",
            ),
            // A scenario inside a 2.0 mod with a locale info.json beside its Lua.
            ("m/info.json", &info_json("m", "2.0")),
            ("m/scenarios/s/control.lua", b"global.x = 1\n"),
            (
                "m/scenarios/s/info.json",
                b"{\"language-name\": \"English\"}\n",
            ),
            // Claims to be a mod (it has a name), with a wrong type.
            (
                "typed/info.json",
                b"{\"name\": \"typed\", \"factorio_version\": 2.0}\n",
            ),
            ("typed/control.lua", b"global.x = 1\n"),
        ],
    );
    let run = check_json(dir.path(), &["save", "m", "typed"]);
    assert_eq!(
        run.findings(),
        vec![
            // The scenario runs with its mod's version, so `global` is FL501 there.
            finding("m/scenarios/s/control.lua", 1, 1, "FL501"),
            finding("typed/info.json", 1, 19, "FL004"),
        ]
    );
    assert_eq!(
        run.json()["diagnostics"][1]["message"],
        "`factorio_version` must be a string like \"2.0\", not a number (2.0)"
    );
    let events = factolint(dir.path(), &["events", "--format", "json", "save"]);
    assert_eq!(events.code, 0, "{}", events.stderr);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&events.stdout).unwrap()["registrations"][0]
            ["mod"],
        "save"
    );
}

#[test]
fn an_unreadable_file_is_reported_and_exits_2() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", b"global.x = 1\n"),
            ("m/secret.lua", b"return 1\n"),
        ],
    );
    let secret = dir.path().join("m/secret.lua");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&secret).is_ok() {
        // Running as root: permissions do not stop reads, so there is nothing to observe.
        eprintln!("skipped: this user can read a chmod 000 file");
        return;
    }
    let run = check_json(dir.path(), &["m"]);
    assert_eq!(
        run.findings(),
        vec![
            finding("m/control.lua", 1, 1, "FL501"),
            finding("m/secret.lua", 1, 1, "FL003")
        ]
    );
    assert_eq!(run.code, 2);
}

#[test]
fn a_single_named_file_outside_any_mod() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            ("loose.lua", b"global.x = 1\n"),
            ("factolint.toml", b"factorio-version = \"2.0\"\n"),
        ],
    );
    let run = check_json(dir.path(), &["loose.lua"]);
    assert_eq!(run.findings(), vec![finding("loose.lua", 1, 1, "FL501")]);
}
