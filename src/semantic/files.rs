//! What the model knows of each analysed file before linking: its IR, the stages that load it,
//! its configured role and the Factorio version it is written for.

use crate::api::FactorioVersion;
use crate::config::Role;
use crate::semantic::ir::FileIr;
use crate::source::FileId;

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
    pub role: Option<Role>,
    pub factorio_version: Option<FactorioVersion>,
}
