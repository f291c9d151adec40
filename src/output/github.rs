//! GitHub Actions workflow commands. GitHub shows at most 10 annotations per level per step,
//! so errors come first and the rest are listed as plain log lines.

use super::range;
use crate::diagnostics::Severity;
use crate::engine::Report;

const ANNOTATIONS_PER_LEVEL: usize = 10;

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut ordered: Vec<_> = report.diagnostics.iter().collect();
    // Stable: within a level, the usual path/line order stays.
    ordered.sort_by_key(|d| std::cmp::Reverse(d.severity));
    let mut out = String::new();
    let mut shown = [0usize; 3];
    let mut overflow = Vec::new();
    for d in ordered {
        let level = d.severity as usize;
        if shown[level] == ANNOTATIONS_PER_LEVEL {
            overflow.push(d);
            continue;
        }
        shown[level] += 1;
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let (start, end) = range(&report.sources, d);
        let path = &report.sources.get(d.file).display;
        let mut properties = vec![
            format!("file={}", escape_property(path)),
            format!("line={}", start.line),
        ];
        if start.line == end.line {
            properties.push(format!("col={}", start.column));
            properties.push(format!("endLine={}", end.line));
            properties.push(format!("endColumn={}", end.column));
        } else {
            properties.push(format!("endLine={}", end.line));
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("{} {}", d.code, d.rule_name()))
        ));
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            escape_data(&message)
        ));
    }
    if !overflow.is_empty() {
        out.push_str(&format!(
            "factolint: {} more findings are not annotated (GitHub shows {ANNOTATIONS_PER_LEVEL} per level); upload SARIF (`--format sarif`) to see all of them:\n",
            overflow.len()
        ));
        for d in overflow {
            out.push_str(&super::concise_line(report, d));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_github_rules() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    }
}
