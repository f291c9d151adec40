//! The rule registry: metadata from `rules/*.toml` (embedded) and the checks themselves.

mod api_values;
mod global_in_2_0;
mod pairs_order;
mod registration_outside_control;

use crate::diagnostics::{Diagnostic, Severity};
use crate::semantic::ir::FileIr;
use crate::source::FileId;
use crate::workspace::{FactorioVersion, Unit};
use serde::Deserialize;
use std::sync::OnceLock;

/// One rule's documentation, the single source for `factolint rule`, SARIF, LSP hover and README.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub code: String,
    pub name: String,
    #[serde(deserialize_with = "severity_from_str")]
    pub default_severity: Severity,
    pub fixable: bool,
    pub summary: String,
    pub explanation: String,
    pub bad: Option<String>,
    pub good: Option<String>,
}

fn severity_from_str<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Severity, D::Error> {
    let text = String::deserialize(d)?;
    Severity::parse(&text).ok_or_else(|| serde::de::Error::custom(format!("bad severity {text:?}")))
}

/// Every rule file, embedded at build time. A test checks this list against the rules/ folder.
pub const RULE_FILES: &[(&str, &str)] = &[
    ("FL001", include_str!("../../rules/FL001.toml")),
    ("FL002", include_str!("../../rules/FL002.toml")),
    ("FL003", include_str!("../../rules/FL003.toml")),
    ("FL004", include_str!("../../rules/FL004.toml")),
    ("FL005", include_str!("../../rules/FL005.toml")),
    ("FL101", include_str!("../../rules/FL101.toml")),
    ("FL201", include_str!("../../rules/FL201.toml")),
    ("FL202", include_str!("../../rules/FL202.toml")),
    ("FL301", include_str!("../../rules/FL301.toml")),
    ("FL401", include_str!("../../rules/FL401.toml")),
    ("FL501", include_str!("../../rules/FL501.toml")),
];

pub fn all() -> &'static [RuleMeta] {
    static METAS: OnceLock<Vec<RuleMeta>> = OnceLock::new();
    METAS.get_or_init(|| {
        RULE_FILES
            .iter()
            .map(|(code, text)| {
                let meta: RuleMeta = toml::from_str(text)
                    .unwrap_or_else(|e| panic!("rules/{code}.toml is invalid: {e}"));
                assert_eq!(meta.code, *code, "rules/{code}.toml names another code");
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

/// Which stages load a file, found from the entry points through `require`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stages {
    pub settings: bool,
    pub data: bool,
    pub control: bool,
}

impl Stages {
    pub fn is_unknown(self) -> bool {
        !(self.settings || self.data || self.control)
    }
    pub fn names(self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.settings {
            names.push("settings");
        }
        if self.data {
            names.push("data");
        }
        if self.control {
            names.push("control");
        }
        if names.is_empty() {
            names.push("unknown");
        }
        names
    }
}

/// One analysed file, as rules see it.
pub struct FileFacts<'a> {
    pub id: FileId,
    pub rel: &'a str,
    pub ir: &'a FileIr,
    pub stages: Stages,
    pub role: Option<crate::config::Role>,
    pub factorio_version: Option<FactorioVersion>,
}

/// What a rule sees: one unit (mod, scenario or loose files), its analysed files and the
/// linked model over them.
pub struct UnitFacts<'a> {
    pub unit: &'a Unit,
    pub files: &'a [FileFacts<'a>],
    pub model: crate::semantic::model::Model<'a>,
}

/// A check over one unit. Rules push diagnostics at their default severity.
pub trait Rule: Sync {
    fn code(&self) -> &'static str;
    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>);
}

/// The checks, in code order.
pub fn checks() -> &'static [&'static dyn Rule] {
    &[
        &registration_outside_control::RegistrationOutsideControl,
        &pairs_order::PairsOrderRegistration,
        &pairs_order::PairsOrderStorageWrite,
        &api_values::StorageUserdata,
        &api_values::ChartTagMutation,
        &global_in_2_0::GlobalIn2_0,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_file_parses_and_every_check_has_a_file() {
        assert_eq!(all().len(), RULE_FILES.len());
        for check in checks() {
            assert!(
                meta(check.code()).is_some(),
                "{} has no rules/{}.toml",
                check.code(),
                check.code()
            );
        }
    }

    #[test]
    fn every_file_in_rules_folder_is_registered() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .trim_end_matches(".toml")
                    .to_string()
            })
            .collect();
        on_disk.sort();
        let mut registered: Vec<String> = RULE_FILES.iter().map(|(c, _)| c.to_string()).collect();
        registered.sort();
        assert_eq!(on_disk, registered);
    }

    #[test]
    fn lookup_by_code_or_name() {
        assert_eq!(lookup("fl501").unwrap().name, "global-in-2-0");
        assert_eq!(lookup("global-in-2-0").unwrap().code, "FL501");
        assert!(lookup("FL9999").is_none(), "a code no rule has");
    }
}
