//! The semantic model: per-file IR (scopes resolved), then per-mod linking.

pub mod annotations;
pub mod callbacks;
pub mod files;
pub mod history;
pub mod ir;
pub mod kinds;
pub mod lifecycle;
pub mod lower;
pub mod model;
pub mod module_state;
pub mod registrations;
pub mod storage;
pub mod storage_writes;
#[cfg(test)]
pub(crate) mod test_model;
pub mod walk_memo;

pub use files::{FileFacts, Stages};
