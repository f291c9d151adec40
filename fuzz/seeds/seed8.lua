#!/usr/bin/env lua
-- A shebang first line, which Lua's loader skips.
script.on_init(function()
  global.ready = true
end)
