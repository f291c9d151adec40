//! JSON-RPC framing over a byte stream (`Content-Length` headers, then a JSON body).
//!
//! lsp-server's own stdio transport ends its reader thread on the first malformed message,
//! which takes the whole server down. This reader answers what it cannot decode and keeps
//! reading, so a bad message costs one error response, never the session.

use lsp_server::{ErrorCode, Message};
use serde_json::{json, Value};
use std::io::{self, BufRead, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;

/// Bodies above this are skipped, not buffered: no client sends a 256 MiB message on purpose.
const MAX_BODY_BYTES: usize = 256 * 1024 * 1024;
/// Longer header lines are junk; reading them whole would buffer without bound.
const MAX_HEADER_LINE_BYTES: u64 = 8 * 1024;

/// What the reader thread hands to the server loop.
#[derive(Debug)]
pub enum Incoming {
    Message(Message),
    /// A frame that is not a JSON-RPC message: answer it with this error.
    Malformed {
        id: Value,
        code: i32,
        message: String,
    },
    /// The input ended (or failed): the client is gone.
    Closed,
}

/// Notifications that make a running check's results stale.
const EDITS: &[&str] = &[
    "textDocument/didOpen",
    "textDocument/didChange",
    "textDocument/didClose",
    "textDocument/didSave",
    "workspace/didChangeWatchedFiles",
];

/// Reads frames until the input ends, sending each to `sink`. Runs on its own thread. Every
/// notification that changes a document moves `edits` as it arrives, so the server can drop a
/// check it has made stale before the message is even handled.
pub fn read_loop(mut input: impl BufRead, sink: Sender<Incoming>, edits: &AtomicU64) {
    loop {
        let incoming = match read_frame(&mut input) {
            Ok(Some(Ok(body))) => decode(&body),
            Ok(Some(Err(problem))) => Incoming::Malformed {
                id: Value::Null,
                code: ErrorCode::ParseError as i32,
                message: problem,
            },
            Ok(None) | Err(_) => {
                let _ = sink.send(Incoming::Closed);
                return;
            }
        };
        let is_exit =
            matches!(&incoming, Incoming::Message(Message::Notification(n)) if n.method == "exit");
        if matches!(&incoming, Incoming::Message(Message::Notification(n)) if EDITS.contains(&n.method.as_str()))
        {
            edits.fetch_add(1, Ordering::SeqCst);
        }
        if sink.send(incoming).is_err() || is_exit {
            return;
        }
    }
}

/// One frame: `Ok(None)` at the end of input, `Ok(Some(Err(_)))` for a frame whose headers
/// make no sense (its body, if any, cannot be found and the next headers are tried).
fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Result<Vec<u8>, String>>> {
    let mut length: Option<Result<usize, String>> = None;
    let mut saw_any_line = false;
    loop {
        let mut line = Vec::new();
        let read = input
            .by_ref()
            .take(MAX_HEADER_LINE_BYTES)
            .read_until(b'\n', &mut line)?;
        if read == 0 {
            return Ok(None);
        }
        if !line.ends_with(b"\n") {
            // Over-long header line: drop the rest of it.
            let mut rest = Vec::new();
            input.read_until(b'\n', &mut rest)?;
            length = Some(Err("header line too long".to_string()));
            saw_any_line = true;
            continue;
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            if !saw_any_line {
                // Stray blank line between frames.
                continue;
            }
            break;
        }
        saw_any_line = true;
        if let Some((name, value)) = text.split_once(':') {
            if name.trim().eq_ignore_ascii_case("Content-Length") {
                length = Some(
                    value
                        .trim()
                        .parse::<usize>()
                        .map_err(|_| format!("bad Content-Length {:?}", value.trim())),
                );
            }
        } else {
            length = Some(Err(format!("malformed header line {text:?}")));
        }
    }
    let length = match length {
        Some(Ok(length)) => length,
        Some(Err(problem)) => return Ok(Some(Err(problem))),
        None => return Ok(Some(Err("missing Content-Length header".to_string()))),
    };
    if length > MAX_BODY_BYTES {
        let skipped = io::copy(&mut input.by_ref().take(length as u64), &mut io::sink())?;
        if skipped < length as u64 {
            return Ok(None);
        }
        return Ok(Some(Err(format!(
            "message of {length} bytes is over the {MAX_BODY_BYTES} byte limit"
        ))));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(Ok(body)))
}

fn decode(body: &[u8]) -> Incoming {
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(e) => {
            return Incoming::Malformed {
                id: Value::Null,
                code: ErrorCode::ParseError as i32,
                message: format!("parse error: {e}"),
            }
        }
    };
    let id = value
        .get("id")
        .filter(|id| id.is_string() || id.is_number())
        .cloned()
        .unwrap_or(Value::Null);
    match serde_json::from_value::<Message>(value) {
        Ok(message) => Incoming::Message(message),
        Err(e) => Incoming::Malformed {
            id,
            code: ErrorCode::InvalidRequest as i32,
            message: format!("invalid request: {e}"),
        },
    }
}

/// Writes one message with its header and flushes.
pub fn write_message(output: &mut impl Write, message: &Message) -> io::Result<()> {
    message.write(output)
}

/// An error response whose id lsp-server cannot express (`null`, or a number outside i32).
pub fn write_raw_error(
    output: &mut impl Write,
    id: Value,
    code: i32,
    message: &str,
) -> io::Result<()> {
    let body = json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
        .to_string();
    write!(output, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use std::sync::mpsc::channel;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    fn read_all(input: String) -> Vec<Incoming> {
        let (tx, rx) = channel();
        read_loop(Cursor::new(input.into_bytes()), tx, &AtomicU64::new(0));
        rx.into_iter().collect()
    }

    #[test]
    fn keeps_reading_after_malformed_frames() {
        let input = [
            frame("{not json"),
            "Content-Length: banana\r\n\r\n".to_string(),
            frame(r#"{"jsonrpc":"2.0","id":7,"method":3}"#),
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
        ]
        .concat();
        let got = read_all(input);
        assert!(matches!(
            &got[0],
            Incoming::Malformed {
                code: -32700,
                id: Value::Null,
                ..
            }
        ));
        assert!(matches!(&got[1], Incoming::Malformed { code: -32700, .. }));
        assert!(matches!(&got[2], Incoming::Malformed { code: -32600, id, .. } if id == &json!(7)));
        assert!(
            matches!(&got[3], Incoming::Message(Message::Request(r)) if r.method == "shutdown")
        );
        assert!(matches!(&got[4], Incoming::Closed));
    }

    #[test]
    fn header_names_are_case_insensitive_and_extra_headers_ignored() {
        let body = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = format!("content-length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{body}", body.len());
        let got = read_all(input);
        assert!(
            matches!(&got[0], Incoming::Message(Message::Notification(n)) if n.method == "initialized")
        );
    }

    #[test]
    fn truncated_body_closes() {
        let got = read_all("Content-Length: 100\r\n\r\n{}".to_string());
        assert!(matches!(&got[..], [Incoming::Closed]));
    }

    #[test]
    fn raw_error_is_framed() {
        let mut out = Vec::new();
        write_raw_error(&mut out, Value::Null, -32700, "parse error").unwrap();
        let text = String::from_utf8(out).unwrap();
        let (header, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(header, format!("Content-Length: {}", body.len()));
        assert_eq!(
            serde_json::from_str::<Value>(body).unwrap()["error"]["code"],
            -32700
        );
    }
}
