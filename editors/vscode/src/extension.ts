// Starts `factolint lsp` for Lua files. The server does the work: diagnostics, hover,
// quick fixes and suppression comments; this only launches and restarts it.

import * as path from "path";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("factolint.restart", restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("factolint.path") || event.affectsConfiguration("factolint.debounceMs")) {
        void restart();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

/** The configured executable; a relative path (with a separator) starts at the first workspace folder. */
function executable(): string {
  const configured = vscode.workspace.getConfiguration("factolint").get<string>("path")?.trim() || "factolint";
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder && !path.isAbsolute(configured) && /[\\/]/.test(configured)) {
    return path.join(folder.uri.fsPath, configured);
  }
  return configured;
}

async function start(): Promise<void> {
  const command = executable();
  const run = { command, args: ["lsp"], transport: TransportKind.stdio };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "lua" }],
    initializationOptions: {
      debounceMs: vscode.workspace.getConfiguration("factolint").get<number>("debounceMs", 200),
    },
  };
  client = new LanguageClient("factolint", "factolint", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    const action = await vscode.window.showErrorMessage(
      `factolint: could not start \`${command} lsp\` (${String(error)}). Install factolint or set factolint.path.`,
      "Open Settings",
    );
    if (action === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "factolint.path");
    }
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop();
  }
}

async function restart(): Promise<void> {
  await stop();
  await start();
}
