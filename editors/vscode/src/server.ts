// Which factolint executable the extension starts. Apart from the vscode API so that plain
// Node can test it (test/server.test.js).

import * as path from "path";

export type ServerSource = "setting" | "bundled" | "path";

export interface ServerLookup {
  /** The factolint.path setting ("" or unset: not configured). */
  configured: string | undefined;
  /** The extension's install folder; a platform-specific VSIX has the binary in server/. */
  extensionPath: string;
  /** The first workspace folder, where a relative factolint.path starts. */
  workspaceFolder: string | undefined;
  platform: NodeJS.Platform;
  exists(file: string): boolean;
}

/** Where a platform-specific VSIX keeps its binary. */
export function bundledServer(extensionPath: string, platform: NodeJS.Platform): string {
  return path.join(extensionPath, "server", platform === "win32" ? "factolint.exe" : "factolint");
}

/**
 * The factolint.path setting when it is set (the user's explicit choice wins), else the binary
 * bundled in this VSIX, else `factolint` found on PATH. A relative setting with a separator
 * starts at the first workspace folder; a bare name is looked up on PATH.
 */
export function serverCommand(lookup: ServerLookup): { command: string; source: ServerSource } {
  const configured = lookup.configured?.trim();
  if (configured) {
    const relative = !path.isAbsolute(configured) && /[\\/]/.test(configured);
    const command =
      relative && lookup.workspaceFolder ? path.join(lookup.workspaceFolder, configured) : configured;
    return { command, source: "setting" };
  }
  const bundled = bundledServer(lookup.extensionPath, lookup.platform);
  if (lookup.exists(bundled)) {
    return { command: bundled, source: "bundled" };
  }
  return { command: "factolint", source: "path" };
}
