-- Lua 5.3 syntax is not Lua 5.2: this must stay a parse error, after the rewritten `break`.
for i = 1, 3 do
  break
  ::continue::
end
local half = 7 // 2
