-- The usual Lua 5.2 `continue` idiom, and a backward goto.
script.on_nth_tick(60, function()
  for index = 1, 10 do
    if index % 2 == 0 then goto continue end
    global.odd = index
    ::continue::
  end
  local tries = 0
  ::retry::
  tries = tries + 1
  if tries < 3 then goto retry end
end)
