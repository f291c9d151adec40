//! `--format github`, read back the way the Actions runner reads workflow commands.

use crate::common::*;
use std::collections::BTreeMap;

/// One `::command key=value,...::message` line, unescaped.
#[derive(Debug)]
struct WorkflowCommand {
    command: String,
    properties: BTreeMap<String, String>,
    message: String,
}

fn unescape_data(text: &str) -> String {
    text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%25", "%")
}

fn unescape_property(text: &str) -> String {
    unescape_data(&text.replace("%3A", ":").replace("%2C", ","))
}

/// `%` may only start one of the escapes GitHub decodes.
fn assert_escapes_only(text: &str, allowed: &[&str]) {
    for (i, _) in text.match_indices('%') {
        assert!(
            allowed.iter().any(|e| text[i..].starts_with(e)),
            "unescaped % in {text:?}"
        );
    }
}

/// Parses one line as the runner does: `::`, a command name, optional properties separated by
/// `,` after a space, `::`, then the message. Returns `None` for a plain log line.
fn parse(line: &str) -> Option<WorkflowCommand> {
    let rest = line.strip_prefix("::")?;
    let end = rest
        .find("::")
        .unwrap_or_else(|| panic!("no closing `::` in {line:?}"));
    let (head, message) = (&rest[..end], &rest[end + 2..]);
    let (command, properties) = head.split_once(' ').unwrap_or((head, ""));
    assert!(
        !message.contains(['\r', '\n']),
        "raw line break in {line:?}"
    );
    assert_escapes_only(message, &["%25", "%0D", "%0A"]);
    let mut parsed = BTreeMap::new();
    for property in properties.split(',').filter(|p| !p.is_empty()) {
        let (key, value) = property
            .split_once('=')
            .unwrap_or_else(|| panic!("property without `=`: {property:?}"));
        assert!(!value.contains(':'), "raw `:` in property {key}={value:?}");
        assert_escapes_only(value, &["%25", "%0D", "%0A", "%3A", "%2C"]);
        assert!(
            parsed
                .insert(key.to_string(), unescape_property(value))
                .is_none(),
            "{key} twice in {line:?}"
        );
    }
    Some(WorkflowCommand {
        command: command.to_string(),
        properties: parsed,
        message: unescape_data(message),
    })
}

/// Checks an annotation's shape and returns it.
fn annotation(line: &str) -> WorkflowCommand {
    let command = parse(line).unwrap_or_else(|| panic!("not a workflow command: {line:?}"));
    assert!(
        ["error", "warning", "notice"].contains(&command.command.as_str()),
        "{line}"
    );
    for key in command.properties.keys() {
        assert!(
            ["file", "line", "col", "endLine", "endColumn", "title"].contains(&key.as_str()),
            "unknown {key} in {line}"
        );
    }
    let number = |key: &str| {
        command
            .properties
            .get(key)
            .map(|v| v.parse::<u64>().unwrap_or_else(|_| panic!("{key}={v:?}")))
    };
    let (line_no, end_line) = (
        number("line").expect("line"),
        number("endLine").expect("endLine"),
    );
    assert!(line_no >= 1 && end_line >= line_no, "{line}");
    if line_no == end_line {
        let (col, end_col) = (
            number("col").expect("col"),
            number("endColumn").expect("endColumn"),
        );
        assert!(col >= 1 && end_col >= col, "{line}");
    }
    assert!(
        command.properties.contains_key("file") && command.properties.contains_key("title"),
        "{line}"
    );
    command
}

#[test]
fn showcase_annotations_match_the_json_findings() {
    let cwd = fixtures("output");
    let github = factolint(&cwd, &["check", "showcase", "--format", "github"]);
    let json = check_json(&cwd, &["showcase"]).json();
    let mut annotations: Vec<WorkflowCommand> = github.stdout.lines().map(annotation).collect();
    let mut expected: Vec<&serde_json::Value> =
        json["diagnostics"].as_array().unwrap().iter().collect();
    assert_eq!(annotations.len(), expected.len());
    // GitHub shows errors first; compare in the JSON (path, line, column) order.
    // `col` is left out when a finding spans lines (GitHub ignores columns then).
    let number = |a: &WorkflowCommand, key: &str| {
        a.properties
            .get(key)
            .map_or(0, |v| v.parse::<u64>().unwrap())
    };
    annotations.sort_by_key(|a| {
        (
            a.properties["file"].clone(),
            number(a, "line"),
            number(a, "col"),
        )
    });
    expected.sort_by_key(|d| {
        (
            d["path"].as_str().unwrap().to_string(),
            d["line"].as_u64().unwrap(),
            d["column"].as_u64().unwrap(),
        )
    });
    for (a, d) in annotations.iter().zip(expected) {
        let level = match d["severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        assert_eq!(a.command, level);
        assert_eq!(a.properties["file"], d["path"].as_str().unwrap());
        assert_eq!(a.properties["line"], d["line"].to_string());
        assert_eq!(a.properties["endLine"], d["end_line"].to_string());
        if d["line"] == d["end_line"] {
            assert_eq!(a.properties["col"], d["column"].to_string());
            assert_eq!(a.properties["endColumn"], d["end_column"].to_string());
        }
        assert_eq!(
            a.properties["title"],
            format!(
                "{} {}",
                d["code"].as_str().unwrap(),
                d["rule"].as_str().unwrap()
            )
        );
        assert!(
            a.message.starts_with(d["message"].as_str().unwrap()),
            "{a:?}"
        );
        if let Some(help) = d["help"].as_str() {
            assert!(a.message.ends_with(&format!("\nhelp: {help}")), "{a:?}");
        }
    }
}

#[test]
fn special_characters_in_paths_and_messages_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let name = "odd, name: 100%.lua";
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", b"require('odd')\n"),
            (
                &format!("m/{name}"),
                b"global.x = 1 -- factolint: ignore FL501, no-such-rule%\n",
            ),
        ],
    );
    let run = factolint(dir.path(), &["check", "m", "--format", "github"]);
    assert!(
        run.stdout.contains("file=m/odd%2C name%3A 100%25.lua,"),
        "{}",
        run.stdout
    );
    let annotations: Vec<WorkflowCommand> = run.stdout.lines().map(annotation).collect();
    assert_eq!(annotations.len(), 1, "{}", run.stdout);
    assert_eq!(annotations[0].properties["file"], format!("m/{name}"));
    assert_eq!(annotations[0].command, "warning");
    assert!(
        annotations[0]
            .message
            .starts_with("unknown rule `no-such-rule%`\nhelp: "),
        "{:?}",
        annotations[0]
    );
}

#[test]
fn more_than_ten_findings_per_level_are_listed_after_the_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let control: String = (1..=12).map(|i| format!("global.x{i} = {i}\n")).collect();
    write_files(
        dir.path(),
        &[
            ("m/info.json", &info_json("m", "2.0")),
            ("m/control.lua", control.as_bytes()),
        ],
    );
    let run = factolint(dir.path(), &["check", "m", "--format", "github"]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let annotations: Vec<WorkflowCommand> = lines.iter().filter_map(|l| parse(l)).collect();
    assert_eq!(annotations.len(), 10);
    assert_eq!(annotations[9].properties["line"], "10");
    let plain: Vec<&&str> = lines.iter().filter(|l| !l.starts_with("::")).collect();
    assert_eq!(plain.len(), 3, "{}", run.stdout);
    assert!(plain[0].contains("2 more findings"), "{}", plain[0]);
    assert!(
        plain[1].starts_with("m/control.lua:11:1: FL501 [error] "),
        "{}",
        plain[1]
    );
    assert_eq!(run.code, 1);
}
