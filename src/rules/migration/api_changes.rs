//! What became of each API member, `defines` entry and event field that an older Factorio had
//! and a newer one lacks: its new spelling, whether rewriting to it is mechanical, and advice.
//!
//! `api::migration` says *whether* a name is gone for a mod's version; this table says *what
//! to write instead*. Facts from the 1.1 → 2.0 and 2.0 → 2.1 changelogs and the API tables
//! (shared/factorio-api, FACTORIO.md section h), in our words. A gone name with no row here is
//! reported as removed; the tests check every row against the API tables (the old name is
//! gone, the new one exists in the right shape).

use crate::api::FactorioVersion;
use std::sync::OnceLock;

pub const V2_0: FactorioVersion = FactorioVersion { major: 2, minor: 0 };
pub const V2_1: FactorioVersion = FactorioVersion { major: 2, minor: 1 };

/// The name that is gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Old {
    /// An attribute or method of a class, and so of its subclasses.
    Member {
        class: &'static str,
        name: &'static str,
    },
    /// A path under `defines`, without the prefix (`events.on_entity_destroyed`).
    Define(&'static str),
    /// A field of the data an event handler receives.
    EventField {
        event: &'static str,
        field: &'static str,
    },
}

/// What to write instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum New {
    /// Another global object's member: `game.table_to_json` → `helpers.table_to_json`. The
    /// whole `object.member` is rewritten, dropping the old object expression.
    Global(&'static str),
    /// The same object, another member name: `force.stack_inserter_capacity_bonus` →
    /// `force.bulk_inserter_capacity_bonus` (also for event fields).
    Rename(&'static str),
    /// The same object, through another member: `entity.set_command` →
    /// `entity.commandable.set_command`.
    Through(&'static str),
    /// An attribute read becomes a call with no arguments: `prototype.max_health` →
    /// `prototype.get_max_health()` (quality getters default to normal quality).
    Getter(&'static str),
    /// Another path under `defines`, without the prefix.
    Define(&'static str),
    /// A replacement that changes how the code must be written (arguments, types, several
    /// members): the spelling for the message, and no automatic fix.
    Manual(&'static str),
    /// Gone without a replacement.
    Removed,
}

/// One row: a gone name, what replaces it, the Factorio version that made the change, and
/// what to do (for manual rows and removals; empty where the new spelling says it all).
#[derive(Clone, Copy, Debug)]
pub struct ApiChange {
    pub old: Old,
    pub new: New,
    pub since: FactorioVersion,
    pub advice: &'static str,
}

impl ApiChange {
    /// FL502 (moved, renamed or changed) rather than FL503 (removed).
    pub fn is_moved(&self) -> bool {
        self.new != New::Removed
    }

    /// The rewrite needs no judgement (given a use it fits; see the rules).
    pub fn is_mechanical(&self) -> bool {
        !matches!(self.new, New::Manual(_) | New::Removed)
    }
}

/// Every row, 1.1 → 2.0 first.
pub fn all() -> &'static [ApiChange] {
    static ROWS: OnceLock<Vec<ApiChange>> = OnceLock::new();
    ROWS.get_or_init(build)
}

/// The row for a class member, looked up through the class's ancestors (the caller passes
/// them, nearest first) for the given versions.
pub fn member(
    lineage: &[&str],
    name: &str,
    applies: impl Fn(FactorioVersion) -> bool,
) -> Option<&'static ApiChange> {
    lineage.iter().find_map(|class| {
        all().iter().find(|row| {
            applies(row.since)
                && matches!(row.old, Old::Member { class: c, name: n } if c == *class && n == name)
        })
    })
}

pub fn define(path: &str, applies: impl Fn(FactorioVersion) -> bool) -> Option<&'static ApiChange> {
    all()
        .iter()
        .find(|row| applies(row.since) && matches!(row.old, Old::Define(p) if p == path))
}

pub fn event_field(
    event: &str,
    field: &str,
    applies: impl Fn(FactorioVersion) -> bool,
) -> Option<&'static ApiChange> {
    all().iter().find(|row| {
        applies(row.since)
            && matches!(row.old, Old::EventField { event: e, field: f } if e == event && f == field)
    })
}

/// Whether some row names an event field called `field` (of any event, in any version).
pub fn names_event_field(field: &str) -> bool {
    type Names = std::collections::HashSet<&'static str, foldhash::fast::FixedState>;
    static FIELDS: OnceLock<Names> = OnceLock::new();
    FIELDS
        .get_or_init(|| {
            all()
                .iter()
                .filter_map(|row| match row.old {
                    Old::EventField { field, .. } => Some(field),
                    _ => None,
                })
                .collect()
        })
        .contains(field)
}

/// `game.X_prototypes` → `prototypes.X`, and `game.get_filtered_X_prototypes` →
/// `prototypes.get_X_filtered`.
const PROTOTYPE_TABLES: &[&str] = &[
    "achievement",
    "ammo_category",
    "autoplace_control",
    "custom_input",
    "damage",
    "decorative",
    "entity",
    "equipment",
    "equipment_category",
    "equipment_grid",
    "fluid",
    "font",
    "fuel_category",
    "item",
    "item_group",
    "item_subgroup",
    "mod_setting",
    "module_category",
    "particle",
    "recipe",
    "recipe_category",
    "resource_category",
    "shortcut",
    "technology",
    "tile",
    "trivial_smoke",
    "virtual_signal",
];

const FILTERED_PROTOTYPES: &[&str] = &[
    "achievement",
    "decorative",
    "entity",
    "equipment",
    "fluid",
    "item",
    "mod_setting",
    "recipe",
    "technology",
    "tile",
];

/// LuaGameScript functions that moved unchanged to `helpers`.
const TO_HELPERS: &[&str] = &[
    "table_to_json",
    "json_to_table",
    "write_file",
    "remove_path",
    "direction_to_string",
    "evaluate_expression",
    "encode_string",
    "decode_string",
    "parse_map_exchange_string",
    "check_prototype_translations",
    "is_valid_sound_path",
    "is_valid_sprite_path",
];

/// LuaGameScript limits that moved unchanged to `prototypes`.
const MAX_DISTANCES: &[&str] = &[
    "max_beacon_supply_area_distance",
    "max_electric_pole_connection_distance",
    "max_electric_pole_supply_area_distance",
    "max_force_distraction_chunk_distance",
    "max_force_distraction_distance",
    "max_gate_activation_distance",
    "max_inserter_reach_distance",
    "max_pipe_to_ground_distance",
    "max_underground_belt_distance",
];

/// Prototype reads that became quality-aware getters taking an optional quality, by class.
const QUALITY_GETTERS_2_0: &[(&str, &[&str])] = &[
    (
        "LuaEntityPrototype",
        &[
            "crafting_speed",
            "inserter_extension_speed",
            "inserter_rotation_speed",
            "max_circuit_wire_distance",
            "max_distance_of_nearby_sector_revealed",
            "max_distance_of_sector_revealed",
            "max_energy",
            "max_energy_production",
            "max_energy_usage",
            "max_health",
            "max_wire_distance",
            "researching_speed",
            "supply_area_distance",
        ],
    ),
    (
        "LuaEquipmentPrototype",
        &["energy_consumption", "movement_bonus", "shield"],
    ),
    ("LuaItemPrototype", &["durability", "inventory_size_bonus"]),
    (
        "LuaElectricEnergySourcePrototype",
        &["input_flow_limit", "output_flow_limit"],
    ),
    (
        "LuaEntity",
        &["electric_input_flow_limit", "electric_output_flow_limit"],
    ),
    ("LuaEquipmentGrid", &["generator_energy"]),
];

const QUALITY_GETTERS_2_1: &[(&str, &[&str])] = &[
    (
        "LuaEntityPrototype",
        &["fluid_usage_per_tick", "max_power_output", "pumping_speed"],
    ),
    ("LuaFluidBoxPrototype", &["volume"]),
    ("LuaItemPrototype", &["inventory_size"]),
];

/// LuaForce statistics that are now per surface.
const FORCE_STATISTICS: &[&str] = &[
    "item_production_statistics",
    "fluid_production_statistics",
    "kill_count_statistics",
    "entity_build_count_statistics",
];

/// LuaRendering functions that took an object id; 2.0 objects carry these themselves.
const RENDERING_BY_ID: &[&str] = &[
    "alignment",
    "angle",
    "animation",
    "animation_offset",
    "animation_speed",
    "color",
    "dash_length",
    "draw_on_ground",
    "filled",
    "font",
    "forces",
    "from",
    "gap_length",
    "intensity",
    "left_top",
    "max_radius",
    "min_radius",
    "minimum_darkness",
    "only_in_alt_mode",
    "orientation",
    "orientation_target",
    "oriented",
    "oriented_offset",
    "players",
    "radius",
    "render_layer",
    "right_bottom",
    "scale",
    "scale_with_zoom",
    "sprite",
    "start_angle",
    "surface",
    "target",
    "text",
    "time_to_live",
    "to",
    "type",
    "use_rich_text",
    "use_target_orientation",
    "vertical_alignment",
    "vertices",
    "visible",
    "width",
    "x_scale",
    "y_scale",
];

const RENDER_OBJECT_ADVICE: &str = "in Factorio 2.0 `rendering.draw_*` returns a LuaRenderObject: keep that object instead of the id and use its fields and methods (`rendering.get_object_by_id(id)` finds the object for an old id)";

const LOGISTIC_SLOTS_ADVICE: &str = "logistic requests are organised in sections in Factorio 2.0: use `get_requester_point()` (characters, vehicles) or `get_logistic_sections()` and the LuaLogisticSection methods";

const WIRES_ADVICE: &str = "circuit and copper wires are LuaWireConnector objects in Factorio 2.0: use `entity.get_wire_connector(id)` / `get_wire_connectors()` and `connect_to` / `disconnect_from`";

const SELECTION_TOOL_ADVICE: &str = "selection tool settings are read per selection mode in Factorio 2.0: `item_prototype.get_entity_filters(defines.selection_mode.select)` and the other `get_*(selection_mode)` methods";

fn build() -> Vec<ApiChange> {
    let mut rows = Vec::new();
    let mut add = |old: Old, new: New, since: FactorioVersion, advice: &'static str| {
        rows.push(ApiChange {
            old,
            new,
            since,
            advice,
        })
    };
    let member = |class: &'static str, name: &'static str| Old::Member { class, name };
    // Names built from the lists above live as long as the table: leak them once.
    let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };

    // ----- 1.1 → 2.0: LuaGameScript members that moved to other global objects -----
    for name in TO_HELPERS {
        add(
            member("LuaGameScript", name),
            New::Global(leak(format!("helpers.{name}"))),
            V2_0,
            "",
        );
    }
    add(
        member("LuaGui", "is_valid_sprite_path"),
        New::Global("helpers.is_valid_sprite_path"),
        V2_0,
        "",
    );
    for table in PROTOTYPE_TABLES {
        add(
            member("LuaGameScript", leak(format!("{table}_prototypes"))),
            New::Global(leak(format!("prototypes.{table}"))),
            V2_0,
            "",
        );
    }
    for table in FILTERED_PROTOTYPES {
        add(
            member(
                "LuaGameScript",
                leak(format!("get_filtered_{table}_prototypes")),
            ),
            New::Global(leak(format!("prototypes.get_{table}_filtered"))),
            V2_0,
            "",
        );
    }
    for name in MAX_DISTANCES {
        add(
            member("LuaGameScript", name),
            New::Global(leak(format!("prototypes.{name}"))),
            V2_0,
            "",
        );
    }
    let to_global = [
        ("LuaGameScript", "active_mods", "script.active_mods"),
        ("LuaGameScript", "styles", "prototypes.style"),
        (
            "LuaGameScript",
            "map_gen_presets",
            "prototypes.map_gen_preset",
        ),
        (
            "LuaGameScript",
            "named_noise_expressions",
            "prototypes.named_noise_expression",
        ),
        (
            "LuaBootstrap",
            "get_prototype_history",
            "prototypes.get_history",
        ),
        (
            "LuaGameScript",
            "get_train_by_id",
            "game.train_manager.get_train_by_id",
        ),
        (
            "LuaGameScript",
            "request_train_path",
            "game.train_manager.request_train_path",
        ),
    ];
    for (class, name, new) in to_global {
        add(member(class, name), New::Global(new), V2_0, "");
    }
    add(
        member("LuaGameScript", "get_train_stops"),
        New::Global("game.train_manager.get_train_stops"),
        V2_0,
        "",
    );
    for class in ["LuaSurface", "LuaForce"] {
        add(
            member(class, "get_train_stops"),
            New::Manual("game.train_manager.get_train_stops{…}"),
            V2_0,
            "train stops are found through the train manager in Factorio 2.0: `game.train_manager.get_train_stops{surface = …, force = …}`",
        );
        add(
            member(class, "get_trains"),
            New::Manual("game.train_manager.get_trains{…}"),
            V2_0,
            "trains are found through the train manager in Factorio 2.0: `game.train_manager.get_trains{surface = …, force = …}`",
        );
    }
    add(
        member("LuaGameScript", "pollution_statistics"),
        New::Manual("game.get_pollution_statistics(surface)"),
        V2_0,
        "pollution statistics are per surface in Factorio 2.0: `game.get_pollution_statistics(surface)` or `surface.pollution_statistics`",
    );
    add(
        member("LuaGameScript", "noise_layer_prototypes"),
        New::Removed,
        V2_0,
        "noise layers no longer exist in Factorio 2.0",
    );
    for name in [
        "disable_tutorial_triggers",
        "get_active_entities_count",
        "count_pipe_groups",
    ] {
        add(member("LuaGameScript", name), New::Removed, V2_0, "");
    }

    // ----- renamed or moved within an object -----
    let renames = [
        ("LuaSettings", "player", "player_default"),
        (
            "LuaBootstrap",
            "register_on_entity_destroyed",
            "register_on_object_destroyed",
        ),
        (
            "LuaForce",
            "stack_inserter_capacity_bonus",
            "bulk_inserter_capacity_bonus",
        ),
        ("LuaEntity", "is_entity_with_force", "is_military_target"),
        ("LuaEntityPrototype", "stack", "bulk"),
        ("LuaFluidBox", "get_fluid_system_id", "get_fluid_segment_id"),
        (
            "LuaFluidBox",
            "get_fluid_system_contents",
            "get_fluid_segment_contents",
        ),
        ("LuaItemStack", "blueprint_icons", "preview_icons"),
        (
            "LuaLogisticContainerControlBehavior",
            "circuit_mode_of_operation",
            "circuit_exclusive_mode_of_operation",
        ),
        (
            "LuaTrainStopControlBehavior",
            "enable_disable",
            "circuit_enable_disable",
        ),
        (
            "LuaTransportBeltControlBehavior",
            "enable_disable",
            "circuit_enable_disable",
        ),
    ];
    for (class, name, new) in renames {
        add(member(class, name), New::Rename(new), V2_0, "");
    }
    let through = [
        ("LuaEntity", "set_command", "commandable.set_command"),
        (
            "LuaEntity",
            "set_distraction_command",
            "commandable.set_distraction_command",
        ),
        ("LuaEntity", "command", "commandable.command"),
        (
            "LuaEntity",
            "distraction_command",
            "commandable.distraction_command",
        ),
        ("LuaEntity", "has_command", "commandable.has_command"),
        ("LuaEntity", "unit_group", "commandable.parent_group"),
        ("LuaEntity", "spawner", "commandable.spawner"),
        ("LuaTechnology", "effects", "prototype.effects"),
    ];
    for (class, name, new) in through {
        add(member(class, name), New::Through(new), V2_0, "");
    }
    for (class, names) in QUALITY_GETTERS_2_0 {
        for name in *names {
            add(
                member(class, name),
                New::Getter(leak(format!("get_{name}"))),
                V2_0,
                "",
            );
        }
    }

    // ----- changed: a replacement that needs rewriting by hand -----
    let manual = [
        (
            "LuaEntity",
            "electric_emissions",
            "electric_emissions_per_joule",
            "the replacement is a table of emissions per pollutant type (`electric_emissions_per_joule.pollution`), no longer one number",
        ),
        (
            "LuaEntity",
            "get_merged_signal",
            "get_signal(signal, defines.wire_connector_id.circuit_red, defines.wire_connector_id.circuit_green)",
            "`get_signal` names the wire connectors to read; pass both circuit connectors for the merged value",
        ),
        (
            "LuaEntity",
            "get_merged_signals",
            "get_signals(defines.wire_connector_id.circuit_red, defines.wire_connector_id.circuit_green)",
            "`get_signals` names the wire connectors to read; pass both circuit connectors for the merged values",
        ),
        (
            "LuaEntity",
            "get_rail_segment_entity",
            "get_rail_segment_signal(…) / get_rail_segment_stop(…)",
            "signals and train stops at the end of a rail segment are read by separate methods in Factorio 2.0",
        ),
        (
            "LuaCircuitNetwork",
            "circuit_connector_id",
            "wire_connector_id",
            "the replacement is a `defines.wire_connector_id` value, not a `defines.circuit_connector_id` one",
        ),
        (
            "LuaInserterControlBehavior",
            "circuit_mode_of_operation",
            "circuit_enable_disable / circuit_set_filters / circuit_read_hand_contents / circuit_set_stack_size",
            "each circuit mode of an inserter is its own boolean in Factorio 2.0",
        ),
        (
            "LuaForce",
            "ghost_time_to_live",
            "create_ghost_on_entity_death",
            "ghosts no longer expire in Factorio 2.0; `create_ghost_on_entity_death` is a boolean",
        ),
        (
            "LuaForce",
            "get_saved_technology_progress",
            "technology.saved_progress",
            "saved research progress is read from the LuaTechnology (`force.technologies[name].saved_progress`)",
        ),
        (
            "LuaForce",
            "set_saved_technology_progress",
            "technology.saved_progress = …",
            "saved research progress is written on the LuaTechnology (`force.technologies[name].saved_progress = …`)",
        ),
        (
            "LuaPlayer",
            "open_map",
            "player.set_controller{type = defines.controllers.remote, position = …}",
            "the map and the world share the remote view in Factorio 2.0",
        ),
        (
            "LuaPlayer",
            "zoom_to_world",
            "player.set_controller{type = defines.controllers.remote, position = …}",
            "the map and the world share the remote view in Factorio 2.0",
        ),
        (
            "LuaPlayer",
            "close_map",
            "player.set_controller{type = defines.controllers.character, character = …}",
            "leave the remote view by switching the controller back",
        ),
        (
            "LuaRendering",
            "is_font_valid",
            "prototypes.font[name] ~= nil",
            "fonts are prototypes in Factorio 2.0",
        ),
        (
            "LuaRendering",
            "get_all_ids",
            "rendering.get_all_objects()",
            RENDER_OBJECT_ADVICE,
        ),
        (
            "LuaRendering",
            "is_valid",
            "object.valid",
            RENDER_OBJECT_ADVICE,
        ),
        (
            "LuaRendering",
            "destroy",
            "object.destroy()",
            RENDER_OBJECT_ADVICE,
        ),
        (
            "LuaRendering",
            "bring_to_front",
            "object.bring_to_front()",
            RENDER_OBJECT_ADVICE,
        ),
        (
            "LuaRendering",
            "move_to_back",
            "object.move_to_back()",
            RENDER_OBJECT_ADVICE,
        ),
        (
            "LuaRendering",
            "set_corners",
            "object.set_corners(left_top, right_bottom)",
            RENDER_OBJECT_ADVICE,
        ),
        (
            "LuaRendering",
            "set_dashes",
            "object.set_dashes(dash_length, gap_length)",
            RENDER_OBJECT_ADVICE,
        ),
        (
            "LuaTrain",
            "front_rail",
            "train.get_rail_end(defines.rail_direction.front).rail",
            "the ends of a train are LuaRailEnd objects in Factorio 2.0",
        ),
        (
            "LuaTrain",
            "back_rail",
            "train.get_rail_end(defines.rail_direction.back).rail",
            "the ends of a train are LuaRailEnd objects in Factorio 2.0",
        ),
        (
            "LuaTrain",
            "rail_direction_from_front_rail",
            "train.get_rail_end(defines.rail_direction.front)",
            "the ends of a train are LuaRailEnd objects in Factorio 2.0",
        ),
        (
            "LuaTrain",
            "rail_direction_from_back_rail",
            "train.get_rail_end(defines.rail_direction.back)",
            "the ends of a train are LuaRailEnd objects in Factorio 2.0",
        ),
        (
            "LuaConstantCombinatorControlBehavior",
            "parameters",
            "sections (get_section / add_section)",
            "constant combinator signals live in logistic sections in Factorio 2.0",
        ),
        (
            "LuaConstantCombinatorControlBehavior",
            "signals_count",
            "sections (get_section / add_section)",
            "constant combinator signals live in logistic sections in Factorio 2.0",
        ),
        (
            "LuaConstantCombinatorControlBehavior",
            "get_signal",
            "get_section(i).get_slot(j)",
            "constant combinator signals live in logistic sections in Factorio 2.0",
        ),
        (
            "LuaConstantCombinatorControlBehavior",
            "set_signal",
            "get_section(i).set_slot(j, filter)",
            "constant combinator signals live in logistic sections in Factorio 2.0",
        ),
        (
            "LuaBurnerPrototype",
            "emissions",
            "emissions_per_joule",
            "emissions are a table per pollutant type in Factorio 2.0",
        ),
        (
            "LuaElectricEnergySourcePrototype",
            "emissions",
            "emissions_per_joule",
            "emissions are a table per pollutant type in Factorio 2.0",
        ),
        (
            "LuaFluidEnergySourcePrototype",
            "emissions",
            "emissions_per_joule",
            "emissions are a table per pollutant type in Factorio 2.0",
        ),
        (
            "LuaHeatEnergySourcePrototype",
            "emissions",
            "emissions_per_joule",
            "emissions are a table per pollutant type in Factorio 2.0",
        ),
        (
            "LuaVoidEnergySourcePrototype",
            "emissions",
            "emissions_per_joule",
            "emissions are a table per pollutant type in Factorio 2.0",
        ),
        (
            "LuaEntityPrototype",
            "collision_mask_with_flags",
            "collision_mask",
            "`collision_mask` includes the flags in Factorio 2.0, and its layers are a table under `layers`",
        ),
        (
            "LuaEntityPrototype",
            "default_collision_mask_with_flags",
            "collision_mask",
            "`collision_mask` includes the flags in Factorio 2.0, and its layers are a table under `layers`",
        ),
        (
            "LuaTilePrototype",
            "collision_mask_with_flags",
            "collision_mask",
            "`collision_mask` includes the flags in Factorio 2.0, and its layers are a table under `layers`",
        ),
        (
            "LuaDecorativePrototype",
            "collision_mask_with_flags",
            "collision_mask",
            "`collision_mask` includes the flags in Factorio 2.0, and its layers are a table under `layers`",
        ),
        (
            "LuaTilePrototype",
            "emissions_per_second",
            "absorptions_per_second",
            "tile pollution is a table per pollutant type in Factorio 2.0",
        ),
        (
            "LuaGuiElement",
            "get_slider_discrete_slider",
            "discrete_values",
            "read `discrete_values` instead",
        ),
        (
            "LuaGuiElement",
            "set_slider_discrete_slider",
            "discrete_values = …",
            "write `discrete_values` instead",
        ),
    ];
    for (class, name, new, advice) in manual {
        add(member(class, name), New::Manual(new), V2_0, advice);
    }
    for name in [
        "evolution_factor",
        "evolution_factor_by_pollution",
        "evolution_factor_by_time",
        "evolution_factor_by_killing_spawners",
    ] {
        add(
            member("LuaForce", name),
            New::Manual(leak(format!("get_{name}(surface)"))),
            V2_0,
            "enemy evolution is per surface in Factorio 2.0: read it with `get_…(surface)` and write it with `set_…(value, surface)`",
        );
    }
    for name in FORCE_STATISTICS {
        add(
            member("LuaForce", name),
            New::Manual(leak(format!("get_{name}(surface)"))),
            V2_0,
            "production statistics are per surface in Factorio 2.0",
        );
    }
    for name in RENDERING_BY_ID {
        add(
            member("LuaRendering", leak(format!("get_{name}"))),
            New::Manual(leak(format!("object.{name}"))),
            V2_0,
            RENDER_OBJECT_ADVICE,
        );
        // The surface and type of an object were never settable.
        if !matches!(*name, "surface" | "type") {
            add(
                member("LuaRendering", leak(format!("set_{name}"))),
                New::Manual(leak(format!("object.{name} = …"))),
                V2_0,
                RENDER_OBJECT_ADVICE,
            );
        }
    }
    for class in ["LuaControl", "LuaEntity", "LuaPlayer"] {
        for name in [
            "get_personal_logistic_slot",
            "set_personal_logistic_slot",
            "clear_personal_logistic_slot",
            "get_vehicle_logistic_slot",
            "set_vehicle_logistic_slot",
            "clear_vehicle_logistic_slot",
            "character_personal_logistic_requests_enabled",
            "vehicle_logistic_requests_enabled",
        ] {
            add(
                member(class, name),
                New::Manual("get_requester_point() / LuaLogisticSection"),
                V2_0,
                LOGISTIC_SLOTS_ADVICE,
            );
        }
    }
    for name in [
        "get_request_slot",
        "set_request_slot",
        "clear_request_slot",
        "request_slot_count",
    ] {
        add(
            member("LuaEntity", name),
            New::Manual("get_logistic_sections() / LuaLogisticSection"),
            V2_0,
            LOGISTIC_SLOTS_ADVICE,
        );
    }
    for name in [
        "circuit_connected_entities",
        "circuit_connection_definitions",
        "copper_connection_definitions",
        "connect_neighbour",
        "disconnect_neighbour",
    ] {
        add(
            member("LuaEntity", name),
            New::Manual("get_wire_connector(id) / get_wire_connectors()"),
            V2_0,
            WIRES_ADVICE,
        );
    }
    for name in [
        "entity_filters",
        "entity_type_filters",
        "entity_filter_mode",
        "tile_filters",
        "tile_filter_mode",
        "selection_border_color",
        "selection_mode_flags",
    ] {
        add(
            member("LuaItemPrototype", name),
            New::Manual(leak(format!("get_{name}(selection_mode)"))),
            V2_0,
            SELECTION_TOOL_ADVICE,
        );
    }

    // ----- removed without a replacement -----
    let removed = [
        ("LuaEntity", "moving", "units no longer report whether they move"),
        ("LuaEntity", "text", "flying text entities are gone; draw text with `rendering.draw_text` or create a `player.create_local_flying_text`"),
        ("LuaEntity", "get_upgrade_direction", ""),
        ("LuaEntity", "auto_launch", "rocket silos launch through the cargo and space platform systems in Factorio 2.0"),
        ("LuaForce", "research_queue_enabled", "the research queue is always on in Factorio 2.0"),
        ("LuaPlayer", "log_active_entity_counts", ""),
        ("LuaPlayer", "log_active_entity_chunk_counts", ""),
        ("LuaItemStack", "connected_entity", ""),
        ("LuaEntityPrototype", "fluid", ""),
    ];
    for (class, name, advice) in removed {
        add(member(class, name), New::Removed, V2_0, advice);
    }
    for name in [
        "zoom_to_world_enabled",
        "zoom_to_world_ghost_building_enabled",
        "zoom_to_world_blueprint_enabled",
        "zoom_to_world_deconstruction_planner_enabled",
        "zoom_to_world_selection_tool_enabled",
    ] {
        add(
            member("LuaForce", name),
            New::Removed,
            V2_0,
            "zoom-to-world is part of the remote view in Factorio 2.0 and cannot be switched off per force",
        );
    }
    // Every LuaObject answered these in 1.1.
    for (name, advice) in [
        ("help", "read the API documentation instead"),
        ("__self", "LuaObjects are userdata in Factorio 2.0: test `object.object_name` or `object.valid`"),
        ("isluaobject", "LuaObjects are userdata in Factorio 2.0: `type(object) == \"userdata\"` and `object.object_name` tell them apart"),
    ] {
        add(member("*", name), New::Removed, V2_0, advice);
    }

    // ----- defines -----
    let define_renames = [
        ("events.on_entity_destroyed", "events.on_object_destroyed"),
        (
            "events.on_player_used_spider_remote",
            "events.on_player_used_spidertron_remote",
        ),
        (
            "control_behavior.logistic_container.circuit_mode_of_operation",
            "control_behavior.logistic_container.exclusive_mode",
        ),
    ];
    for (old, new) in define_renames {
        add(Old::Define(old), New::Define(new), V2_0, "");
    }
    let define_manual = [
        (
            "circuit_connector_id",
            "defines.wire_connector_id",
            "wires connect to `defines.wire_connector_id` connectors in Factorio 2.0 (`circuit_red`, `circuit_green`, `combinator_input_red`, …)",
        ),
        (
            "wire_connection_id",
            "defines.wire_connector_id",
            "wires connect to `defines.wire_connector_id` connectors in Factorio 2.0 (`pole_copper`, `power_switch_left_copper`, …)",
        ),
        (
            "control_behavior.inserter.circuit_mode_of_operation",
            "LuaInserterControlBehavior booleans",
            "each circuit mode of an inserter is its own boolean in Factorio 2.0 (`circuit_enable_disable`, `circuit_set_filters`, …)",
        ),
        (
            "relative_gui_type.rail_signal_gui",
            "defines.relative_gui_type.rail_signal_base_gui",
            "rail and chain signals share one GUI in Factorio 2.0",
        ),
        (
            "relative_gui_type.rail_chain_signal_gui",
            "defines.relative_gui_type.rail_signal_base_gui",
            "rail and chain signals share one GUI in Factorio 2.0",
        ),
    ];
    for (old, new, advice) in define_manual {
        add(Old::Define(old), New::Manual(new), V2_0, advice);
    }
    let define_removed = [
        (
            "circuit_condition_index",
            "each control behavior has one circuit condition in Factorio 2.0",
        ),
        (
            "difficulty_settings",
            "recipe and technology difficulty no longer exist in Factorio 2.0",
        ),
        (
            "events.on_difficulty_settings_changed",
            "recipe and technology difficulty no longer exist in Factorio 2.0",
        ),
        ("events.on_player_configured_spider_remote", ""),
        (
            "control_behavior.lamp.circuit_mode_of_operation",
            "lamps have `use_colors` and `color_mode` on their control behavior in Factorio 2.0",
        ),
    ];
    for (old, advice) in define_removed {
        add(Old::Define(old), New::Removed, V2_0, advice);
    }

    // ----- event fields -----
    let field_renames = [
        ("on_built_entity", "created_entity", "entity"),
        ("on_robot_built_entity", "created_entity", "entity"),
        ("on_chart_tag_modified", "old_player", "old_player_index"),
        // The event itself was renamed to on_object_destroyed; for an entity its
        // `useful_id` is the unit number.
        ("on_entity_destroyed", "unit_number", "useful_id"),
    ];
    for (event, field, new) in field_renames {
        add(Old::EventField { event, field }, New::Rename(new), V2_0, "");
    }
    let field_manual = [
        (
            "on_built_entity",
            "stack",
            "consumed_items",
            "the items used to build are an inventory (`event.consumed_items`) in Factorio 2.0",
        ),
        (
            "on_built_entity",
            "item",
            "consumed_items",
            "the items used to build are an inventory (`event.consumed_items`) in Factorio 2.0",
        ),
        (
            "on_player_built_tile",
            "stack",
            "inventory",
            "the tile's item comes from `event.inventory` (with `event.item` and `event.quality`) in Factorio 2.0",
        ),
        (
            "on_robot_built_tile",
            "stack",
            "inventory",
            "the tile's item comes from `event.inventory` (with `event.item` and `event.quality`) in Factorio 2.0",
        ),
        (
            "on_pre_build",
            "shift_build",
            "build_mode",
            "compare `event.build_mode` with `defines.build_mode` in Factorio 2.0",
        ),
    ];
    for (event, field, new, advice) in field_manual {
        add(
            Old::EventField { event, field },
            New::Manual(new),
            V2_0,
            advice,
        );
    }
    add(
        Old::EventField {
            event: "on_player_used_spider_remote",
            field: "success",
        },
        New::Removed,
        V2_0,
        "the renamed event on_player_used_spidertron_remote fires only for commands that were given",
    );

    // ----- 2.0 → 2.1 -----
    add(
        member("LuaGameScript", "create_profiler"),
        New::Global("helpers.create_profiler"),
        V2_1,
        "",
    );
    for (class, names) in QUALITY_GETTERS_2_1 {
        for name in *names {
            add(
                member(class, name),
                New::Getter(leak(format!("get_{name}"))),
                V2_1,
                "",
            );
        }
    }
    let renames_2_1 = [
        ("LuaRecord", "is_blueprint_preview", "is_preview"),
        ("LuaRecipePrototype", "is_parameter", "parameter"),
        (
            "LuaAssemblingMachineControlBehavior",
            "include_fuel",
            "read_fuel",
        ),
        ("LuaFurnaceControlBehavior", "include_fuel", "read_fuel"),
    ];
    for (class, name, new) in renames_2_1 {
        add(member(class, name), New::Rename(new), V2_1, "");
    }
    let manual_2_1 = [
        ("LuaRecipe", "category", "categories", "recipes have a list of categories in Factorio 2.1"),
        ("LuaRecipe", "additional_categories", "categories", "recipes have a list of categories in Factorio 2.1"),
        ("LuaRecipePrototype", "category", "categories", "recipes have a list of categories in Factorio 2.1"),
        ("LuaRecipePrototype", "additional_categories", "categories", "recipes have a list of categories in Factorio 2.1"),
        ("LuaPlayer", "pipette_entity", "pipette{id = …}", "`pipette` takes the prototype to pick (and an optional quality) in Factorio 2.1"),
        ("LuaEntity", "fluidbox", "entity.get_fluid(i) / entity.set_fluid(i, fluid)", "LuaFluidBox is gone in Factorio 2.1: fluids are read and written through LuaEntity's fluid methods (`get_fluid`, `set_fluid`, `get_fluid_capacity`, `get_fluid_segment_id`, ...)"),
        ("LuaEntity", "neighbours", "belt_neighbours / fluidbox_neighbours / heat_neighbours / wall_neighbours / …", "`neighbours` was split by kind of connection in Factorio 2.1"),
        ("LuaEntity", "pump_rail_target", "pump_input_rail_targets / pump_output_rail_targets", "pumps can target several rails in Factorio 2.1"),
        ("LuaLogisticContainerControlBehavior", "circuit_exclusive_mode_of_operation", "set_requests / read_contents", "the two circuit modes are separate booleans in Factorio 2.1"),
        ("LuaCargoLandingPadControlBehavior", "circuit_exclusive_mode_of_operation", "set_requests / read_contents", "the two circuit modes are separate booleans in Factorio 2.1"),
        ("LuaDisplayPanelControlBehavior", "messages", "records", "display panel messages are records in Factorio 2.1 (`get_record`, `set_record`, `add_record`, …)"),
        ("LuaDisplayPanelControlBehavior", "get_message", "get_record(i)", "display panel messages are records in Factorio 2.1"),
        ("LuaDisplayPanelControlBehavior", "set_message", "set_record(i, …)", "display panel messages are records in Factorio 2.1"),
    ];
    for (class, name, new, advice) in manual_2_1 {
        add(member(class, name), New::Manual(new), V2_1, advice);
    }
    let define_renames_2_1 = [
        ("default_icon_size", "constant.default_icon_size"),
        (
            "control_behavior.type.storage_tank",
            "control_behavior.type.single_fluid_box",
        ),
        (
            "inventory.assembling_machine_input",
            "inventory.crafter_input",
        ),
        ("inventory.furnace_source", "inventory.crafter_input"),
        ("inventory.rocket_silo_input", "inventory.crafter_input"),
        (
            "inventory.assembling_machine_output",
            "inventory.crafter_output",
        ),
        ("inventory.furnace_result", "inventory.crafter_output"),
        ("inventory.rocket_silo_output", "inventory.crafter_output"),
        (
            "inventory.assembling_machine_modules",
            "inventory.crafter_modules",
        ),
        ("inventory.furnace_modules", "inventory.crafter_modules"),
        ("inventory.rocket_silo_modules", "inventory.crafter_modules"),
        (
            "inventory.assembling_machine_trash",
            "inventory.crafter_trash",
        ),
        ("inventory.furnace_trash", "inventory.crafter_trash"),
    ];
    for (old, new) in define_renames_2_1 {
        add(Old::Define(old), New::Define(new), V2_1, "");
    }
    add(
        Old::Define("control_behavior.logistic_container"),
        New::Manual("set_requests / read_contents"),
        V2_1,
        "the two circuit modes are separate booleans in Factorio 2.1",
    );
    add(
        Old::Define("control_behavior.cargo_landing_pad"),
        New::Manual("set_requests / read_contents"),
        V2_1,
        "the two circuit modes are separate booleans in Factorio 2.1",
    );
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{for_version, migration, Api, Type};

    fn table(version: FactorioVersion) -> &'static Api {
        for_version(Some(version))
    }

    /// The class a member path leads to: `game.train_manager` → LuaTrainManager.
    fn follow<'a>(api: &'a Api, class: &'a str, path: &[&str]) -> Result<&'a str, String> {
        let mut class = class;
        for step in path {
            let ty = api
                .attribute_type(class, step)
                .ok_or_else(|| format!("{class} has no attribute {step}"))?;
            class = api
                .class_of(ty)
                .ok_or_else(|| format!("{class}.{step} is not an object"))?;
        }
        Ok(class)
    }

    fn member_exists(api: &Api, class: &str, dotted: &str) -> Result<(), String> {
        let parts: Vec<&str> = dotted.split('.').collect();
        let (last, path) = parts.split_last().unwrap();
        let owner = follow(api, class, path)?;
        if api.has_member(owner, last) {
            Ok(())
        } else {
            Err(format!("{owner} has no member {last}"))
        }
    }

    #[test]
    fn every_row_names_something_gone_in_its_version() {
        let mut wrong = Vec::new();
        for row in all() {
            let gone = match row.old {
                Old::Member { class: "*", name } => {
                    migration::is_moved_or_removed(row.since, "LuaEntity", name)
                }
                Old::Member { class, name } => {
                    migration::is_moved_or_removed(row.since, class, name)
                        && !table(row.since).has_member(class, name)
                }
                Old::Define(path) => {
                    migration::is_moved_or_removed_define(row.since, path)
                        && !table(row.since).is_define(path)
                }
                Old::EventField { event, field } => {
                    migration::is_moved_or_removed_event_field(row.since, event, field)
                        || table(row.since).event(event).is_none()
                }
            };
            if !gone {
                wrong.push(format!("{:?}", row.old));
            }
        }
        assert!(wrong.is_empty(), "still there: {wrong:#?}");
    }

    #[test]
    fn mechanical_rows_point_at_what_exists_in_their_version() {
        let mut wrong = Vec::new();
        for row in all() {
            let api = table(row.since);
            let result = match (row.old, row.new) {
                (Old::Member { .. }, New::Global(new)) => {
                    let (object, rest) = new.split_once('.').unwrap();
                    let class = api.global_object(object).unwrap();
                    member_exists(api, class, rest)
                }
                (Old::Member { class, .. }, New::Rename(new) | New::Through(new)) => {
                    member_exists(api, class, new)
                }
                (Old::Member { class, .. }, New::Getter(method)) => {
                    match api.method(class, method) {
                        Some(m) if m.params.iter().all(|p| p.optional) && !m.takes_table => Ok(()),
                        Some(_) => Err(format!("{class}.{method} needs arguments")),
                        None => Err(format!("{class} has no method {method}")),
                    }
                }
                (Old::EventField { event, .. }, New::Rename(new)) => {
                    let renamed = match event {
                        "on_entity_destroyed" => "on_object_destroyed",
                        other => other,
                    };
                    api.event_field(renamed, new)
                        .map(|_| ())
                        .ok_or_else(|| format!("{renamed} has no field {new}"))
                }
                (Old::Define(_), New::Define(new)) => {
                    if api.is_define(new) {
                        Ok(())
                    } else {
                        Err(format!("no defines.{new}"))
                    }
                }
                (_, New::Manual(_) | New::Removed) => Ok(()),
                (old, new) => Err(format!("{new:?} does not fit {old:?}")),
            };
            if let Err(e) = result {
                wrong.push(format!("{:?}: {e}", row.old));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn a_rename_keeps_the_type_of_what_it_renames() {
        // A renamed attribute must read as the same kind of value, or the rename is not
        // mechanical.
        let old_api = table(FactorioVersion { major: 1, minor: 1 });
        for row in all().iter().filter(|r| r.since == V2_0) {
            let (Old::Member { class, name }, New::Rename(new)) = (row.old, row.new) else {
                continue;
            };
            let (Some(before), Some(after)) = (
                old_api.attribute_type(class, name),
                table(V2_0).attribute_type(class, new),
            ) else {
                continue;
            };
            // 1.1 spelled `uint32` as `uint`.
            let simple = |ty: &Type| {
                ty.name().map(|name| match name {
                    "uint" => "uint32".to_owned(),
                    "int" => "int32".to_owned(),
                    other => other.to_owned(),
                })
            };
            // A value from a renamed `defines` node is renamed along with it.
            let before = simple(before).map(|name| {
                let renamed = name.strip_prefix("defines.").and_then(|path| {
                    all().iter().find_map(|r| match (r.old, r.new) {
                        (Old::Define(old), New::Define(new)) if old == path => {
                            Some(format!("defines.{new}"))
                        }
                        _ => None,
                    })
                });
                renamed.unwrap_or(name)
            });
            assert_eq!(before, simple(after), "{class}.{name} → {new}");
        }
    }

    #[test]
    fn rows_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for row in all() {
            assert!(
                seen.insert((format!("{:?}", row.old), row.since)),
                "{:?} twice",
                row.old
            );
        }
    }
}
