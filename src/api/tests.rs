use super::*;

fn named(name: &str) -> Type {
    Type::Named(name.to_owned())
}

#[test]
fn extract_is_from_factorio_2_0() {
    assert_eq!(api().factorio_version(), "2.0.77");
}

#[test]
fn event_fields_have_their_classes() {
    let api = api();
    assert_eq!(
        api.event_field("on_built_entity", "entity"),
        Some(&named("LuaEntity"))
    );
    assert_eq!(
        api.event_field("on_built_entity", "entity")
            .and_then(Type::class_name),
        Some("LuaEntity")
    );
    assert_eq!(
        api.event_field("on_chart_tag_added", "tag")
            .and_then(Type::class_name),
        Some("LuaCustomChartTag")
    );
    assert_eq!(
        api.event_field("on_built_entity", "tick"),
        Some(&named("MapTick"))
    );
    assert_eq!(api.event_field("on_built_entity", "no_such_field"), None);

    let tags = &api.event("on_built_entity").unwrap().data["tags"];
    assert!(tags.optional);
    assert!(!api.event("on_built_entity").unwrap().data["entity"].optional);
    assert_eq!(
        api.event("on_built_entity").unwrap().filter.as_deref(),
        Some("LuaPlayerBuiltEntityEventFilter")
    );
}

#[test]
fn method_returns_follow_the_api() {
    let api = api();
    assert_eq!(
        api.method_return("LuaForce", "add_chart_tag")
            .and_then(Type::class_name),
        Some("LuaCustomChartTag")
    );
    let found = api.method_return("LuaForce", "find_chart_tags").unwrap();
    assert_eq!(found, &Type::Array(Box::new(named("LuaCustomChartTag"))));
    assert_eq!(
        found.element().and_then(Type::class_name),
        Some("LuaCustomChartTag")
    );
    assert_eq!(
        api.method_return("LuaGameScript", "get_player")
            .and_then(Type::class_name),
        Some("LuaPlayer")
    );
    // Methods that return nothing have no return type.
    assert_eq!(api.method_return("LuaCustomChartTag", "destroy"), None);
    assert!(api.method("LuaCustomChartTag", "destroy").is_some());
}

#[test]
fn methods_keep_parameter_order_and_format() {
    let api = api();
    let add_chart_tag = api.method("LuaForce", "add_chart_tag").unwrap();
    let names: Vec<&str> = add_chart_tag
        .params
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["surface", "tag"]);
    assert!(!add_chart_tag.takes_table);
    assert!(
        api.method("LuaSurface", "create_entity")
            .unwrap()
            .takes_table
    );
    // Several return values, in order.
    let destroyed = api
        .method("LuaBootstrap", "register_on_object_destroyed")
        .unwrap();
    let returns: Vec<&Type> = destroyed.returns.iter().map(|r| &r.ty).collect();
    assert_eq!(
        returns,
        [
            &named("uint64"),
            &named("uint64"),
            &named("defines.target_type")
        ]
    );
}

#[test]
fn inherited_members_are_found_through_parents() {
    let api = api();
    assert!(api.parents("LuaEntity").any(|p| p == "LuaControl"));
    assert!(api.is_subclass("LuaEntity", "LuaControl"));
    assert!(api.is_subclass("LuaEntity", "LuaEntity"));
    assert!(!api.is_subclass("LuaControl", "LuaEntity"));
    assert!(api.is_subclass("LuaEntityPrototype", "LuaPrototypeBase"));
    // `get_inventory` is declared on LuaControl.
    let entity = api.class("LuaEntity").unwrap();
    assert!(!entity.methods.contains_key("get_inventory"));
    assert_eq!(
        api.method_return("LuaEntity", "get_inventory")
            .and_then(Type::class_name),
        Some("LuaInventory")
    );
}

#[test]
fn attributes_have_read_and_write_types() {
    let api = api();
    assert_eq!(
        api.attribute_type("LuaPlayer", "character")
            .and_then(Type::class_name),
        Some("LuaEntity")
    );
    let entity_name = api.attribute_type("LuaEntity", "name").unwrap();
    assert_eq!(entity_name, &named("string"));
    assert_eq!(entity_name.class_name(), None);

    for writable in ["text", "icon", "last_user", "position"] {
        assert!(
            api.attribute_is_writable("LuaCustomChartTag", writable),
            "{writable}"
        );
    }
    for read_only in ["force", "tag_number"] {
        assert!(
            !api.attribute_is_writable("LuaCustomChartTag", read_only),
            "{read_only}"
        );
    }
    let last_user = api.attribute("LuaCustomChartTag", "last_user").unwrap();
    assert_eq!(last_user.read, Some(named("LuaPlayer")));
    assert_eq!(last_user.write, Some(named("PlayerIdentification")));

    // Write-only: no read type.
    assert!(api.attribute("LuaPlayer", "map_view_settings").is_some());
    assert_eq!(api.attribute_type("LuaPlayer", "map_view_settings"), None);
}

#[test]
fn custom_tables_and_indexing() {
    let api = api();
    let players = api.attribute_type("LuaGameScript", "players").unwrap();
    assert!(matches!(players, Type::CustomTable(..)));
    assert_eq!(
        players.element().and_then(Type::class_name),
        Some("LuaPlayer")
    );
    assert!(api.is_unsaveable_type(players));
    assert_eq!(
        api.index_type("LuaInventory").and_then(Type::class_name),
        Some("LuaItemStack")
    );
}

#[test]
fn global_objects_and_functions() {
    let api = api();
    assert_eq!(api.global_object("game"), Some("LuaGameScript"));
    assert_eq!(api.global_object("script"), Some("LuaBootstrap"));
    assert_eq!(api.global_object("storage"), None);
    assert_eq!(
        api.global_function("table_size").unwrap().returns[0].ty,
        named("uint32")
    );
}

#[test]
fn lua_object_classes_and_unsaveable_ones() {
    let api = api();
    assert!(api.is_lua_object_class("LuaEntity"));
    assert!(!api.is_lua_object_class("MapPosition"));
    assert!(!api.is_lua_object_class("LuaObject"));
    for class in UNSAVEABLE_CLASSES {
        assert!(api.is_lua_object_class(class), "{class}");
        assert!(api.is_unsaveable(class), "{class}");
    }
    assert!(!api.is_unsaveable("LuaEntity"));
    assert!(!api.is_unsaveable_type(&named("LuaEntity")));
}

#[test]
fn class_name_accepts_optional_single_classes_only() {
    let optional = Type::Union(vec![named("LuaEntity"), named("nil")]);
    assert_eq!(optional.class_name(), Some("LuaEntity"));
    let either = Type::Union(vec![named("LuaEntity"), named("LuaPlayer")]);
    assert_eq!(either.class_name(), None);
    assert_eq!(named("MapPosition").class_name(), None);
}

#[test]
fn events_and_defines() {
    let api = api();
    assert!(api.is_event_name("on_tick"));
    assert!(api.is_event_name("on_chart_tag_added"));
    assert!(!api.is_event_name("CustomInputEvent"));
    assert!(!api.is_event_name("on_nothing"));
    assert!(api.event_names().windows(2).all(|w| w[0] < w[1]));
    // Every defines.events name has event data.
    assert!(api
        .event_names()
        .iter()
        .all(|name| api.event(name).is_some()));

    assert!(api.is_define("defines.events.on_tick"));
    assert!(api.is_define("defines.inventory.character_main"));
    assert!(api.is_define("defines.control_behavior.inserter.hand_read_mode.hold"));
    assert!(api.is_define("defines.control_behavior"));
    assert!(!api.is_define("defines.events.on_nothing"));
    assert!(api.define_values("control_behavior").is_none());
}

#[test]
fn concepts_resolve_to_definitions() {
    let api = api();
    assert_eq!(api.resolve(&named("MapTick")), &named("uint64"));
    assert_eq!(api.resolve(&named("string")), &named("string"));
    assert!(api.concept("MapPosition").is_some());
    assert!(api.concept("string").is_none());
}

#[test]
fn every_class_chain_ends_at_a_known_root() {
    let api = api();
    for class in api.class_names() {
        let chain: Vec<&str> = api.parents(class).take(50).collect();
        assert!(chain.len() < 50, "{class} has a parent cycle");
        assert!(
            chain.iter().all(|p| api.is_lua_object_class(p)),
            "{class} has an unknown parent"
        );
    }
}

#[test]
fn extract_round_trips_through_the_model() {
    let reserialized = serde_json::to_value(api()).unwrap();
    let committed: serde_json::Value = serde_json::from_str(EXTRACT_JSON).unwrap();
    assert_eq!(reserialized, committed);
}

/// The committed extract matches what the generator makes from Wube's JSON. The source lives
/// outside the repository, so the check is skipped where it is absent. This test is also the
/// generator's command line: `FACTOLINT_REGENERATE_API=1 cargo test --lib committed_extract`
/// rewrites the extract instead of comparing.
#[test]
fn committed_extract_is_up_to_date() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let source = root.join("../shared/factorio-api/runtime-api.json");
    let Ok(text) = std::fs::read_to_string(&source) else {
        println!("skipped: {} not found", source.display());
        return;
    };
    let generated = extract::generate(&text).expect("the generator accepts runtime-api.json");
    assert_eq!(
        extract::generate(&text).unwrap(),
        generated,
        "the generator is not deterministic"
    );
    if std::env::var_os("FACTOLINT_REGENERATE_API").is_some() {
        std::fs::write(root.join("src/api/runtime-2.0.json"), &generated).unwrap();
        return;
    }
    assert!(
        generated == EXTRACT_JSON,
        "src/api/runtime-2.0.json is stale; regenerate it with\n  \
         FACTOLINT_REGENERATE_API=1 cargo test --lib committed_extract"
    );
}
