//! End-to-end tests: the built `factolint` binary over the mini mods in `fixtures/` and over
//! bad input generated in temporary directories.
//!
//! Snapshots live in `snapshots/` beside this file. Review every `.snap` change line by line:
//! a snapshot is an assertion, and a snapshot of wrong output is a bug in the code.

mod common;

mod api_rules;
mod archive;
mod bad_input;
mod baseline;
mod cache;
mod config;
mod fix;
mod fl203;
mod fl501;
mod formats;
mod github;
mod migration;
mod paths;
mod progress;
mod rules_cmd;
mod sarif;
mod selection;
mod stdin;
mod suppress;
