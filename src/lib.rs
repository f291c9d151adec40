//! factolint: a static analyzer for Factorio mod Lua. It reads a mod's Lua, models the
//! Factorio script lifecycle, and reports multiplayer, desync and 2.0-migration hazards.

pub mod api;
pub mod cache;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod engine;
pub mod fix;
pub mod lsp;
pub mod output;
pub mod rules;
pub mod semantic;
pub mod source;
pub mod suppress;
pub mod syntax;
pub mod workspace;
