//! Kind answers are a function of the program: asking every value of a model in one order
//! or another, each time of a fresh model, gives the same answers.

use super::Kind;
use crate::semantic::ir::*;
use crate::semantic::test_model::with_model;
use std::path::Path;

/// Every answer of a fresh model over `files`, asking its values in the order `order` gives
/// to the list of all of them; the answers come back in the list's order.
fn answers(files: &[(&str, &str)], order: impl Fn(usize) -> Vec<usize>) -> Vec<Option<Kind>> {
    let mut out = Vec::new();
    with_model(files, |model, facts| {
        let all: Vec<(usize, &Value)> = facts
            .iter()
            .enumerate()
            .flat_map(|(f, facts)| every_value(facts.ir).into_iter().map(move |v| (f, v)))
            .collect();
        out = vec![None; all.len()];
        for i in order(all.len()) {
            let (file, value) = all[i];
            out[i] = model.kind(file, value);
        }
    });
    out
}

/// Asks every value forwards, backwards and shuffled; the answers must agree.
fn assert_order_free(what: &str, files: &[(&str, &str)]) {
    let forward = answers(files, |n| (0..n).collect());
    assert!(!forward.is_empty(), "{what}: no values");
    let backward = answers(files, |n| (0..n).rev().collect());
    let shuffled = answers(files, shuffle);
    for (i, ((f, b), s)) in forward.iter().zip(&backward).zip(&shuffled).enumerate() {
        assert!(
            f == b && f == s,
            "{what}: value {i} is {f:?} forwards, {b:?} backwards, {s:?} shuffled"
        );
    }
}

/// 0..n in a fixed pseudo-random order.
fn shuffle(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in (1..n).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(i, (state % (i as u64 + 1)) as usize);
    }
    order
}

#[test]
fn a_cycle_between_two_locals() {
    // `a` is first given `b` and `b` first `a`: whichever is asked first reaches the other
    // while it is open. Each answer must be the one a walk from that local alone finds.
    let code = r#"
        script.on_event(defines.events.on_built_entity, function(event)
          local a, b
          a = b
          a = event.entity
          b = a
          b = event.entity.position
          local c = a
          local d = b
        end)
    "#;
    assert_order_free("two locals", &[("control.lua", code)]);
}

#[test]
fn a_generated_program_with_cycles() {
    assert_order_free("generated", &generated_program());
}

#[test]
fn every_rule_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let mut mods = Vec::new();
    find_mods(&root, &mut mods);
    assert!(mods.len() > 20, "fixture mods found: {}", mods.len());
    for dir in mods {
        let mut files = Vec::new();
        lua_files(&dir, &dir, &mut files);
        // control.lua first, as the model expects; the rest by path.
        files.sort_by(|a, b| (a.0 != "control.lua", &a.0).cmp(&(b.0 != "control.lua", &b.0)));
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(rel, text)| (rel.as_str(), text.as_str()))
            .collect();
        if files
            .iter()
            .all(|(_, text)| crate::syntax::parse(text).is_ok())
        {
            assert_order_free(&dir.display().to_string(), &files);
        }
    }
}

/// Folders holding a control.lua, under `dir`.
fn find_mods(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures are readable")
        .map(|e| e.expect("fixture entry").path())
        .collect();
    entries.sort();
    if entries.iter().any(|p| p.ends_with("control.lua")) {
        out.push(dir.to_path_buf());
        return;
    }
    for entry in entries.iter().filter(|p| p.is_dir()) {
        find_mods(entry, out);
    }
}

fn lua_files(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures are readable")
        .map(|e| e.expect("fixture entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            lua_files(root, &path, out);
        } else if path.extension().is_some_and(|e| e == "lua") {
            let rel = path.strip_prefix(root).expect("under the root");
            let text = std::fs::read_to_string(&path).expect("fixture is text");
            out.push((rel.to_string_lossy().replace('\\', "/"), text));
        }
    }
}

/// A mod shaped like the real ones where answers depended on the order: tables initialised
/// from themselves (`storage.x = storage.x or {}`), recursive functions passing tables and
/// objects on, methods whose `self` comes from other methods, parameters passed on to each other, and
/// locals given each other.
fn generated_program() -> Vec<(&'static str, &'static str)> {
    const MODULES: usize = 4;
    let mut files = Vec::new();
    let mut control = String::new();
    for m in 0..MODULES {
        control.push_str(&format!("local m{m} = require(\"scripts.m{m}\")\n"));
    }
    control.push_str(
        "script.on_event(defines.events.on_built_entity, function(event)\n\
         \x20 storage.players = storage.players or {}\n\
         \x20 local data = storage.players[event.player_index] or {}\n\
         \x20 data.entity = data.entity or event.entity\n\
         \x20 storage.players[event.player_index] = data\n",
    );
    for m in 0..MODULES {
        control.push_str(&format!(
            "  m{m}.walk(data, event.entity, 3)\n  local u{m} = m{m}.use(event.entity)\n  local o{m} = m{m}.new(event.entity)\n  o{m}:step(data)\n"
        ));
    }
    control.push_str("end)\n");
    files.push(("control.lua".to_string(), control));
    for m in 0..MODULES {
        let next = (m + 1) % MODULES;
        let text = format!(
            "local other = require(\"scripts.m{next}\")\n\
             local M = {{}}\n\
             M.__index = M\n\
             function M.new(entity)\n\
             \x20 local self = setmetatable({{entity = entity, surface = entity.surface}}, M)\n\
             \x20 return self\n\
             end\n\
             function M:step(data)\n\
             \x20 local e = self.entity or data.entity\n\
             \x20 local s = self.surface\n\
             \x20 self:back(data, e)\n\
             \x20 return e\n\
             end\n\
             function M:back(data, e)\n\
             \x20 storage.m{m} = storage.m{m} or {{}}\n\
             \x20 storage.m{m}[e.unit_number] = self:step(data)\n\
             \x20 local a, b\n\
             \x20 a = b\n\
             \x20 a = e\n\
             \x20 b = a\n\
             \x20 b = e.position\n\
             \x20 return a, b\n\
             end\n\
             function M.pick(p, q)\n\
             \x20 local r = M.pick(q, p)\n\
             \x20 return r\n\
             end\n\
             function M.use(entity)\n\
             \x20 return M.pick(entity, entity.position)\n\
             end\n\
             function M.walk(t, entity, n)\n\
             \x20 if n == 0 then return t.entity end\n\
             \x20 t.last = entity\n\
             \x20 local found = other.walk(t, t.last, n - 1) or M.walk(t, entity.surface, n - 1)\n\
             \x20 for _, v in pairs(storage.m{m}) do\n\
             \x20   found = found or v\n\
             \x20 end\n\
             \x20 return found\n\
             end\n\
             return M\n"
        );
        files.push((format!("scripts/m{m}.lua"), text));
    }
    let files: Vec<(&'static str, &'static str)> = files
        .into_iter()
        .map(|(rel, text)| (&*rel.leak(), &*text.leak()))
        .collect();
    files
}

/// Every value node of `ir` (nested operands, keys and fields included), in IR order.
fn every_value(ir: &FileIr) -> Vec<&Value> {
    let mut out = Vec::new();
    for function in &ir.functions {
        for values in &function.returns {
            values.iter().for_each(|v| push_tree(v, &mut out));
        }
    }
    for binding in &ir.bindings {
        binding.values.iter().for_each(|v| push_tree(v, &mut out));
    }
    for call in &ir.calls {
        push_tree(&call.callee, &mut out);
        call.args.iter().for_each(|v| push_tree(v, &mut out));
    }
    for assign in &ir.assigns {
        push_tree(&assign.target, &mut out);
        push_tree(&assign.value, &mut out);
    }
    for the_loop in &ir.loops {
        if let LoopKind::Pairs(v) | LoopKind::Ipairs(v) | LoopKind::Generic(v) = &the_loop.kind {
            push_tree(v, &mut out);
        }
    }
    for guard in &ir.guards {
        guard.facts.iter().for_each(|(v, _)| push_tree(v, &mut out));
        guard.conditions.iter().for_each(|v| push_tree(v, &mut out));
    }
    ir.member_chains
        .iter()
        .for_each(|c| push_tree(ir.member_chain(c), &mut out));
    ir.tests.iter().for_each(|t| push_tree(&t.value, &mut out));
    ir.outer_reads
        .iter()
        .for_each(|r| push_tree(&r.place, &mut out));
    out
}

fn push_tree<'v>(value: &'v Value, out: &mut Vec<&'v Value>) {
    out.push(value);
    let key = |key: &'v Key, out: &mut Vec<&'v Value>| {
        if let Key::Dynamic(k) = key {
            push_tree(k, out);
        }
    };
    match value {
        Value::Index(base, k) => {
            push_tree(base, out);
            key(k, out);
        }
        Value::Table(fields) => {
            for field in fields {
                if let Some(k) = &field.key {
                    key(k, out);
                }
                push_tree(&field.value, out);
            }
        }
        Value::Either(a, b) => {
            push_tree(a, out);
            push_tree(b, out);
        }
        Value::Length(v) => push_tree(v, out),
        Value::Scalar(vs) => vs.iter().for_each(|v| push_tree(v, out)),
        _ => {}
    }
}
