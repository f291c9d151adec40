// serverCommand's order: the setting, then the bundled binary, then PATH.
// Run with `npm test` (bundles src/server.ts to out/server.js first).
const assert = require("node:assert/strict");
const path = require("node:path");
const test = require("node:test");
const { serverCommand, bundledServer } = require("../out/server.js");

const extensionPath = path.join(path.sep, "ext");
const lookup = (overrides) => ({
  configured: "",
  extensionPath,
  workspaceFolder: path.join(path.sep, "work"),
  platform: "linux",
  exists: () => true,
  ...overrides,
});

test("the bundled binary when factolint.path is not set", () => {
  assert.deepEqual(serverCommand(lookup({})), {
    command: path.join(extensionPath, "server", "factolint"),
    source: "bundled",
  });
  assert.equal(bundledServer(extensionPath, "win32"), path.join(extensionPath, "server", "factolint.exe"));
});

test("factolint on PATH when nothing is bundled and nothing configured", () => {
  assert.deepEqual(serverCommand(lookup({ configured: undefined, exists: () => false })), {
    command: "factolint",
    source: "path",
  });
});

test("factolint.path wins over the bundled binary", () => {
  assert.deepEqual(serverCommand(lookup({ configured: " /opt/factolint " })), {
    command: "/opt/factolint",
    source: "setting",
  });
  assert.deepEqual(serverCommand(lookup({ configured: "factolint-dev" })), {
    command: "factolint-dev",
    source: "setting",
  });
});

test("a relative factolint.path starts at the workspace folder", () => {
  assert.deepEqual(serverCommand(lookup({ configured: "tools/factolint" })), {
    command: path.join(path.sep, "work", "tools", "factolint"),
    source: "setting",
  });
});
