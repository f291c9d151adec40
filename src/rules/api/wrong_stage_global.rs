//! FL403 wrong-stage-global: a global used in a stage where Factorio does not define it:
//! `game`, `script` or `storage` in settings or data stage files, `data.raw` or `mods` in the
//! control stage, `settings.global` in the data stage.
//!
//! A file's stages come from the entry points (settings*.lua, data*.lua, control.lua) and what
//! each requires. Only files every loading stage lacks the global in are reported, and only
//! globals the mod does not assign itself.

use crate::api::FactorioVersion;
use crate::diagnostics::Diagnostic;
use crate::rules::{Rule, UnitFacts};
use crate::semantic::ir::*;
use crate::semantic::model::FastSet;
use crate::semantic::{FileFacts, Stages};

pub struct WrongStageGlobal;

/// A global of Factorio's and the stages that have it (FACTORIO.md, "Globals per stage").
struct StageGlobal {
    name: &'static str,
    /// Exists in the settings, data and control stage.
    stages: [bool; 3],
    /// The Factorio versions that define it at all.
    versions: Versions,
    help: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Versions {
    All,
    Since2_0,
    /// `global`: in 2.0 it is gone from every stage, which is a migration matter (FL501),
    /// not a stage one.
    Before2_0,
}

const RUNTIME_ONLY: [bool; 3] = [false, false, true];
const PROTOTYPE_STAGES_ONLY: [bool; 3] = [true, true, false];

const GLOBALS: &[StageGlobal] = &[
    StageGlobal {
        name: "game",
        stages: RUNTIME_ONLY,
        versions: Versions::All,
        help: "game state exists only at run time: move this code into control.lua or a file it requires (and use it from an event handler, not while loading)",
    },
    StageGlobal {
        name: "script",
        stages: RUNTIME_ONLY,
        versions: Versions::All,
        help: "event registration and `script.*` belong in control.lua or a file it requires; in the data stage, read `mods` for the active mods",
    },
    StageGlobal {
        name: "remote",
        stages: RUNTIME_ONLY,
        versions: Versions::All,
        help: "remote interfaces exist only in the control stage: move this code into control.lua or a file it requires",
    },
    StageGlobal {
        name: "commands",
        stages: RUNTIME_ONLY,
        versions: Versions::All,
        help: "console commands are added in the control stage: move this code into control.lua or a file it requires",
    },
    StageGlobal {
        name: "rcon",
        stages: RUNTIME_ONLY,
        versions: Versions::All,
        help: "`rcon` exists only in the control stage",
    },
    StageGlobal {
        name: "rendering",
        stages: RUNTIME_ONLY,
        versions: Versions::All,
        help: "drawing is done at run time: move this code into control.lua or a file it requires",
    },
    StageGlobal {
        name: "storage",
        stages: RUNTIME_ONLY,
        versions: Versions::Since2_0,
        help: "the saved table exists only in the control stage; prototype code passes data on through `data.raw` or settings",
    },
    StageGlobal {
        name: "global",
        stages: RUNTIME_ONLY,
        versions: Versions::Before2_0,
        help: "the saved table (`global` in 1.1, `storage` in 2.0) exists only in the control stage",
    },
    StageGlobal {
        name: "prototypes",
        stages: RUNTIME_ONLY,
        versions: Versions::Since2_0,
        help: "`prototypes` is the run-time view of the finished prototypes; while they load, read `data.raw`",
    },
    StageGlobal {
        name: "settings",
        stages: [false, true, true],
        versions: Versions::All,
        help: "settings are being defined in this stage; read them from the data stage on (`settings.startup`)",
    },
    StageGlobal {
        name: "data",
        stages: PROTOTYPE_STAGES_ONLY,
        versions: Versions::All,
        help: "`data.raw` exists only while prototypes load; at run time read prototypes through `prototypes.*` (2.0) or `game.*_prototypes` (1.1)",
    },
    StageGlobal {
        name: "mods",
        stages: PROTOTYPE_STAGES_ONLY,
        versions: Versions::All,
        help: "at run time the active mods are `script.active_mods`",
    },
    StageGlobal {
        name: "feature_flags",
        stages: PROTOTYPE_STAGES_ONLY,
        versions: Versions::Since2_0,
        help: "at run time the feature flags are `script.feature_flags`",
    },
];

/// `settings.<field>` tables that only the control stage fills.
const RUNTIME_SETTINGS: &[&str] = &["global", "player", "player_default"];

impl Rule for WrongStageGlobal {
    fn code(&self) -> &'static str {
        "FL403"
    }

    fn check(&self, unit: &UnitFacts<'_>, out: &mut Vec<Diagnostic>) {
        // Names the mod assigns as globals somewhere are its own variables (test code's
        // stand-ins for Factorio's globals do not count).
        let assigned: FastSet<&str> = unit
            .files
            .iter()
            .filter(|f| !crate::rules::is_test_code(f.rel))
            .flat_map(|f| f.ir.free_names.iter())
            .filter(|n| n.write)
            .map(|n| n.name.as_str())
            .collect();
        for file in unit.files {
            let stages = file.stages;
            if stages.is_unknown() || crate::rules::is_test_code(file.rel) {
                continue;
            }
            let modern = file
                .factorio_version
                .is_none_or(FactorioVersion::is_2_0_or_later);
            // A file that checks whether a stage's global is set (`if script then`) expects
            // to run where it is nil: shared code that works out its stage itself.
            let stage_aware = file
                .ir
                .free_names
                .iter()
                .any(|n| n.tested && GLOBALS.iter().any(|g| g.name == n.name));
            if stage_aware {
                continue;
            }
            for name in file.ir.free_names.iter().filter(|n| !n.write) {
                let Some(global) = GLOBALS.iter().find(|g| g.name == name.name) else {
                    continue;
                };
                let defined = match global.versions {
                    Versions::All => true,
                    Versions::Since2_0 => modern,
                    Versions::Before2_0 => !modern,
                };
                if !defined
                    || assigned.contains(global.name)
                    || exists_in_any(global.stages, stages)
                {
                    continue;
                }
                out.push(finding(
                    file,
                    name.span,
                    format!(
                        "`{}` does not exist in the {} stage; it is nil here",
                        global.name,
                        stage_list(stages)
                    ),
                    global.help,
                ));
            }
            // `settings.global` in a file only the data stage loads (the settings stage has
            // no `settings` at all, which the loop above reports).
            if stages.data && !stages.settings && !stages.control && !assigned.contains("settings")
            {
                for member in &file.ir.members {
                    let base = file.ir.member_base(member);
                    if matches!(base, Value::Global(name) if name == "settings")
                        && RUNTIME_SETTINGS.contains(&file.ir.member_name(member))
                    {
                        out.push(finding(
                            file,
                            member.span,
                            format!(
                                "`settings.{}` does not exist in the data stage; it is nil here",
                                file.ir.member_name(member)
                            ),
                            "only startup settings exist while prototypes load: `settings.startup[name].value`",
                        ));
                    }
                }
            }
        }
    }
}

/// Whether some stage the file is loaded in has the global.
fn exists_in_any(has: [bool; 3], stages: Stages) -> bool {
    (stages.settings && has[0]) || (stages.data && has[1]) || (stages.control && has[2])
}

/// "data", "settings and data".
fn stage_list(stages: Stages) -> String {
    stages.names().join(" and ")
}

fn finding(file: &FileFacts, span: crate::source::Span, message: String, help: &str) -> Diagnostic {
    let stages = file.stages;
    let entry_points = match (stages.settings, stages.data, stages.control) {
        (_, _, true) => "control.lua, the migrations",
        (true, false, false) => "settings.lua, settings-updates.lua, settings-final-fixes.lua",
        (false, true, false) => "data.lua, data-updates.lua, data-final-fixes.lua",
        _ => "the settings and data stage files",
    };
    let stage = stage_list(stages);
    Diagnostic::new("FL403", file.id, span, message)
        .with_label(format!("nil in the {stage} stage"))
        .with_note(format!(
            "`{}` runs only in the {stage} stage ({entry_points} and the files they require)",
            file.rel
        ))
        .with_help(help.to_string())
}
