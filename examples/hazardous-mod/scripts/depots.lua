local depots = {}

-- A cache outside storage: a joining client rebuilds it in a different order.
local nearby = {}

function depots.init()
  storage.depot_count = 0
  storage.scan_queue = {}
end

function depots.on_built(event)
  local entity = event.entity
  if entity.name ~= "depot" then return end
  global.depot_count = (global.depot_count or 0) + 1
  storage.depots[entity.unit_number] = { entity = entity, tick = event.tick }
  nearby[entity.unit_number] = entity.position
end

function depots.scan(event)
  for unit_number in pairs(nearby) do
    table.insert(storage.scan_queue, unit_number)
  end
end

return depots
