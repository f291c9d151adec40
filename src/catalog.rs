//! The shared vocabulary every layer may use: rule metadata (from `rules/*.toml`, embedded at
//! build time), severities and exit codes. A leaf module: it imports nothing from the crate,
//! so configuration, diagnostics and output can all name rules without depending on the checks.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// No error-level findings.
pub const EXIT_OK: i32 = 0;
/// Findings at error level (or any finding with `--deny-warnings`).
pub const EXIT_FINDINGS: i32 = 1;
/// Usage, configuration or I/O failure.
pub const EXIT_FAILURE: i32 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// The families of rule codes; the hundreds digit of a code names its family, and
/// `src/rules/<family>/` holds its checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    Meta,
    Lifecycle,
    Determinism,
    Storage,
    Api,
    Migration,
}

impl Family {
    pub const ALL: [Family; 6] = [
        Family::Meta,
        Family::Lifecycle,
        Family::Determinism,
        Family::Storage,
        Family::Api,
        Family::Migration,
    ];

    /// `FL101` → lifecycle.
    pub fn of_code(code: &str) -> Option<Family> {
        let digit = code.strip_prefix("FL")?.bytes().next()?;
        Family::ALL.get(digit.checked_sub(b'0')? as usize).copied()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Meta => "meta",
            Family::Lifecycle => "lifecycle",
            Family::Determinism => "determinism",
            Family::Storage => "storage",
            Family::Api => "api",
            Family::Migration => "migration",
        }
    }
}

/// What a finding means for the mod: a `hazard` breaks something (a refused join, a desync, a
/// crash, a failed save, a file factolint could not read); a `standard` is a coding convention
/// whose pattern can lead to one, and which code that works in multiplayer often breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tag {
    Hazard,
    Standard,
}

impl Tag {
    pub const ALL: [Tag; 2] = [Tag::Hazard, Tag::Standard];

    pub fn as_str(self) -> &'static str {
        match self {
            Tag::Hazard => "hazard",
            Tag::Standard => "standard",
        }
    }

    /// `hazard` or `standard`, any case.
    pub fn parse(word: &str) -> Option<Tag> {
        Tag::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(word))
    }
}

/// A word that selects rules, in `factolint.toml` and on the command line: a code (`FL202`,
/// any case), a rule name (`pairs-order-storage-write`) or a tag (`hazard`, `standard`).
#[derive(Clone, Copy, Debug)]
pub enum Selector {
    Rule(&'static RuleMeta),
    Tag(Tag),
}

impl Selector {
    pub fn parse(word: &str) -> Option<Selector> {
        lookup(word)
            .map(Selector::Rule)
            .or_else(|| Tag::parse(word).map(Selector::Tag))
    }

    pub fn matches(self, meta: &RuleMeta) -> bool {
        match self {
            Selector::Rule(rule) => rule.code == meta.code,
            Selector::Tag(tag) => meta.tag == tag,
        }
    }

    /// The rules selected, in code order.
    pub fn rules(self) -> impl Iterator<Item = &'static RuleMeta> {
        all().iter().filter(move |m| self.matches(m))
    }

    /// A code or name picks one rule on purpose, a tag a group: where both set something for
    /// the same rule, the precise one wins whatever the order they are written in.
    pub fn is_precise(self) -> bool {
        matches!(self, Selector::Rule(_))
    }
}

/// One rule's documentation, the single source for `factolint rule`, SARIF, LSP hover and README.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub code: String,
    pub name: String,
    #[serde(deserialize_with = "severity_from_str")]
    pub default_severity: Severity,
    pub fixable: bool,
    pub tag: Tag,
    pub summary: String,
    pub explanation: String,
    pub bad: Option<String>,
    pub good: Option<String>,
}

impl RuleMeta {
    pub fn family(&self) -> Family {
        Family::of_code(&self.code).expect("rule codes are checked when the catalog loads")
    }
}

fn severity_from_str<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Severity, D::Error> {
    let text = String::deserialize(d)?;
    Severity::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("bad severity {text:?}")))
}

// `RULE_FILES`: every `rules/*.toml`, generated by build.rs.
include!(concat!(env!("OUT_DIR"), "/rule_files.rs"));

/// Every rule's metadata, in code order.
pub fn all() -> &'static [RuleMeta] {
    static METAS: OnceLock<Vec<RuleMeta>> = OnceLock::new();
    METAS.get_or_init(|| {
        RULE_FILES
            .iter()
            .map(|(code, text)| {
                let meta: RuleMeta = toml::from_str(text)
                    .unwrap_or_else(|e| panic!("rules/{code}.toml is invalid: {e}"));
                assert_eq!(meta.code, *code, "rules/{code}.toml names another code");
                assert!(
                    Family::of_code(code).is_some(),
                    "rules/{code}.toml: no family"
                );
                meta
            })
            .collect()
    })
}

pub fn meta(code: &str) -> Option<&'static RuleMeta> {
    all().iter().find(|m| m.code == code)
}

/// By code (`FL501`, any case) or name (`global-in-2-0`).
pub fn lookup(code_or_name: &str) -> Option<&'static RuleMeta> {
    all()
        .iter()
        .find(|m| m.code.eq_ignore_ascii_case(code_or_name) || m.name == code_or_name)
}

/// The interned `&'static str` code for a rule.
pub fn static_code(code: &str) -> Option<&'static str> {
    meta(code).map(|m| m.code.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_in_rules_folder_is_embedded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let name = e.unwrap().file_name().to_string_lossy().to_string();
                name.trim_end_matches(".toml").to_string()
            })
            .collect();
        on_disk.sort();
        let embedded: Vec<&str> = all().iter().map(|m| m.code.as_str()).collect();
        assert_eq!(on_disk, embedded);
    }

    #[test]
    fn lookup_by_code_or_name() {
        assert_eq!(lookup("fl501").unwrap().name, "global-in-2-0");
        assert_eq!(lookup("global-in-2-0").unwrap().code, "FL501");
        assert!(lookup("FL9999").is_none(), "a code no rule has");
    }

    #[test]
    fn selectors_take_codes_names_and_tags() {
        let codes = |word: &str| -> Vec<&str> {
            Selector::parse(word)
                .unwrap()
                .rules()
                .map(|m| m.code.as_str())
                .collect()
        };
        assert_eq!(codes("fl202"), ["FL202"]);
        assert_eq!(codes("pairs-order-storage-write"), ["FL202"]);
        let standards = codes("standard");
        assert!(standards.contains(&"FL202") && standards.contains(&"FL301"));
        assert!(!standards.contains(&"FL101"), "FL101 is a hazard");
        let hazards = codes("Hazard");
        assert!(hazards.contains(&"FL101") && !hazards.contains(&"FL202"));
        assert_eq!(hazards.len() + standards.len(), all().len());
        assert!(Selector::parse("FL9999").is_none());
        assert!(Selector::parse("standards").is_none());
        assert!(Selector::parse("FL202").unwrap().is_precise());
        assert!(!Selector::parse("standard").unwrap().is_precise());
    }

    #[test]
    fn families_follow_the_hundreds_digit() {
        assert_eq!(Family::of_code("FL001"), Some(Family::Meta));
        assert_eq!(Family::of_code("FL101"), Some(Family::Lifecycle));
        assert_eq!(Family::of_code("FL503"), Some(Family::Migration));
        assert_eq!(Family::of_code("FL901"), None);
        assert_eq!(Family::of_code("XX101"), None);
    }
}
