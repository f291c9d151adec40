-- factolint for Neovim 0.11+ native LSP configs: put this file in ~/.config/nvim/lsp/ and
-- call vim.lsp.enable("factolint") in init.lua.
return {
  cmd = { "factolint", "lsp" },
  filetypes = { "lua" },
  root_markers = { "info.json", "control.lua", "factolint.toml", ".git" },
  init_options = { debounceMs = 0 },
}
