-- An example 2.0 mod with the hazards factolint looks for.
local depots = require("scripts.depots")

script.on_init(function()
  global.depots = {}
  depots.init()
end)

script.on_event(defines.events.on_built_entity, depots.on_built)

-- Saved data lives in storage in 2.0; `settings.global` is unrelated.
local interval = settings.global["hazardous-interval"].value
