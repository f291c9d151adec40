-- Form feed and vertical tab are white space to Lua.
local a = 1
local b = 2
script.on_init(function()
  global.sum = a + b
end)
