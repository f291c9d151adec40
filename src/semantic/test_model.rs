//! A model over a few files of source, for the semantic layer's unit tests.

use super::ir::FileIr;
use super::lower::lower;
use super::model::Model;
use super::{FileFacts, Stages};

/// Lowers `files` (control.lua first) and links them into a model; calls `check` with it.
pub fn with_model(files: &[(&str, &str)], check: impl FnOnce(&Model, &[FileFacts])) {
    let irs: Vec<FileIr> = files
        .iter()
        .map(|(_, text)| {
            let parsed = crate::syntax::parse(text).expect("parses");
            lower(&parsed, text)
        })
        .collect();
    let facts: Vec<FileFacts> = files
        .iter()
        .zip(&irs)
        .enumerate()
        .map(|(id, ((rel, _), ir))| FileFacts {
            id,
            rel,
            ir,
            stages: Stages {
                control: true,
                ..Stages::default()
            },
            role: None,
            factorio_version: crate::api::FactorioVersion::parse("2.0"),
        })
        .collect();
    let model = Model::build(Some("test"), &facts);
    check(&model, &facts);
}
