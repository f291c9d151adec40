-- factolint for Neovim: starts `factolint lsp` for Lua buffers.
--
-- Put this folder on 'runtimepath' (or copy lua/factolint.lua into ~/.config/nvim/lua/), then:
--
--   require("factolint").setup()                                   -- factolint on PATH
--   require("factolint").setup({ cmd = { "/path/to/factolint", "lsp" } })
--
-- Works with Neovim 0.7 and later: vim.lsp.config/enable on 0.11+, vim.lsp.start on 0.8+,
-- vim.lsp.start_client on 0.7.

local M = {}

M.defaults = {
  cmd = { "factolint", "lsp" },
  filetypes = { "lua" },
  -- The nearest folder holding one of these is the root: a mod (info.json), a scenario
  -- (control.lua), or a project with its own factolint.toml.
  root_markers = { "info.json", "control.lua", "factolint.toml", ".git" },
  -- Passed to the server as initializationOptions; debounceMs is the pause after typing
  -- before the unsaved buffer is checked.
  init_options = { debounceMs = 0 },
}

local function find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  while true do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return nil
    end
    dir = parent
  end
end

-- Neovim 0.7 has no vim.lsp.start: one client per root, attached to each buffer by hand.
local clients_by_root = {}

local function attach(bufnr, config)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" or vim.bo[bufnr].buftype ~= "" then
    return
  end
  local root = find_root(name, config.root_markers) or vim.fn.fnamemodify(name, ":p:h")
  local client_config = {
    name = "factolint",
    cmd = config.cmd,
    root_dir = root,
    init_options = config.init_options,
  }
  if vim.lsp.start then
    vim.lsp.start(client_config, { bufnr = bufnr })
    return
  end
  local id = clients_by_root[root]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(client_config)
    clients_by_root[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
end

function M.setup(opts)
  -- Shallow: a given list (cmd, root_markers) replaces the default, not merges into it.
  local config = vim.tbl_extend("force", M.defaults, opts or {})
  if vim.fn.executable(config.cmd[1]) ~= 1 then
    vim.notify("factolint: " .. config.cmd[1] .. " is not executable; set cmd in setup()", vim.log.levels.WARN)
    return
  end
  if vim.lsp.config and vim.lsp.enable then
    vim.lsp.config("factolint", {
      cmd = config.cmd,
      filetypes = config.filetypes,
      root_markers = config.root_markers,
      init_options = config.init_options,
    })
    vim.lsp.enable("factolint")
    return
  end
  local group = vim.api.nvim_create_augroup("factolint", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = config.filetypes,
    callback = function(args)
      attach(args.buf, config)
    end,
  })
  -- Buffers opened before setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype) then
      attach(bufnr, config)
    end
  end
end

return M
