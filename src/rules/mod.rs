//! The checks. Each rule is one file under its family's folder (`src/rules/<family>/`), its
//! documentation is `rules/FLxxx.toml` (embedded by `catalog`), and [`checks`] lists it once.

pub mod api;
pub mod determinism;
pub mod lifecycle;
pub mod meta;
pub mod migration;
pub mod storage;
pub mod timing;

use crate::diagnostics::Diagnostic;
use crate::semantic::FileFacts;
use crate::workspace::Unit;

/// What a rule sees: one unit (mod, scenario or loose files), its analysed files and the
/// linked model over them.
pub struct UnitFacts<'a> {
    pub unit: &'a Unit,
    pub files: &'a [FileFacts<'a>],
    pub model: crate::semantic::model::Model<'a>,
}

impl UnitFacts<'_> {
    /// Whether findings located in `files[file]` are wanted: the files the run reports on
    /// (every file of `factolint check DIR`, the open ones in the editor). A rule may skip the
    /// sites of other files when each site's findings lie in the site's own file; the engine
    /// drops findings outside the scope anyway. `tests/report_scope.rs` checks that findings
    /// in a file are the same whatever else is in the scope.
    pub fn in_scope(&self, file: usize) -> bool {
        self.unit
            .files
            .get(self.files[file].id)
            .is_none_or(|work| work.report)
    }
}

/// A check over one unit. Rules push diagnostics at their default severity.
pub trait Rule: Sync {
    fn code(&self) -> &'static str;
    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>);
}

/// Files under a test folder (`tests/`, `spec/`, ...): test code runs outside Factorio, with
/// its own stand-ins for the game's globals.
pub fn is_test_code(rel: &str) -> bool {
    rel.split('/')
        .rev()
        .skip(1)
        .any(|dir| matches!(dir, "test" | "tests" | "spec" | "specs" | "__tests__"))
}

/// The checks, in code order: the registry. A new rule is one line here.
pub fn checks() -> &'static [&'static dyn Rule] {
    &[
        &lifecycle::event_registration_outside_control::RegistrationOutsideControl,
        &lifecycle::storage_write_in_on_load::StorageWriteInOnLoad,
        &lifecycle::game_at_load::GameAtLoad,
        &lifecycle::require_at_runtime::RequireAtRuntime,
        &lifecycle::random_at_load::RandomAtLoad,
        &lifecycle::registration_only_in_on_load::RegistrationOnlyInOnLoad,
        &lifecycle::stale_storage_alias::StaleStorageAlias,
        &lifecycle::unregistration_not_mirrored::UnregistrationNotMirrored,
        &lifecycle::duplicate_registration::DuplicateRegistration,
        &determinism::pairs_order_registration::PairsOrderRegistration,
        &determinism::pairs_order_storage_write::PairsOrderStorageWrite,
        &determinism::state_outside_storage::StateOutsideStorage,
        &storage::storage_userdata::StorageUserdata,
        &storage::unsaveable_storage_value::UnsaveableStorageValue,
        &storage::unregistered_metatable::UnregisteredMetatable,
        &api::chart_tag_mutation::ChartTagMutation,
        &api::unknown_api_member::UnknownApiMember,
        &api::wrong_stage_global::WrongStageGlobal,
        &api::read_only_api_write::ReadOnlyApiWrite,
        &migration::global_in_2_0::GlobalIn2_0,
        &migration::moved_api::MovedApi,
        &migration::removed_api::RemovedApi,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{self, Family};

    #[test]
    fn every_check_has_a_rule_file_and_every_rule_file_a_check() {
        let mut checked: Vec<&str> = checks().iter().map(|c| c.code()).collect();
        let sorted = {
            let mut s = checked.clone();
            s.sort();
            s
        };
        assert_eq!(checked, sorted, "checks() is in code order");
        checked.dedup();
        assert_eq!(checked.len(), checks().len(), "a code is registered twice");
        for code in &checked {
            assert!(
                catalog::meta(code).is_some(),
                "{code} has no rules/{code}.toml"
            );
        }
        // Meta rules are reported by the engine while reading input; every other rule file
        // needs its check.
        let documented: Vec<&str> = catalog::all()
            .iter()
            .filter(|m| m.family() != Family::Meta)
            .map(|m| m.code.as_str())
            .collect();
        assert_eq!(documented, checked);
    }

    #[test]
    fn each_family_folder_holds_its_own_codes() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
        for family in Family::ALL {
            let dir = root.join(family.as_str());
            assert!(
                dir.join("mod.rs").is_file(),
                "src/rules/{} is missing",
                family.as_str()
            );
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let text = std::fs::read_to_string(&path).unwrap();
                let impls = text.matches("impl Rule for ").count();
                assert!(impls <= 1, "{} defines {impls} rules", path.display());
                for check in checks() {
                    let code = check.code();
                    if impls == 1 && text.contains(&format!("\"{code}\"")) {
                        assert_eq!(
                            Family::of_code(code),
                            Some(family),
                            "{} is not in {}",
                            code,
                            path.display()
                        );
                    }
                }
            }
        }
    }
}
