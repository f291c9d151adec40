//! info.json: telling a mod's from the other files of that name (a save's or scenario's holds
//! `null`, a locale's holds `language-name`), and reading a mod's name and Factorio version.

use super::{FactorioVersion, InfoJsonProblem, ModInfo};
use serde_json::Value;
use std::path::Path;

/// The fields a mod's info.json has, for messages.
const MOD_FIELDS: &str =
    "a mod's info.json is an object with \"name\", \"version\", \"title\", \"author\" and \"factorio_version\"";

/// What an info.json is.
#[derive(Debug)]
pub enum InfoJson {
    /// It is (or says it is) a mod's: read as far as it goes, with the problem if any.
    Mod(ModInfo, Option<InfoJsonProblem>),
    /// Valid JSON that no mod would have (`null`, a list, an object without any mod field): the
    /// folder is not a mod root because of it.
    NotAMod,
}

/// Does this text claim to be a mod's info.json? Text that is not JSON at all, or not UTF-8,
/// gets the benefit of the doubt: it is reported as a broken mod info.json.
pub fn claims_mod(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    match serde_json::from_str::<Value>(text) {
        Ok(value) => is_mod_object(&value),
        Err(_) => true,
    }
}

fn is_mod_object(value: &Value) -> bool {
    value.as_object().is_some_and(|o| {
        ["name", "factorio_version", "dependencies"]
            .iter()
            .any(|k| o.contains_key(*k))
    })
}

/// Reads an info.json's bytes (`read` is what reading it gave). `root_name` stands in for a
/// missing `name`.
pub fn parse(path: &Path, read: std::io::Result<Vec<u8>>, root_name: Option<String>) -> InfoJson {
    let problem = |text: String, line: usize, column: usize, message: String| InfoJsonProblem {
        path: path.to_path_buf(),
        text,
        line,
        column,
        message,
    };
    let broken = |problem| InfoJson::Mod(ModInfo::default(), Some(problem));
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(e) => {
            return broken(problem(
                String::new(),
                1,
                1,
                format!("cannot read info.json: {}", super::describe_io(&e)),
            ))
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            return broken(problem(lossy, 1, 1, "info.json is not valid UTF-8".into()));
        }
    };
    let json_text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let value = match serde_json::from_str::<Value>(json_text) {
        Ok(value) => value,
        Err(e) => {
            // The position is the diagnostic's own; serde_json's (in bytes) would contradict it.
            let full = e.to_string();
            let message = format!(
                "info.json is not valid JSON: {}",
                full.rsplit_once(" at line ")
                    .map_or(full.as_str(), |(m, _)| m)
            );
            // serde_json counts columns in bytes of the text without the byte-order mark.
            let offset = (text.len() - json_text.len())
                + byte_offset(json_text, e.line().max(1), e.column().max(1));
            let (line, column) = line_and_char_column(&text, offset);
            return broken(problem(text.clone(), line, column, message));
        }
    };
    if !is_mod_object(&value) {
        return InfoJson::NotAMod;
    }
    // Point at a key when it is written plainly; else at the start.
    let at_key = |key: &str| match text.find(&format!("\"{key}\"")) {
        Some(offset) => line_and_char_column(&text, offset),
        None => (1, 1),
    };
    let field = |key: &str| value.get(key).filter(|v| !v.is_null());
    let mut info = ModInfo::default();
    let mut issue = None;
    match field("name") {
        Some(Value::String(name)) => info.name = Some(name.clone()),
        Some(other) => {
            let (line, column) = at_key("name");
            issue = Some(problem(
                text.clone(),
                line,
                column,
                format!("`name` must be a string, not {}; {MOD_FIELDS}", kind(other)),
            ));
        }
        None => {
            issue = Some(problem(
                text.clone(),
                1,
                1,
                format!("info.json has no `name`; {MOD_FIELDS}"),
            ))
        }
    }
    match field("factorio_version") {
        Some(Value::String(version)) => match FactorioVersion::parse(version) {
            Some(version) => info.factorio_version = Some(version),
            None if issue.is_none() => {
                let (line, column) = at_key("factorio_version");
                issue = Some(problem(
                    text.clone(),
                    line,
                    column,
                    format!("factorio_version {version:?} is not a version like \"2.0\""),
                ));
            }
            None => {}
        },
        Some(other) if issue.is_none() => {
            let (line, column) = at_key("factorio_version");
            issue = Some(problem(
                text.clone(),
                line,
                column,
                format!(
                    "`factorio_version` must be a string like \"2.0\", not {}",
                    kind(other)
                ),
            ));
        }
        _ => {}
    }
    if info.name.is_none() {
        info.name = root_name;
    }
    InfoJson::Mod(info, issue)
}

/// A JSON value's kind, for messages: "a number (2.0)".
fn kind(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("a string ({s:?})"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// The byte offset of a 1-based line and 1-based byte column, clamped to the line.
fn byte_offset(text: &str, line: usize, byte_column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(n) => start += n + 1,
            None => break,
        }
    }
    let line_len = text[start..].find('\n').unwrap_or(text.len() - start);
    let mut offset = start + (byte_column - 1).min(line_len);
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The 1-based line and character column of a byte offset (diagnostics count characters).
fn line_and_char_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> InfoJsonProblem {
        match parse(
            Path::new("/m/info.json"),
            Ok(text.as_bytes().to_vec()),
            None,
        ) {
            InfoJson::Mod(_, Some(problem)) => problem,
            other => panic!("no problem for {text:?}: {other:?}"),
        }
    }

    #[test]
    fn errors_count_columns_in_characters() {
        let at = |text: &str| {
            let p = problem(text);
            (p.line, p.column)
        };
        // serde_json says column 46 (bytes); the `"` after `"x"` is the 43rd character.
        assert_eq!(at("{\n  \"title\": \"Zahnräder ⚙ mod\", \"name\": \"x\" \"factorio_version\": \"2.0\"\n}\n"), (2, 43));
        // The byte-order mark is one character before the text serde_json sees.
        assert_eq!(at("\u{feff}{\"name\" 1}"), (1, 10));
        assert_eq!(
            at("{\"name\": \"x\",\n \"factorio_version\": \"two\"}"),
            (2, 2)
        );
        assert_eq!(at("{\"name\": \"x\",\n"), (2, 1));
    }

    #[test]
    fn what_is_not_a_mods_info_json() {
        for text in [
            "null",
            "[1, 2]",
            "{\"language-name\": \"English\"}",
            "\"x\"",
        ] {
            assert!(!claims_mod(text.as_bytes()), "{text}");
            assert!(
                matches!(
                    parse(Path::new("/s/info.json"), Ok(text.into()), None),
                    InfoJson::NotAMod
                ),
                "{text}"
            );
        }
        assert!(claims_mod(b"{\"name\": \"m\"}"));
        assert!(claims_mod(b"{\"name\": \"m\",}"), "broken JSON is reported");
    }

    #[test]
    fn wrong_field_types_name_the_field_and_the_expected_ones() {
        let p = problem("{\"name\": 5, \"version\": \"1.0.0\"}");
        assert_eq!((p.line, p.column), (1, 2));
        assert!(
            p.message
                .starts_with("`name` must be a string, not a number (5); a mod's info.json is"),
            "{}",
            p.message
        );
        let p = problem("{\"name\": \"m\",\n \"factorio_version\": 2.0}");
        assert_eq!(
            (p.line, p.message.as_str()),
            (
                2,
                "`factorio_version` must be a string like \"2.0\", not a number (2.0)"
            )
        );
        let p = problem("{\"factorio_version\": \"2.0\"}");
        assert!(
            p.message.starts_with("info.json has no `name`"),
            "{}",
            p.message
        );
    }
}
