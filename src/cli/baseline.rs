//! Baselines, for adopting factolint on a large mod: `--write-baseline FILE` records today's
//! findings, `--baseline FILE` shows only the others. A finding is recognised by its rule, its
//! file and a fingerprint of the code it points at (not its line), so edits above it do not
//! bring it back; a recorded finding that no longer occurs is reported as stale.

use crate::diagnostics::Diagnostic;
use crate::engine::Report;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

/// One recorded finding. `line` and `message` are for people reading the file; matching uses
/// the rule, the path and the fingerprint only.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub code: String,
    /// Relative to the baseline file's folder, `/` separated.
    pub path: String,
    pub fingerprint: String,
    #[serde(default)]
    pub line: usize,
    #[serde(default)]
    pub message: String,
}

/// What applying a baseline did.
#[derive(Debug, Default)]
pub struct Applied {
    /// Findings left out because the baseline has them.
    pub hidden: usize,
    /// Entries of checked files that matched no finding: fixed, or changed past recognition.
    pub stale: Vec<Entry>,
}

/// Writes the report's findings to `path`; returns how many.
pub fn write(path: &Path, report: &Report) -> Result<usize, String> {
    let base = folder_of(path);
    let findings: Vec<Entry> = report
        .diagnostics
        .iter()
        .map(|d| entry(report, d, &base))
        .collect();
    let count = findings.len();
    let document = BaselineFile {
        version: VERSION,
        findings,
    };
    let mut text = serde_json::to_string_pretty(&document).expect("JSON values serialise");
    text.push('\n');
    std::fs::write(path, text).map_err(|e| {
        format!(
            "cannot write {}: {}",
            path.display(),
            crate::workspace::describe_io(&e)
        )
    })?;
    Ok(count)
}

/// Removes the findings `path` records from the report. `checked` are the files this run
/// reported on: entries for other files are not stale, only not looked at.
pub fn apply(
    path: &Path,
    report: &mut Report,
    checked: &BTreeSet<PathBuf>,
) -> Result<Applied, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read the baseline {}: {}",
            path.display(),
            crate::workspace::describe_io(&e)
        )
    })?;
    let document: BaselineFile = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not a factolint baseline (write one with --write-baseline): {e}",
            path.display()
        )
    })?;
    if document.version != VERSION {
        return Err(format!(
            "{} is a baseline of version {}; this factolint reads version {VERSION}",
            path.display(),
            document.version
        ));
    }
    let base = folder_of(path);
    let mut remaining: BTreeMap<(String, String, String), Vec<Entry>> = BTreeMap::new();
    for entry in document.findings {
        remaining
            .entry((
                entry.code.clone(),
                entry.path.clone(),
                entry.fingerprint.clone(),
            ))
            .or_default()
            .push(entry);
    }
    let mut applied = Applied::default();
    let diagnostics = std::mem::take(&mut report.diagnostics);
    for d in diagnostics {
        let found = entry(report, &d, &base);
        let key = (found.code, found.path, found.fingerprint);
        match remaining.get_mut(&key).and_then(Vec::pop) {
            Some(_) => applied.hidden += 1,
            None => report.diagnostics.push(d),
        }
    }
    let checked: BTreeSet<String> = checked.iter().map(|p| relative(p, &base)).collect();
    applied.stale = remaining
        .into_values()
        .flatten()
        .filter(|e| checked.contains(&e.path))
        .collect();
    applied
        .stale
        .sort_by(|a, b| (&a.path, a.line, &a.code).cmp(&(&b.path, b.line, &b.code)));
    Ok(applied)
}

fn folder_of(path: &Path) -> PathBuf {
    crate::workspace::absolute(path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn relative(path: &Path, base: &Path) -> String {
    match path.strip_prefix(base) {
        Ok(rel) => crate::workspace::relative_slash(rel, Path::new("")),
        Err(_) => path.to_string_lossy().replace('\\', "/"),
    }
}

fn entry(report: &Report, d: &Diagnostic, base: &Path) -> Entry {
    let source = report.sources.get(d.file);
    let start = source.line_col(d.span.start).line;
    let end = source.line_col(d.span.end).line.max(start);
    let code_text: Vec<&str> = (start..=end).map(|l| source.line_text(l)).collect();
    Entry {
        code: d.code.to_string(),
        path: relative(&source.path, base),
        fingerprint: fingerprint(d.code, &code_text.join("\n")),
        line: start,
        message: d.message.clone(),
    }
}

/// A hash of the rule and the lines the finding points at, with runs of white space made one
/// space: moving the code or re-indenting it keeps the fingerprint, editing it does not.
/// FNV-1a, so the value is the same on every platform and in every version.
pub fn fingerprint(code: &str, text: &str) -> String {
    let normalised = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in code.bytes().chain([0]).chain(normalised.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_white_space_and_place_but_not_code_or_rule() {
        let a = fingerprint("FL501", "  global.x = 1");
        assert_eq!(a, fingerprint("FL501", "global.x   =\t1  "));
        assert_ne!(a, fingerprint("FL501", "global.y = 1"));
        assert_ne!(a, fingerprint("FL301", "global.x = 1"));
        // Fixed, so that baselines written by one version are read by the next.
        assert_eq!(fingerprint("FL501", "global.x = 1"), "5fd7afa02230131a");
    }
}
