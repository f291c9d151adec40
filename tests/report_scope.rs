//! The report scope: a run that reports on some files only (the editor's open files,
//! `factolint check a.lua`) lets rules skip the sites of the other files. Findings located in
//! a file must not depend on that: for every file F, checking F alone gives exactly the
//! findings that checking its whole mod gives in F.
//!
//! Run over every rule fixture and the example mod; `FACTOLINT_SCOPE_MODS=dir:dir` adds more
//! mods (real ones, say) to the same check.

use factolint::engine::{check_paths, CheckOptions, Report};
use factolint::workspace;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each finding as text, by the path of its file: everything it shows, without file ids
/// (which depend on which files a run kept).
fn findings_by_file(report: &Report) -> BTreeMap<PathBuf, Vec<String>> {
    let mut by_file: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    for d in &report.diagnostics {
        let file = report.sources.get(d.file);
        let secondary: Vec<String> = d
            .secondary
            .iter()
            .map(|l| {
                let at = report.sources.get(l.file);
                format!("{} {:?} {}", at.display, l.span, l.message)
            })
            .collect();
        by_file.entry(file.path.clone()).or_default().push(format!(
            "{} {:?} {} {:?} {} | {} | {:?} | {:?} | {:?} | {:?}",
            file.display,
            d.span,
            d.code,
            d.severity,
            d.message,
            d.label,
            secondary,
            d.notes,
            d.help,
            d.fix
        ));
    }
    by_file
}

/// Checks the invariant for every unit under `root`; returns how many files it compared.
fn check_scope_under(root: &Path) -> usize {
    let units = workspace::discover(&[root.to_path_buf()], None).unwrap();
    let mut compared = 0;
    for unit in units {
        let whole =
            check_paths(std::slice::from_ref(&unit.root), &CheckOptions::default()).unwrap();
        let whole = findings_by_file(&whole);
        for file in unit.files.iter().filter(|f| f.report) {
            let alone =
                check_paths(std::slice::from_ref(&file.path), &CheckOptions::default()).unwrap();
            let mut alone = findings_by_file(&alone);
            let expected = whole.get(&file.path).cloned().unwrap_or_default();
            let got = alone.remove(&file.path).unwrap_or_default();
            assert_eq!(
                got,
                expected,
                "{}: checked alone, its findings differ from those of checking {}",
                file.path.display(),
                unit.root.display()
            );
            assert!(
                alone.is_empty(),
                "{}: checked alone, findings in other files: {alone:?}",
                file.path.display()
            );
            compared += 1;
        }
    }
    compared
}

#[test]
fn findings_in_a_file_do_not_depend_on_the_report_scope() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots: Vec<PathBuf> = vec![manifest.join("examples/hazardous-mod")];
    for code in std::fs::read_dir(manifest.join("fixtures/rules")).unwrap() {
        let code = code.unwrap().path();
        if !code.is_dir() {
            continue;
        }
        let mut cases: Vec<PathBuf> = std::fs::read_dir(&code)
            .unwrap()
            .map(|c| c.unwrap().path())
            .filter(|c| c.is_dir())
            .collect();
        cases.sort();
        roots.extend(cases);
    }
    if let Some(more) = std::env::var_os("FACTOLINT_SCOPE_MODS") {
        roots.extend(std::env::split_paths(&more));
    }
    let compared: usize = roots.iter().map(|root| check_scope_under(root)).sum();
    // Every rule's fixtures hold several files: a walk that found none would prove nothing.
    assert!(compared > 100, "only {compared} files compared");
}
