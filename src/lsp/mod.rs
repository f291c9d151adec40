//! `factolint lsp`: a language server over stdio publishing the same diagnostics as `check`.
//!
//! Built on lsp-server's message types and lsp-types, with our own framing reader (see
//! [`transport`]) so that a malformed message is answered with an error instead of ending
//! the session.

pub mod actions;
pub mod convert;
pub mod server;
pub mod transport;

use std::io::BufReader;
use std::sync::atomic::AtomicU64;
use std::sync::{mpsc, Arc};

/// Parsing and the rule walkers recurse per nesting level (code actions parse too), so the
/// server loop gets the same large stack as the engine's workers.
const SERVER_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Serves on stdin/stdout until `exit`; returns the process exit code.
pub fn run() -> i32 {
    serve(BufReader::new(std::io::stdin()), std::io::stdout())
}

/// Serves over any byte streams (tests use pipes).
pub fn serve(
    input: impl std::io::BufRead + Send + 'static,
    output: impl std::io::Write + Send + 'static,
) -> i32 {
    let (sender, receiver) = mpsc::channel();
    let edits = Arc::new(AtomicU64::new(0));
    let reader_edits = edits.clone();
    let reader = std::thread::Builder::new()
        .name("factolint-lsp-reader".into())
        .spawn(move || transport::read_loop(input, sender, &reader_edits));
    if reader.is_err() {
        eprintln!("factolint: cannot start the reader thread");
        return crate::catalog::EXIT_FAILURE;
    }
    let server = std::thread::Builder::new()
        .name("factolint-lsp".into())
        .stack_size(SERVER_STACK_BYTES)
        .spawn(move || server::Server::new(output, edits).run(receiver));
    // The reader may still be blocked on input; it ends with the process.
    match server.map(|handle| handle.join()) {
        Ok(Ok(code)) => code,
        _ => crate::catalog::EXIT_FAILURE,
    }
}
