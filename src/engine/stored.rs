//! What the engine keeps in the cache for one unit: each file's analysis, keyed by a hash of
//! the file's bytes, and the unit's findings, keyed by a hash of everything they depend on.
//!
//! One cache entry per unit: `[nesting limit][files][result]`, with each file's analysis and
//! the result encoded with postcard. Whatever fails to decode is treated as absent.

use super::{Analysis, UnitRegistration};
use crate::diagnostics::{Diagnostic, Edit, Fix, Label, Severity};
use crate::semantic::model::{RegKind, CONTEXTS};
use crate::source::{FileId, Span};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A unit's entry as read from the cache: slices of its body.
#[derive(Default)]
pub(super) struct StoredUnit {
    body: Vec<u8>,
    /// File hash → range of its encoded analysis in `body`.
    files: HashMap<u128, (usize, usize)>,
    result: Option<(u128, usize, usize)>,
}

impl StoredUnit {
    /// Reads an entry written for `nesting`; anything malformed gives an empty entry.
    pub fn decode(body: Vec<u8>, nesting: u64) -> StoredUnit {
        Self::parse(&body, nesting)
            .map(|(files, result)| StoredUnit {
                body,
                files,
                result,
            })
            .unwrap_or_default()
    }

    #[allow(clippy::type_complexity)]
    fn parse(
        body: &[u8],
        nesting: u64,
    ) -> Option<(HashMap<u128, (usize, usize)>, Option<(u128, usize, usize)>)> {
        let mut reader = Reader { body, at: 0 };
        if reader.u64()? != nesting {
            return None;
        }
        let count = reader.u64()?;
        let mut files = HashMap::new();
        for _ in 0..count {
            let hash = reader.u128()?;
            files.insert(hash, reader.blob()?);
        }
        let result = match reader.u64()? {
            0 => None,
            _ => {
                let key = reader.u128()?;
                let (start, end) = reader.blob()?;
                Some((key, start, end))
            }
        };
        (reader.at == body.len()).then_some((files, result))
    }

    /// The encoded analysis of the file whose bytes hash to `hash`.
    pub fn file(&self, hash: u128) -> Option<&[u8]> {
        self.files.get(&hash).map(|&(s, e)| &self.body[s..e])
    }

    /// The findings of a unit of `files` files, when they were stored for `key`.
    pub fn result(&self, key: u128, files: usize) -> Option<UnitResult> {
        let (stored_key, start, end) = self.result?;
        if stored_key != key {
            return None;
        }
        let stored: StoredResult = postcard::from_bytes(&self.body[start..end]).ok()?;
        stored.restore(files)
    }
}

struct Reader<'a> {
    body: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(n)?;
        let bytes = self.body.get(self.at..end)?;
        self.at = end;
        Some(bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }
    fn blob(&mut self) -> Option<(usize, usize)> {
        let len = usize::try_from(self.u64()?).ok()?;
        let start = self.at;
        self.take(len)?;
        Some((start, start + len))
    }
}

/// Builds an entry's body: each file's analysis, then the result.
pub(super) fn encode_unit(
    nesting: u64,
    files: &[(u128, &[u8])],
    result: Option<(u128, &[u8])>,
) -> Vec<u8> {
    let size: usize = files.iter().map(|(_, b)| b.len() + 24).sum::<usize>()
        + result.map_or(0, |(_, b)| b.len() + 24)
        + 24;
    let mut out = Vec::with_capacity(size);
    out.extend_from_slice(&nesting.to_le_bytes());
    out.extend_from_slice(&(files.len() as u64).to_le_bytes());
    for (hash, bytes) in files {
        out.extend_from_slice(&hash.to_le_bytes());
        out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    match result {
        None => out.extend_from_slice(&0u64.to_le_bytes()),
        Some((key, bytes)) => {
            out.extend_from_slice(&1u64.to_le_bytes());
            out.extend_from_slice(&key.to_le_bytes());
            out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(bytes);
        }
    }
    out
}

pub(super) fn encode_analysis(analysis: &Analysis) -> Option<Vec<u8>> {
    postcard::to_stdvec(analysis).ok()
}

pub(super) fn decode_analysis(bytes: &[u8]) -> Option<Analysis> {
    postcard::from_bytes(bytes).ok()
}

/// What `check_unit` found, before it is merged into the report.
pub(super) type UnitResult = (Vec<Diagnostic>, bool, Vec<UnitRegistration>);

pub(super) fn encode_result(result: &UnitResult) -> Option<Vec<u8>> {
    let (diagnostics, io_failure, registrations) = result;
    let stored = StoredResult {
        diagnostics: diagnostics.iter().map(StoredDiagnostic::from).collect(),
        io_failure: *io_failure,
        registrations: registrations
            .iter()
            .map(|r| StoredRegistration {
                kind: r.kind.to_string(),
                name: r.name.clone(),
                at: r.at,
                handler: r.handler,
                contexts: r.contexts.iter().map(|c| c.to_string()).collect(),
                via_event_handler: r.via_event_handler,
            })
            .collect(),
    };
    postcard::to_stdvec(&stored).ok()
}

#[derive(Serialize, Deserialize)]
struct StoredResult {
    diagnostics: Vec<StoredDiagnostic>,
    io_failure: bool,
    registrations: Vec<StoredRegistration>,
}

#[derive(Serialize, Deserialize)]
struct StoredDiagnostic {
    code: String,
    severity: Severity,
    file: FileId,
    span: Span,
    message: String,
    label: String,
    secondary: Vec<(FileId, Span, String)>,
    notes: Vec<String>,
    help: Option<String>,
    fix: Option<StoredFix>,
}

/// A fix's description, edits and whether it is safe.
type StoredFix = (String, Vec<(Span, String)>, bool);

#[derive(Serialize, Deserialize)]
struct StoredRegistration {
    kind: String,
    name: String,
    at: (FileId, Span),
    handler: Option<(FileId, Span)>,
    contexts: Vec<String>,
    via_event_handler: bool,
}

impl From<&Diagnostic> for StoredDiagnostic {
    fn from(d: &Diagnostic) -> Self {
        StoredDiagnostic {
            code: d.code.to_string(),
            severity: d.severity,
            file: d.file,
            span: d.span,
            message: d.message.clone(),
            label: d.label.clone(),
            secondary: d
                .secondary
                .iter()
                .map(|l| (l.file, l.span, l.message.clone()))
                .collect(),
            notes: d.notes.clone(),
            help: d.help.clone(),
            fix: d.fix.as_ref().map(|f| {
                (
                    f.description.clone(),
                    f.edits
                        .iter()
                        .map(|e| (e.span, e.replacement.clone()))
                        .collect(),
                    f.safe,
                )
            }),
        }
    }
}

const REG_KINDS: [RegKind; 7] = [
    RegKind::Event,
    RegKind::NthTick,
    RegKind::Command,
    RegKind::Remote,
    RegKind::OnInit,
    RegKind::OnLoad,
    RegKind::OnConfigurationChanged,
];

impl StoredResult {
    /// The findings, unless a code or name is one this build does not know or a file id is
    /// not one of the unit's `files` (then the entry is not trusted).
    fn restore(self, files: usize) -> Option<UnitResult> {
        let in_unit = |id: FileId| (id < files).then_some(id);
        let mut diagnostics = Vec::with_capacity(self.diagnostics.len());
        for d in self.diagnostics {
            in_unit(d.file)?;
            for (file, ..) in &d.secondary {
                in_unit(*file)?;
            }
            diagnostics.push(Diagnostic {
                code: crate::catalog::static_code(&d.code)?,
                severity: d.severity,
                file: d.file,
                span: d.span,
                message: d.message,
                label: d.label,
                secondary: d
                    .secondary
                    .into_iter()
                    .map(|(file, span, message)| Label {
                        file,
                        span,
                        message,
                    })
                    .collect(),
                notes: d.notes,
                help: d.help,
                fix: d.fix.map(|(description, edits, safe)| Fix {
                    description,
                    edits: edits
                        .into_iter()
                        .map(|(span, replacement)| Edit { span, replacement })
                        .collect(),
                    safe,
                }),
            });
        }
        let mut registrations = Vec::with_capacity(self.registrations.len());
        for r in self.registrations {
            in_unit(r.at.0)?;
            if let Some((file, _)) = r.handler {
                in_unit(file)?;
            }
            let kind = REG_KINDS.iter().map(|k| k.name()).find(|k| *k == r.kind)?;
            let mut contexts = Vec::with_capacity(r.contexts.len());
            for c in &r.contexts {
                contexts.push(CONTEXTS.iter().map(|k| k.name()).find(|k| k == c)?);
            }
            registrations.push(UnitRegistration {
                kind,
                name: r.name,
                at: r.at,
                handler: r.handler,
                contexts,
                via_event_handler: r.via_event_handler,
            });
        }
        Some((diagnostics, self.io_failure, registrations))
    }
}
