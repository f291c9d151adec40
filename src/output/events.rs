//! The registration map (`factolint events`): human, grouped by event, or JSON.

use crate::engine::{RegistrationRow, Report};
use serde_json::json;
use std::collections::BTreeMap;

pub fn json(report: &Report) -> String {
    let rows: Vec<_> = report
        .registrations
        .iter()
        .map(|r| {
            let handler = r
                .handler
                .as_ref()
                .map(|h| json!({ "path": h.path, "line": h.line }));
            json!({
                "mod": r.unit,
                "kind": r.kind,
                "name": r.name,
                "path": r.at.path,
                "line": r.at.line,
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
            let (path, line) = (&r.at.path, r.at.line);
            let handler = match &r.handler {
                Some(h) => format!(" -> handler {}:{}", h.path, h.line),
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
