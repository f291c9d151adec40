//! Finding what to check: mod and scenario roots, their files, info.json, and `require` paths.

mod archive;
mod discover;
mod info_json;

pub use discover::{discover_paths, DiscoverOptions, Discovery, NamedPath, Problem, VirtualFile};

pub use crate::api::FactorioVersion;
use crate::config::{Config, ConfigError};
pub use crate::source::absolute;
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
    /// Its contents when they are not read from `path` on disk (standard input, a zip).
    pub content: Option<Arc<[u8]>>,
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

    /// What to call this unit in output: the mod's name, else its folder's (or file's).
    pub fn name(&self) -> String {
        match (self.kind, &self.info.name) {
            (RootKind::Mod, Some(name)) => name.clone(),
            _ => self
                .root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| self.root.to_string_lossy().into_owned()),
        }
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

/// Finds the units for the given paths, stopping at the first missing path or broken
/// configuration (for callers that need all or nothing, like the language server). A named
/// file that ignore files or `exclude` skip is skipped. `config_override` replaces
/// factolint.toml discovery.
pub fn discover(
    paths: &[PathBuf],
    config_override: Option<&Arc<Config>>,
) -> Result<Vec<Unit>, DiscoverError> {
    let options = DiscoverOptions {
        config: config_override.cloned(),
        force_exclude: true,
        ..DiscoverOptions::default()
    };
    let discovery = discover_paths(paths, &options);
    match discovery.problems.into_iter().next() {
        Some(Problem::Path { path, message }) => Err(DiscoverError::Path(path, message)),
        Some(Problem::Config { error, .. }) => Err(DiscoverError::Config(error)),
        None => Ok(discovery.units),
    }
}

/// `path` relative to the working directory with `/` separators; absolute when outside it.
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    match path.strip_prefix(&cwd) {
        Ok(rel) => relative_slash(rel, Path::new("")),
        Err(_) => path.to_string_lossy().replace('\\', "/"),
    }
}

pub fn relative_slash(path: &Path, base: &Path) -> String {
    let rel = path.strip_prefix(base).unwrap_or(path);
    let mut out = String::with_capacity(rel.as_os_str().len());
    for (i, component) in rel.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&component.as_os_str().to_string_lossy());
    }
    out
}

pub fn describe_io(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
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
