//! SARIF 2.1.0 for GitHub code scanning and other consumers. Rule metadata comes from rules/.

use crate::diagnostics::Severity;
use crate::engine::Report;
use crate::source::{SourceDb, Span};
use serde_json::{json, Value};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn region(sources: &SourceDb, file: usize, span: Span) -> Value {
    let f = sources.get(file);
    let (start, end) = (f.line_col(span.start), f.line_col(span.end));
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

fn physical(sources: &SourceDb, file: usize, span: Span) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(&sources.get(file).display) },
            "region": region(sources, file, span),
        }
    })
}

/// A relative URI reference for a path inside the working directory, a `file:` URI for one
/// outside it: percent-encode what URIs do not allow in a path.
fn uri(path: &str) -> String {
    let encode = |text: &str| {
        let mut out = String::new();
        for byte in text.bytes() {
            match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                    out.push(byte as char)
                }
                _ => out.push_str(&format!("%{byte:02X}")),
            }
        }
        out
    };
    let bytes = path.as_bytes();
    if bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/' {
        // A Windows drive path (`C:/mods/x.lua`); display paths use `/`.
        return format!("file:///{}:{}", &path[..1], encode(&path[2..]));
    }
    if path.starts_with('/') {
        return format!("file://{}", encode(path));
    }
    encode(path)
}

pub fn render(report: &Report) -> String {
    let metas = crate::catalog::all();
    let rules: Vec<Value> = metas
        .iter()
        .map(|m| {
            let mut default_configuration = json!({ "level": level(m.default_severity) });
            if !m.default_enabled {
                // SARIF's `enabled` defaults to true; only opt-in rules say otherwise.
                default_configuration["enabled"] = json!(false);
            }
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": m.explanation.trim() },
                "help": { "text": m.explanation.trim() },
                "defaultConfiguration": default_configuration,
                "properties": { "fixable": m.fixable },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let rule_index = metas.iter().position(|m| m.code == d.code).unwrap_or(0);
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str(&format!("\nhelp: {help}"));
            }
            let mut result = json!({
                "ruleId": d.code,
                "ruleIndex": rule_index,
                "level": level(d.severity),
                "message": { "text": text },
                "locations": [physical(&report.sources, d.file, d.span)],
            });
            if !d.secondary.is_empty() {
                result["relatedLocations"] = d
                    .secondary
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let mut loc = physical(&report.sources, l.file, l.span);
                        loc["id"] = json!(i + 1);
                        loc["message"] = json!({ "text": l.message });
                        loc
                    })
                    .collect();
            }
            if let Some(fix) = &d.fix {
                let replacements: Vec<Value> = fix
                    .edits
                    .iter()
                    .map(|e| {
                        json!({
                            "deletedRegion": region(&report.sources, d.file, e.span),
                            "insertedContent": { "text": e.replacement },
                        })
                    })
                    .collect();
                result["fixes"] = json!([{
                    "description": { "text": fix.description },
                    "artifactChanges": [{
                        "artifactLocation": { "uri": uri(&report.sources.get(d.file).display) },
                        "replacements": replacements,
                    }],
                }]);
            }
            result
        })
        .collect();
    let document = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "factolint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&document).expect("JSON values serialise");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::uri;

    #[test]
    fn uris_are_relative_inside_the_working_directory_and_file_uris_outside() {
        assert_eq!(uri("mod/odd, name%.lua"), "mod/odd%2C%20name%25.lua");
        assert_eq!(
            uri("/tmp/my mod/control.lua"),
            "file:///tmp/my%20mod/control.lua"
        );
        assert_eq!(uri("C:/mods/x.lua"), "file:///C:/mods/x.lua");
    }
}
