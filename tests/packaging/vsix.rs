//! The VS Code extension: the linux-x64 VSIX, packaged as the release workflow packages it
//! (the wheel's binary in server/, `npm run package -- --target linux-x64`), holds the bundled
//! JS, the icon and an executable factolint that starts as a language server; it ships no
//! node_modules. npm comes with the machine; the packages come from the npm registry.

use crate::support::*;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TEST: &str = "packaging::vsix";

/// The extension's sources, copied away from the repository so that node_modules, dist/ and
/// server/ never land in the work tree. node_modules is kept while package-lock.json is
/// unchanged, so a second run skips `npm ci`.
fn extension_copy() -> Result<PathBuf, String> {
    let source = repo().join("editors/vscode");
    let copy = work_dir().join("vscode");
    let lock = std::fs::read(source.join("package-lock.json")).unwrap();
    let installed_lock = copy.join("node_modules/.factolint-package-lock.json");
    let reuse = std::fs::read(&installed_lock).is_ok_and(|old| old == lock);
    for entry in std::fs::read_dir(&copy).into_iter().flatten().flatten() {
        if !(reuse && entry.file_name() == "node_modules") {
            let path = entry.path();
            let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
        }
    }
    copy_tree(&source, &copy);
    if !reuse {
        try_run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&copy),
        )?;
        std::fs::write(&installed_lock, lock).unwrap();
    }
    Ok(copy)
}

/// Copies the extension's own files (not what npm, esbuild or a packaging run left there).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let name = entry.file_name();
        if ["node_modules", "dist", "out", "server"].contains(&name.to_str().unwrap())
            || name.to_string_lossy().ends_with(".vsix")
        {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// The wheel's factolint, written to `to` with the mode the wheel gives it.
fn binary_from_wheel(wheel: &Path, to: &Path) {
    let version = env!("CARGO_PKG_VERSION");
    let entry = format!("factolint-{version}.data/scripts/factolint");
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::write(to, zip_read(wheel, &entry)).unwrap();
    let mode = zip_entries(wheel)
        .into_iter()
        .find(|(name, _)| *name == entry)
        .unwrap()
        .1;
    set_mode(to, mode);
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o777)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

/// A language-server message with its Content-Length header.
fn lsp_message(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

#[test]
fn linux_x64_vsix_bundles_an_executable_factolint_and_no_node_modules() {
    if !cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        return skip(TEST, "the linux-x64 VSIX is packaged on Linux x86_64 only");
    }
    if let Err(reason) = try_run(Command::new("npm").arg("--version")) {
        return skip(TEST, &format!("npm is not available ({reason})"));
    }
    let wheel = match wheel() {
        Ok(wheel) => wheel,
        Err(reason) => return skip(TEST, reason),
    };
    let extension = match extension_copy() {
        Ok(extension) => extension,
        Err(reason) => return skip(TEST, &format!("npm ci failed ({reason})")),
    };
    // The order factolint.path -> bundled binary -> PATH (plain Node, no VS Code needed).
    run_ok(Command::new("npm").args(["test"]).current_dir(&extension));

    binary_from_wheel(wheel, &extension.join("server/factolint"));
    let vsix = extension.join("factolint-linux-x64.vsix");
    // The package script runs vscode:prepublish: type check, then the esbuild bundle.
    run_ok(
        Command::new("npm")
            .args(["run", "package", "--", "--target", "linux-x64", "--out"])
            .arg(&vsix)
            .current_dir(&extension),
    );

    let entries = zip_entries(&vsix);
    let mut names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "[Content_Types].xml",
            "extension.vsixmanifest",
            "extension/LICENSE.txt",
            "extension/dist/extension.js",
            "extension/images/icon.png",
            "extension/package.json",
            "extension/readme.md",
            "extension/server/factolint",
        ],
        "no node_modules, no sources: esbuild bundled the client into dist/extension.js"
    );
    let manifest = String::from_utf8(zip_read(&vsix, "extension.vsixmanifest")).unwrap();
    assert!(
        manifest.contains(r#"TargetPlatform="linux-x64""#),
        "{manifest}"
    );
    let package: serde_json::Value =
        serde_json::from_slice(&zip_read(&vsix, "extension/package.json")).unwrap();
    assert_eq!(package["main"], "./dist/extension.js");
    assert_eq!(package["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(package["categories"], serde_json::json!(["Linters"]));
    assert_eq!(
        package["repository"]["url"],
        format!("{}.git", env!("CARGO_PKG_REPOSITORY"))
    );
    let bundle = String::from_utf8(zip_read(&vsix, "extension/dist/extension.js")).unwrap();
    assert!(
        !bundle.contains("require(\"vscode-languageclient"),
        "the language client is bundled, not required from node_modules"
    );
    assert!(
        bundle.contains("require(\"vscode\")"),
        "vscode stays external"
    );

    // The binary as VS Code unpacks it: executable, and it starts.
    let (_, mode) = entries
        .iter()
        .find(|(n, _)| n == "extension/server/factolint")
        .unwrap();
    assert_eq!(mode & 0o755, 0o755, "server/factolint mode {mode:o}");
    let scratch = tempfile::tempdir().unwrap();
    let binary = scratch.path().join("factolint");
    std::fs::write(&binary, zip_read(&vsix, "extension/server/factolint")).unwrap();
    set_mode(&binary, *mode);
    let version = run_ok(Command::new(&binary).arg("--version"));
    assert_eq!(
        String::from_utf8(version.stdout).unwrap().trim(),
        format!("factolint {}", env!("CARGO_PKG_VERSION"))
    );

    // `factolint lsp`, as the extension starts it: initialize, shutdown, exit.
    let mut server = Command::new(&binary)
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = server.stdin.take().unwrap();
    for body in [
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"rootUri":null,"capabilities":{}}}"#,
        r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#,
        r#"{"jsonrpc":"2.0","method":"exit"}"#,
    ] {
        stdin.write_all(lsp_message(body).as_bytes()).unwrap();
    }
    drop(stdin);
    let mut replies = String::new();
    server
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut replies)
        .unwrap();
    let status = server.wait().unwrap();
    assert!(status.success(), "factolint lsp exited with {status}");
    assert!(
        replies.contains(r#""capabilities""#) && replies.contains(r#""id":2"#),
        "{replies}"
    );
}
