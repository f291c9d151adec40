//! Migration rules: code written for an older Factorio than the mod declares.

pub mod global_in_2_0;
