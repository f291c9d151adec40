//! Finding what to check: mod and scenario roots, their files, info.json, and `require` paths.

pub use crate::api::FactorioVersion;
use crate::config::{Config, ConfigError};
pub use crate::source::absolute;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootKind {
    /// A folder with info.json.
    Mod,
    /// A folder with control.lua and no info.json (a scenario or save).
    Scenario,
    /// Lua files outside any mod or scenario.
    Loose,
}

/// What info.json says, as far as factolint needs it.
#[derive(Clone, Debug, Default)]
pub struct ModInfo {
    pub name: Option<String>,
    pub factorio_version: Option<FactorioVersion>,
}

/// A broken info.json: reported as a diagnostic on that file.
#[derive(Clone, Debug)]
pub struct InfoJsonProblem {
    pub path: PathBuf,
    pub text: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct WorkFile {
    pub path: PathBuf,
    /// Path inside the root, `/` separated (`scripts/players.lua`).
    pub rel: String,
    /// Named on the command line (directly or by a folder): diagnostics are shown for it.
    pub report: bool,
}

/// One unit of analysis: a mod, a scenario, or loose files. Cross-file facts stay inside it.
#[derive(Clone, Debug)]
pub struct Unit {
    pub root: PathBuf,
    pub kind: RootKind,
    pub info: ModInfo,
    pub info_problem: Option<InfoJsonProblem>,
    pub config: Arc<Config>,
    pub files: Vec<WorkFile>,
}

impl Unit {
    /// The Factorio version this unit targets: info.json, else the config's default.
    pub fn factorio_version(&self) -> Option<FactorioVersion> {
        self.info.factorio_version.or(self.config.factorio_version)
    }
}

#[derive(Debug)]
pub enum DiscoverError {
    /// A path given on the command line does not exist or cannot be read.
    Path(PathBuf, String),
    Config(ConfigError),
}

impl std::fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiscoverError::Path(path, why) => write!(f, "{}: {why}", path.display()),
            DiscoverError::Config(e) => write!(f, "{e}"),
        }
    }
}

/// Finds the units for the given paths. `config_override` replaces factolint.toml discovery.
pub fn discover(
    paths: &[PathBuf],
    config_override: Option<&Arc<Config>>,
) -> Result<Vec<Unit>, DiscoverError> {
    let mut reported: BTreeSet<PathBuf> = BTreeSet::new();
    let mut roots: BTreeMap<PathBuf, RootKind> = BTreeMap::new();
    for given in paths {
        let path = absolute(given);
        let meta = std::fs::metadata(&path)
            .map_err(|e| DiscoverError::Path(given.clone(), describe_io(&e)))?;
        if meta.is_dir() {
            let (root, kind) = find_root(&path).unwrap_or((path.clone(), RootKind::Loose));
            roots.insert(root, kind);
            for file in walk_lua(&path, config_override)? {
                if let Some((root, kind)) = find_root(file.parent().unwrap_or(&path)) {
                    roots.insert(root, kind);
                }
                reported.insert(file);
            }
        } else {
            let root = find_root(path.parent().unwrap_or(Path::new("/")));
            match root {
                Some((root, kind)) => roots.insert(root, kind),
                None => roots.insert(path.clone(), RootKind::Loose),
            };
            reported.insert(path);
        }
    }

    let mut units = Vec::new();
    for (root, kind) in &roots {
        let config = match config_override {
            Some(config) => config.clone(),
            None => Arc::new(
                Config::discover(if root.is_dir() {
                    root
                } else {
                    root.parent().unwrap_or(root)
                })
                .map_err(DiscoverError::Config)?,
            ),
        };
        let mut files = Vec::new();
        if root.is_file() {
            files.push(WorkFile {
                rel: file_name(root),
                path: root.clone(),
                report: true,
            });
        } else {
            for path in walk_lua(root, Some(&config))? {
                // Files of a nested mod or scenario belong to that unit.
                let owner = find_root(path.parent().unwrap_or(root))
                    .map(|(r, _)| r)
                    .unwrap_or_else(|| root.clone());
                if owner != *root && roots.contains_key(&owner) {
                    continue;
                }
                if owner != *root && *kind != RootKind::Loose {
                    continue;
                }
                let rel = relative_slash(&path, root);
                let report = reported.contains(&path);
                files.push(WorkFile { path, rel, report });
            }
        }
        if !files.iter().any(|f| f.report) {
            continue;
        }
        let (info, info_problem) = read_info_json(root, *kind);
        units.push(Unit {
            root: root.clone(),
            kind: *kind,
            info,
            info_problem,
            config,
            files,
        });
    }
    Ok(units)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub fn relative_slash(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

pub fn describe_io(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

/// The nearest folder at or above `dir` with info.json (a mod) or control.lua (a scenario).
/// The search stops at a project boundary (a folder with factolint.toml or .git), so a stray
/// control.lua far above the code never swallows it.
fn find_root(dir: &Path) -> Option<(PathBuf, RootKind)> {
    for ancestor in dir.ancestors() {
        if ancestor.join("info.json").is_file() {
            return Some((ancestor.to_path_buf(), RootKind::Mod));
        }
        if ancestor.join("control.lua").is_file() {
            return Some((ancestor.to_path_buf(), RootKind::Scenario));
        }
        if ancestor.join(crate::config::FILE_NAME).is_file() || ancestor.join(".git").exists() {
            return None;
        }
    }
    None
}

/// Every `.lua` file below `dir`, honouring .gitignore/.ignore and the config's excludes, sorted.
fn walk_lua(dir: &Path, config: Option<&Arc<Config>>) -> Result<Vec<PathBuf>, DiscoverError> {
    let mut files = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => return Err(DiscoverError::Path(dir.to_path_buf(), e.to_string())),
        };
        let path = entry.path();
        if entry.file_type().is_some_and(|t| t.is_file())
            && path.extension().is_some_and(|e| e == "lua")
        {
            let excluded = match config {
                Some(config) => config.is_excluded(path),
                None => Config::discover(path.parent().unwrap_or(dir))
                    .map(|c| c.is_excluded(path))
                    .unwrap_or(false),
            };
            if !excluded {
                files.push(path.to_path_buf());
            }
        }
    }
    files.sort();
    Ok(files)
}

#[derive(Deserialize)]
struct RawInfo {
    name: Option<String>,
    factorio_version: Option<String>,
}

fn read_info_json(root: &Path, kind: RootKind) -> (ModInfo, Option<InfoJsonProblem>) {
    // A scenario inside a mod runs with that mod's Factorio version.
    let info_dir = match kind {
        RootKind::Mod => Some(root.to_path_buf()),
        RootKind::Scenario => root
            .ancestors()
            .skip(1)
            .find(|d| d.join("info.json").is_file())
            .map(Path::to_path_buf),
        RootKind::Loose => None,
    };
    let Some(info_dir) = info_dir else {
        return (ModInfo::default(), None);
    };
    let path = info_dir.join("info.json");
    let problem = |text: String, line: usize, column: usize, message: String| InfoJsonProblem {
        path: path.clone(),
        text,
        line,
        column,
        message,
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return (
                ModInfo::default(),
                Some(problem(
                    String::new(),
                    1,
                    1,
                    format!("cannot read info.json: {}", describe_io(&e)),
                )),
            )
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            return (
                ModInfo::default(),
                Some(problem(lossy, 1, 1, "info.json is not valid UTF-8".into())),
            );
        }
    };
    let json_text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    match serde_json::from_str::<RawInfo>(json_text) {
        Ok(raw) => {
            let version = raw
                .factorio_version
                .as_deref()
                .and_then(FactorioVersion::parse);
            let mut info = ModInfo {
                name: raw.name,
                factorio_version: version,
            };
            let mut issue = None;
            if raw.factorio_version.is_some() && version.is_none() {
                let message = format!(
                    "factorio_version {:?} is not a version like \"2.0\"",
                    raw.factorio_version.unwrap_or_default()
                );
                // Point at the key when it is written plainly; else at the start.
                let (line, column) = match text.find("\"factorio_version\"") {
                    Some(offset) => line_and_char_column(&text, offset),
                    None => (1, 1),
                };
                issue = Some(problem(text.clone(), line, column, message));
            }
            if info.name.is_none() {
                info.name = root.file_name().map(|n| n.to_string_lossy().into_owned());
            }
            (info, issue)
        }
        Err(e) => {
            // The position is the diagnostic's own; serde_json's (in bytes) would contradict it.
            let full = e.to_string();
            let message = format!(
                "info.json is not valid JSON: {}",
                full.rsplit_once(" at line ")
                    .map_or(full.as_str(), |(m, _)| m)
            );
            // serde_json counts columns in bytes of the text without the byte-order mark.
            let offset = (text.len() - json_text.len())
                + byte_offset(json_text, e.line().max(1), e.column().max(1));
            let (line, column) = line_and_char_column(&text, offset);
            (
                ModInfo::default(),
                Some(problem(text.clone(), line, column, message)),
            )
        }
    }
}

/// The byte offset of a 1-based line and 1-based byte column, clamped to the line.
fn byte_offset(text: &str, line: usize, byte_column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(n) => start += n + 1,
            None => break,
        }
    }
    let line_len = text[start..].find('\n').unwrap_or(text.len() - start);
    let mut offset = start + (byte_column - 1).min(line_len);
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The 1-based line and character column of a byte offset (diagnostics count characters).
fn line_and_char_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// Where a `require` path leads, from a file at `from_rel` in a unit whose mod is `mod_name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequireTarget {
    /// A file of this unit (its `rel` path).
    Local(String),
    /// Core lualib, another mod, or a file not found here: known, but not ours to read.
    External,
}

/// Factorio's `require`: `a.b` and `a/b` from the mod root (or beside the requiring file),
/// `__mod__/a/b` or `__mod__.a.b` for a mod's own files, `.lua` optional.
pub fn resolve_require(
    path: &str,
    from_rel: &str,
    mod_name: Option<&str>,
    exists: &dyn Fn(&str) -> bool,
) -> RequireTarget {
    let mut path = path.trim();
    if let Some(rest) = path.strip_prefix("__") {
        let Some(end) = rest.find("__") else {
            return RequireTarget::External;
        };
        let name = &rest[..end];
        if Some(name) != mod_name {
            return RequireTarget::External;
        }
        path = rest[end + 2..].trim_start_matches(['/', '.']);
    }
    let path = path.strip_suffix(".lua").unwrap_or(path);
    let slashed = if path.contains('/') {
        path.to_string()
    } else {
        path.replace('.', "/")
    };
    let candidate = format!("{slashed}.lua");
    let beside = match from_rel.rfind('/') {
        Some(dir_end) => format!("{}/{candidate}", &from_rel[..dir_end]),
        None => candidate.clone(),
    };
    if exists(&beside) {
        return RequireTarget::Local(beside);
    }
    if exists(&candidate) {
        return RequireTarget::Local(candidate);
    }
    RequireTarget::External
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(FactorioVersion::parse("2.0").unwrap().is_2_0_or_later());
        assert!(FactorioVersion::parse("2.1").unwrap().is_2_0_or_later());
        assert!(!FactorioVersion::parse("1.1").unwrap().is_2_0_or_later());
        assert_eq!(FactorioVersion::parse("x"), None);
    }

    #[test]
    fn info_json_errors_count_columns_in_characters() {
        let dir = std::env::temp_dir().join(format!("factolint-info-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let problem = |text: &str| {
            std::fs::write(dir.join("info.json"), text).unwrap();
            let problem = read_info_json(&dir, RootKind::Mod).1.expect("a problem");
            (problem.line, problem.column)
        };
        // serde_json says column 46 (bytes); the `"` after `"x"` is the 43rd character.
        assert_eq!(problem("{\n  \"title\": \"Zahnräder ⚙ mod\", \"name\": \"x\" \"factorio_version\": \"2.0\"\n}\n"), (2, 43));
        // The byte-order mark is one character before the text serde_json sees.
        assert_eq!(problem("\u{feff}{\"name\" 1}"), (1, 10));
        assert_eq!(
            problem("{\"name\": \"x\",\n \"factorio_version\": \"two\"}"),
            (2, 2)
        );
        assert_eq!(problem("{\"name\": \"x\",\n"), (2, 1));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn require_paths() {
        let files = ["scripts/players.lua", "scripts/util.lua", "lib/a.lua"];
        let exists = |p: &str| files.contains(&p);
        let resolve = |path: &str, from: &str| resolve_require(path, from, Some("my-mod"), &exists);
        assert_eq!(
            resolve("scripts.players", "control.lua"),
            RequireTarget::Local("scripts/players.lua".into())
        );
        assert_eq!(
            resolve("scripts/players", "control.lua"),
            RequireTarget::Local("scripts/players.lua".into())
        );
        assert_eq!(
            resolve("__my-mod__/scripts/players", "control.lua"),
            RequireTarget::Local("scripts/players.lua".into())
        );
        assert_eq!(
            resolve("__my-mod__.lib.a", "control.lua"),
            RequireTarget::Local("lib/a.lua".into())
        );
        assert_eq!(
            resolve("util", "scripts/players.lua"),
            RequireTarget::Local("scripts/util.lua".into())
        );
        assert_eq!(resolve("util", "control.lua"), RequireTarget::External);
        assert_eq!(
            resolve("__flib__/gui", "control.lua"),
            RequireTarget::External
        );
        assert_eq!(
            resolve("scripts.players.lua", "control.lua"),
            RequireTarget::Local("scripts/players.lua".into())
        );
    }
}
