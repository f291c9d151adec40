//! The registration map (`factolint events`): human, grouped by event, or JSON.

use crate::engine::{RegistrationRow, Report};
use serde_json::json;
use std::collections::BTreeMap;

fn place(report: &Report, file: usize, span: crate::source::Span) -> (String, usize) {
    let source = report.sources.get(file);
    (source.display.clone(), source.line_col(span.start).line)
}

pub fn json(report: &Report) -> String {
    let rows: Vec<_> = report
        .registrations
        .iter()
        .map(|r| {
            let (path, line) = place(report, r.file, r.span);
            let handler = r.handler.map(|(file, span)| {
                let (path, line) = place(report, file, span);
                json!({ "path": path, "line": line })
            });
            json!({
                "mod": r.unit,
                "kind": r.kind,
                "name": r.name,
                "path": path,
                "line": line,
                "handler": handler,
                "contexts": r.contexts,
                "via_event_handler": r.via_event_handler,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({ "version": 1, "registrations": rows }))
        .expect("JSON");
    text.push('\n');
    text
}

/// Grouped by what is registered (`event on_tick`), each with where and in which contexts.
pub fn human(report: &Report) -> String {
    // Lifecycle first, then events, periodic handlers, commands and interfaces.
    let rank = |kind: &str| {
        [
            "on_init",
            "on_load",
            "on_configuration_changed",
            "event",
            "nth_tick",
            "command",
            "remote",
        ]
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(usize::MAX)
    };
    let mut groups: BTreeMap<(usize, &str, &str), Vec<&RegistrationRow>> = BTreeMap::new();
    for r in &report.registrations {
        groups
            .entry((rank(r.kind), r.kind, r.name.as_str()))
            .or_default()
            .push(r);
    }
    if groups.is_empty() {
        return "No registrations found.\n".to_string();
    }
    let mut out = String::new();
    for ((_, kind, name), rows) in groups {
        let title = match kind {
            "event" => name.to_string(),
            "nth_tick" => format!("on_nth_tick {name}"),
            "command" => format!("command /{name}"),
            "remote" => format!("remote interface {name:?}"),
            lifecycle => lifecycle.to_string(),
        };
        out.push_str(&format!("{title}\n"));
        for r in rows {
            let (path, line) = place(report, r.file, r.span);
            let handler = match r.handler {
                Some((file, span)) => {
                    let (hp, hl) = place(report, file, span);
                    format!(" -> handler {hp}:{hl}")
                }
                None => String::new(),
            };
            let contexts = if r.contexts.is_empty() {
                "never reached".to_string()
            } else {
                r.contexts.join(", ")
            };
            let via = if r.via_event_handler {
                " (event_handler lib)"
            } else {
                ""
            };
            out.push_str(&format!(
                "  {}  {path}:{line}{handler}  [{contexts}]{via}\n",
                r.unit
            ));
        }
    }
    out
}
