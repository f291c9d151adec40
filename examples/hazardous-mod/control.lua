-- An example 2.0 mod with the hazards factolint looks for. Run:
--   cargo run --release -- check examples/hazardous-mod
local depots = require("scripts.depots")
local markers = require("scripts.markers")

script.on_init(function()
  global.depots = {}
  depots.init()
end)

script.on_event(defines.events.on_built_entity, depots.on_built)

-- Turned on by a command: the host has an on_tick handler, a joining client does not.
commands.add_command("depot-scan", "Scans depots every tick", function(command)
  storage.scanning = true
  script.on_event(defines.events.on_tick, depots.scan)
end)

script.on_event(defines.events.on_chart_tag_added, markers.on_tag_added)

-- Saved data lives in storage in 2.0; `settings.global` is unrelated.
local interval = settings.global["hazardous-interval"].value
