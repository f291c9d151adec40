//! The server loop: documents, debounced checks, publishing, hover and code actions.
//!
//! One thread handles every message in order and runs the checks itself (the engine uses
//! its own worker pool). Edits are debounced: a burst of `didChange` becomes one check once
//! the client has been quiet for the debounce interval (none by default: the messages queued
//! so far are taken as one burst); open and save check at once. A check
//! that an edit arriving meanwhile makes stale is cancelled and run again. Each file's
//! analysis is kept between checks, so an edit re-parses only the edited file. Hover and code
//! actions first finish any pending check, so they never answer from stale text.

use super::actions::{self, Finding, Target};
use super::convert;
use super::transport::{self, Incoming};
use crate::config::Config;
use crate::engine::{self, Cancel, CheckOptions, Memo};
use crate::workspace::{self, DiscoverError};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, FileSystemWatcher, GlobPattern, Hover,
    HoverContents, HoverParams, HoverProviderCapability, InitializeParams, InitializeResult,
    MarkupContent, MarkupKind, MessageType, Position, PublishDiagnosticsParams, Registration,
    RegistrationParams, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions, Url,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Quiet time after the last edit before the buffer is checked: none. Every message already
/// queued is taken before a check starts (a burst becomes one check), and an edit arriving
/// during a check cancels it; waiting longer would only delay every answer.
pub const DEFAULT_DEBOUNCE: Duration = Duration::ZERO;

/// Files whose change can alter the findings of every open Lua file under them.
const PROJECT_FILES: &[&str] = &[crate::config::FILE_NAME, "info.json"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Uninitialized,
    Running,
    ShutdownRequested,
}

struct Document {
    /// `None` for documents that are not files (`untitled:`): never checked.
    path: Option<PathBuf>,
    version: i32,
    text: String,
}

impl Document {
    fn is_lua(&self) -> bool {
        self.path.as_deref().is_some_and(is_lua)
    }
}

fn is_lua(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "lua")
}

fn is_project_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|name| PROJECT_FILES.iter().any(|p| name == *p))
}

/// Whether `path` belongs to the unit rooted at `root` (a folder, or a single loose file).
fn is_under(path: &Path, root: &Path) -> bool {
    path.starts_with(root)
}

pub struct Server<W: Write> {
    out: W,
    state: State,
    documents: BTreeMap<Url, Document>,
    /// What was last published for each URI; only non-empty entries are kept.
    findings: HashMap<Url, Vec<Finding>>,
    /// The document version last published with each URI's diagnostics.
    published_versions: HashMap<Url, Option<i32>>,
    /// Each file's analysis from the last checks.
    memo: Arc<Memo>,
    /// The checks' worker threads, made on the first check.
    workers: Option<Arc<rayon::ThreadPool>>,
    /// Moved by the reader thread whenever a document changes: cancels running checks.
    edits: Arc<AtomicU64>,
    /// factolint.toml files with a published configuration error, and the message.
    config_errors: BTreeMap<PathBuf, String>,
    /// Files to re-check (with the rest of their unit) when the deadline passes.
    pending: BTreeSet<PathBuf>,
    deadline: Option<Instant>,
    debounce: Duration,
    versioned_edits: bool,
    /// The client can watch files for us (dynamic registration of didChangeWatchedFiles).
    watch_files: bool,
    next_request_id: i32,
}

impl<W: Write> Server<W> {
    /// A server writing to `out`; `edits` is moved by whoever reads its input when a document
    /// changes.
    pub fn new(out: W, edits: Arc<AtomicU64>) -> Self {
        Server {
            out,
            state: State::Uninitialized,
            documents: BTreeMap::new(),
            findings: HashMap::new(),
            published_versions: HashMap::new(),
            memo: Arc::new(Memo::default()),
            workers: None,
            edits,
            config_errors: BTreeMap::new(),
            pending: BTreeSet::new(),
            deadline: None,
            debounce: DEFAULT_DEBOUNCE,
            versioned_edits: false,
            watch_files: false,
            next_request_id: 1,
        }
    }

    /// Handles messages until `exit` or the end of input; returns the process exit code
    /// (0 after a `shutdown` request, 1 otherwise, as the protocol asks).
    pub fn run(mut self, incoming: Receiver<Incoming>) -> i32 {
        loop {
            let next = match self.deadline {
                Some(deadline) => match incoming
                    .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                {
                    Ok(message) => Some(message),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => Some(Incoming::Closed),
                },
                None => Some(incoming.recv().unwrap_or(Incoming::Closed)),
            };
            if let Some(message) = next {
                if let Some(code) = self.handle(message) {
                    return code;
                }
                // Take everything already queued before checking: a burst becomes one check.
                while let Ok(message) = incoming.try_recv() {
                    if let Some(code) = self.handle(message) {
                        return code;
                    }
                }
            }
            if self.deadline.is_some_and(|d| d <= Instant::now()) {
                self.flush(true);
            }
        }
    }

    fn exit_code(&self) -> i32 {
        if self.state == State::ShutdownRequested {
            0
        } else {
            1
        }
    }

    /// One incoming message; `Some(code)` when the server must stop.
    fn handle(&mut self, incoming: Incoming) -> Option<i32> {
        match incoming {
            Incoming::Closed => Some(self.exit_code()),
            Incoming::Malformed { id, code, message } => {
                if transport::write_raw_error(&mut self.out, id, code, &message).is_err() {
                    return Some(self.exit_code());
                }
                None
            }
            Incoming::Message(Message::Request(request)) => {
                let id = request.id.clone();
                let method = request.method.clone();
                let response = match panic::catch_unwind(AssertUnwindSafe(|| self.request(request)))
                {
                    Ok(response) => response,
                    Err(_) => Response::new_err(
                        id,
                        ErrorCode::InternalError as i32,
                        format!("factolint failed while handling {method}"),
                    ),
                };
                self.send(response.into());
                None
            }
            Incoming::Message(Message::Notification(notification)) => {
                if notification.method == lsp_types::notification::Exit::METHOD {
                    return Some(self.exit_code());
                }
                let method = notification.method.clone();
                if panic::catch_unwind(AssertUnwindSafe(|| self.notification(notification)))
                    .is_err()
                {
                    self.log(
                        MessageType::ERROR,
                        format!("factolint failed while handling {method}"),
                    );
                }
                None
            }
            // Answers to our own requests (capability registration): nothing to do.
            Incoming::Message(Message::Response(_)) => None,
        }
    }

    fn send(&mut self, message: Message) {
        // A client that stopped reading will close our input too; the loop ends there.
        let _ = transport::write_message(&mut self.out, &message);
    }

    fn notify<N: lsp_types::notification::Notification>(&mut self, params: N::Params) {
        self.send(Notification::new(N::METHOD.to_string(), params).into());
    }

    fn log(&mut self, typ: MessageType, message: String) {
        self.notify::<lsp_types::notification::LogMessage>(lsp_types::LogMessageParams {
            typ,
            message,
        });
    }

    fn request(&mut self, request: Request) -> Response {
        use lsp_types::request::{CodeActionRequest, HoverRequest, Initialize, Shutdown};
        let id = request.id.clone();
        match (self.state, request.method.as_str()) {
            (State::Uninitialized, Initialize::METHOD) => {
                with_params(request, |params: InitializeParams| {
                    Ok(self.initialize(params))
                })
            }
            (State::Uninitialized, _) => Response::new_err(
                id,
                ErrorCode::ServerNotInitialized as i32,
                "the server is not initialized yet".into(),
            ),
            (State::ShutdownRequested, _) => Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".into(),
            ),
            (State::Running, Initialize::METHOD) => Response::new_err(
                id,
                ErrorCode::InvalidRequest as i32,
                "the server is already initialized".into(),
            ),
            (State::Running, Shutdown::METHOD) => {
                self.state = State::ShutdownRequested;
                Response::new_ok(id, Value::Null)
            }
            (State::Running, HoverRequest::METHOD) => {
                with_params(request, |params: HoverParams| Ok(self.hover(params)))
            }
            (State::Running, CodeActionRequest::METHOD) => {
                with_params(request, |params: CodeActionParams| {
                    Ok(self.code_actions(params))
                })
            }
            (State::Running, method) => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("factolint does not handle {method}"),
            ),
        }
    }

    fn initialize(&mut self, params: InitializeParams) -> InitializeResult {
        self.state = State::Running;
        let workspace = params.capabilities.workspace.as_ref();
        self.versioned_edits = workspace
            .and_then(|w| w.workspace_edit.as_ref())
            .and_then(|e| e.document_changes)
            .unwrap_or(false);
        self.watch_files = workspace
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        if let Some(ms) = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("debounceMs"))
            .and_then(Value::as_u64)
        {
            self.debounce = Duration::from_millis(ms.min(10_000));
        }
        InitializeResult {
            capabilities: ServerCapabilities {
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::FULL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(false),
                        })),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::from(actions::FIX_ALL_KIND.to_string()),
                        ]),
                        ..CodeActionOptions::default()
                    },
                )),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "factolint".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
        }
    }

    /// Asks the client to tell us about factolint.toml, info.json and Lua files changing on
    /// disk, since those change findings in files that are open. Sent on `initialized`: the
    /// protocol allows no server requests before the client has the initialize result.
    fn register_watchers(&mut self) {
        let watchers = ["**/factolint.toml", "**/info.json", "**/*.lua"]
            .into_iter()
            .map(|glob| FileSystemWatcher {
                glob_pattern: GlobPattern::String(glob.into()),
                kind: None,
            })
            .collect();
        let registration = Registration {
            id: "factolint-watched-files".into(),
            method: lsp_types::notification::DidChangeWatchedFiles::METHOD.into(),
            register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                watchers,
            })
            .ok(),
        };
        let id = RequestId::from(self.next_request_id);
        self.next_request_id += 1;
        let params = RegistrationParams {
            registrations: vec![registration],
        };
        self.send(
            Request::new(
                id,
                lsp_types::request::RegisterCapability::METHOD.into(),
                params,
            )
            .into(),
        );
    }
}

/// Decodes a request's params and runs `handler`; bad params become an `InvalidParams` error.
fn with_params<P: serde::de::DeserializeOwned, R: serde::Serialize>(
    request: Request,
    handler: impl FnOnce(P) -> Result<R, (ErrorCode, String)>,
) -> Response {
    let id = request.id.clone();
    match serde_json::from_value::<P>(request.params) {
        Ok(params) => match handler(params) {
            Ok(result) => Response::new_ok(id, result),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        },
        Err(e) => Response::new_err(
            id,
            ErrorCode::InvalidParams as i32,
            format!("invalid params for {}: {e}", request.method),
        ),
    }
}

/// Notifications: the document lifecycle and file changes.
impl<W: Write> Server<W> {
    fn notification(&mut self, notification: Notification) {
        use lsp_types::notification::{
            DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument,
            DidOpenTextDocument, DidSaveTextDocument, Initialized,
        };
        // Before initialize, notifications are dropped (the protocol says so); exit is handled earlier.
        if self.state == State::Uninitialized {
            return;
        }
        let method = notification.method.clone();
        let outcome = match method.as_str() {
            Initialized::METHOD => {
                if self.watch_files {
                    self.register_watchers();
                }
                Ok(())
            }
            DidOpenTextDocument::METHOD => decode(notification).map(|p| self.did_open(p)),
            DidChangeTextDocument::METHOD => decode(notification).map(|p| self.did_change(p)),
            DidSaveTextDocument::METHOD => decode(notification).map(|p| self.did_save(p)),
            DidCloseTextDocument::METHOD => decode(notification).map(|p| self.did_close(p)),
            DidChangeWatchedFiles::METHOD => {
                decode(notification).map(|p| self.did_change_watched_files(p))
            }
            // Everything else ($/cancelRequest, $/setTrace, configuration changes) needs nothing.
            _ => Ok(()),
        };
        if let Err(e) = outcome {
            // Notifications get no response; the log is the only place to say it.
            self.log(
                MessageType::ERROR,
                format!("ignored {method}: invalid params: {e}"),
            );
        }
    }

    fn did_open(&mut self, params: DidOpenTextDocumentParams) {
        let document = params.text_document;
        let path = convert::uri_to_path(&document.uri);
        let doc = Document {
            path,
            version: document.version,
            text: document.text,
        };
        let lua = doc.is_lua();
        let path = doc.path.clone();
        self.documents.insert(document.uri, doc);
        if let (true, Some(path)) = (lua, path) {
            self.schedule(path, Duration::ZERO);
        }
    }

    fn did_change(&mut self, params: DidChangeTextDocumentParams) {
        let Some(doc) = self.documents.get_mut(&params.text_document.uri) else {
            return;
        };
        for change in params.content_changes {
            match change.range {
                // We ask for full sync, but a client sending ranges is still understood.
                Some(range) => {
                    let file = crate::source::SourceFile::new(
                        PathBuf::new(),
                        String::new(),
                        std::mem::take(&mut doc.text),
                    );
                    let start = file.offset_of_utf16(range.start.line, range.start.character);
                    let end = file
                        .offset_of_utf16(range.end.line, range.end.character)
                        .max(start);
                    let mut text = file.text;
                    text.replace_range(start..end, &change.text);
                    doc.text = text;
                }
                None => doc.text = change.text,
            }
        }
        doc.version = params.text_document.version;
        if let (true, Some(path)) = (doc.is_lua(), doc.path.clone()) {
            self.schedule(path, self.debounce);
        }
    }

    fn did_save(&mut self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        if let (Some(doc), Some(text)) = (self.documents.get_mut(&uri), params.text) {
            doc.text = text;
        }
        let Some(path) = convert::uri_to_path(&uri) else {
            return;
        };
        if is_project_file(&path) {
            self.schedule_all_under(path.parent().unwrap_or(&path).to_path_buf(), Duration::ZERO);
        } else if is_lua(&path) {
            // The buffer already stood in for the file, so this confirms the findings (and runs
            // a debounced check that was still waiting).
            self.schedule(path, Duration::ZERO);
        }
    }

    fn did_close(&mut self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        let Some(doc) = self.documents.remove(&uri) else {
            return;
        };
        self.publish(uri, None, Vec::new());
        // Its unsaved text no longer stands in for the file: the rest of its unit sees the disk.
        if let (true, Some(path)) = (doc.is_lua(), doc.path) {
            self.pending.remove(&path);
            self.schedule(path, self.debounce);
        }
    }

    fn did_change_watched_files(&mut self, params: DidChangeWatchedFilesParams) {
        for change in params.changes {
            let Some(path) = convert::uri_to_path(&change.uri) else {
                continue;
            };
            if is_project_file(&path) {
                self.schedule_all_under(
                    path.parent().unwrap_or(&path).to_path_buf(),
                    self.debounce,
                );
            } else if is_lua(&path) && !self.is_open(&path) {
                // A module created, deleted or changed outside the editor: `require` and
                // cross-file facts of its unit may change.
                self.schedule(path, self.debounce);
            }
        }
    }

    fn is_open(&self, path: &Path) -> bool {
        self.documents
            .values()
            .any(|d| d.path.as_deref() == Some(path))
    }

    /// Re-check `path`'s unit after `delay`. Every call restarts the timer, so a burst of
    /// edits is checked once, when the typing stops.
    fn schedule(&mut self, path: PathBuf, delay: Duration) {
        self.pending.insert(path);
        self.deadline = Some(Instant::now() + delay);
    }

    /// Re-check every open Lua file below `dir`: a config or info.json there changed.
    /// factolint.toml applies to everything below it, so that is every unit that may use it.
    fn schedule_all_under(&mut self, dir: PathBuf, delay: Duration) {
        let paths: Vec<PathBuf> = self
            .documents
            .values()
            .filter(|d| d.is_lua())
            .filter_map(|d| d.path.clone())
            .filter(|p| is_under(p, &dir))
            .collect();
        for path in paths {
            self.schedule(path, delay);
        }
        // A config error shown on that factolint.toml may be gone now.
        self.revalidate_config_errors();
    }
}

/// Checking and publishing.
impl<W: Write> Server<W> {
    /// Runs every pending check now. With `cancellable`, an edit arriving meanwhile stops it:
    /// what was not checked stays pending, for when the edits are handled.
    fn flush(&mut self, cancellable: bool) {
        self.deadline = None;
        let mut covered: BTreeSet<PathBuf> = BTreeSet::new();
        let mut pending = std::mem::take(&mut self.pending).into_iter();
        while let Some(path) = pending.next() {
            if covered.contains(&path) {
                continue;
            }
            let cancel = cancellable.then(|| Cancel::new(self.edits.clone()));
            let checked = match panic::catch_unwind(AssertUnwindSafe(|| {
                self.check_around(&path, cancel.as_ref())
            })) {
                Ok(Some(checked)) => checked,
                Ok(None) => {
                    self.pending.insert(path);
                    self.pending
                        .extend(pending.filter(|p| !covered.contains(p)));
                    self.deadline.get_or_insert_with(Instant::now);
                    return;
                }
                Err(_) => {
                    self.log(
                        MessageType::ERROR,
                        format!("factolint failed while checking {}", path.display()),
                    );
                    vec![path.clone()]
                }
            };
            covered.extend(checked);
        }
    }

    /// Finish pending checks before answering from their results.
    fn flush_if_pending(&mut self) {
        if !self.pending.is_empty() {
            self.flush(false);
        }
    }

    /// Checks the unit (mod, scenario or loose file) holding `path`, with every open buffer
    /// standing in for its file, and publishes for every open file of that unit. The whole
    /// unit is re-checked because cross-file facts (require, call graph) can move findings
    /// into files other than the edited one; a file whose findings and version did not change
    /// is not published again. Returns the files it published for, or `None` when `cancel`
    /// stopped it.
    fn check_around(&mut self, path: &Path, cancel: Option<&Cancel>) -> Option<Vec<PathBuf>> {
        let around = match workspace::discover(&[path.to_path_buf()], None) {
            Ok(units) => match units.into_iter().next() {
                Some(unit) => unit,
                // Excluded by factolint.toml: `check` reports nothing for it either.
                None => return Some(self.publish_empty_for_open(|p| p == path)),
            },
            Err(DiscoverError::Config(e)) => return Some(self.config_failed(e)),
            // Not on disk (a new, unsaved file, or deleted): nothing to check it with.
            Err(DiscoverError::Path(..)) => {
                return Some(self.publish_empty_for_open(|p| p == path))
            }
        };
        let root = around.root.clone();
        let open: Vec<PathBuf> = self
            .documents
            .values()
            .filter(|d| d.is_lua())
            .filter_map(|d| d.path.clone())
            .filter(|p| is_under(p, &root) && p.is_file())
            .collect();
        let mut published: Vec<PathBuf> = Vec::new();
        if !open.is_empty() {
            // Only the edited file open (the usual case): the unit found around it is the one
            // to check; a walk of the mod costs milliseconds.
            let units = if open.as_slice() == [path] {
                vec![around]
            } else {
                match workspace::discover(&open, None) {
                    Ok(units) => units,
                    Err(DiscoverError::Config(e)) => return Some(self.config_failed(e)),
                    Err(DiscoverError::Path(..)) => {
                        return Some(self.publish_empty_for_open(|p| p == path))
                    }
                }
            };
            let overlays: HashMap<PathBuf, String> = self
                .documents
                .values()
                .filter_map(|d| Some((d.path.clone()?, d.text.clone())))
                .collect();
            let workers = self
                .workers
                .get_or_insert_with(|| Arc::new(engine::worker_pool(0)))
                .clone();
            let options = CheckOptions {
                overlays,
                memo: Some(self.memo.clone()),
                cancel: cancel.cloned(),
                workers: Some(workers),
                ..CheckOptions::default()
            };
            let report = engine::check_units(&units, &options);
            if report.cancelled {
                return None;
            }
            self.revalidate_config_errors();

            let mut by_path: BTreeMap<PathBuf, Vec<Finding>> =
                open.iter().map(|p| (p.clone(), Vec::new())).collect();
            for d in &report.diagnostics {
                let file = report.sources.get(d.file);
                by_path.entry(file.path.clone()).or_default().push(Finding {
                    lsp: convert::diagnostic(&report.sources, d),
                    engine: d.clone(),
                });
            }
            for (file_path, findings) in by_path {
                let Some(uri) = self.uri_for(&file_path) else {
                    continue;
                };
                let version = self.documents.get(&uri).map(|d| d.version);
                let before = self.findings.get(&uri).map_or(&[][..], Vec::as_slice);
                let unchanged = self.published_versions.get(&uri) == Some(&version)
                    && before.len() == findings.len()
                    && before.iter().zip(&findings).all(|(a, b)| a.lsp == b.lsp);
                if unchanged {
                    // Code actions read the engine's side of the findings: keep the newest.
                    if !findings.is_empty() {
                        self.findings.insert(uri, findings);
                    }
                } else {
                    self.publish(uri, version, findings);
                }
                published.push(file_path);
            }
        }
        // Files under this root that had findings before and were not published now (closed,
        // or an info.json problem that is fixed) are cleared.
        let stale: Vec<Url> = self
            .findings
            .keys()
            .filter(|uri| {
                convert::uri_to_path(uri)
                    .is_some_and(|p| is_under(&p, &root) && !published.contains(&p))
            })
            .cloned()
            .collect();
        for uri in stale {
            self.publish(uri, None, Vec::new());
        }
        published.push(path.to_path_buf());
        Some(published)
    }

    /// The URI the client uses for an open file, else one made from the path.
    fn uri_for(&self, path: &Path) -> Option<Url> {
        self.documents
            .iter()
            .find(|(_, d)| d.path.as_deref() == Some(path))
            .map(|(uri, _)| uri.clone())
            .or_else(|| convert::path_to_uri(path))
    }

    fn publish_empty_for_open(&mut self, which: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
        let targets: Vec<(Url, i32, PathBuf)> = self
            .documents
            .iter()
            .filter_map(|(uri, d)| {
                d.path
                    .as_deref()
                    .filter(|p| which(p))
                    .map(|p| (uri.clone(), d.version, p.to_path_buf()))
            })
            .collect();
        let mut paths = Vec::new();
        for (uri, version, path) in targets {
            self.publish(uri, Some(version), Vec::new());
            paths.push(path);
        }
        paths
    }

    /// An invalid factolint.toml: `check` stops with exit code 2 and no findings, so the Lua
    /// files it governs show none; the error itself goes on the config file.
    fn config_failed(&mut self, error: crate::config::ConfigError) -> Vec<PathBuf> {
        let message = format!("invalid configuration: {}", error.message);
        if self.config_errors.get(&error.path) != Some(&message) {
            self.notify::<lsp_types::notification::ShowMessage>(lsp_types::ShowMessageParams {
                typ: MessageType::ERROR,
                message: format!("factolint: {error}"),
            });
        }
        self.config_errors
            .insert(error.path.clone(), message.clone());
        if let Some(uri) = self.uri_for(&error.path) {
            let text = self
                .documents
                .get(&uri)
                .map(|d| d.text.clone())
                .or_else(|| std::fs::read_to_string(&error.path).ok())
                .unwrap_or_default();
            let file = crate::source::SourceFile::new(error.path.clone(), String::new(), text);
            let start = offset_of_line_column(&file, error.line, error.column);
            let end = start
                + file.text[start..]
                    .chars()
                    .next()
                    .filter(|c| *c != '\n')
                    .map_or(0, char::len_utf8);
            let diagnostic = lsp_types::Diagnostic {
                range: convert::range(&file, crate::source::Span::new(start, end)),
                severity: Some(lsp_types::DiagnosticSeverity::ERROR),
                source: Some(convert::SOURCE.to_string()),
                message,
                ..lsp_types::Diagnostic::default()
            };
            let version = self.documents.get(&uri).map(|d| d.version);
            self.send_diagnostics(uri, version, vec![diagnostic]);
        }
        let dir = error
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        self.publish_empty_for_open(|p| is_under(p, &dir) && is_lua(p))
    }

    /// Clears configuration errors for files that now load (or are gone).
    fn revalidate_config_errors(&mut self) {
        let fixed: Vec<PathBuf> = self
            .config_errors
            .keys()
            .filter(|p| !p.is_file() || Config::load(p).is_ok())
            .cloned()
            .collect();
        for path in fixed {
            self.config_errors.remove(&path);
            if let Some(uri) = self.uri_for(&path) {
                self.send_diagnostics(uri, None, Vec::new());
            }
        }
    }

    fn publish(&mut self, uri: Url, version: Option<i32>, findings: Vec<Finding>) {
        let diagnostics = findings.iter().map(|f| f.lsp.clone()).collect();
        self.published_versions.insert(uri.clone(), version);
        if findings.is_empty() {
            self.findings.remove(&uri);
        } else {
            self.findings.insert(uri.clone(), findings);
        }
        self.send_diagnostics(uri, version, diagnostics);
    }

    fn send_diagnostics(
        &mut self,
        uri: Url,
        version: Option<i32>,
        diagnostics: Vec<lsp_types::Diagnostic>,
    ) {
        self.notify::<lsp_types::notification::PublishDiagnostics>(PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        });
    }
}

/// Requests that read the findings.
impl<W: Write> Server<W> {
    fn hover(&mut self, params: HoverParams) -> Option<Hover> {
        self.flush_if_pending();
        let uri = &params.text_document_position_params.text_document.uri;
        let position = params.text_document_position_params.position;
        let mut sections: Vec<String> = Vec::new();
        for finding in self.findings.get(uri).into_iter().flatten() {
            let range = finding.lsp.range;
            if range.start <= position && position <= range.end {
                if let Some(text) = convert::rule_hover(finding.engine.code) {
                    if !sections.contains(&text) {
                        sections.push(text);
                    }
                }
            }
        }
        // A rule named in a suppression comment explains itself too.
        if sections.is_empty() {
            if let Some(code) = self
                .documents
                .get(uri)
                .and_then(|d| rule_in_suppression(&d.text, position))
            {
                sections.extend(convert::rule_hover(code));
            }
        }
        if sections.is_empty() {
            return None;
        }
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: sections.join("\n\n---\n\n"),
            }),
            range: None,
        })
    }

    fn code_actions(
        &mut self,
        params: CodeActionParams,
    ) -> Option<Vec<lsp_types::CodeActionOrCommand>> {
        self.flush_if_pending();
        let uri = &params.text_document.uri;
        let doc = self.documents.get(uri)?;
        let findings = self
            .findings
            .get(uri)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let file = crate::source::SourceFile::new(
            doc.path.clone().unwrap_or_default(),
            String::new(),
            doc.text.clone(),
        );
        let target = Target {
            uri,
            version: Some(doc.version),
            file: &file,
            versioned_edits: self.versioned_edits,
        };
        Some(actions::code_actions(
            &target,
            findings,
            &params.range,
            params.context.only.as_deref(),
        ))
    }
}

/// The rule code or name under `position` when that line has a `factolint:` comment.
fn rule_in_suppression(text: &str, position: Position) -> Option<&'static str> {
    let line = text.lines().nth(position.line as usize)?;
    let marker = line.find("factolint:")?;
    let column = line
        .char_indices()
        .scan(0u32, |units, (offset, ch)| {
            let at = *units;
            *units += ch.len_utf16() as u32;
            Some((offset, at))
        })
        .find(|(_, at)| *at >= position.character)
        .map_or(line.len(), |(offset, _)| offset);
    if column < marker {
        return None;
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let start = line[..column]
        .rfind(|c: char| !is_word(c))
        .map_or(0, |i| i + 1);
    let end = line[column..]
        .find(|c: char| !is_word(c))
        .map_or(line.len(), |i| column + i);
    crate::catalog::lookup(&line[start..end]).map(|m| m.code.as_str())
}

/// Byte offset of a 1-based line and character column, clamped to the text.
fn offset_of_line_column(file: &crate::source::SourceFile, line: usize, column: usize) -> usize {
    let Some(&start) = file.line_starts().get(line.saturating_sub(1)) else {
        return file.text.len();
    };
    let line_text = file.line_text(line.max(1));
    start
        + line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i)
}

fn decode<P: serde::de::DeserializeOwned>(
    notification: Notification,
) -> Result<P, serde_json::Error> {
    serde_json::from_value(notification.params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hover_finds_rules_named_in_suppression_comments() {
        let text = "local x = 1\nglobal.x = 1 -- factolint: ignore FL002, global-in-2-0\n";
        let at = |column: u32| rule_in_suppression(text, Position::new(1, column));
        assert_eq!(at(37), Some("FL002"));
        assert_eq!(at(44), Some("FL501"));
        // Code before the comment, and other lines, are not rule names.
        assert_eq!(at(2), None);
        assert_eq!(rule_in_suppression(text, Position::new(0, 2)), None);
    }

    #[test]
    fn config_error_positions_count_characters() {
        let file = crate::source::SourceFile::new(
            PathBuf::new(),
            String::new(),
            "a = 1\nré = \"x\"\n".into(),
        );
        assert_eq!(offset_of_line_column(&file, 2, 4), 6 + "ré ".len());
        assert_eq!(offset_of_line_column(&file, 9, 1), file.text.len());
    }
}
