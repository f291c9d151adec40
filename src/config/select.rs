//! Which rules run, and at which level: selectors (`FL501`, `global-in-2-0`, `FL5`, `ALL`) in
//! `select`, `extend-select`, `ignore` and `[rules]` levels, from factolint.toml and the command
//! line. The same semantics as ruff's `select`/`ignore`: within one layer the most specific
//! selector decides (an exact rule beats a family, a family beats `ALL`; on a tie, ignoring
//! wins); a later layer (an override, then the command line) decides over an earlier one.

use crate::catalog::Tag;
use crate::diagnostics::Severity;

/// A configured level: a severity, or off.
pub type Level = Option<Severity>;

/// The level words `[rules]` accepts, as shown in messages.
pub const LEVEL_WORDS: &str = "\"error\", \"warning\" (or \"warn\"), \"info\" or \"off\"";

/// Reads a level word: `error`, `warning` (or `warn`), `info`, `off`.
pub fn parse_level(word: &str) -> Option<Level> {
    match word {
        "off" => Some(None),
        "error" | "warning" | "warn" | "info" => Some(Severity::parse(word)),
        _ => None,
    }
}

/// Rules whose findings say that part of the input was not checked at all (unparsable,
/// unreadable, an invalid info.json, over a limit). A `select` that does not name them leaves
/// them on, so that `--select FL5` cannot silently pass a file it never read; only an explicit
/// `ignore` (or level `off`) turns them off.
const INPUT_PROBLEMS: &[&str] = &["FL001", "FL003", "FL004", "FL005"];

/// One selector word, resolved to the rules it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    /// As written, for messages.
    pub text: String,
    /// 0 for `ALL`, 1 for a tag (`hazard`, `standard`), 1 + the number of code digits for a
    /// family (`FL5` is 2, `FL50` is 3), and `EXACT` for one rule by code or name.
    specificity: u8,
    codes: Vec<&'static str>,
}

const EXACT: u8 = u8::MAX;

impl Selector {
    /// `ALL`, a tag (`hazard`, `standard`), a rule code (`FL501`, any case), a rule name
    /// (`global-in-2-0`) or a code prefix naming a family (`FL5`, `FL50`). New kinds of selector
    /// word are added here only.
    pub fn parse(word: &str) -> Result<Selector, String> {
        let word = word.trim();
        let all = crate::catalog::all();
        let selector = |specificity, codes: Vec<&'static str>| Selector {
            text: word.to_string(),
            specificity,
            codes,
        };
        if word.eq_ignore_ascii_case("ALL") {
            return Ok(selector(0, all.iter().map(|m| m.code.as_str()).collect()));
        }
        if let Some(meta) = crate::catalog::lookup(word) {
            return Ok(selector(EXACT, vec![meta.code.as_str()]));
        }
        if let Some(tag) = Tag::parse(word) {
            let codes = all.iter().filter(|m| m.tag == tag).map(|m| m.code.as_str());
            return Ok(selector(1, codes.collect()));
        }
        let upper = word.to_ascii_uppercase();
        if let Some(digits) = upper.strip_prefix("FL") {
            if !digits.is_empty() && digits.len() < 3 && digits.bytes().all(|b| b.is_ascii_digit())
            {
                let codes: Vec<&'static str> = all
                    .iter()
                    .map(|m| m.code.as_str())
                    .filter(|code| code.starts_with(&upper))
                    .collect();
                if codes.is_empty() {
                    return Err(format!("no rule code starts with {upper}"));
                }
                return Ok(selector(1 + digits.len() as u8, codes));
            }
        }
        Err(format!(
            "unknown rule or selector {word:?}: use a code (FL501), a family (FL5), a rule name \
             (global-in-2-0), a tag (hazard, standard) or ALL; `factolint rules` lists them"
        ))
    }

    pub fn matches(&self, code: &str) -> bool {
        self.codes.contains(&code)
    }

    /// Two selectors of the same specificity that share a rule: in one `[rules]` table, their
    /// levels would contradict each other.
    pub fn overlaps(&self, other: &Selector) -> Option<&'static str> {
        if self.specificity != other.specificity {
            return None;
        }
        self.codes.iter().find(|c| other.codes.contains(c)).copied()
    }
}

/// One source of rule settings: a factolint.toml (top level or one override) or the command
/// line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleLayer {
    /// Replaces the rules enabled so far (ruff's `select`).
    pub select: Option<Vec<Selector>>,
    /// Adds to them.
    pub extend_select: Vec<Selector>,
    pub ignore: Vec<Selector>,
    /// `[rules]`: a severity enables the rule at that level; `off` ignores it.
    pub levels: Vec<(Selector, Level)>,
}

impl RuleLayer {
    pub fn is_empty(&self) -> bool {
        *self == RuleLayer::default()
    }

    /// Applies this layer to one rule's state (enabled, level). An opt-in rule (off by
    /// default) is turned on only by its own code or name: `ALL`, a tag or a family keep
    /// meaning "the rules that run for everyone".
    fn apply(&self, code: &str, opt_in: bool, enabled: &mut bool, level: &mut Severity) {
        // The most specific on/off directive; on a tie, off wins.
        let mut decided: Option<(u8, bool)> = None;
        let mut consider = |selector: &Selector, on: bool| {
            if !selector.matches(code) || (on && opt_in && selector.specificity != EXACT) {
                return;
            }
            let better = match decided {
                None => true,
                Some((specificity, was_on)) => {
                    selector.specificity > specificity
                        || (selector.specificity == specificity && was_on && !on)
                }
            };
            if better {
                decided = Some((selector.specificity, on));
            }
        };
        for selector in self.select.iter().flatten().chain(&self.extend_select) {
            consider(selector, true);
        }
        for selector in &self.ignore {
            consider(selector, false);
        }
        for (selector, level) in &self.levels {
            consider(selector, level.is_some());
        }
        match decided {
            Some((_, on)) => *enabled = on,
            None if self.select.is_some() && !INPUT_PROBLEMS.contains(&code) => *enabled = false,
            None => {}
        }
        if let Some((_, Some(severity))) = self
            .levels
            .iter()
            .filter(|(selector, level)| level.is_some() && selector.matches(code))
            .max_by_key(|(selector, _)| selector.specificity)
        {
            *level = *severity;
        }
    }
}

/// The level of `code` after the layers, in order; `None` when the rule is off or unknown.
pub fn resolve<'a>(code: &str, layers: impl IntoIterator<Item = &'a RuleLayer>) -> Level {
    let meta = crate::catalog::meta(code)?;
    resolve_from(code, meta.default_enabled, meta.default_severity, layers)
}

fn resolve_from<'a>(
    code: &str,
    default_enabled: bool,
    default_level: Severity,
    layers: impl IntoIterator<Item = &'a RuleLayer>,
) -> Level {
    let mut enabled = default_enabled;
    let mut level = default_level;
    for layer in layers {
        layer.apply(code, !default_enabled, &mut enabled, &mut level);
    }
    enabled.then_some(level)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selectors(words: &[&str]) -> Vec<Selector> {
        words.iter().map(|w| Selector::parse(w).unwrap()).collect()
    }

    fn layer(select: Option<&[&str]>, extend: &[&str], ignore: &[&str]) -> RuleLayer {
        RuleLayer {
            select: select.map(selectors),
            extend_select: selectors(extend),
            ignore: selectors(ignore),
            levels: Vec::new(),
        }
    }

    #[test]
    fn selector_words() {
        assert_eq!(Selector::parse("fl501").unwrap().codes, ["FL501"]);
        assert_eq!(Selector::parse("global-in-2-0").unwrap().codes, ["FL501"]);
        let family = Selector::parse("FL0").unwrap();
        assert!(family.matches("FL001") && family.matches("FL005") && !family.matches("FL101"));
        assert!(Selector::parse("ALL").unwrap().matches("FL401"));
        assert!(Selector::parse("FL9").unwrap_err().contains("FL9"));
        assert!(Selector::parse("loud").unwrap_err().contains("\"loud\""));
        assert!(Selector::parse("FL5012").is_err());
        let standard = Selector::parse("Standard").unwrap();
        assert!(
            standard.matches("FL301") && standard.matches("FL201") && !standard.matches("FL501")
        );
        assert!(Selector::parse("hazard").unwrap().matches("FL101"));
    }

    #[test]
    fn tags_sit_between_all_and_families() {
        // Only hazards, but one coding standard back by code.
        let hazards = layer(Some(&["hazard"]), &["FL301"], &[]);
        assert_eq!(resolve("FL501", [&hazards]), Some(Severity::Error));
        assert_eq!(resolve("FL201", [&hazards]), None);
        assert_eq!(resolve("FL301", [&hazards]), Some(Severity::Warning));
        // A family is more specific than a tag.
        let no_standards = layer(None, &["FL2"], &["standard"]);
        assert_eq!(resolve("FL202", [&no_standards]), Some(Severity::Warning));
        assert_eq!(resolve("FL401", [&no_standards]), None);
    }

    #[test]
    fn select_replaces_ignore_removes_and_the_most_specific_wins() {
        let only_fl5 = layer(Some(&["FL5"]), &[], &[]);
        assert_eq!(resolve("FL501", [&only_fl5]), Some(Severity::Error));
        assert_eq!(resolve("FL301", [&only_fl5]), None);
        // Input problems stay on unless ignored by name.
        assert_eq!(resolve("FL001", [&only_fl5]), Some(Severity::Error));
        let no_parse_errors = layer(Some(&["FL5"]), &[], &["FL001"]);
        assert_eq!(resolve("FL001", [&no_parse_errors]), None);

        let family_off_rule_on = layer(None, &["FL501"], &["FL5"]);
        assert_eq!(
            resolve("FL501", [&family_off_rule_on]),
            Some(Severity::Error)
        );
        let tie = layer(Some(&["FL501"]), &[], &["global-in-2-0"]);
        assert_eq!(resolve("FL501", [&tie]), None);

        // A later layer decides over an earlier one.
        let config = RuleLayer {
            levels: vec![(Selector::parse("FL501").unwrap(), None)],
            ..RuleLayer::default()
        };
        let command_line = layer(None, &["FL5"], &[]);
        assert_eq!(
            resolve("FL501", [&config, &command_line]),
            Some(Severity::Error)
        );
        assert_eq!(resolve("FL501", [&command_line, &config]), None);
    }

    #[test]
    fn levels_set_severity_and_enable() {
        let levels = RuleLayer {
            ignore: selectors(&["FL3"]),
            levels: vec![
                (Selector::parse("FL3").unwrap(), Some(Severity::Error)),
                (Selector::parse("FL301").unwrap(), Some(Severity::Info)),
            ],
            ..RuleLayer::default()
        };
        assert_eq!(resolve("FL301", [&levels]), Some(Severity::Info));
        // A later `select` keeps the level set earlier.
        let select = layer(Some(&["FL301"]), &[], &[]);
        assert_eq!(resolve("FL301", [&levels, &select]), Some(Severity::Info));
    }

    #[test]
    fn opt_in_rules_run_only_when_named() {
        let opt_in = |layers: &[&RuleLayer]| {
            resolve_from("FL203", false, Severity::Warning, layers.iter().copied())
        };
        assert_eq!(opt_in(&[]), None);
        for broad in ["ALL", "FL2", "FL20", "hazard"] {
            assert_eq!(opt_in(&[&layer(None, &[broad], &[])]), None, "{broad}");
            assert_eq!(opt_in(&[&layer(Some(&[broad]), &[], &[])]), None, "{broad}");
        }
        for exact in ["FL203", "state-outside-storage"] {
            let on = layer(None, &[exact], &[]);
            assert_eq!(opt_in(&[&on]), Some(Severity::Warning), "{exact}");
            // Once named, a broader ignore in the same layer loses and a later one wins.
            assert_eq!(
                opt_in(&[&layer(None, &[exact], &["FL2"])]),
                Some(Severity::Warning)
            );
            assert_eq!(opt_in(&[&on, &layer(None, &[], &["ALL"])]), None);
        }
        // A level for it by name turns it on; a family level only sets the severity.
        let by_name = RuleLayer {
            levels: vec![(Selector::parse("FL203").unwrap(), Some(Severity::Error))],
            ..RuleLayer::default()
        };
        assert_eq!(opt_in(&[&by_name]), Some(Severity::Error));
        let by_family = RuleLayer {
            levels: vec![(Selector::parse("FL2").unwrap(), Some(Severity::Error))],
            ..RuleLayer::default()
        };
        assert_eq!(opt_in(&[&by_family]), None);
        assert_eq!(
            opt_in(&[&by_family, &layer(None, &["FL203"], &[])]),
            Some(Severity::Error)
        );
    }

    #[test]
    fn level_words() {
        assert_eq!(parse_level("warn"), Some(Some(Severity::Warning)));
        assert_eq!(parse_level("off"), Some(None));
        assert_eq!(parse_level("Warning"), None);
    }
}
