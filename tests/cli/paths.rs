//! Every named path is accounted for: it is checked, or stderr says why not, and the exit code
//! says whether anything was checked. One bad path or factolint.toml never stops the others.

use crate::common::*;

fn mod_with_global(root: &std::path::Path, name: &str) {
    write_files(
        root,
        &[
            (&format!("{name}/info.json"), &info_json(name, "2.0")),
            (&format!("{name}/control.lua"), b"global.x = 1\n"),
        ],
    );
}

#[test]
fn a_named_file_that_is_not_lua_is_skipped_with_a_warning_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("notes.txt", b"global.x = 1\n")]);
    let run = factolint(dir.path(), &["check", "notes.txt"]);
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert!(
        run.stderr
            .starts_with("factolint: warning: notes.txt: not a Lua file"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was checked"), "{}", run.stderr);
}

#[test]
fn dev_stdin_points_at_stdin_filename() {
    let dir = tempfile::tempdir().unwrap();
    let run = factolint(dir.path(), &["check", "/dev/stdin"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("/dev/stdin: not a regular file")
            && run.stderr.contains("--stdin-filename"),
        "{}",
        run.stderr
    );
}

#[test]
fn one_path_that_yields_nothing_among_good_ones_warns_but_keeps_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    mod_with_global(dir.path(), "m");
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let run = check_json(dir.path(), &["m", "empty"]);
    assert_eq!(run.findings().len(), 1);
    assert_eq!(run.code, 1, "findings decide, not the empty folder");
    assert_eq!(
        run.stderr,
        "factolint: warning: empty: no Lua files in this folder\n"
    );
    // --quiet keeps only the findings.
    let run = factolint(
        dir.path(),
        &["check", "m", "empty", "--quiet", "--format", "concise"],
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn a_missing_path_is_reported_and_the_others_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    mod_with_global(dir.path(), "m");
    let run = check_json(dir.path(), &["no-such-mod", "m"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.findings(),
        vec![("m/control.lua".to_string(), 1, 1, "FL501".to_string())]
    );
    assert_eq!(
        run.stderr,
        "factolint: no-such-mod: no such file or directory\n"
    );
}

#[test]
fn a_broken_config_in_one_mod_leaves_the_other_mods_checked() {
    let dir = tempfile::tempdir().unwrap();
    mod_with_global(dir.path(), "good");
    mod_with_global(dir.path(), "bad");
    write_files(
        dir.path(),
        &[("bad/factolint.toml", b"[rules]\nFL501 = \"loud\"\n")],
    );
    let run = check_json(dir.path(), &["."]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.findings(),
        vec![("good/control.lua".to_string(), 1, 1, "FL501".to_string())]
    );
    assert!(
        run.stderr.starts_with(
            "factolint: invalid configuration: bad/factolint.toml:2:9: rule level must be"
        ) && run.stderr.contains("not checked because of it: bad\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_named_file_is_checked_even_when_ignored_unless_force_exclude() {
    let dir = tempfile::tempdir().unwrap();
    mod_with_global(dir.path(), "m");
    write_files(
        dir.path(),
        &[
            ("m/.gitignore", b"build/\n"),
            ("m/build/gen.lua", b"global.y = 2\n"),
            ("m/factolint.toml", b"exclude = [\"vendor\"]\n"),
            ("m/vendor/lib.lua", b"global.z = 3\n"),
        ],
    );
    // A folder walk skips both.
    assert_eq!(check_json(dir.path(), &["m"]).findings().len(), 1);
    // Named, they are checked.
    let run = check_json(dir.path(), &["m/build/gen.lua", "m/vendor/lib.lua"]);
    assert_eq!(
        run.findings(),
        vec![
            ("m/build/gen.lua".to_string(), 1, 1, "FL501".to_string()),
            ("m/vendor/lib.lua".to_string(), 1, 1, "FL501".to_string()),
        ]
    );
    assert_eq!(run.stderr, "");
    // A named folder too, also one excluded by a `folder/**` pattern.
    assert_eq!(check_json(dir.path(), &["m/build"]).findings().len(), 1);
    write_files(
        dir.path(),
        &[
            ("m/factolint.toml", b"exclude = [\"vendor\", \"gen/**\"]\n"),
            ("m/gen/a.lua", b"global.a = 1\n"),
        ],
    );
    assert_eq!(check_json(dir.path(), &["m"]).findings().len(), 1);
    assert_eq!(check_json(dir.path(), &["m/gen"]).findings().len(), 1);

    // --force-exclude skips them and says which file and pattern did.
    let run = factolint(
        dir.path(),
        &[
            "check",
            "--force-exclude",
            "m/build/gen.lua",
            "m/vendor/lib.lua",
        ],
    );
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
    assert!(
        run.stderr.contains(
            "warning: m/build/gen.lua: skipped (--force-exclude): ignored by m/.gitignore (pattern `build/`)"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "warning: m/vendor/lib.lua: skipped (--force-exclude): excluded by \"vendor\" in `exclude` of m/factolint.toml"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn ignore_files_above_the_repository_or_the_mod_do_not_apply() {
    // A `src/` pattern one folder above a mod, outside any git repository: not the mod's.
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (".gitignore", b"src/\n"),
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", b"require('src.a')\n"),
            ("m/src/a.lua", b"global.x = 1\n"),
        ],
    );
    let run = check_json(dir.path(), &["m"]);
    assert_eq!(
        run.findings(),
        vec![("m/src/a.lua".to_string(), 1, 1, "FL501".to_string())]
    );
}

#[test]
fn ignore_files_above_a_named_folder_inside_a_repository_apply_and_are_named() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (".gitignore", b"src/\n"),
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", b"require('src.a')\n"),
            ("m/src/a.lua", b"global.x = 1\n"),
        ],
    );
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    // As git does: the repository's .gitignore covers m/src. The run says so.
    let run = check_json(dir.path(), &["m"]);
    assert_eq!(run.findings(), vec![]);
    assert_eq!(
        run.stderr,
        "factolint: note: m: 1 Lua file(s) skipped by ignore files above this folder; \
         m/src/a.lua is ignored by .gitignore (pattern `src/`); name it to check it\n"
    );
    // A folder whose every Lua file is ignored says which file ignores them.
    let run = factolint(dir.path(), &["check", "m/src/..", "--format", "concise"]);
    assert_eq!(
        run.code, 0,
        "m/control.lua is still checked: {}",
        run.stderr
    );
    write_files(dir.path(), &[("only/src/b.lua", b"x = 1\n")]);
    let run = factolint(dir.path(), &["check", "only"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "warning: only: 1 Lua file(s) in this folder, all skipped; only/src/b.lua is ignored by .gitignore (pattern `src/`)"
        ),
        "{}",
        run.stderr
    );
}
