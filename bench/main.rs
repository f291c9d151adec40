//! `factolint-bench`: how fast factolint checks a corpus, next to the floor of full_moon
//! parsing the same files bare. Build with `--features bench`; `bench/run.sh` drives it.
//!
//!   factolint-bench report --factolint BIN --corpus DIR [options]   the whole table, one run
//!   factolint-bench gen DIR [MODS]      write a generated corpus of realistic mods
//!   factolint-bench parse PATH...       the floor as a process: find, read and parse the files
//!   factolint-bench copy SRC DEST [--without-literal-data]
//!   factolint-bench lsp --factolint BIN --file LUA [--edits N]
//!   factolint-bench run PATH...         in-process: bare parse, pre-scan, factolint

mod lsp_client;
mod report;

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

// The same allocator as the `factolint` binary, so both timings compare like with like.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The worker stack of factolint's own pool (full_moon recurses once per nesting level).
const WORKER_STACK_BYTES: usize = 256 * 1024 * 1024;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or_default();
    let result = match args.first().map(String::as_str) {
        Some("report") => report::main(rest),
        Some("gen") if !rest.is_empty() => {
            let mods = rest.get(1).and_then(|n| n.parse().ok()).unwrap_or(40);
            let (files, lines) = generate(Path::new(&rest[0]), mods);
            println!("generated {files} files, {lines} lines in {}", rest[0]);
            Ok(())
        }
        Some("parse") if !rest.is_empty() => {
            parse_floor(&rest.iter().map(PathBuf::from).collect::<Vec<_>>());
            Ok(())
        }
        Some("copy") if rest.len() >= 2 => {
            let without = rest.iter().any(|a| a == "--without-literal-data");
            copy_tree(Path::new(&rest[0]), Path::new(&rest[1]), without).map(|skipped| {
                println!(
                    "copied; left out {} literal-data files ({:.1} MB)",
                    skipped.files,
                    skipped.bytes as f64 / 1e6
                )
            })
        }
        Some("lsp") => lsp_client::main(rest),
        Some("run") if !rest.is_empty() => {
            run(&rest.iter().map(PathBuf::from).collect::<Vec<_>>());
            Ok(())
        }
        _ => Err(
            "usage: factolint-bench report|gen|parse|copy|lsp|run ... (see bench/main.rs)".into(),
        ),
    };
    if let Err(e) = result {
        eprintln!("factolint-bench: {e}");
        std::process::exit(2);
    }
}

/// The files factolint would check under `paths`, as it finds them.
fn corpus_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let units = factolint::workspace::discover(paths, None).expect("corpus paths");
    units
        .into_iter()
        .flat_map(|u| u.files.into_iter().map(|f| f.path))
        .collect()
}

fn worker_pool() -> rayon::ThreadPool {
    let threads = std::env::var("BENCH_THREADS")
        .ok()
        .and_then(|t| t.parse().ok());
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .stack_size(WORKER_STACK_BYTES)
        .build()
        .expect("worker threads")
}

/// The parse floor as a whole process, to time next to `factolint check`: the same file
/// discovery and worker pool, each file read and parsed by full_moon (its tree dropped at
/// once), largest first. Literal-data files are parsed too: leave them out of the corpus.
fn parse_floor(paths: &[PathBuf]) {
    let files = corpus_files(paths);
    let mut sized: Vec<(u64, &PathBuf)> = files
        .iter()
        .map(|p| (std::fs::metadata(p).map(|m| m.len()).unwrap_or(0), p))
        .collect();
    sized.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let errors: usize = worker_pool().install(|| {
        sized
            .par_iter()
            .with_max_len(1)
            .map(|(_, path)| {
                let bytes = std::fs::read(path).unwrap_or_default();
                let text = String::from_utf8_lossy(&bytes);
                let result = full_moon::parse_fallible(&text, full_moon::LuaVersion::lua52());
                result.errors().len()
            })
            .sum()
    });
    println!("{} files, {errors} parse errors", files.len());
}

#[derive(Default)]
struct Skipped {
    files: usize,
    bytes: u64,
}

/// Copies a directory tree; with `without_literal_data`, leaves out the Lua files whose
/// literal data factolint reads with its scanner instead of full_moon (generated map presets).
fn copy_tree(from: &Path, to: &Path, without_literal_data: bool) -> Result<Skipped, String> {
    let mut skipped = Skipped::default();
    copy_dir(from, to, without_literal_data, &mut skipped)
        .map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))?;
    Ok(skipped)
}

fn copy_dir(
    from: &Path,
    to: &Path,
    without_literal_data: bool,
    skipped: &mut Skipped,
) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_dir(&source, &target, without_literal_data, skipped)?;
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&source)?, &target)?;
        } else {
            if without_literal_data && source.extension().is_some_and(|e| e == "lua") {
                let bytes = std::fs::read(&source)?;
                if std::str::from_utf8(&bytes).is_ok_and(factolint::syntax::has_literal_data) {
                    skipped.files += 1;
                    skipped.bytes += bytes.len() as u64;
                    continue;
                }
            }
            std::fs::copy(&source, &target)?;
        }
    }
    Ok(())
}

const RUNS: usize = 5;

/// In process, best of five: the bare parse, the nesting pre-scan and a whole check.
fn run(paths: &[PathBuf]) {
    let files = corpus_files(paths);
    let texts: Vec<String> = files
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).expect("readable")).into_owned())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let lines: usize = texts.iter().map(|t| t.lines().count()).sum();

    let pool = worker_pool();
    // The floor: full_moon alone on text already in memory, largest files first.
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(texts[i].len()));
    let parse = best_of(|| {
        pool.install(|| {
            order.par_iter().with_max_len(1).for_each(|&i| {
                let result = full_moon::parse_fallible(&texts[i], full_moon::LuaVersion::lua52());
                std::hint::black_box(result.errors().len());
            })
        })
    });
    // factolint's own pass before full_moon: the nesting pre-scan of every file.
    let scan = best_of(|| {
        pool.install(|| {
            order.par_iter().with_max_len(1).for_each(|&i| {
                std::hint::black_box(factolint::syntax::nesting(&texts[i], usize::MAX));
            })
        })
    });
    let options = factolint::engine::CheckOptions {
        threads: Some(pool.current_num_threads()),
        ..Default::default()
    };
    let mut diagnostics = 0;
    let check = best_of(|| {
        let report = factolint::engine::check_paths(paths, &options).expect("corpus paths");
        diagnostics = report.diagnostics.len();
    });

    let per_sec = |d: Duration| lines as f64 / d.as_secs_f64();
    println!(
        "corpus          {} files, {lines} lines, {:.1} MB",
        texts.len(),
        bytes as f64 / 1e6
    );
    println!("threads         {}", pool.current_num_threads());
    println!(
        "bare parse      {:>8.3} s  {:>10.0} lines/s  (full_moon only, files in memory)",
        parse.as_secs_f64(),
        per_sec(parse)
    );
    println!(
        "pre-scan        {:>8.3} s  {:>10.0} lines/s  (nesting pre-scan alone)",
        scan.as_secs_f64(),
        per_sec(scan)
    );
    println!(
        "factolint       {:>8.3} s  {:>10.0} lines/s  (discovery, read, parse, lower, rules; {diagnostics} diagnostics)",
        check.as_secs_f64(),
        per_sec(check)
    );
    println!(
        "ratio           {:>8.2} x  (factolint / bare parse; best of {RUNS})",
        check.as_secs_f64() / parse.as_secs_f64()
    );
}

fn best_of(mut f: impl FnMut()) -> Duration {
    (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap()
}

/// A small deterministic generator (xorshift), so every machine gets the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const ITEMS: &[&str] = &[
    "iron-plate",
    "copper-plate",
    "steel-plate",
    "electronic-circuit",
    "iron-gear-wheel",
    "plastic-bar",
    "sulfur",
    "coal",
    "stone-brick",
    "battery",
];
const EVENTS: &[&str] = &[
    "on_built_entity",
    "on_player_mined_entity",
    "on_tick",
    "on_player_created",
    "on_gui_click",
    "on_entity_died",
    "on_research_finished",
    "on_robot_built_entity",
];

/// Mods shaped like real ones: a data stage of prototype tables, a control stage of event
/// handlers, storage bookkeeping, GUI code and helpers split over `require`d scripts.
fn generate(dir: &Path, mods: usize) -> (usize, usize) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut files, mut lines) = (0, 0);
    let mut write = |path: PathBuf, text: String| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        lines += text.lines().count();
        files += 1;
        std::fs::write(path, text).unwrap();
    };
    for m in 0..mods {
        let root = dir.join(format!("generated-mod-{m}"));
        write(
            root.join("info.json"),
            format!("{{\"name\": \"generated-mod-{m}\", \"version\": \"1.0.{m}\", \"factorio_version\": \"2.0\"}}\n"),
        );
        let prototype_files = 2 + rng.below(4) as usize;
        let mut data = String::new();
        for p in 0..prototype_files {
            data.push_str(&format!("require(\"prototypes.part-{p}\")\n"));
            write(
                root.join(format!("prototypes/part-{p}.lua")),
                prototypes(&mut rng, m, p),
            );
        }
        write(root.join("data.lua"), data);
        let scripts = 3 + rng.below(6) as usize;
        let mut control =
            String::from("local handler = require(\"__core__.lualib.event_handler\")\n");
        for s in 0..scripts {
            control.push_str(&format!(
                "handler.add_lib(require(\"scripts.module-{s}\"))\n"
            ));
            write(
                root.join(format!("scripts/module-{s}.lua")),
                script(&mut rng, s),
            );
        }
        write(root.join("control.lua"), control);
    }
    (files, lines)
}

fn prototypes(rng: &mut Rng, m: usize, p: usize) -> String {
    let mut out = String::from("local util = require(\"util\")\nlocal graphics = \"__generated__/graphics/\"\n\ndata:extend({\n");
    for i in 0..(20 + rng.below(120)) {
        let name = format!("gen-{m}-{p}-{i}");
        let a = rng.pick(ITEMS);
        let b = rng.pick(ITEMS);
        out.push_str(&format!(
            "  {{\n    type = \"recipe\",\n    name = \"{name}\",\n    category = \"crafting\",\n    energy_required = {},\n    enabled = {},\n    ingredients = {{\n      {{ type = \"item\", name = \"{a}\", amount = {} }},\n      {{ type = \"item\", name = \"{b}\", amount = {} }},\n    }},\n    results = {{ {{ type = \"item\", name = \"{name}\", amount = 1 }} }},\n    icon = graphics .. \"icons/{name}.png\",\n    icon_size = 64,\n    order = \"{}[{name}]\",\n  }},\n",
            (1 + rng.below(30)) as f64 / 2.0,
            rng.below(2) == 0,
            1 + rng.below(10),
            1 + rng.below(10),
            (b'a' + rng.below(26) as u8) as char,
        ));
        if rng.below(4) == 0 {
            out.push_str(&format!(
                "  util.merge({{ data.raw[\"item\"][\"{a}\"], {{ name = \"{name}-item\", stack_size = {}, subgroup = \"intermediate-product\" }} }}),\n",
                50 * (1 + rng.below(4))
            ));
        }
    }
    out.push_str("})\n\nfor _, recipe in pairs(data.raw.recipe) do\n  if recipe.name:find(\"^gen%-\") then\n    recipe.hide_from_stats = recipe.energy_required > 10\n  end\nend\n");
    out
}

fn script(rng: &mut Rng, s: usize) -> String {
    let mut out = format!(
        "local flib_gui = require(\"__flib__.gui\")\nlocal constants = require(\"scripts.constants-{s}\")\n\n--- @class Module{s}\nlocal M = {{}}\n\n"
    );
    for f in 0..(4 + rng.below(20)) {
        out.push_str(&format!(
            "--- @param player LuaPlayer\n--- @param entity LuaEntity\nlocal function update_{f}(player, entity)\n  local data = storage.players[player.index]\n  if not data or not entity.valid then\n    return\n  end\n  for i, item in pairs(data.items) do\n    if item.count > {limit} and item.name ~= \"{item}\" then\n      data.total = (data.total or 0) + item.count * {mul}\n      player.print({{ \"message.updated\", item.name, tostring(i) }})\n    elseif item.count == 0 then\n      data.items[i] = nil\n    end\n  end\n  local inventory = entity.get_inventory(defines.inventory.chest)\n  if inventory and not inventory.is_empty() then\n    for name, count in pairs(inventory.get_contents()) do\n      data.seen[name] = math.max(data.seen[name] or 0, count)\n    end\n  end\n  local frame = player.gui.screen[\"module_{s}_frame\"]\n  if frame then\n    frame.caption = string.format(\"%s: %d\", entity.name, data.total or 0)\n  end\nend\n\n",
            limit = rng.below(100),
            item = rng.pick(ITEMS),
            mul = 1 + rng.below(5),
        ));
        out.push_str(&format!("M.update_{f} = update_{f}\n\n"));
    }
    out.push_str("M.on_init = function()\n  storage.players = {}\n  for _, player in pairs(game.players) do\n    storage.players[player.index] = { items = {}, seen = {}, total = 0 }\n  end\nend\n\nM.events = {\n");
    for _ in 0..(1 + rng.below(4)) {
        let event = rng.pick(EVENTS);
        out.push_str(&format!(
            "  [defines.events.{event}] = function(event)\n    local player = game.get_player(event.player_index or 1)\n    if player and event.entity then\n      M.update_0(player, event.entity)\n    end\n  end,\n"
        ));
    }
    out.push_str("}\n\nreturn M\n");
    out
}
