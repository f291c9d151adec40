-- `break` followed by more statements in the same block: legal (and dead code) in Lua 5.2.
local function first_valid(entities)
  local found
  while true do
    found = entities[1]
    break
    found = nil; error("unreachable")
  end
  repeat break; local x = 1 until x
  return found
end

script.on_event(defines.events.on_built_entity, function(event)
  global.last = first_valid({ event.entity })
end)
