// Starts `factolint lsp` for Lua files. The server does the work: diagnostics, hover,
// quick fixes and suppression comments; this only launches and restarts it.

import * as fs from "fs";
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";
import { serverCommand } from "./server";

let client: LanguageClient | undefined;
let extensionPath = "";

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  extensionPath = context.extensionPath;
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

async function start(): Promise<void> {
  const settings = vscode.workspace.getConfiguration("factolint");
  const server = serverCommand({
    configured: settings.get<string>("path"),
    extensionPath,
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    platform: process.platform,
    exists: (file) => fs.existsSync(file),
  });
  const run = { command: server.command, args: ["lsp"], transport: TransportKind.stdio };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "lua" }],
    initializationOptions: {
      debounceMs: settings.get<number>("debounceMs", 0),
    },
  };
  client = new LanguageClient("factolint", "factolint", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    const where = {
      setting: "the factolint.path setting",
      bundled: "the binary bundled with this extension",
      path: "PATH (this VSIX has no bundled binary for your platform)",
    }[server.source];
    const action = await vscode.window.showErrorMessage(
      `factolint: could not start \`${server.command} lsp\` from ${where} (${String(error)}). ` +
        "Install factolint (pip install factolint) or set factolint.path.",
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
