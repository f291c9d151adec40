//! A small LSP client that times `factolint lsp` from outside, as an editor sees it: from
//! sending `didChange` to receiving `publishDiagnostics` for the edited file (any debounce
//! included).
//!
//! Two series of edits in one session: "undo", where every other edit undoes the one before
//! (the server may answer those from memory), and "typing", where every edit is text never
//! sent before (a name typed letter by letter), so each costs a full check.
//!
//!   factolint-bench lsp --factolint BIN --file LUA [--edits N]

use lsp_server::{Message, Notification, Request, RequestId};
use lsp_types::notification::{
    DidChangeTextDocument, DidOpenTextDocument, Exit, Initialized, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{Initialize, Shutdown};
use lsp_types::{
    DidChangeTextDocumentParams, DidOpenTextDocumentParams, InitializeParams,
    PublishDiagnosticsParams, TextDocumentContentChangeEvent, TextDocumentItem, Url,
    VersionedTextDocumentIdentifier, WorkspaceFolder,
};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long one answer may take before the measurement is given up.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// What one session measured.
pub struct Latencies {
    /// `didOpen` to the first diagnostics of the file.
    pub open: Duration,
    /// `didChange` to the diagnostics of that version, one per edit, each undone by the next.
    pub edits: Vec<Duration>,
    /// The same for edits that never repeat an earlier text.
    pub typing: Vec<Duration>,
    /// Diagnostics on the file after the undo series.
    pub diagnostics: usize,
}

pub fn main(args: &[String]) -> Result<(), String> {
    let mut factolint = None;
    let mut file = None;
    let mut edits = 20;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--factolint" => factolint = args.next().map(PathBuf::from),
            "--file" => file = args.next().map(PathBuf::from),
            "--edits" => edits = args.next().and_then(|n| n.parse().ok()).unwrap_or(edits),
            other => return Err(format!("lsp: unknown argument {other}")),
        }
    }
    let (Some(factolint), Some(file)) = (factolint, file) else {
        return Err("lsp: --factolint BIN and --file LUA are required".into());
    };
    let measured = measure(&factolint, &file, edits)?;
    println!(
        "open {:.0} ms; {} diagnostics",
        ms(measured.open),
        measured.diagnostics
    );
    for (series, edits) in [("undo", &measured.edits), ("typing", &measured.typing)] {
        println!(
            "{series}: {} edits: median {:.0} ms, p90 {:.0} ms",
            edits.len(),
            ms(crate::report::percentile(edits, 50.0)),
            ms(crate::report::percentile(edits, 90.0)),
        );
        let each: Vec<String> = edits.iter().map(|d| format!("{:.0}", ms(*d))).collect();
        println!("{series}: each edit (ms): {}", each.join(" "));
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Starts `factolint lsp`, opens `file`, then sends `edits` full-text changes one after the
/// other, each once the previous one's diagnostics arrived: first the undo series, then the
/// typing series.
pub fn measure(factolint: &Path, file: &Path, edits: usize) -> Result<Latencies, String> {
    let file = file
        .canonicalize()
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let root = file.parent().expect("a file has a folder");
    let mut server = Server::start(factolint, root)?;
    let uri = Url::from_file_path(&file).map_err(|_| "not an absolute path".to_string())?;

    let started = Instant::now();
    server.notify::<DidOpenTextDocument>(DidOpenTextDocumentParams {
        text_document: TextDocumentItem {
            uri: uri.clone(),
            language_id: "lua".into(),
            version: 1,
            text: text.clone(),
        },
    })?;
    let (mut diagnostics, arrived) = server.diagnostics_for(&uri, 1)?;
    let open = arrived - started;

    let mut version = 1;
    let mut series = |server: &mut Server, texts: &mut dyn Iterator<Item = String>| {
        let mut latencies = Vec::with_capacity(edits);
        let mut diagnostics = 0;
        for edited in texts.take(edits) {
            version += 1;
            let sent = Instant::now();
            server.notify::<DidChangeTextDocument>(DidChangeTextDocumentParams {
                text_document: VersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version,
                },
                content_changes: vec![TextDocumentContentChangeEvent {
                    range: None,
                    range_length: None,
                    text: edited,
                }],
            })?;
            let arrived;
            (diagnostics, arrived) = server.diagnostics_for(&uri, version)?;
            latencies.push(arrived - sent);
        }
        Ok::<_, String>((latencies, diagnostics))
    };
    let (undo, last) = series(&mut server, &mut (2..).map(|v| edit(&text, v)))?;
    if edits > 0 {
        diagnostics = last;
    }
    let (typing, _) = series(&mut server, &mut (1..).map(|n| typed(&text, n)))?;
    server.stop();
    Ok(Latencies {
        open,
        edits: undo,
        typing,
        diagnostics,
    })
}

/// The text after `letters` letters of a new local's name were typed in the middle of the
/// file: every call gives a text no other call gives, so nothing can be answered from memory.
fn typed(text: &str, letters: usize) -> String {
    let middle = text[..text.len() / 2].rfind('\n').map_or(0, |n| n + 1);
    let name: String = (0..letters)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    format!(
        "{}local typed_{name} = {letters}\n{}",
        &text[..middle],
        &text[middle..]
    )
}

/// The text after edit number `version`: small edits of the kinds typing makes, each undone
/// by the next (a comment or a local added at the end, in the middle or at the top).
fn edit(text: &str, version: i32) -> String {
    let middle = text[..text.len() / 2].rfind('\n').map_or(0, |n| n + 1);
    match version % 8 {
        2 => format!("{text}\n-- edited {version}\n"),
        4 => format!("{text}\nlocal edited_{version} = {version}\n"),
        6 => format!(
            "{}-- edited {version}\n{}",
            &text[..middle],
            &text[middle..]
        ),
        0 => format!("local edited_{version} = {version}\n{text}"),
        _ => text.to_string(),
    }
}

struct Server {
    child: Child,
    input: BufWriter<ChildStdin>,
    messages: Receiver<(Message, Instant)>,
    next_id: i32,
}

impl Server {
    fn start(factolint: &Path, root: &Path) -> Result<Server, String> {
        let mut child = Command::new(factolint)
            .arg("lsp")
            .current_dir(root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {} lsp: {e}", factolint.display()))?;
        let input = BufWriter::new(child.stdin.take().expect("piped"));
        let output = child.stdout.take().expect("piped");
        // Messages are read (and stamped) as they arrive, whatever the main thread is doing.
        let (sender, messages) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut output: BufReader<ChildStdout> = BufReader::new(output);
            while let Ok(Some(message)) = Message::read(&mut output) {
                if sender.send((message, Instant::now())).is_err() {
                    break;
                }
            }
        });
        let mut server = Server {
            child,
            input,
            messages,
            next_id: 1,
        };
        let folder = Url::from_directory_path(root).map_err(|_| "not an absolute path")?;
        #[allow(deprecated)] // root_uri: older servers read it instead of workspace folders
        let params = InitializeParams {
            process_id: Some(std::process::id()),
            root_uri: Some(folder.clone()),
            workspace_folders: Some(vec![WorkspaceFolder {
                uri: folder,
                name: "bench".into(),
            }]),
            ..InitializeParams::default()
        };
        server.request::<Initialize>(params)?;
        server.notify::<Initialized>(lsp_types::InitializedParams {})?;
        Ok(server)
    }

    fn send(&mut self, message: Message) -> Result<(), String> {
        message
            .write(&mut self.input)
            .and_then(|()| self.input.flush())
            .map_err(|e| format!("writing to the server: {e}"))
    }

    fn notify<N: lsp_types::notification::Notification>(
        &mut self,
        params: N::Params,
    ) -> Result<(), String> {
        self.send(Notification::new(N::METHOD.into(), params).into())
    }

    /// Sends a request and waits for its response (other messages are dropped meanwhile).
    fn request<R: lsp_types::request::Request>(&mut self, params: R::Params) -> Result<(), String> {
        let id = RequestId::from(self.next_id);
        self.next_id += 1;
        self.send(Request::new(id.clone(), R::METHOD.into(), params).into())?;
        loop {
            if let (Message::Response(response), _) = self.next_message()? {
                if response.id == id {
                    return match response.response_result {
                        Err(e) => Err(format!("{} failed: {}", R::METHOD, e.message)),
                        Ok(_) => Ok(()),
                    };
                }
            }
        }
    }

    /// The next message from the server, with the time it arrived.
    fn next_message(&mut self) -> Result<(Message, Instant), String> {
        match self.messages.recv_timeout(ANSWER_TIMEOUT) {
            Ok(stamped) => Ok(stamped),
            Err(RecvTimeoutError::Timeout) => Err("the server did not answer in time".into()),
            Err(RecvTimeoutError::Disconnected) => Err("the server closed its output".into()),
        }
    }

    /// Waits for the diagnostics of `uri` at `version` (or unversioned ones): how many there
    /// were, and when they arrived.
    fn diagnostics_for(&mut self, uri: &Url, version: i32) -> Result<(usize, Instant), String> {
        loop {
            let (Message::Notification(notification), arrived) = self.next_message()? else {
                continue;
            };
            if notification.method != PublishDiagnostics::METHOD {
                continue;
            }
            let params: PublishDiagnosticsParams = serde_json::from_value(notification.params)
                .map_err(|e| format!("bad publishDiagnostics: {e}"))?;
            if &params.uri == uri && params.version.is_none_or(|v| v >= version) {
                return Ok((params.diagnostics.len(), arrived));
            }
        }
    }

    /// Asks the server to shut down and exit; kills it if it does not.
    fn stop(mut self) {
        let _ = self.request::<Shutdown>(());
        let _ = self.notify::<Exit>(());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
