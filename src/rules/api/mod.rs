//! API-use rules: how mod code uses the values of the Factorio API. Shared here: which API
//! table judges a file, "did you mean" suggestions, and the version a member appeared in.

pub mod chart_tag_mutation;
pub mod read_only_api_write;
pub mod unknown_api_member;
pub mod wrong_stage_global;

use crate::api::{self, Api, FactorioVersion};
use crate::rules::UnitFacts;
use crate::semantic::ir::FuncId;
use crate::semantic::model::FnRef;
use crate::semantic::FileFacts;

/// The API table that judges a file's API use, or `None` when nothing version-specific can be
/// said: a Factorio older than every known table, or a file whose configured version differs
/// from the one the unit's value kinds were worked out with.
///
/// Test code (which runs outside Factorio with stand-ins for its objects) is not judged.
pub(super) fn judging_table(unit: &UnitFacts, file: &FileFacts) -> Option<&'static Api> {
    let version = file.factorio_version;
    let table = api::for_version(version);
    let judged = api::describes(version)
        && std::ptr::eq(table, unit.model.api)
        && !crate::rules::is_test_code(file.rel);
    judged.then_some(table)
}

/// "Factorio 2.0" for messages: the version the mod declares, and the table judged by when
/// that differs (a version newer than every known table).
pub(super) fn version_phrase(declared: Option<FactorioVersion>, table: &Api) -> String {
    match declared {
        Some(version) if version != table.version() => format!(
            "Factorio {version} (checked against {}, the newest API factolint knows)",
            table.version()
        ),
        Some(version) => format!("Factorio {version}"),
        None => format!(
            "Factorio {} (no factorio_version in info.json or factolint.toml)",
            table.version()
        ),
    }
}

/// Where the code in `func` runs, for a note: "runs in the on_built_entity handler".
pub(super) fn runs_in(unit: &UnitFacts, file: usize, func: FuncId) -> Option<String> {
    let function = FnRef { file, func };
    let model = &unit.model;
    let context = model.contexts(function).into_iter().next()?;
    let origin = &model.reach(function, context)?.origin;
    Some(format!(
        "this runs in {origin} ({} context)",
        context.name()
    ))
}

/// The first newer Factorio whose table has what `has` looks for.
pub(super) fn first_newer(table: &Api, has: impl Fn(&Api) -> bool) -> Option<FactorioVersion> {
    api::newer_than(table)
        .find(|newer| has(newer))
        .map(Api::version)
}

/// A note for a name that `newer` added, when the code is checked as `table`'s version.
pub(super) fn added_in(newer: FactorioVersion, table: &Api) -> String {
    format!(
        "added in Factorio {newer}; this code is checked as Factorio {} (`factorio_version` in info.json, or `factorio-version` in factolint.toml)",
        table.version()
    )
}

/// The candidate most likely meant by `name`: a one-letter slip first, then a name that
/// keeps all of its words and adds one or two (`on_player_joined` → `on_player_joined_game`),
/// then the closest by edit distance within a third of the length (ties: alphabetical).
pub(super) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let length = name.chars().count();
    let limit = (length / 3).max(2);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != name)
        .filter_map(|candidate| {
            // The distance is at least the difference in length: past the limit, only a name
            // that extends this one can be meant, and most candidates are told apart here.
            if length.abs_diff(candidate.chars().count()) > limit && !extends(name, candidate) {
                return None;
            }
            let distance = edit_distance(name, candidate);
            let tier = if distance <= 1 {
                0
            } else if extends(name, candidate) {
                1
            } else if distance <= limit {
                2
            } else {
                return None;
            };
            Some((tier, distance, candidate))
        })
        .min()
        .map(|(_, _, candidate)| candidate)
}

/// `candidate` has all of `name`'s `_`-separated words, in order, and at most two more.
fn extends(name: &str, candidate: &str) -> bool {
    let words: Vec<&str> = name.split('_').collect();
    let theirs: Vec<&str> = candidate.split('_').collect();
    if theirs.len() <= words.len() || theirs.len() > words.len() + 2 {
        return false;
    }
    let mut remaining = theirs.iter();
    words
        .iter()
        .all(|word| remaining.any(|their| their == word))
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring characters each cost one.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let width = b.len() + 1;
    let mut table = vec![0usize; (a.len() + 1) * width];
    for (i, row) in table.chunks_mut(width).enumerate() {
        row[0] = i;
    }
    for (j, cell) in table[..width].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (table[(i - 1) * width + j] + 1)
                .min(table[i * width + j - 1] + 1)
                .min(table[(i - 1) * width + j - 1] + substitution);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(table[(i - 2) * width + j - 2] + 1);
            }
            table[i * width + j] = best;
        }
    }
    table[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_count_typos() {
        assert_eq!(edit_distance("charactr", "character"), 1);
        assert_eq!(edit_distance("chraacter", "character"), 1);
        assert_eq!(edit_distance("caharcter", "character"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn suggestions_are_close_names_only() {
        let members = ["character", "characters", "cheat_mode", "name"];
        assert_eq!(closest("charactr", members), Some("character"));
        assert_eq!(closest("nme", members), Some("name"));
        assert_eq!(closest("surface", members), None);
        let events = [
            "on_player_banned",
            "on_player_joined_game",
            "on_player_left_game",
            "on_tick",
        ];
        assert_eq!(
            closest("on_player_joined", events),
            Some("on_player_joined_game")
        );
        assert_eq!(closest("on_tik", events), Some("on_tick"));
        assert_eq!(closest("on_bobs_inserter_adjusted", events), None);
        assert!(extends("set_filter", "set_inventory_filter"));
        assert!(!extends("set_filter", "filter_set"));
    }
}
