use crate::diagnostics::{Diagnostic, Severity};
use crate::engine::Report;
use codespan_reporting::diagnostic::{self as cs, LabelStyle};
use codespan_reporting::term::{self, termcolor};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorMode {
    Auto,
    Always,
    Never,
}

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<usize> {
    let severity = match d.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Info => cs::Severity::Note,
    };
    let mut labels =
        vec![cs::Label::new(LabelStyle::Primary, d.file, d.span.range())
            .with_message(d.label.clone())];
    labels.extend(d.secondary.iter().map(|l| {
        cs::Label::new(LabelStyle::Secondary, l.file, l.span.range())
            .with_message(l.message.clone())
    }));
    let mut notes: Vec<String> = d.notes.iter().map(|n| format!("note: {n}")).collect();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    if let Some(fix) = &d.fix {
        let kind = if fix.safe {
            "fix available"
        } else {
            "suggestion"
        };
        notes.push(format!("{kind}: {}", fix.description));
    }
    cs::Diagnostic::new(severity)
        .with_code(format!("{}/{}", d.code, d.rule_name()))
        .with_message(d.message.clone())
        .with_labels(labels)
        .with_notes(notes)
}

/// Rich output; `color` is resolved by the caller (`Auto` means: a terminal is attached).
pub fn render(report: &Report, color: bool) -> Vec<u8> {
    let mut buffer = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    let config = term::Config::default();
    for d in &report.diagnostics {
        if term::emit_to_write_style(&mut buffer, &config, &report.sources, &to_codespan(d))
            .is_err()
        {
            // A span outside its file would be our bug; still show the finding.
            use std::io::Write;
            let _ = writeln!(buffer, "{}: {} {}", d.severity.as_str(), d.code, d.message);
        }
    }
    buffer.into_inner()
}
