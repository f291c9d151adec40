-- `break` followed by a label in the same block: legal in Lua 5.2.
script.on_event(defines.events.on_tick, function()
  for _, player in pairs(game.players) do
    if not player.valid then
      goto continue
    end
    if player.connected then
      player.print("first connected player")
      break
      ::continue::
    end
  end
  global.ticks = (global.ticks or 0) + 1
end)
