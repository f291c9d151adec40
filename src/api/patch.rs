//! Differences between two API extracts as JSON merge patches (RFC 7386): an object in the
//! patch changes the members it names, `null` removes a member, any other value replaces the
//! old one. Most of one Factorio version's API is the same in the next, so the versions other
//! than 2.0 are stored as patches of the 2.0 extract and rebuilt from it when factolint is
//! built.
//!
//! The extracts never hold `null` (absent members are left out), so a `null` in a patch always
//! means "removed".

use serde_json::{Map, Value};

/// The patch that turns `base` into `target`.
pub fn diff(base: &Value, target: &Value) -> Value {
    match (base, target) {
        (Value::Object(base), Value::Object(target)) => {
            let mut patch = Map::new();
            for (key, old) in base {
                match target.get(key) {
                    None => {
                        patch.insert(key.clone(), Value::Null);
                    }
                    Some(new) if new != old => {
                        patch.insert(key.clone(), diff(old, new));
                    }
                    Some(_) => {}
                }
            }
            for (key, new) in target {
                if !base.contains_key(key) {
                    patch.insert(key.clone(), new.clone());
                }
            }
            Value::Object(patch)
        }
        _ => target.clone(),
    }
}

/// Applies a patch made by [`diff`] to `base`, in place (when factolint is built: build.rs
/// includes this file).
#[cfg_attr(not(test), allow(dead_code))]
pub fn apply(base: &mut Value, patch: Value) {
    let Value::Object(changes) = patch else {
        *base = patch;
        return;
    };
    if !base.is_object() {
        *base = Value::Object(Map::new());
    }
    let members = base.as_object_mut().expect("made an object above");
    for (key, change) in changes {
        if change.is_null() {
            members.remove(&key);
        } else if let Some(old) = members.get_mut(&key) {
            apply(old, change);
        } else {
            let mut fresh = Value::Null;
            apply(&mut fresh, change);
            members.insert(key, fresh);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn applying_the_diff_gives_the_target() {
        let base = json!({"a": 1, "b": {"c": [1, 2], "d": "x"}, "gone": {"e": 1}});
        let target = json!({"a": 2, "b": {"c": [1, 2, 3], "new": {"f": true}}, "added": []});
        let patch = diff(&base, &target);
        assert_eq!(
            patch,
            json!({"a": 2, "b": {"c": [1, 2, 3], "d": null, "new": {"f": true}}, "gone": null, "added": []})
        );
        let mut rebuilt = base.clone();
        apply(&mut rebuilt, patch);
        assert_eq!(rebuilt, target);
    }

    #[test]
    fn equal_values_give_an_empty_patch() {
        let value = json!({"a": {"b": [1]}});
        assert_eq!(diff(&value, &value), json!({}));
    }

    #[test]
    fn a_value_replaced_by_an_object_keeps_none_of_the_old_value() {
        let base = json!({"a": "named"});
        let target = json!({"a": {"array": "LuaEntity"}});
        let mut rebuilt = base.clone();
        apply(&mut rebuilt, diff(&base, &target));
        assert_eq!(rebuilt, target);
    }
}
