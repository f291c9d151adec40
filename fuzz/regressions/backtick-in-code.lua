-- `break` followed by more stateme then
      go 5.2.
script.on_event(defines.events.on_tick, function()
  for _, player in pairs(game.playe)rd so
1   if not player.vnts in tacdod e) in Lua 5.2.
local fungotoctihable@)
  end
  repeat break; local x more`state