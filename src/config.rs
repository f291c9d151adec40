//! `factolint.toml`: rule selection and levels, excludes, per-path overrides, limits.

pub mod select;

use crate::api::FactorioVersion;
use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

pub const FILE_NAME: &str = "factolint.toml";

pub use select::{Level, RuleLayer, Selector};

/// How a file is run, when its place in the mod does not say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sent over RCON or `/c` into a running game: never part of the joining client's load.
    Injected,
    Control,
    Data,
    Settings,
}

#[derive(Clone, Debug)]
pub struct Limits {
    pub max_file_bytes: usize,
    pub max_nesting: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 32 * 1024 * 1024,
            max_nesting: 800,
        }
    }
}

/// Settings that change what a rule reports: the `[options]` table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleOptions {
    /// FL201, FL202: which `pairs()` loops are reported.
    #[serde(default)]
    pub pairs_order: PairsOrderScope,
    /// FL301: whether GUI elements and render objects kept in storage are reported.
    #[serde(default)]
    pub gui_state: GuiState,
}

/// Which `pairs()` loops FL201 and FL202 report, by what factolint knows of the iterated table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PairsOrderScope {
    /// Loops over tables that can differ between peers, and over tables factolint cannot
    /// prove to be the same on every peer (the coding standard; the default).
    #[default]
    Unproven,
    /// Only loops over tables that can differ between peers: module state written at run
    /// time, tables rebuilt in on_load.
    CanDiffer,
}

impl PairsOrderScope {
    pub fn as_str(self) -> &'static str {
        match self {
            PairsOrderScope::Unproven => "unproven",
            PairsOrderScope::CanDiffer => "can-differ",
        }
    }
}

/// Whether FL301 reports GUI elements and render objects kept in storage (per-player GUI
/// state is their idiomatic home).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GuiState {
    #[default]
    Report,
    Allow,
}

#[derive(Clone, Debug)]
pub struct Override {
    globs: GlobSet,
    pub rules: RuleLayer,
    pub factorio_version: Option<FactorioVersion>,
    pub role: Option<Role>,
}

#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file this came from; `None` for the built-in defaults.
    pub path: Option<PathBuf>,
    pub factorio_version: Option<FactorioVersion>,
    excludes: Option<GlobSet>,
    /// The patterns of `exclude`, as written: named when a path is skipped.
    exclude_patterns: Vec<String>,
    pub rules: RuleLayer,
    pub overrides: Vec<Override>,
    pub limits: Limits,
    /// Rule selection from the command line: decides over everything in the file.
    pub command_line: Option<std::sync::Arc<RuleLayer>>,
    pub options: RuleOptions,
}

/// A configuration problem: exit code 2, with the file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message
        )
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    factorio_version: Option<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    extend_select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    options: RuleOptions,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOverride {
    files: Spanned<Vec<Spanned<String>>>,
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    extend_select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<String>>,
    factorio_version: Option<Spanned<String>>,
    role: Option<Role>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLimits {
    max_file_size_mb: Option<usize>,
    max_nesting: Option<usize>,
}

impl Config {
    /// The nearest `factolint.toml` at or above `start` (a directory), parsed.
    pub fn discover(start: &Path) -> Result<Config, ConfigError> {
        for dir in start.ancestors() {
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                return Config::load(&candidate);
            }
        }
        Ok(Config::default())
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        // Globs are relative to the file's folder, which a relative path (`--config
        // factolint.toml`) would leave empty.
        let path = &crate::source::absolute(path);
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let error_at = |offset: usize, message: String| {
            let before = &text[..offset.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before
                .rsplit('\n')
                .next()
                .map(|l| l.chars().count())
                .unwrap_or(0)
                + 1;
            ConfigError {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            error_at(offset, e.message().trim().to_string())
        })?;
        let version = |value: &Spanned<String>| {
            FactorioVersion::parse(value.get_ref()).ok_or_else(|| {
                error_at(
                    value.span().start,
                    format!(
                        "factorio-version must look like \"2.0\" or \"1.1\", not {:?}",
                        value.get_ref()
                    ),
                )
            })
        };
        let selector = |word: &Spanned<String>| {
            Selector::parse(word.get_ref()).map_err(|e| error_at(word.span().start, e))
        };
        let selectors = |words: &[Spanned<String>]| -> Result<Vec<Selector>, ConfigError> {
            words.iter().map(selector).collect()
        };
        let layer = |select: &Option<Vec<Spanned<String>>>,
                     extend_select: &[Spanned<String>],
                     ignore: &[Spanned<String>],
                     levels: &BTreeMap<Spanned<String>, Spanned<String>>|
         -> Result<RuleLayer, ConfigError> {
            // In the file's order, so that a conflict is reported at the later key.
            let mut keys: Vec<(&Spanned<String>, &Spanned<String>)> = levels.iter().collect();
            keys.sort_by_key(|(key, _)| key.span().start);
            let mut parsed: Vec<(Selector, Level)> = Vec::new();
            for (key, level) in keys {
                let key_selector = selector(key)?;
                if let Some((earlier, code)) = parsed
                    .iter()
                    .find_map(|(s, _)| s.overlaps(&key_selector).map(|code| (s, code)))
                {
                    return Err(error_at(
                        key.span().start,
                        format!(
                            "{:?} and {:?} both set the level of {code}; keep one of them",
                            earlier.text,
                            key.get_ref()
                        ),
                    ));
                }
                let level = select::parse_level(level.get_ref()).ok_or_else(|| {
                    error_at(
                        level.span().start,
                        format!(
                            "rule level must be {}, not {:?}",
                            select::LEVEL_WORDS,
                            level.get_ref()
                        ),
                    )
                })?;
                parsed.push((key_selector, level));
            }
            Ok(RuleLayer {
                select: select.as_deref().map(selectors).transpose()?,
                extend_select: selectors(extend_select)?,
                ignore: selectors(ignore)?,
                levels: parsed,
            })
        };
        let globs = |patterns: &[Spanned<String>]| -> Result<GlobSet, ConfigError> {
            let mut builder = GlobSetBuilder::new();
            for pattern in patterns {
                for expanded in expand_glob(pattern.get_ref()) {
                    let glob = Glob::new(&expanded).map_err(|e| {
                        error_at(
                            pattern.span().start,
                            format!("invalid glob {:?}: {e}", pattern.get_ref()),
                        )
                    })?;
                    builder.add(glob);
                }
            }
            builder
                .build()
                .map_err(|e| error_at(0, format!("invalid globs: {e}")))
        };

        let mut overrides = Vec::new();
        for raw_override in &raw.overrides {
            if raw_override.files.get_ref().is_empty() {
                return Err(error_at(
                    raw_override.files.span().start,
                    "`files` must list at least one glob".into(),
                ));
            }
            overrides.push(Override {
                globs: globs(raw_override.files.get_ref())?,
                rules: layer(
                    &raw_override.select,
                    &raw_override.extend_select,
                    &raw_override.ignore,
                    &raw_override.rules,
                )?,
                factorio_version: raw_override
                    .factorio_version
                    .as_ref()
                    .map(version)
                    .transpose()?,
                role: raw_override.role,
            });
        }
        let mut limits = Limits::default();
        if let Some(mb) = raw.limits.max_file_size_mb {
            limits.max_file_bytes = mb.saturating_mul(1024 * 1024);
        }
        if let Some(depth) = raw.limits.max_nesting {
            limits.max_nesting = depth;
        }
        Ok(Config {
            path: Some(path.to_path_buf()),
            factorio_version: raw.factorio_version.as_ref().map(version).transpose()?,
            excludes: if raw.exclude.is_empty() {
                None
            } else {
                Some(globs(&raw.exclude)?)
            },
            exclude_patterns: raw.exclude.iter().map(|p| p.get_ref().clone()).collect(),
            rules: layer(&raw.select, &raw.extend_select, &raw.ignore, &raw.rules)?,
            overrides,
            limits,
            command_line: None,
            options: raw.options,
        })
    }

    /// The directory globs are relative to.
    pub fn base_dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }

    fn relative<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        path.strip_prefix(self.base_dir()?).ok()
    }

    pub fn is_excluded(&self, path: &Path) -> bool {
        match (&self.excludes, self.relative(path)) {
            (Some(globs), Some(rel)) => globs.is_match(rel),
            _ => false,
        }
    }

    fn matching_overrides<'s>(&'s self, path: &'s Path) -> impl Iterator<Item = &'s Override> + 's {
        let rel = self.relative(path);
        self.overrides
            .iter()
            .filter(move |o| rel.is_some_and(|rel| o.globs.is_match(rel)))
    }

    /// The level of `code` for `path`: the rule's default, then the file's selection and
    /// `[rules]`, then each matching override in order, then the command line.
    pub fn level(&self, code: &'static str, path: &Path) -> Level {
        let overrides = self.matching_overrides(path).map(|o| &o.rules);
        select::resolve(
            code,
            std::iter::once(&self.rules)
                .chain(overrides)
                .chain(self.command_line.as_deref()),
        )
    }

    /// This configuration with the command line's rule selection on top.
    pub fn with_command_line(&self, layer: &std::sync::Arc<RuleLayer>) -> Config {
        Config {
            command_line: (!layer.is_empty()).then(|| layer.clone()),
            ..self.clone()
        }
    }

    /// The `exclude` pattern that matches `path`, as written.
    pub fn excluding_pattern(&self, path: &Path) -> Option<&str> {
        let rel = self.relative(path)?;
        self.exclude_patterns
            .iter()
            .find(|pattern| {
                expand_glob(pattern)
                    .iter()
                    .any(|g| Glob::new(g).is_ok_and(|g| g.compile_matcher().is_match(rel)))
            })
            .map(String::as_str)
    }

    pub fn role(&self, path: &Path) -> Option<Role> {
        self.matching_overrides(path).filter_map(|o| o.role).last()
    }

    pub fn version_override(&self, path: &Path) -> Option<FactorioVersion> {
        self.matching_overrides(path)
            .filter_map(|o| o.factorio_version)
            .last()
    }
}

/// `scripts/rcon` also matches everything below it, as users expect of a folder name.
fn expand_glob(pattern: &str) -> Vec<String> {
    let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
    if trimmed.contains('*') || trimmed.ends_with(".lua") {
        vec![trimmed.to_string()]
    } else {
        vec![trimmed.to_string(), format!("{trimmed}/**")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Severity;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("/m/factolint.toml"), text)
    }

    #[test]
    fn reads_rules_overrides_and_versions() {
        let config = parse(
            "factorio-version = \"2.0\"\nexclude = [\"vendor\"]\n[rules]\nFL501 = \"warning\"\n\
             [[overrides]]\nfiles = [\"rcon/*.lua\"]\nrole = \"injected\"\n[overrides.rules]\nglobal-in-2-0 = \"off\"\n",
        )
        .unwrap();
        assert_eq!(config.factorio_version, FactorioVersion::parse("2.0"));
        assert_eq!(
            config.level("FL501", Path::new("/m/control.lua")),
            Some(Severity::Warning)
        );
        assert_eq!(config.level("FL501", Path::new("/m/rcon/x.lua")), None);
        assert_eq!(
            config.role(Path::new("/m/rcon/x.lua")),
            Some(Role::Injected)
        );
        assert!(config.is_excluded(Path::new("/m/vendor/lib.lua")));
        assert!(!config.is_excluded(Path::new("/m/control.lua")));
    }

    #[test]
    fn a_rule_set_by_code_and_by_name_is_an_error_naming_both() {
        let err = parse("[rules]\nFL501 = \"error\"\nglobal-in-2-0 = \"off\"\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(
            err.message.contains("\"FL501\"") && err.message.contains("\"global-in-2-0\""),
            "{err}"
        );
        // A family and one of its rules are not a conflict: the rule is more specific.
        let config = parse("[rules]\nFL5 = \"off\"\nFL501 = \"warn\"\nFL3 = \"info\"\n").unwrap();
        let path = Path::new("/m/control.lua");
        assert_eq!(config.level("FL501", path), Some(Severity::Warning));
        assert_eq!(config.level("FL301", path), Some(Severity::Info));
    }

    #[test]
    fn select_and_ignore_keys_at_top_level_and_in_overrides() {
        let config = parse(
            "select = [\"FL1\", \"FL5\"]\nignore = [\"FL101\"]\n\
             [[overrides]]\nfiles = [\"scripts\"]\nextend-select = [\"storage-userdata\"]\n",
        )
        .unwrap();
        let control = Path::new("/m/control.lua");
        let script = Path::new("/m/scripts/a.lua");
        assert_eq!(config.level("FL501", control), Some(Severity::Error));
        assert_eq!(config.level("FL101", control), None);
        assert_eq!(config.level("FL301", control), None);
        assert_eq!(config.level("FL301", script), Some(Severity::Warning));
        let err = parse("select = [\"FL9\"]\n").unwrap_err();
        assert!(err.message.contains("FL9"), "{err}");
        let command_line = std::sync::Arc::new(RuleLayer {
            ignore: vec![Selector::parse("FL5").unwrap()],
            ..RuleLayer::default()
        });
        assert_eq!(
            config
                .with_command_line(&command_line)
                .level("FL501", control),
            None
        );
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let err = parse("[rules]\nFL501 = \"error\"\nbogus = 1\n").unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        let err = parse("colour = true\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("colour"), "{err}");
    }

    #[test]
    fn a_config_loaded_by_a_relative_path_matches_globs_from_its_folder() {
        let path = Path::new("fixtures/config/valid/factolint.toml");
        let config = Config::load(path).unwrap();
        let folder = std::env::current_dir()
            .unwrap()
            .join("fixtures/config/valid");
        assert!(config.is_excluded(&folder.join("vendor/lib.lua")));
        assert_eq!(
            config.level("FL501", &folder.join("scripts/rcon/reset.lua")),
            None
        );
    }

    #[test]
    fn tags_select_rules_and_codes_win_over_tags() {
        let config = parse(
            "[rules]\nFL202 = \"info\"\nstandard = \"off\"\nhazard = \"warning\"\n\
             [[overrides]]\nfiles = [\"tests\"]\n[overrides.rules]\nhazard = \"off\"\n",
        )
        .unwrap();
        let control = Path::new("/m/control.lua");
        assert_eq!(config.level("FL301", control), None, "standard = off");
        assert_eq!(
            config.level("FL202", control),
            Some(Severity::Info),
            "the code wins over its tag, though written first"
        );
        assert_eq!(config.level("FL101", control), Some(Severity::Warning));
        assert_eq!(config.level("FL101", Path::new("/m/tests/a.lua")), None);
        let err = parse("[rules]\nstandards = \"off\"\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("unknown rule or selector"), "{err}");
    }

    #[test]
    fn options_have_defaults_and_named_values() {
        assert_eq!(parse("").unwrap().options, RuleOptions::default());
        let config =
            parse("[options]\npairs-order = \"can-differ\"\ngui-state = \"allow\"\n").unwrap();
        assert_eq!(config.options.pairs_order, PairsOrderScope::CanDiffer);
        assert_eq!(config.options.gui_state, GuiState::Allow);
        let err = parse("[options]\npairs-order = \"some\"\n").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(err.message.contains("can-differ"), "{err}");
        assert!(parse("[options]\nloud = true\n").is_err());
    }

    #[test]
    fn bad_levels_and_versions_are_errors() {
        let err = parse("[rules]\nFL501 = \"loud\"\n").unwrap_err();
        assert_eq!((err.line, err.column), (2, 9));
        assert!(err.message.contains("\"loud\""));
        assert!(err.message.contains("\"warn\""), "{err}");
        assert!(parse("factorio-version = \"two\"\n").is_err());
    }
}
