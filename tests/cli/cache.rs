//! The cache (`.factolint_cache/`): the output with it, cold or warm, is the output without it,
//! byte for byte; a damaged entry is ignored and rewritten; a cache that cannot be written
//! costs one warning, never a result.

use crate::common::{copy_dir, factolint, factolint_default_cache, Run};
use std::path::{Path, PathBuf};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const FORMATS: &[&[&str]] = &[
    &["--format", "json"],
    &["--format", "human", "--color", "never"],
    &["--format", "concise"],
    &["--format", "sarif"],
    &["--format", "github"],
];

fn check(cwd: &Path, path: &str, format: &[&str], cache: Option<&Path>) -> Run {
    let mut args = vec!["check", path];
    args.extend_from_slice(format);
    let dir;
    match cache {
        Some(cache) => {
            dir = cache.to_string_lossy().into_owned();
            args.extend(["--cache-dir", &dir]);
        }
        None => args.push("--no-cache"),
    }
    factolint(cwd, &args)
}

fn assert_same(with: &Run, without: &Run, what: &str) {
    assert_eq!(with.code, without.code, "{what}: exit code");
    assert!(with.stdout == without.stdout, "{what}: stdout differs");
    assert_eq!(with.stderr, without.stderr, "{what}: stderr");
}

fn entries(cache: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "entry"))
        .collect();
    found.sort();
    found
}

#[test]
fn output_is_byte_identical_without_the_cache_cold_and_warm() {
    for path in ["examples/hazardous-mod", "fixtures"] {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        for format in FORMATS {
            let without = check(repo(), path, format, None);
            // The first format's run is cold; every other run reads what it stored.
            let first = check(repo(), path, format, Some(&cache));
            let warm = check(repo(), path, format, Some(&cache));
            assert_same(&first, &without, &format!("{path} {format:?}, first run"));
            assert_same(&warm, &without, &format!("{path} {format:?}, warm run"));
        }
        assert!(!entries(&cache).is_empty(), "{path}: nothing was cached");
        assert_eq!(
            std::fs::read_to_string(cache.join(".gitignore")).unwrap(),
            "# Made by factolint: its cache, never committed.\n*\n"
        );
    }
}

#[test]
fn the_default_cache_is_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &repo().join("examples/hazardous-mod"),
        &dir.path().join("mod"),
    );
    let first = factolint_default_cache(dir.path(), &["check", "mod", "--format", "json"]);
    let cache = dir.path().join(".factolint_cache");
    assert!(!entries(&cache).is_empty());
    assert!(cache.join("CACHEDIR.TAG").is_file());
    let again = factolint_default_cache(dir.path(), &["check", "mod", "--format", "json"]);
    assert_same(&again, &first, "warm run");
    // `--no-cache` neither reads nor writes it.
    std::fs::remove_dir_all(&cache).unwrap();
    let uncached = factolint(
        dir.path(),
        &["check", "mod", "--format", "json", "--no-cache"],
    );
    assert_same(&uncached, &first, "--no-cache");
    assert!(!cache.exists());
}

#[test]
fn an_edited_file_is_checked_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("mod");
    copy_dir(&repo().join("examples/hazardous-mod"), &root);
    let cache = dir.path().join("cache");
    check(dir.path(), "mod", &["--format", "json"], Some(&cache));
    let control = root.join("control.lua");
    let original = std::fs::read_to_string(&control).unwrap();
    let edits = [
        format!("{original}\nglobal.extra = {{}}\n"),
        format!("-- a comment first\n{original}"),
        // Each file stored before, in a new combination: the unit's findings are not reused.
        original.clone(),
    ];
    for (i, text) in edits.iter().enumerate() {
        std::fs::write(&control, text).unwrap();
        for format in FORMATS {
            let without = check(dir.path(), "mod", format, None);
            let cached = check(dir.path(), "mod", format, Some(&cache));
            assert_same(&cached, &without, &format!("edit {i}, {format:?}"));
        }
    }
    // A changed configuration changes the findings without a change to any file.
    let select: &[&str] = &["--format", "json", "--select", "FL501"];
    let without = check(dir.path(), "mod", select, None);
    let cached = check(dir.path(), "mod", select, Some(&cache));
    assert_same(&cached, &without, "--select FL501");
}

#[test]
fn damaged_entries_are_ignored_and_rewritten() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let path = "examples/hazardous-mod";
    let format: &[&str] = &["--format", "json"];
    let without = check(repo(), path, format, None);
    check(repo(), path, format, Some(&cache));
    let stored = entries(&cache);
    assert!(!stored.is_empty());
    type Damage = fn(&mut Vec<u8>);
    let damages: [(&str, Damage); 4] = [
        ("truncated", |b| b.truncate(b.len() / 2)),
        ("a byte changed", |b| {
            let middle = b.len() / 2;
            b[middle] ^= 0x5a;
        }),
        ("emptied", |b| b.clear()),
        ("replaced by text", |b| *b = b"not a cache entry\n".to_vec()),
    ];
    for (what, damage) in damages {
        let mut sizes = Vec::new();
        for entry in &stored {
            let mut bytes = std::fs::read(entry).unwrap();
            sizes.push(bytes.len());
            damage(&mut bytes);
            std::fs::write(entry, bytes).unwrap();
        }
        let run = check(repo(), path, format, Some(&cache));
        assert_same(&run, &without, what);
        for (entry, size) in stored.iter().zip(&sizes) {
            assert_eq!(
                std::fs::metadata(entry).unwrap().len() as usize,
                *size,
                "{what}: {} was not rewritten",
                entry.display()
            );
        }
    }
}

#[test]
fn a_cache_that_cannot_be_written_costs_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the cache's folder would be created.
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, "").unwrap();
    let cache = blocked.join("cache");
    let without = check(repo(), "fixtures", &["--format", "json"], None);
    let run = check(repo(), "fixtures", &["--format", "json"], Some(&cache));
    assert_eq!(run.code, without.code);
    assert!(run.stdout == without.stdout, "stdout differs");
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("running without the cache"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(
        warnings[0].starts_with("factolint: warning: running without the cache: cannot create "),
        "{}",
        warnings[0]
    );
    // Apart from it, standard error is what it is without a cache.
    let rest: String = run
        .stderr
        .lines()
        .filter(|l| !l.contains("running without the cache"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(rest, without.stderr);
}

#[test]
fn concurrent_runs_share_a_cache_safely() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let without = check(repo(), "fixtures", &["--format", "json"], None);
    let runs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| check(repo(), "fixtures", &["--format", "json"], Some(&cache))))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for run in &runs {
        assert_same(run, &without, "concurrent run");
    }
    assert_same(
        &check(repo(), "fixtures", &["--format", "json"], Some(&cache)),
        &without,
        "after them",
    );
    let leftovers: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
