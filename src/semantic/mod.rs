//! The semantic model: per-file IR (scopes resolved), then per-mod linking.

pub mod annotations;
pub mod files;
pub mod history;
pub mod ir;
pub mod kinds;
pub mod lower;
pub mod model;
pub mod storage;
#[cfg(test)]
pub(crate) mod test_model;

pub use files::{FileFacts, Stages};
