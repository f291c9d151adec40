use super::range;
use crate::diagnostics::Diagnostic;
use crate::engine::Report;
use crate::source::SourceDb;
use serde_json::{json, Value};

fn location(sources: &SourceDb, file: usize, span: crate::source::Span) -> Value {
    let f = sources.get(file);
    let (start, end) = (f.line_col(span.start), f.line_col(span.end));
    json!({
        "path": f.display,
        "line": start.line,
        "column": start.column,
        "end_line": end.line,
        "end_column": end.column,
    })
}

pub fn diagnostic_json(sources: &SourceDb, d: &Diagnostic) -> Value {
    let (start, end) = range(sources, d);
    let fix = d.fix.as_ref().map(|fix| {
        json!({
            "description": fix.description,
            "safe": fix.safe,
            "edits": fix.edits.iter().map(|e| {
                let mut loc = location(sources, d.file, e.span);
                loc["start_byte"] = json!(e.span.start);
                loc["end_byte"] = json!(e.span.end);
                loc["replacement"] = json!(e.replacement);
                loc
            }).collect::<Vec<_>>(),
        })
    });
    json!({
        "code": d.code,
        "rule": d.rule_name(),
        "severity": d.severity.as_str(),
        "path": sources.get(d.file).display,
        "line": start.line,
        "column": start.column,
        "end_line": end.line,
        "end_column": end.column,
        "message": d.message,
        "label": d.label,
        "help": d.help,
        "notes": d.notes,
        "related": d.secondary.iter().map(|l| {
            let mut loc = location(sources, l.file, l.span);
            loc["message"] = json!(l.message);
            loc
        }).collect::<Vec<_>>(),
        "fix": fix,
    })
}

pub fn render(report: &Report) -> String {
    use crate::diagnostics::Severity::*;
    let (hazards, standards) = super::tag_counts(report);
    let mut document = json!({
        "version": 1,
        "diagnostics": report.diagnostics.iter().map(|d| diagnostic_json(&report.sources, d)).collect::<Vec<_>>(),
        "summary": {
            "files": report.files_checked,
            "errors": report.count(Error),
            "warnings": report.count(Warning),
            "infos": report.count(Info),
            "hazards": hazards,
            "standards": standards,
            "fixable": report.diagnostics.iter().filter(|d| d.fix.as_ref().is_some_and(|f| f.safe)).count(),
        },
    });
    if let Some(baselined) = report.baselined {
        document["summary"]["baselined"] = json!(baselined);
    }
    let mut text = serde_json::to_string_pretty(&document).expect("JSON values serialise");
    text.push('\n');
    text
}
