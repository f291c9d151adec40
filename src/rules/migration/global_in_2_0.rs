//! FL501 global-in-2-0: the free name `global` in code for Factorio 2.0 or later.

use crate::diagnostics::{Diagnostic, Edit, Fix};
use crate::rules::{is_test_code, Rule, UnitFacts};

pub struct GlobalIn2_0;

impl Rule for GlobalIn2_0 {
    fn code(&self) -> &'static str {
        "FL501"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        for file in unit.files {
            let Some(version) = file.factorio_version else {
                continue;
            };
            // `global` never existed outside the control stage. A file no entry point loads
            // statically may still be required dynamically, so it is checked, unless it is
            // test code, which runs outside Factorio with its own globals.
            let unreached_mod_code = file.stages.is_unknown() && !is_test_code(file.rel);
            if !version.is_2_0_or_later() || !(file.stages.control || unreached_mod_code) {
                continue;
            }
            for name in file.ir.free_names.iter().filter(|n| n.name == "global") {
                let message = if name.write {
                    format!("`global` is an ordinary, unsaved variable in Factorio {version}; the saved table is `storage`")
                } else {
                    format!(
                        "`global` is nil in Factorio {version}; the saved table is now `storage`"
                    )
                };
                let fix = Fix {
                    description: "replace `global` with `storage`".to_string(),
                    edits: vec![Edit {
                        span: name.span,
                        replacement: "storage".to_string(),
                    }],
                    safe: true,
                };
                out.push(
                    Diagnostic::new("FL501", file.id, name.span, message)
                        .with_label("renamed to `storage` in 2.0")
                        .with_help("use `storage` (run `factolint check --fix` to rewrite it)")
                        .with_fix(fix),
                );
            }
        }
    }
}
