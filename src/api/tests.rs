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
fn a_member_of_any_descendant_is_found_from_its_ancestors() {
    let api = api();
    // LuaLampControlBehavior derives from LuaControlBehavior through
    // LuaGenericOnOffControlBehavior.
    assert!(!api.has_member("LuaControlBehavior", "color_mode"));
    assert!(api.subclass_has_member("LuaControlBehavior", "color_mode"));
    assert!(api.subclass_has_member("LuaGenericOnOffControlBehavior", "color_mode"));
    assert!(!api.subclass_has_member("LuaLampControlBehavior", "color_mode"));
    assert!(api.subclass_has_member("LuaControl", "destroy"));
    assert!(!api.subclass_has_member("LuaControl", "no_such_member"));
    assert!(!api.subclass_has_member("NoSuchClass", "destroy"));
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

/// The shared files the committed extracts are made from: `shared/factorio-api/` in a folder
/// above the repository (next to the main checkout, or above a worktree).
fn shared_api_file(name: &str) -> Option<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    root.ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/factorio-api").join(name))
        .find_map(|path| std::fs::read_to_string(path).ok())
}

fn regenerating() -> bool {
    std::env::var_os("FACTOLINT_REGENERATE_API").is_some()
}

/// Compares `generated` with the committed file under `src/api/`, or with
/// `FACTOLINT_REGENERATE_API` set, writes it there.
fn check_committed(file: &str, generated: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/api")
        .join(file);
    if regenerating() {
        std::fs::write(path, generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        generated == committed,
        "src/api/{file} is stale; regenerate it with\n  \
         FACTOLINT_REGENERATE_API=1 cargo test --lib committed_extract"
    );
}

/// The committed extracts match what the generator makes from Wube's JSON, for every known
/// version. The sources live outside the repository, so the check is skipped where they are
/// absent. This test is also the generator's command line:
/// `FACTOLINT_REGENERATE_API=1 cargo test --lib committed_extract` rewrites the extracts
/// instead of comparing.
#[test]
fn committed_extracts_are_up_to_date() {
    let sources = [
        "runtime-api-1.1.110.json",
        "runtime-api.json",
        "runtime-api-2.1.9.json",
    ];
    let Some(texts) = sources
        .iter()
        .map(|name| shared_api_file(name))
        .collect::<Option<Vec<String>>>()
    else {
        println!("skipped: ../shared/factorio-api not found");
        return;
    };
    let base = extract::generate(&texts[BASE]).expect("the generator accepts runtime-api.json");
    assert_eq!(
        extract::generate(&texts[BASE]).unwrap(),
        base,
        "the generator is not deterministic"
    );
    for (index, known) in KNOWN_VERSIONS.iter().enumerate() {
        let generated = if index == BASE {
            base.clone()
        } else {
            extract::generate_patch(&base, &texts[index]).expect("the generator accepts it")
        };
        check_committed(known.committed_file, &generated);
        if regenerating() {
            continue;
        }
        // The embedded table (2.0's extract, patched) is the version's own extract.
        let full: serde_json::Value =
            serde_json::from_str(&extract::generate(&texts[index]).unwrap()).unwrap();
        assert!(
            serde_json::to_value(table(index)).unwrap() == full,
            "the {} table differs from its extract",
            known.name
        );
    }
}

#[test]
fn committed_later_additions_are_up_to_date() {
    let Some(changelog) = shared_api_file("changelog.txt") else {
        println!("skipped: ../shared/factorio-api not found");
        return;
    };
    let generated = later::generate(&changelog, &later::table_versions())
        .expect("the generator accepts changelog.txt");
    check_committed("later-additions.json", &generated);
}

#[test]
fn committed_migration_extract_is_up_to_date() {
    let sources = [
        "removed_members_1.1.110_to_2.0.77.json",
        "migration_1.1_to_2.0.json",
        "runtime-api-1.1.110.json",
        "runtime-api.json",
    ];
    let Some(texts) = sources
        .iter()
        .map(|name| shared_api_file(name))
        .collect::<Option<Vec<String>>>()
    else {
        println!("skipped: ../shared/factorio-api not found");
        return;
    };
    let generated = migration::generate(&texts[0], &texts[1], &texts[2], &texts[3])
        .expect("the generator accepts the shared files");
    check_committed("migration-1.1-to-2.0.json", &generated);
}

fn version(text: &str) -> FactorioVersion {
    FactorioVersion::parse(text).unwrap()
}

#[test]
fn each_known_version_has_its_own_table() {
    assert_eq!(
        for_version(Some(version("1.1"))).factorio_version(),
        "1.1.110"
    );
    assert_eq!(
        for_version(Some(version("2.0"))).factorio_version(),
        "2.0.77"
    );
    assert_eq!(
        for_version(Some(version("2.1"))).factorio_version(),
        "2.1.9"
    );
    // Newer than every table: the newest; older: the oldest; unknown: 2.0.
    assert_eq!(
        for_version(Some(version("2.3"))).factorio_version(),
        "2.1.9"
    );
    assert_eq!(
        for_version(Some(version("3.0"))).factorio_version(),
        "2.1.9"
    );
    assert_eq!(
        for_version(Some(version("0.18"))).factorio_version(),
        "1.1.110"
    );
    assert_eq!(for_version(None).factorio_version(), "2.0.77");
    assert!(describes(Some(version("1.1"))) && describes(Some(version("2.2"))));
    assert!(!describes(Some(version("1.0"))) && describes(None));
    let newer: Vec<&str> = newer_than(for_version(Some(version("1.1"))))
        .map(Api::factorio_version)
        .collect();
    assert_eq!(newer, ["2.0.77", "2.1.9"]);
}

#[test]
fn tables_differ_where_factorio_changed() {
    let (old, new, newest) = (
        for_version(Some(version("1.1"))),
        for_version(Some(version("2.0"))),
        for_version(Some(version("2.1"))),
    );
    assert!(old.has_member("LuaGameScript", "item_prototypes"));
    assert!(!new.has_member("LuaGameScript", "item_prototypes"));
    assert!(new.has_member("LuaPrototypes", "item"));
    assert!(old.class("LuaPrototypes").is_none());
    assert_eq!(old.global_object("prototypes"), None);
    assert_eq!(new.global_object("prototypes"), Some("LuaPrototypes"));
    // Inherited members count: `LuaEntity` gets `get_inventory` from `LuaControl`.
    assert!(old.has_member("LuaEntity", "get_inventory"));
    assert!(old.is_define("defines.events.on_entity_destroyed"));
    assert!(!new.is_define("defines.events.on_entity_destroyed"));
    assert!(old
        .event_field("on_built_entity", "created_entity")
        .is_some());
    assert!(new
        .event_field("on_built_entity", "created_entity")
        .is_none());
    // api_version 5 attributes: `read`/`write` flags.
    assert!(old.attribute_is_writable("LuaEntity", "direction"));
    assert!(!old.attribute_is_writable("LuaEntity", "name"));
    // 2.1 added classes and dropped some members.
    assert!(
        newest.class("LuaElectricNetwork").is_some() && new.class("LuaElectricNetwork").is_none()
    );
    assert!(new.has_member("LuaEntity", "fluidbox") && !newest.has_member("LuaEntity", "fluidbox"));
    let names = new.member_names("LuaEntity");
    assert!(names.contains(&"get_inventory") && names.contains(&"name"));
    assert!(names.windows(2).all(|w| w[0] < w[1]));
    let optional_entity = Type::Union(vec![named("LuaEntity"), named("nil")]);
    assert_eq!(old.class_of(&optional_entity), Some("LuaEntity"));
    assert_eq!(new.class_of(&named("LuaUnitGroup")), None);
    assert_eq!(old.class_of(&named("LuaUnitGroup")), Some("LuaUnitGroup"));
}

#[test]
fn moved_and_removed_members_by_version() {
    let (v1_1, v2_0, v2_1) = (version("1.1"), version("2.0"), version("2.1"));
    use migration::*;
    // 1.1 → 2.0, for 2.0 and later.
    assert!(is_moved_or_removed(
        v2_0,
        "LuaGameScript",
        "item_prototypes"
    ));
    assert!(is_moved_or_removed(
        v2_1,
        "LuaGameScript",
        "item_prototypes"
    ));
    assert!(!is_moved_or_removed(
        v1_1,
        "LuaGameScript",
        "item_prototypes"
    ));
    assert!(!is_moved_or_removed(v2_0, "LuaGameScript", "tick"));
    assert!(is_moved_or_removed(v2_0, "LuaEntity", "text"));
    // Inherited: `LuaControl` lost the personal logistic slots, so `LuaPlayer` did too.
    assert!(is_moved_or_removed(
        v2_0,
        "LuaPlayer",
        "get_personal_logistic_slot"
    ));
    // Members every LuaObject had in 1.1.
    assert!(is_moved_or_removed(v2_0, "LuaSurface", "help"));
    assert!(is_moved_or_removed(v2_0, "LuaSurface", "__self"));
    assert!(is_moved_or_removed_define(
        v2_0,
        "events.on_entity_destroyed"
    ));
    assert!(is_moved_or_removed_define(v2_0, "circuit_connector_id"));
    assert!(is_moved_or_removed_define(
        v2_0,
        "circuit_connector_id.accumulator"
    ));
    assert!(!is_moved_or_removed_define(v2_0, "events.on_tick"));
    assert!(!is_moved_or_removed_define(
        v1_1,
        "events.on_entity_destroyed"
    ));
    assert!(is_moved_or_removed_event_field(
        v2_0,
        "on_built_entity",
        "created_entity"
    ));
    assert!(is_moved_or_removed_event_field(
        v2_0,
        "on_robot_built_entity",
        "created_entity"
    ));
    assert!(!is_moved_or_removed_event_field(
        v2_0,
        "on_built_entity",
        "entity"
    ));
    // 2.0 → 2.1, for 2.1 only.
    assert!(is_moved_or_removed(v2_1, "LuaEntity", "fluidbox"));
    assert!(!is_moved_or_removed(v2_0, "LuaEntity", "fluidbox"));
    assert!(is_moved_or_removed_define(v2_1, "inventory.furnace_source"));
    assert!(!is_moved_or_removed_define(
        v2_0,
        "inventory.furnace_source"
    ));
    assert!(!is_moved_or_removed(v2_1, "LuaEntity", "no_such_member"));
}

#[test]
fn members_wube_uses_without_a_table_entry_are_known_from_their_release() {
    let fame = |version| {
        later::added_member(
            for_version(version),
            "LuaGameScript",
            "enable_galaxy_of_fame_button",
        )
    };
    assert!(fame(FactorioVersion::parse("2.0")));
    assert!(fame(FactorioVersion::parse("2.1")));
    assert!(!fame(FactorioVersion::parse("1.1")));
    assert!(!later::added_member(
        for_version(FactorioVersion::parse("2.0")),
        "LuaGameScript",
        "enable_galaxy_of_fame"
    ));
}

#[test]
fn types_read_back_as_written() {
    let position = Field {
        ty: named("double"),
        optional: true,
    };
    let every_kind = Type::Union(vec![
        named("LuaEntity"),
        Type::Literal(types::Literal::String("player".into())),
        Type::Literal(types::Literal::Bool(false)),
        Type::Array(Box::new(named("string"))),
        Type::Dict(Box::new(named("string")), Box::new(named("uint32"))),
        Type::CustomTable(Box::new(named("uint")), Box::new(named("LuaPlayer"))),
        Type::Lazy(Box::new(named("LuaEntity"))),
        Type::Tuple(vec![named("double"), named("double")]),
        Type::Table(BTreeMap::from([("x".to_string(), position)])),
        Type::Function(vec![named("EventData")]),
    ]);
    let text = serde_json::to_string(&every_kind).unwrap();
    assert_eq!(serde_json::from_str::<Type>(&text).unwrap(), every_kind);
    let value = serde_json::to_value(&every_kind).unwrap();
    assert_eq!(serde_json::from_value::<Type>(value).unwrap(), every_kind);
    for bad in [
        r#"{"sets": "x"}"#,
        r#"{"array": "x", "lazy": "y"}"#,
        "{}",
        "3",
    ] {
        assert!(serde_json::from_str::<Type>(bad).is_err(), "{bad}");
    }
}
