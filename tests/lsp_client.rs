//! A scripted language client: spawns `factolint lsp` and speaks JSON-RPC over its stdio.
//! Every wait has a deadline and the server is killed when a test ends, so nothing hangs.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    /// Everything received so far, for failure messages.
    seen: Vec<Value>,
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_factolint"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start factolint lsp");
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                if sender
                    .send(serde_json::from_slice(&body).expect("server sends JSON"))
                    .is_err()
                {
                    return;
                }
            }
        });
        let stdin = child.stdin.take();
        Client {
            child,
            stdin,
            messages,
            seen: Vec::new(),
        }
    }

    fn send_raw(&mut self, body: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    }

    fn request(&mut self, id: i64, method: &str, params: Value) {
        self.send_raw(
            &json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }).to_string(),
        );
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send_raw(&json!({ "jsonrpc": "2.0", "method": method, "params": params }).to_string());
    }

    /// The first message (from now on) that `wanted` accepts.
    fn expect(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            match self
                .messages
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(message) => {
                    self.seen.push(message.clone());
                    if wanted(&message) {
                        return message;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("timed out waiting for {what}; received: {:#?}", self.seen)
                }
                Err(RecvTimeoutError::Disconnected) => panic!(
                    "server closed while waiting for {what}; received: {:#?}",
                    self.seen
                ),
            }
        }
    }

    fn response(&mut self, id: Value) -> Value {
        self.expect(&format!("response {id}"), |m| {
            m.get("id") == Some(&id) && m.get("method").is_none()
        })
    }

    fn diagnostics_for(
        &mut self,
        uri: &str,
        what: &str,
        wanted: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let message = self.expect(what, |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && wanted(m["params"]["diagnostics"].as_array().unwrap())
        });
        message["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn initialize(&mut self) {
        let capabilities = json!({ "workspace": { "workspaceEdit": { "documentChanges": true } } });
        self.request(1, "initialize", json!({ "processId": null, "rootUri": null, "capabilities": capabilities, "initializationOptions": { "debounceMs": 50 } }));
        let response = self.response(json!(1));
        assert_eq!(response["result"]["serverInfo"]["name"], "factolint");
        assert_eq!(response["result"]["capabilities"]["hoverProvider"], true);
        self.notify("initialized", json!({}));
    }

    fn open(&mut self, path: &Path, text: &str) -> String {
        let uri = uri(path);
        self.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "languageId": "lua", "version": 1, "text": text } }));
        uri
    }

    fn change(&mut self, uri: &str, version: i64, text: &str) {
        self.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }));
    }

    fn shutdown_and_exit(mut self) -> i32 {
        self.request(99, "shutdown", Value::Null);
        assert_eq!(self.response(json!(99))["result"], Value::Null);
        self.notify("exit", Value::Null);
        self.wait_for_exit()
    }

    fn wait_for_exit(&mut self) -> i32 {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().expect("exited normally");
            }
            assert!(Instant::now() < deadline, "server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/lsp")
        .join(rel)
}

fn uri(path: &Path) -> String {
    let mut out = String::from("file://");
    for byte in path.to_str().unwrap().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// What `factolint check --format json` reports for `path`.
fn check_json(path: &Path) -> Vec<Value> {
    let output = Command::new(env!("CARGO_BIN_EXE_factolint"))
        .args(["check", "--format", "json"])
        .arg(path)
        .output()
        .unwrap();
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    document["diagnostics"].as_array().unwrap().clone()
}

#[test]
fn publishes_fixes_survives_bad_messages_and_exits_cleanly() {
    let path = fixture("global-2-0/control.lua");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut client = Client::start();
    client.initialize();
    let uri = client.open(&path, &text);

    // The same finding `check` prints: code, line, columns, message (then its help).
    let diagnostics = client.diagnostics_for(&uri, "FL501 on open", |d| !d.is_empty());
    let expected = check_json(&path);
    assert_eq!(diagnostics.len(), expected.len());
    let (got, want) = (&diagnostics[0], &expected[0]);
    assert_eq!(got["code"], "FL501");
    assert_eq!(got["source"], "factolint");
    assert_eq!(got["severity"], 1);
    assert_eq!(got["range"]["start"], json!({ "line": 1, "character": 2 }));
    assert_eq!(got["range"]["end"], json!({ "line": 1, "character": 8 }));
    assert_eq!(
        got["range"]["start"]["line"].as_u64().unwrap() + 1,
        want["line"].as_u64().unwrap()
    );
    assert_eq!(
        got["range"]["start"]["character"].as_u64().unwrap() + 1,
        want["column"].as_u64().unwrap()
    );
    assert_eq!(
        got["range"]["end"]["character"].as_u64().unwrap() + 1,
        want["end_column"].as_u64().unwrap()
    );
    assert_eq!(
        got["message"].as_str().unwrap(),
        format!(
            "{}\nhelp: {}",
            want["message"].as_str().unwrap(),
            want["help"].as_str().unwrap()
        )
    );
    assert_eq!(got["data"]["rule"], "global-in-2-0");

    // Hover explains the rule.
    client.request(
        2,
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 4 } }),
    );
    let hover = client.response(json!(2));
    let markdown = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        markdown.starts_with("**FL501** `global-in-2-0`"),
        "{markdown}"
    );

    // Code actions: the fix and a suppression comment.
    let range =
        json!({ "start": { "line": 1, "character": 2 }, "end": { "line": 1, "character": 2 } });
    client.request(
        3,
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": range, "context": { "diagnostics": [] } }),
    );
    let actions = client.response(json!(3))["result"]
        .as_array()
        .unwrap()
        .clone();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "FL501: replace `global` with `storage`",
            "FL501: suppress with `-- factolint: ignore FL501`"
        ]
    );
    let fix_edit = &actions[0]["edit"]["documentChanges"][0];
    assert_eq!(
        fix_edit["textDocument"],
        json!({ "uri": uri, "version": 1 })
    );
    assert_eq!(
        fix_edit["edits"],
        json!([{ "range": got["range"], "newText": "storage" }])
    );
    let suppress_edit = &actions[1]["edit"]["documentChanges"][0]["edits"][0];
    assert_eq!(suppress_edit["newText"], " -- factolint: ignore FL501");
    assert_eq!(
        suppress_edit["range"]["start"],
        json!({ "line": 1, "character": 21 })
    );

    // The fix, sent as an edit of the unsaved buffer, clears the finding.
    client.change(&uri, 2, &text.replace("global", "storage"));
    let cleared = client.expect("diagnostics cleared after the fix", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && m["params"]["version"] == 2
    });
    assert_eq!(cleared["params"]["diagnostics"], json!([]));

    // Malformed input is answered with errors and the server keeps serving.
    client.send_raw("{this is not json");
    let parse_error = client.response(Value::Null);
    assert_eq!(parse_error["error"]["code"], -32700);
    client.request(4, "textDocument/hover", json!("not hover params"));
    assert_eq!(client.response(json!(4))["error"]["code"], -32602);
    client.request(5, "factolint/noSuchMethod", json!({}));
    assert_eq!(client.response(json!(5))["error"]["code"], -32601);
    client.send_raw(r#"{"jsonrpc":"2.0","id":6,"method":17}"#);
    assert_eq!(client.response(json!(6))["error"]["code"], -32600);
    client.notify("textDocument/didOpen", json!({ "textDocument": 42 }));
    client.request(
        7,
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 4 } }),
    );
    assert_eq!(client.response(json!(7))["result"], Value::Null);

    // Close clears what was published.
    client.change(&uri, 3, &text);
    client.diagnostics_for(&uri, "FL501 back", |d| !d.is_empty());
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    client.diagnostics_for(&uri, "cleared on close", |d| d.is_empty());

    assert_eq!(client.shutdown_and_exit(), 0);
}

#[test]
fn editing_one_module_rechecks_the_files_that_depend_on_it() {
    let control = fixture("cross-file/control.lua");
    let shared = fixture("cross-file/shared.lua");
    let mut client = Client::start();
    client.initialize();
    let shared_uri = client.open(&shared, &std::fs::read_to_string(&shared).unwrap());
    // Loaded only by data.lua: data stage, where `global` is not a migration problem.
    client.diagnostics_for(&shared_uri, "shared.lua clean", |d| d.is_empty());
    let control_uri = client.open(&control, &std::fs::read_to_string(&control).unwrap());
    client.diagnostics_for(&control_uri, "control.lua clean", |d| d.is_empty());

    // control.lua (unsaved) now requires shared.lua: it runs in the control stage, flagged.
    client.change(&control_uri, 2, "require(\"shared\")\n");
    let found = client.diagnostics_for(&shared_uri, "FL501 in shared.lua", |d| !d.is_empty());
    assert_eq!(found[0]["code"], "FL501");

    // Closing control.lua drops its unsaved text: on disk it requires nothing.
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": control_uri } }),
    );
    client.diagnostics_for(&shared_uri, "shared.lua clean again", |d| d.is_empty());
    assert_eq!(client.shutdown_and_exit(), 0);
}

#[test]
fn config_edits_are_picked_up() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("mod");
    std::fs::create_dir(&root).unwrap();
    for name in ["info.json", "control.lua"] {
        std::fs::copy(fixture("global-2-0").join(name), root.join(name)).unwrap();
    }
    let control = root.join("control.lua");
    let mut client = Client::start();
    client.initialize();
    let uri = client.open(&control, &std::fs::read_to_string(&control).unwrap());
    client.diagnostics_for(&uri, "FL501", |d| !d.is_empty());

    let config = root.join("factolint.toml");
    let config_uri = self::uri(&config);
    let saved = |client: &mut Client| {
        client.notify(
            "textDocument/didSave",
            json!({ "textDocument": { "uri": config_uri } }),
        )
    };

    std::fs::write(&config, "[rules]\nFL501 = \"warning\"\n").unwrap();
    saved(&mut client);
    let warned = client.diagnostics_for(&uri, "FL501 as a warning", |d| {
        d.first().is_some_and(|d| d["severity"] == 2)
    });
    assert_eq!(warned.len(), 1);

    // A broken config: the error goes on factolint.toml, and the Lua file shows nothing, as
    // `check` prints nothing but the configuration error.
    std::fs::write(&config, "[rules]\nFL501 = \"loud\"\n").unwrap();
    client.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": config_uri, "type": 2 }] }),
    );
    let errors = client.diagnostics_for(&config_uri, "config error", |d| !d.is_empty());
    assert_eq!(errors[0]["range"]["start"]["line"], 1);
    client.diagnostics_for(&uri, "Lua findings withdrawn", |d| d.is_empty());

    std::fs::write(&config, "[rules]\nglobal-in-2-0 = \"info\"\n").unwrap();
    saved(&mut client);
    client.diagnostics_for(&config_uri, "config error cleared", |d| d.is_empty());
    client.diagnostics_for(&uri, "FL501 as information", |d| {
        d.first().is_some_and(|d| d["severity"] == 3)
    });

    std::fs::write(&config, "[rules]\nglobal-in-2-0 = \"off\"\n").unwrap();
    saved(&mut client);
    client.diagnostics_for(&uri, "FL501 off", |d| d.is_empty());
    assert_eq!(client.shutdown_and_exit(), 0);
}

#[test]
fn requests_before_initialize_and_exit_without_shutdown() {
    let mut client = Client::start();
    client.request(1, "textDocument/hover", json!({}));
    assert_eq!(client.response(json!(1))["error"]["code"], -32002);
    client.notify("exit", Value::Null);
    // Exit without shutdown: code 1, as the protocol asks.
    assert_eq!(client.wait_for_exit(), 1);
}

#[test]
fn editing_a_required_module_republishes_only_the_files_whose_findings_changed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let registered =
        "local M = {}\nM.Depot = {}\nscript.register_metatable(\"depot\", M.Depot)\nreturn M\n";
    let files = [
        ("info.json", r#"{"name": "m", "version": "1.0.0", "factorio_version": "2.0"}"#),
        (
            "control.lua",
            "local lib = require(\"lib\")\nlocal other = require(\"other\")\n\nscript.on_init(function()\n  storage.depot = setmetatable({}, lib.Depot)\n  storage.n = other\nend)\n",
        ),
        ("lib.lua", registered),
        ("other.lua", "local x = 1\nreturn x\n"),
    ];
    for (name, text) in files {
        std::fs::write(root.join(name), text).unwrap();
    }
    let (control, lib, other) = (
        root.join("control.lua"),
        root.join("lib.lua"),
        root.join("other.lua"),
    );
    let mut client = Client::start();
    client.initialize();
    let control_uri = client.open(&control, files[1].1);
    client.diagnostics_for(&control_uri, "control.lua clean", |d| d.is_empty());
    let other_uri = client.open(&other, files[3].1);
    client.diagnostics_for(&other_uri, "other.lua clean", |d| d.is_empty());
    let lib_uri = client.open(&lib, registered);
    client.diagnostics_for(&lib_uri, "lib.lua clean", |d| d.is_empty());

    // The module stops registering the metatable: the finding is in the file requiring it.
    client.change(&lib_uri, 2, "local M = {}\nM.Depot = {}\nreturn M\n");
    let found = client.diagnostics_for(&control_uri, "FL303 in control.lua", |d| !d.is_empty());
    assert_eq!(found[0]["code"], "FL303");
    assert_eq!(found[0]["range"]["start"]["line"], 4);
    // Every publish of that check came before the answer to a later request: other.lua, whose
    // findings did not change, was not published again; the edited file was (its version).
    client.request(
        7,
        "textDocument/hover",
        json!({ "textDocument": { "uri": other_uri }, "position": { "line": 0, "character": 0 } }),
    );
    client.response(json!(7));
    let since_edit: Vec<&Value> = client
        .seen
        .iter()
        .rev()
        .take_while(|m| m["params"]["uri"] != lib_uri || m["params"]["version"] != 2)
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .collect();
    assert!(
        since_edit.iter().all(|m| m["params"]["uri"] != other_uri),
        "other.lua was published again: {since_edit:#?}"
    );
    assert!(
        client
            .seen
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == lib_uri
                && m["params"]["version"] == 2),
        "the edited file's new version was not published"
    );

    // Undone: the finding goes away again.
    client.change(&lib_uri, 3, registered);
    client.diagnostics_for(&control_uri, "control.lua clean again", |d| d.is_empty());
    assert_eq!(client.shutdown_and_exit(), 0);
}

/// Files that are not open are taken from memory while their stamps (times, size) are
/// unchanged; one rewritten on disk with no notification from the editor is still read again.
#[test]
fn a_module_changed_on_disk_without_notice_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let control_text = "local lib = require(\"lib\")\n\nscript.on_init(function()\n  storage.depot = setmetatable({}, lib.Depot)\nend)\n";
    let files = [
        (
            "info.json",
            r#"{"name": "m", "version": "1.0.0", "factorio_version": "2.0"}"#,
        ),
        ("control.lua", control_text),
        (
            "lib.lua",
            "local M = {}\nM.Depot = {}\nscript.register_metatable(\"depot\", M.Depot)\nreturn M\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(root.join(name), text).unwrap();
    }
    // Older than the clock's step, so the server trusts their stamps.
    std::thread::sleep(Duration::from_millis(2100));
    let mut client = Client::start();
    client.initialize();
    let control_uri = client.open(&root.join("control.lua"), control_text);
    client.diagnostics_for(&control_uri, "control.lua clean", |d| d.is_empty());
    client.change(&control_uri, 2, &format!("{control_text}\n"));
    client.diagnostics_for(&control_uri, "still clean", |d| d.is_empty());

    std::fs::write(
        root.join("lib.lua"),
        "local M = {}\nM.Depot = {}\nreturn M\n",
    )
    .unwrap();
    client.change(&control_uri, 3, control_text);
    let found = client.diagnostics_for(&control_uri, "FL303 in control.lua", |d| !d.is_empty());
    assert_eq!(found[0]["code"], "FL303");
    assert_eq!(client.shutdown_and_exit(), 0);
}

/// The editor reports on its open files only, and rules skip the sites of the others: a file
/// opened alone still shows exactly what `check` finds in it when checking its whole mod, the
/// findings that other files' code puts there included.
#[test]
fn a_file_opened_alone_shows_what_checking_its_whole_mod_finds_in_it() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut client = Client::start();
    client.initialize();
    let mut compared = 0;
    for root in ["fixtures/rules/FL303/fires", "fixtures/rules/FL402/fires"] {
        let root = manifest.join(root);
        let whole = check_json(&root);
        for rel in ["control.lua", "scripts/convoy.lua", "scripts/vehicles.lua"] {
            let path = root.join(rel);
            if !path.is_file() {
                continue;
            }
            let expected: Vec<(String, u64, u64)> = whole
                .iter()
                .filter(|d| manifest.join(d["path"].as_str().unwrap()) == path)
                .map(|d| {
                    let at = |key: &str| d[key].as_u64().unwrap();
                    (d["code"].as_str().unwrap().into(), at("line"), at("column"))
                })
                .collect();
            let uri = client.open(&path, &std::fs::read_to_string(&path).unwrap());
            let published = client.diagnostics_for(&uri, rel, |_| true);
            let got: Vec<(String, u64, u64)> = published
                .iter()
                .map(|d| {
                    let start = &d["range"]["start"];
                    (
                        d["code"].as_str().unwrap().into(),
                        start["line"].as_u64().unwrap() + 1,
                        start["character"].as_u64().unwrap() + 1,
                    )
                })
                .collect();
            assert_eq!(got, expected, "{}", path.display());
            compared += expected.len();
            client.notify(
                "textDocument/didClose",
                json!({ "textDocument": { "uri": uri } }),
            );
        }
    }
    // The fixtures' cross-file findings (FL303's metatable set in scripts/convoy.lua for a
    // table control.lua saves) are among them.
    assert!(compared >= 4, "only {compared} findings compared");
    assert_eq!(client.shutdown_and_exit(), 0);
}
