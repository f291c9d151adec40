-- The file starts with a UTF-8 byte-order mark.
local count = 0
script.on_init(function()
  global.count = count
end)
