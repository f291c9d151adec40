-- Lua 5.2 string escapes: \z, \x, decimal, escaped line break, long strings.
local banner = "factolint \z
                parse fixture"
local hex = "\x41\x42\x43"
local decimal = "\65\066\0671"
local multi = "first\
second"
local long = [==[ contains ]] and "quotes" ]==]
script.on_init(function()
  global.text = banner .. hex .. decimal .. multi .. long
end)
