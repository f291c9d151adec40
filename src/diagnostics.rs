//! The one diagnostic type every rule produces and every output format renders.

pub use crate::catalog::Severity;
use crate::source::{FileId, Span};

/// A secondary location with a message (a call chain step, a related definition).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// One text replacement, in the diagnostic's own file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, e.g. "replace `global` with `storage`".
    pub description: String,
    pub edits: Vec<Edit>,
    /// Safe fixes are applied by `--fix`; unsafe ones are only offered (editors, `--diff`).
    pub safe: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub file: FileId,
    pub span: Span,
    pub message: String,
    /// Text under the primary span; empty for none.
    pub label: String,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A diagnostic at the rule's default severity; the engine applies configured severities.
    pub fn new(code: &'static str, file: FileId, span: Span, message: impl Into<String>) -> Self {
        let severity = crate::catalog::meta(code)
            .map(|m| m.default_severity)
            .unwrap_or(Severity::Error);
        Diagnostic {
            code,
            severity,
            file,
            span,
            message: message.into(),
            label: String::new(),
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            fix: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn with_secondary(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// The rule name for this code (`global-in-2-0` for FL501).
    pub fn rule_name(&self) -> &'static str {
        crate::catalog::meta(self.code)
            .map(|m| m.name.as_str())
            .unwrap_or("unknown")
    }
}
