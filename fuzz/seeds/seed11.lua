local depots = {}

function depots.init()
  storage.depot_count = 0
end

function depots.on_built(event)
  local entity = event.entity
  if entity.name ~= "depot" then return end
  global.depot_count = (global.depot_count or 0) + 1
end

return depots
