//! `--statistics`: how many findings each rule has, most first (then by code).

use super::Format;
use crate::engine::Report;
use serde_json::json;
use std::collections::BTreeMap;

struct Row {
    code: &'static str,
    name: &'static str,
    count: usize,
    fixable: usize,
}

fn rows(report: &Report) -> Vec<Row> {
    let mut by_code: BTreeMap<&'static str, Row> = BTreeMap::new();
    for d in &report.diagnostics {
        let row = by_code.entry(d.code).or_insert_with(|| Row {
            code: d.code,
            name: d.rule_name(),
            count: 0,
            fixable: 0,
        });
        row.count += 1;
        if d.fix.as_ref().is_some_and(|f| f.safe) {
            row.fixable += 1;
        }
    }
    let mut rows: Vec<Row> = by_code.into_values().collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(b.code)));
    rows
}

/// A table (human, concise) or a JSON list; other formats have no place for it.
pub fn render(report: &Report, format: Format) -> Result<String, String> {
    let rows = rows(report);
    match format {
        Format::Human | Format::Concise => {
            let width = rows
                .iter()
                .map(|r| r.count.to_string().len())
                .max()
                .unwrap_or(1);
            let mut out = String::new();
            for row in &rows {
                let fixable = if row.fixable > 0 { " [*]" } else { "" };
                out.push_str(&format!(
                    "{:>width$}  {}  {}{fixable}\n",
                    row.count, row.code, row.name
                ));
            }
            let total: usize = rows.iter().map(|r| r.count).sum();
            out.push_str(&format!(
                "{total} findings in {} files{}\n",
                report.files_checked,
                if rows.iter().any(|r| r.fixable > 0) {
                    " ([*] fixable with `--fix`)"
                } else {
                    ""
                }
            ));
            Ok(out)
        }
        Format::Json => {
            let list: Vec<_> = rows
                .iter()
                .map(|r| {
                    json!({
                        "code": r.code,
                        "rule": r.name,
                        "count": r.count,
                        "fixable": r.fixable,
                    })
                })
                .collect();
            let mut text = serde_json::to_string_pretty(&list).expect("JSON values serialise");
            text.push('\n');
            Ok(text)
        }
        Format::Github | Format::Sarif => Err(
            "--statistics prints a table (human, concise) or JSON, not github or sarif output"
                .into(),
        ),
    }
}
