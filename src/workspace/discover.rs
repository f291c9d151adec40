//! From the paths a user names to units of files. Every named path is accounted for: it yields
//! files, or an error (missing, unreadable, a broken factolint.toml), or a reason why it yields
//! nothing. One bad path or configuration never stops the others.

use super::info_json::{self, InfoJson};
use super::{absolute, describe_io, relative_slash, RootKind, Unit, WorkFile};
use crate::config::{Config, ConfigError, RuleLayer};
use ignore::gitignore::Gitignore;
use ignore::Match;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to find what to check.
#[derive(Clone, Debug, Default)]
pub struct DiscoverOptions {
    /// Use this configuration instead of discovering factolint.toml files.
    pub config: Option<Arc<Config>>,
    /// Rule selection from the command line, put on top of every configuration.
    pub command_line_rules: Option<Arc<RuleLayer>>,
    /// Skip a named path that a folder walk would skip (ignore files, `exclude`), as ruff's
    /// `--force-exclude` does. Without it, a path named explicitly is always checked.
    pub force_exclude: bool,
    /// Text standing in for a file that need not exist on disk (standard input).
    pub stdin: Option<VirtualFile>,
}

/// A file's contents held in memory: standard input, or a file inside a zip.
#[derive(Clone, Debug)]
pub struct VirtualFile {
    pub path: PathBuf,
    pub bytes: Arc<[u8]>,
}

/// What one named path came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedPath {
    /// As the user wrote it.
    pub given: PathBuf,
    /// Files it names that are checked and reported on.
    pub files: usize,
    /// Why it names none, when that is not an error (a folder without Lua files, a file that
    /// is not Lua, one skipped by `--force-exclude`).
    pub nothing_because: Option<String>,
    /// Lua files in a named folder that ignore files of the folders above it skip (a `src/`
    /// pattern there skips every nested `src/`): how many, the first, and what skips it.
    pub skipped_from_above: Option<String>,
}

/// A failure that stops one path or one mod, not the run. Exit code 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A named path that does not exist or cannot be read (also a broken zip).
    Path { path: PathBuf, message: String },
    /// A broken factolint.toml, and the mods, scenarios or files left unchecked because of it.
    Config {
        error: ConfigError,
        unchecked: Vec<PathBuf>,
    },
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub units: Vec<Unit>,
    pub problems: Vec<Problem>,
    pub named: Vec<NamedPath>,
}

/// Finds the units for `paths`, reporting per path what went wrong.
pub fn discover_paths(paths: &[PathBuf], options: &DiscoverOptions) -> Discovery {
    let mut finder = Finder {
        options,
        configs: HashMap::new(),
        config_starts: HashMap::new(),
        mod_dirs: HashMap::new(),
        roots_of: HashMap::new(),
        broken: BTreeMap::new(),
        problems: Vec::new(),
        reported: HashMap::new(),
        roots: BTreeMap::new(),
        archive_units: Vec::new(),
        walked_folders: Vec::new(),
    };
    let named = paths.iter().map(|given| finder.name(given)).collect();
    let units = finder.units();
    let mut problems = std::mem::take(&mut finder.problems);
    for (_, (error, unchecked)) in std::mem::take(&mut finder.broken) {
        problems.push(Problem::Config {
            error,
            unchecked: unchecked.into_iter().collect(),
        });
    }
    Discovery {
        units,
        problems,
        named,
    }
}

pub(super) struct Finder<'o> {
    options: &'o DiscoverOptions,
    /// By the folder the search starts from.
    configs: HashMap<PathBuf, Result<Arc<Config>, ConfigError>>,
    /// By root: the folder its configuration search starts from.
    config_starts: HashMap<PathBuf, PathBuf>,
    /// Folders and whether their info.json is a mod's.
    mod_dirs: HashMap<PathBuf, bool>,
    /// Folders and the root around them ([`Finder::root_of`]): asked once per file, twice
    /// per run, and most files share their folder.
    roots_of: HashMap<PathBuf, Option<(PathBuf, RootKind)>>,
    /// Broken configuration files, with the roots they left unchecked.
    broken: BTreeMap<PathBuf, (ConfigError, BTreeSet<PathBuf>)>,
    problems: Vec<Problem>,
    /// Files to report on, with their unit's root.
    reported: HashMap<PathBuf, PathBuf>,
    roots: BTreeMap<PathBuf, RootKind>,
    /// Units read from zip files, complete.
    archive_units: Vec<Unit>,
    /// Named folders walked without ancestor ignore files or errors, with their Lua files
    /// (sorted): the units inside them take their files from here instead of walking again.
    walked_folders: Vec<(PathBuf, Vec<PathBuf>)>,
}

impl Finder<'_> {
    fn problem(&mut self, path: &Path, message: String) {
        let problem = Problem::Path {
            path: path.to_path_buf(),
            message,
        };
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    /// Accounts for one named path.
    fn name(&mut self, given: &Path) -> NamedPath {
        let path = absolute(given);
        let mut named = NamedPath {
            given: given.to_path_buf(),
            files: 0,
            nothing_because: None,
            skipped_from_above: None,
        };
        let is_stdin = self.options.stdin.as_ref().is_some_and(|s| s.path == path);
        let meta = std::fs::metadata(&path);
        if is_stdin && !meta.as_ref().is_ok_and(|m| m.is_dir()) {
            match self.name_file(&path) {
                Ok(()) => named.files = 1,
                Err(why) => named.nothing_because = why,
            }
            return named;
        }
        let meta = match meta {
            Ok(meta) => meta,
            Err(e) => {
                self.problem(given, describe_io(&e));
                return named;
            }
        };
        if meta.is_dir() {
            match self.name_folder(&path) {
                Ok(0) => {
                    named.nothing_because = Some(self.why_empty(&path));
                }
                Ok(files) => {
                    named.files = files;
                    named.skipped_from_above = self.skipped_from_above(&path);
                }
                Err(why) => named.nothing_because = why,
            }
        } else if has_extension(&path, "zip") {
            match super::archive::read(&path, self) {
                Ok(units) => {
                    named.files = units.iter().map(|u| u.files.len()).sum();
                    if named.files == 0 {
                        named.nothing_because = Some("the zip holds no Lua files".into());
                    }
                    self.archive_units.extend(units);
                }
                Err(message) => self.problem(given, message),
            }
        } else if !has_extension(&path, "lua") {
            let mut why = "not a Lua file (only `.lua` files are checked)".to_string();
            if !meta.is_file() {
                why = "not a regular file; to check standard input, pass `-` with \
                       `--stdin-filename PATH` (the file's path in its mod)"
                    .into();
            }
            named.nothing_because = Some(why);
        } else {
            match self.name_file(&path) {
                Ok(()) => named.files = 1,
                Err(why) => named.nothing_because = why,
            }
        }
        named
    }

    /// A named file: reported, unless `--force-exclude` and ignored. `Err(None)` when an error
    /// (a broken configuration) is reported for it already.
    fn name_file(&mut self, path: &Path) -> Result<(), Option<String>> {
        let parent = path.parent().unwrap_or(Path::new("/"));
        let (root, kind) = self
            .root_of(parent)
            .unwrap_or((path.to_path_buf(), RootKind::Loose));
        let config = self.config(&root).ok_or(None)?;
        if self.options.force_exclude {
            if let Some(why) = self.skipped_by(path, false, &config) {
                return Err(Some(format!("skipped (--force-exclude): {why}")));
            }
        }
        self.reported.insert(path.to_path_buf(), root.clone());
        self.roots.insert(root, kind);
        Ok(())
    }

    /// A named folder: its Lua files, and the zips directly in it unless it is a mod itself
    /// (a Factorio `mods` folder holds both).
    fn name_folder(&mut self, dir: &Path) -> Result<usize, Option<String>> {
        let own_root = self.root_of(dir);
        let fallback = own_root
            .clone()
            .unwrap_or((dir.to_path_buf(), RootKind::Loose));
        let config = self.config(&fallback.0).ok_or(None)?;
        let ignored = self.skipped_by(dir, true, &config);
        if let (true, Some(why)) = (self.options.force_exclude, &ignored) {
            return Err(Some(format!("skipped (--force-exclude): {why}")));
        }
        // Named explicitly, so what would skip the folder itself does not apply inside it.
        let forced = ignored.is_some();
        let top = self.ignore_top(dir);
        let ancestors = if forced {
            Vec::new()
        } else {
            ancestor_ignores(dir, &top)
        };
        let reusable = ancestors.is_empty();
        let walked = walk_parallel(dir, ancestors);
        for (path, message) in &walked.errors {
            self.problem(path, message.clone());
        }
        let mut count = 0;
        // Files come sorted, so most share the previous file's folder and root.
        let mut last: Option<(&Path, PathBuf, RootKind, Option<Arc<Config>>)> = None;
        let mut last_root: Option<PathBuf> = None;
        for file in &walked.lua {
            let parent = file.parent().unwrap_or(dir);
            if last.as_ref().is_none_or(|(folder, ..)| *folder != parent) {
                let (root, kind) = self.root_of(parent).unwrap_or_else(|| fallback.clone());
                let config = self.config(&root);
                last = Some((parent, root, kind, config));
            }
            let Some((_, root, kind, Some(config))) = &last else {
                continue;
            };
            if !forced && config.is_excluded(file) {
                continue;
            }
            self.reported.insert(file.clone(), root.clone());
            if last_root.as_ref() != Some(root) {
                self.roots.insert(root.clone(), *kind);
                last_root = Some(root.clone());
            }
            count += 1;
        }
        if reusable && walked.errors.is_empty() {
            self.walked_folders.push((dir.to_path_buf(), walked.lua));
        }
        if own_root.is_none() {
            for zip in walked.zips {
                match super::archive::read(&zip, self) {
                    Ok(units) => {
                        count += units.iter().map(|u| u.files.len()).sum::<usize>();
                        self.archive_units.extend(units);
                    }
                    Err(message) => self.problem(&zip, message),
                }
            }
        }
        Ok(count)
    }

    /// Why a folder yielded no files: no Lua at all, or Lua that ignore files or `exclude`
    /// skipped (naming the first such file and what skipped it).
    fn why_empty(&mut self, dir: &Path) -> String {
        let all = walk_everything(dir);
        let Some(first) = all.first() else {
            return "no Lua files in this folder".into();
        };
        let root = self
            .root_of(first.parent().unwrap_or(dir))
            .map_or_else(|| dir.to_path_buf(), |(r, _)| r);
        let reason = match self.config(&root) {
            Some(config) => self.skipped_by(first, false, &config).unwrap_or_else(|| {
                "hidden (its path has a folder or file name starting with `.`)".into()
            }),
            None => "its configuration is broken".into(),
        };
        format!(
            "{} Lua file(s) in this folder, all skipped; {} is {reason}; name a file to check it",
            all.len(),
            super::display_path(first)
        )
    }

    /// Lua files in `dir` that only the ignore files above it skip, if any: said, because a
    /// pattern written for another part of a repository can remove a mod's folder.
    fn skipped_from_above(&mut self, dir: &Path) -> Option<String> {
        let top = self.ignore_top(dir);
        if ancestor_ignores(dir, &top).is_empty() {
            return None;
        }
        let all = walk(dir, &top, false).lua;
        let kept: BTreeSet<PathBuf> = walk(dir, &top, true).lua.into_iter().collect();
        let skipped: Vec<&PathBuf> = all.iter().filter(|f| !kept.contains(*f)).collect();
        let first = skipped.first()?;
        let why = ignored_by(first, false, &top)?;
        Some(format!(
            "{} Lua file(s) skipped by ignore files above this folder; {} is {why}; name it to check it",
            skipped.len(),
            super::display_path(first)
        ))
    }

    /// What a folder walk would skip `path` for: an ignore file or the config's `exclude`.
    fn skipped_by(&mut self, path: &Path, is_dir: bool, config: &Config) -> Option<String> {
        // A folder counts as excluded when a pattern excludes it or everything in it.
        let pattern = config.excluding_pattern(path).or_else(|| {
            is_dir
                .then(|| config.excluding_pattern(&path.join("any-file.lua")))
                .flatten()
        });
        if let Some(pattern) = pattern {
            let file = config.path.as_deref().map(super::display_path);
            return Some(format!(
                "excluded by {pattern:?} in `exclude` of {}",
                file.unwrap_or_default()
            ));
        }
        let top = self.ignore_top(path.parent().unwrap_or(path));
        ignored_by(path, is_dir, &top)
    }

    /// Where ignore files start to apply for something in `dir`: the top of its git
    /// repository, else the mod or scenario around it, else `dir` itself. (Ignore files above
    /// a repository, or around a mod outside one, are not the mod's.)
    fn ignore_top(&mut self, dir: &Path) -> PathBuf {
        if let Some(repo) = dir.ancestors().find(|a| a.join(".git").exists()) {
            return repo.to_path_buf();
        }
        self.root_of(dir)
            .map_or_else(|| dir.to_path_buf(), |(root, _)| root)
    }

    /// The configuration for a unit at `root` (a folder, a file or a zip); `None` (and the
    /// error recorded) when broken.
    pub(super) fn config(&mut self, root: &Path) -> Option<Arc<Config>> {
        // Asked once per file: whether the root is a folder is asked of the disk once.
        if !self.config_starts.contains_key(root) {
            let start = if root.is_dir() {
                root.to_path_buf()
            } else {
                root.parent().unwrap_or(root).to_path_buf()
            };
            self.config_starts.insert(root.to_path_buf(), start);
        }
        let start = &self.config_starts[root];
        let result = match self.configs.get(start) {
            Some(known) => known.clone(),
            None => {
                let options = self.options;
                let config = match &options.config {
                    Some(config) => Ok(config.clone()),
                    None => Config::discover(start).map(Arc::new),
                };
                let result = config.map(|config| match &options.command_line_rules {
                    Some(layer) => Arc::new(config.with_command_line(layer)),
                    None => config,
                });
                self.configs.insert(start.clone(), result.clone());
                result
            }
        };
        match result {
            Ok(config) => Some(config),
            Err(error) => {
                self.broken
                    .entry(error.path.clone())
                    .or_insert_with(|| (error, BTreeSet::new()))
                    .1
                    .insert(root.to_path_buf());
                None
            }
        }
    }

    /// Whether `dir` holds a mod's info.json (not a save's, scenario's or locale's).
    fn is_mod_dir(&mut self, dir: &Path) -> bool {
        if let Some(known) = self.mod_dirs.get(dir) {
            return *known;
        }
        let info = dir.join("info.json");
        let is_mod = info.is_file()
            && std::fs::read(&info)
                .map(|bytes| info_json::claims_mod(&bytes))
                .unwrap_or(true);
        self.mod_dirs.insert(dir.to_path_buf(), is_mod);
        is_mod
    }

    /// The nearest folder at or above `dir` with a mod's info.json (a mod) or control.lua (a
    /// scenario). The search stops at a project boundary (a folder with factolint.toml or
    /// .git), so a stray control.lua far above the code never swallows it.
    fn root_of(&mut self, dir: &Path) -> Option<(PathBuf, RootKind)> {
        if let Some(known) = self.roots_of.get(dir) {
            return known.clone();
        }
        // Each folder is looked at once: its parent's answer is remembered too.
        let found = if self.is_mod_dir(dir) {
            Some((dir.to_path_buf(), RootKind::Mod))
        } else if dir.join("control.lua").is_file() {
            Some((dir.to_path_buf(), RootKind::Scenario))
        } else if dir.join(crate::config::FILE_NAME).is_file() || dir.join(".git").exists() {
            None
        } else {
            dir.parent().and_then(|parent| self.root_of(parent))
        };
        self.roots_of.insert(dir.to_path_buf(), found.clone());
        found
    }

    /// The Lua files below `root` (sorted) from a named folder's walk that saw every one a walk
    /// of `root` would: the folder holds `root`, no ignore file or repository lies between
    /// them, no folder on the way is hidden, and no ignore file above `root` (up to `top`)
    /// applies. `None` when `root` must be walked.
    fn walked_already(&self, root: &Path, top: &Path) -> Option<Vec<PathBuf>> {
        let (dir, lua) = self
            .walked_folders
            .iter()
            .find(|(dir, _)| root.starts_with(dir))?;
        let below = root.strip_prefix(dir).ok()?;
        let hidden = below
            .components()
            .any(|c| c.as_os_str().as_encoded_bytes().starts_with(b"."));
        let between_clean = root
            .ancestors()
            .skip(1)
            .take(below.components().count())
            .all(|folder| {
                [".ignore", ".gitignore", ".git"]
                    .iter()
                    .all(|name| !folder.join(name).exists())
            });
        if hidden || !between_clean || !ancestor_ignores(root, top).is_empty() {
            return None;
        }
        let start = lua.partition_point(|f| f.as_path() < root);
        let end = start + lua[start..].partition_point(|f| f.starts_with(root));
        // None walked there: `root` may be a link the folder's walk did not follow.
        (end > start).then(|| lua[start..end].to_vec())
    }

    /// The units of the named files, each with the rest of its mod.
    fn units(&mut self) -> Vec<Unit> {
        let roots = std::mem::take(&mut self.roots);
        // Each root's named files, found once rather than by going through every named file
        // for every root.
        let mut named_in: HashMap<&Path, Vec<&Path>> = HashMap::new();
        let reported = std::mem::take(&mut self.reported);
        for (path, owner) in &reported {
            named_in.entry(owner).or_default().push(path);
        }
        // A root inside a named folder takes its files from that folder's walk; the others'
        // folders are walked at the same time (walking is most of discovery).
        let walks: Vec<Option<Result<Vec<PathBuf>, Vec<Gitignore>>>> = roots
            .keys()
            .map(|root| {
                let top = root.is_dir().then(|| self.ignore_top(root))?;
                Some(match self.walked_already(root, &top) {
                    Some(files) => Ok(files),
                    None => Err(ancestor_ignores(root, &top)),
                })
            })
            .collect();
        let mut walks: Vec<Option<Walked>> = roots
            .keys()
            .zip(walks)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(root, walk)| match walk? {
                Ok(lua) => Some(Walked {
                    lua,
                    ..Walked::default()
                }),
                Err(ancestors) => Some(walk_sorted(root, ancestors)),
            })
            .collect();
        let mut units = Vec::new();
        for ((root, kind), walked) in roots.iter().zip(&mut walks) {
            let Some(config) = self.config(root) else {
                continue;
            };
            let mut files: Vec<WorkFile> = Vec::new();
            if let Some(walked) = walked.take() {
                for (path, message) in &walked.errors {
                    self.problem(path, message.clone());
                }
                let mut last_folder: Option<(PathBuf, bool)> = None;
                for path in walked.lua {
                    if config.is_excluded(&path) {
                        continue;
                    }
                    // Files of a nested mod or scenario belong to that unit.
                    let folder = path.parent().unwrap_or(root);
                    let owned = match &last_folder {
                        Some((known, owned)) if known == folder => *owned,
                        _ => {
                            let owner = self
                                .root_of(folder)
                                .map(|(r, _)| r)
                                .unwrap_or_else(|| root.clone());
                            let owned = owner == *root
                                || (!roots.contains_key(&owner) && *kind == RootKind::Loose);
                            last_folder = Some((folder.to_path_buf(), owned));
                            owned
                        }
                    };
                    if owned {
                        let report = reported.contains_key(&path);
                        files.push(work_file(self.options, path, root, report));
                    }
                }
            }
            // Named files that a walk skips (ignored, excluded, hidden, or only on stdin).
            for path in named_in.remove(root.as_path()).unwrap_or_default() {
                if let Err(at) = files.binary_search_by(|f| f.path.as_path().cmp(path)) {
                    files.insert(at, work_file(self.options, path.to_path_buf(), root, true));
                }
            }
            if !files.iter().any(|f| f.report) {
                continue;
            }
            let (info, info_problem) = self.read_info(root, *kind);
            units.push(Unit {
                root: root.clone(),
                kind: *kind,
                info,
                info_problem,
                config,
                files,
            });
        }
        units.append(&mut self.archive_units);
        units
    }

    /// A mod's info.json; a scenario takes its version from the mod around it, if any.
    fn read_info(
        &mut self,
        root: &Path,
        kind: RootKind,
    ) -> (super::ModInfo, Option<super::InfoJsonProblem>) {
        let info_dir = match kind {
            RootKind::Mod => Some(root.to_path_buf()),
            RootKind::Scenario => root
                .ancestors()
                .skip(1)
                .find(|d| self.is_mod_dir(d))
                .map(Path::to_path_buf),
            RootKind::Loose => None,
        };
        let Some(info_dir) = info_dir else {
            return Default::default();
        };
        let path = info_dir.join("info.json");
        let folder_name = info_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        match info_json::parse(&path, std::fs::read(&path), folder_name) {
            InfoJson::Mod(info, problem) => (info, problem),
            InfoJson::NotAMod => Default::default(),
        }
    }
}

fn work_file(options: &DiscoverOptions, path: PathBuf, root: &Path, report: bool) -> WorkFile {
    let rel = if path == root {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        relative_slash(&path, root)
    };
    let content = options
        .stdin
        .as_ref()
        .filter(|s| s.path == path)
        .map(|s| s.bytes.clone());
    WorkFile {
        report,
        path,
        rel,
        content,
    }
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
}

/// What a folder walk found.
#[derive(Default)]
struct Walked {
    lua: Vec<PathBuf>,
    /// Zip files directly in the folder.
    zips: Vec<PathBuf>,
    /// Folders that could not be read, with why.
    errors: Vec<(PathBuf, String)>,
}

/// Every `.lua` file below `dir` (sorted), honouring `.gitignore` and `.ignore` files inside it
/// and, when `with_ancestors`, those of the folders above it up to `top`.
fn walk(dir: &Path, top: &Path, with_ancestors: bool) -> Walked {
    let ancestors = if with_ancestors {
        ancestor_ignores(dir, top)
    } else {
        Vec::new()
    };
    walk_sorted(dir, ancestors)
}

/// [`walk`] with the ignore files of the folders above `dir` given.
fn walk_sorted(dir: &Path, ancestors: Vec<Gitignore>) -> Walked {
    let walker = walk_builder(dir, ancestors)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    let mut walked = Walked::default();
    for entry in walker {
        walked.see(dir, entry);
    }
    walked.lua.sort();
    walked
}

/// [`walk_sorted`] by a few threads, for a large tree (a named folder): folders and ignore
/// files cost most of discovery. Sorted, so the result does not depend on which thread saw what.
fn walk_parallel(dir: &Path, ancestors: Vec<Gitignore>) -> Walked {
    let walker = walk_builder(dir, ancestors)
        .threads(WALK_THREADS)
        .build_parallel();
    let parts = std::sync::Mutex::new(Vec::new());
    walker.run(|| {
        let mut part = WalkedPart {
            parts: &parts,
            walked: Walked::default(),
        };
        Box::new(move |entry| {
            part.walked.see(dir, entry);
            ignore::WalkState::Continue
        })
    });
    let mut walked = Walked::default();
    for part in parts.into_inner().unwrap_or_else(|e| e.into_inner()) {
        walked.lua.extend(part.lua);
        walked.zips.extend(part.zips);
        walked.errors.extend(part.errors);
    }
    walked.lua.sort();
    walked.zips.sort();
    walked.errors.sort();
    walked
}

/// The walk of [`walk_sorted`] and [`walk_parallel`]: `.gitignore` and `.ignore` files inside
/// `dir` and `ancestors`, those of the folders above it.
fn walk_builder(dir: &Path, ancestors: Vec<Gitignore>) -> ignore::WalkBuilder {
    let mut builder = ignore::WalkBuilder::new(dir);
    builder
        .require_git(false)
        // The folders above are read here, only up to `top`.
        .parents(false)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            first_match(&ancestors, entry.path(), is_dir, false).is_none()
        });
    builder
}

/// Threads of [`walk_parallel`].
const WALK_THREADS: usize = 2;

/// What one thread of [`walk_parallel`] found, handed over when the thread is done.
struct WalkedPart<'a> {
    parts: &'a std::sync::Mutex<Vec<Walked>>,
    walked: Walked,
}

impl Drop for WalkedPart<'_> {
    fn drop(&mut self) {
        let walked = std::mem::take(&mut self.walked);
        self.parts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(walked);
    }
}

impl Walked {
    /// Takes in one entry of a walk of `dir`.
    fn see(&mut self, dir: &Path, entry: Result<ignore::DirEntry, ignore::Error>) {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                self.errors.push((dir.to_path_buf(), e.to_string()));
                return;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            return;
        }
        let path = entry.path();
        if has_extension(path, "lua") {
            self.lua.push(path.to_path_buf());
        } else if entry.depth() == 1 && has_extension(path, "zip") {
            self.zips.push(path.to_path_buf());
        }
    }
}

/// Every `.lua` file below `dir`, with no ignore rules and hidden files too.
fn walk_everything(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()) && has_extension(e.path(), "lua"))
        .map(|e| e.path().to_path_buf())
        .collect();
    files.sort();
    files
}

/// The ignore files of the folders strictly above `dir` up to `top`, nearest first, and the
/// repository's `.git/info/exclude`.
fn ancestor_ignores(dir: &Path, top: &Path) -> Vec<Gitignore> {
    let mut out = Vec::new();
    if dir == top || !dir.starts_with(top) {
        return out;
    }
    for folder in dir.ancestors().skip(1) {
        for name in [".ignore", ".gitignore"] {
            let file = folder.join(name);
            if file.is_file() {
                out.push(Gitignore::new(&file).0);
            }
        }
        if folder == top {
            break;
        }
    }
    let exclude = top.join(".git/info/exclude");
    if exclude.is_file() {
        let mut builder = ignore::gitignore::GitignoreBuilder::new(top);
        builder.add(&exclude);
        if let Ok(gitignore) = builder.build() {
            out.push(gitignore);
        }
    }
    out
}

/// The first ignore file (nearest first) with a say on `path`: `Some` when it ignores it.
fn first_match<'g>(
    ignores: &'g [Gitignore],
    path: &Path,
    is_dir: bool,
    with_parents: bool,
) -> Option<(&'g Gitignore, &'g ignore::gitignore::Glob)> {
    for gitignore in ignores {
        let matched = if with_parents {
            gitignore.matched_path_or_any_parents(path, is_dir)
        } else {
            gitignore.matched(path, is_dir)
        };
        match matched {
            Match::None => continue,
            Match::Whitelist(_) => return None,
            Match::Ignore(glob) => return Some((gitignore, glob)),
        }
    }
    None
}

/// Which ignore file (from `path`'s folder up to `top`) ignores `path`, and by which pattern.
fn ignored_by(path: &Path, is_dir: bool, top: &Path) -> Option<String> {
    let parent = path.parent()?;
    let mut ignores = Vec::new();
    for name in [".ignore", ".gitignore"] {
        let file = parent.join(name);
        if file.is_file() {
            ignores.push(Gitignore::new(&file).0);
        }
    }
    ignores.extend(ancestor_ignores(parent, top));
    let (gitignore, glob) = first_match(&ignores, path, is_dir, true)?;
    let file = glob.from().unwrap_or(gitignore.path());
    Some(format!(
        "ignored by {} (pattern `{}`)",
        super::display_path(file),
        glob.original()
    ))
}
