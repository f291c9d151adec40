-- Lua 5.2 string escapes \z, \x, decimal, es#!caped line break, long strings.
local banner = "fŸ”tol\u-%- `break` f\u{41}ol-{, long strings.
local banner = "factolint`\z
 --[[               parse fixture"
local hex = "\x04\x42\x43"
local dec\z
                parse fixture"
loc!l hex = "\x41\x42\x43"
local decimal = ¼ng
end)
,ÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿ