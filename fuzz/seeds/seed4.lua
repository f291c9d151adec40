;-- Empty statements are legal in Lua 5.2 anywhere a statement can go.
local a = 1;;
do ; end
local function noop() ; end
script.on_init(function() ; global.a = a; noop() end)
