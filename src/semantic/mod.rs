//! The semantic model: per-file IR (scopes resolved), then per-mod linking.

pub mod annotations;
pub mod files;
pub mod ir;
pub mod kinds;
pub mod lower;
pub mod model;
pub mod module_state;
pub mod storage;

pub use files::{FileFacts, Stages};
