//! `factolint-bench report`: every number of the benchmark in one run, side by side, printed
//! as one table.
//!
//!   factolint-bench report --factolint BIN --corpus DIR --scratch DIR
//!       [--pairs N] [--ignore CODES] [--lsp-file REL] [--edits N]
//!
//! - cold: `factolint check` (without its cache) and the parse floor (`factolint-bench parse`:
//!   the same files found, read and parsed by full_moon alone), in alternating pairs, over a
//!   copy of the corpus without the literal-data files factolint does not parse;
//! - warm: `factolint check` with its cache, once to fill it and then again, its output
//!   compared with the cold run's;
//! - memory: peak RSS over one and two copies of the whole corpus;
//! - the editor: didChange → publishDiagnostics of `factolint lsp` (see `lsp_client`).
//!
//! Every copy is made under `--scratch` (bench/run.sh makes and removes it), so caches and
//! any file factolint writes stay out of the corpus.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The targets of issue 17, checked in the last column.
const COLD_RATIO_TARGET: f64 = 1.5;
const WARM_RATIO_TARGET: f64 = 0.3;
const RSS_TARGET_MIB: f64 = 250.0;
const RSS_TWO_COPIES_TARGET: f64 = 1.2;
const TIME_TWO_COPIES_TARGET: f64 = 2.1;
const LSP_MEDIAN_TARGET_MS: f64 = 100.0;
const LSP_P90_TARGET_MS: f64 = 150.0;

struct Options {
    factolint: PathBuf,
    corpus: PathBuf,
    scratch: PathBuf,
    pairs: usize,
    ignore: Option<String>,
    lsp_file: Option<String>,
    edits: usize,
}

fn options(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        factolint: PathBuf::new(),
        corpus: PathBuf::new(),
        scratch: PathBuf::new(),
        pairs: 5,
        ignore: None,
        lsp_file: None,
        edits: 20,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .cloned()
                .ok_or_else(|| format!("report: {arg} needs a value"))
        };
        match arg.as_str() {
            "--factolint" => options.factolint = value()?.into(),
            "--corpus" => options.corpus = value()?.into(),
            "--scratch" => options.scratch = value()?.into(),
            "--pairs" => options.pairs = value()?.parse().map_err(|_| "report: --pairs N")?,
            "--edits" => options.edits = value()?.parse().map_err(|_| "report: --edits N")?,
            "--ignore" => options.ignore = Some(value()?).filter(|v| !v.is_empty()),
            "--lsp-file" => options.lsp_file = Some(value()?).filter(|v| !v.is_empty()),
            other => return Err(format!("report: unknown argument {other}")),
        }
    }
    for (name, path) in [
        ("--factolint", &options.factolint),
        ("--corpus", &options.corpus),
        ("--scratch", &options.scratch),
    ] {
        if path.as_os_str().is_empty() {
            return Err(format!("report: {name} is required"));
        }
    }
    options.pairs = options.pairs.max(1);
    Ok(options)
}

/// One timed process.
#[derive(Clone, Copy, Default)]
struct Sample {
    wall: Duration,
    /// User and system time, when /usr/bin/time is there to tell.
    cpu: Option<Duration>,
    rss_kib: Option<u64>,
}

pub fn main(args: &[String]) -> Result<(), String> {
    let options = options(args)?;
    let bench = std::env::current_exe().map_err(|e| e.to_string())?;
    let scratch = &options.scratch;
    let cold_corpus = scratch.join("cold");
    let skipped = crate::copy_tree(&options.corpus, &cold_corpus, true)?;
    if let Some(codes) = &options.ignore {
        // A factolint.toml above every mod: the CLI and the language server both read it.
        let codes: Vec<String> = codes.split(',').map(|c| format!("{c:?}")).collect();
        std::fs::write(
            cold_corpus.join("factolint.toml"),
            format!("ignore = [{}]\n", codes.join(", ")),
        )
        .map_err(|e| e.to_string())?;
    }
    let (files, lines, bytes) = corpus_size(&cold_corpus);
    let no_cache = has_flag(&options.factolint, "--no-cache");
    let check = |dir: &[&Path], cache: bool, out: &str| {
        let mut command = Command::new(&options.factolint);
        command.current_dir(scratch).arg("check").args(dir);
        command.args(["--format", "json", "--quiet", "--output-file", out]);
        if !cache && no_cache {
            command.arg("--no-cache");
        }
        command
    };
    let floor = |dir: &Path| {
        let mut command = Command::new(&bench);
        command.current_dir(scratch).arg("parse").arg(dir);
        command
    };

    // Cold, in alternating pairs after one unmeasured round (page cache, CPU clocks).
    time(floor(&cold_corpus))?;
    time(check(&[&cold_corpus], false, "cold.json"))?;
    let mut floors = Vec::new();
    let mut colds = Vec::new();
    for pair in 0..options.pairs {
        if pair % 2 == 0 {
            floors.push(time(floor(&cold_corpus))?);
            colds.push(time(check(&[&cold_corpus], false, "cold.json"))?);
        } else {
            colds.push(time(check(&[&cold_corpus], false, "cold.json"))?);
            floors.push(time(floor(&cold_corpus))?);
        }
    }
    let wall_ratios: Vec<f64> = colds
        .iter()
        .zip(&floors)
        .map(|(c, f)| c.wall.as_secs_f64() / f.wall.as_secs_f64())
        .collect();
    let cpu_ratios: Vec<f64> = colds
        .iter()
        .zip(&floors)
        .filter_map(|(c, f)| Some(c.cpu?.as_secs_f64() / f.cpu?.as_secs_f64()))
        .collect();

    // Warm: the cache filled by one run, then read by the next ones.
    remove_caches(scratch);
    let filling = time(check(&[&cold_corpus], true, "first.json"))?;
    let warms: Vec<Sample> = (0..3)
        .map(|_| time(check(&[&cold_corpus], true, "warm.json")))
        .collect::<Result<_, _>>()?;
    let read = |name: &str| std::fs::read(scratch.join(name)).unwrap_or_default();
    let identical =
        read("cold.json") == read("first.json") && read("cold.json") == read("warm.json");

    // Memory: one and two copies of the whole corpus, literal data included.
    let (one, two) = (scratch.join("one"), scratch.join("two"));
    crate::copy_tree(&options.corpus, &one.join("corpus"), false)?;
    crate::copy_tree(&options.corpus, &two.join("corpus"), false)?;
    for dir in [&one, &two] {
        if let Ok(toml) = std::fs::read(cold_corpus.join("factolint.toml")) {
            std::fs::write(dir.join("corpus").join("factolint.toml"), toml)
                .map_err(|e| e.to_string())?;
        }
    }
    let (one, two) = (one.join("corpus"), two.join("corpus"));
    let mut singles = Vec::new();
    let mut doubles = Vec::new();
    for round in 0..3 {
        let single = || time(check(&[&one], false, "one.json"));
        let double = || time(check(&[&one, &two], false, "two.json"));
        if round % 2 == 0 {
            singles.push(single()?);
            doubles.push(double()?);
        } else {
            doubles.push(double()?);
            singles.push(single()?);
        }
    }

    // The editor.
    let lsp_file = match &options.lsp_file {
        Some(rel) => cold_corpus.join(rel),
        None => default_lsp_file(&cold_corpus).ok_or("no control.lua for the LSP latency")?,
    };
    let lsp = crate::lsp_client::measure(&options.factolint, &lsp_file, options.edits)?;

    // The table.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rules = match &options.ignore {
        Some(codes) => format!("every default rule except {codes}"),
        None => "every default rule".to_string(),
    };
    println!(
        "factolint benchmark: {} ({threads} cores; {rules})",
        options.corpus.display()
    );
    println!(
        "corpus without literal data: {files} files, {lines} lines, {:.1} MB ({} literal-data files, {:.1} MB, left out)",
        bytes as f64 / 1e6,
        skipped.files,
        skipped.bytes as f64 / 1e6
    );
    if !no_cache {
        println!("(this factolint has no --no-cache: every run is cold)");
    }
    println!();
    println!(
        "{:<44} {:>9} {:>9} {:>9}  target",
        "", "wall", "cpu", "peak RSS"
    );
    let median = |samples: &[Sample]| median_sample(samples);
    let row = |name: &str, s: Sample, target: &str| {
        println!(
            "{name:<44} {:>7.3} s {:>9} {:>9}  {target}",
            s.wall.as_secs_f64(),
            s.cpu
                .map_or("-".into(), |c| format!("{:.3} s", c.as_secs_f64())),
            s.rss_kib.map_or("-".into(), mib),
        )
    };
    let pairs = options.pairs;
    row(
        &format!("parse floor (full_moon), median of {pairs}"),
        median(&floors),
        "",
    );
    row(
        &format!("factolint check, cold, median of {pairs}"),
        median(&colds),
        "",
    );
    let cold_ratio = percentile_f64(&wall_ratios, 50.0);
    println!(
        "{:<44} {:>7.2} x {:>9}            {}",
        "  cold / floor (median of paired ratios)",
        cold_ratio,
        if cpu_ratios.is_empty() {
            "-".into()
        } else {
            format!("{:.2} x", percentile_f64(&cpu_ratios, 50.0))
        },
        verdict(
            cold_ratio <= COLD_RATIO_TARGET,
            &format!("≤ {COLD_RATIO_TARGET} x")
        ),
    );
    println!(
        "{:<44} {}",
        "  paired ratios",
        wall_ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    row("factolint check, first run (fills the cache)", filling, "");
    let warm = median(&warms);
    let warm_ratio = warm.wall.as_secs_f64() / median(&colds).wall.as_secs_f64();
    row("factolint check, warm, median of 3", warm, "");
    println!(
        "{:<44} {:>7.2} x {:>9}            {}",
        "  warm / cold",
        warm_ratio,
        "",
        verdict(
            warm_ratio <= WARM_RATIO_TARGET,
            &format!("≤ {WARM_RATIO_TARGET} x")
        ),
    );
    println!(
        "{:<44} {}",
        "  output with cache = without",
        if identical { "identical" } else { "DIFFERENT" }
    );
    let single = median(&singles);
    let double = median(&doubles);
    let rss_one = singles.iter().filter_map(|s| s.rss_kib).max();
    let rss_two = doubles.iter().filter_map(|s| s.rss_kib).max();
    row(
        "whole corpus, 1 copy, cold (median of 3)",
        Sample {
            rss_kib: rss_one,
            ..single
        },
        &rss_one.map_or(String::new(), |kib| {
            verdict(
                kib as f64 / 1024.0 <= RSS_TARGET_MIB,
                &format!("≤ {RSS_TARGET_MIB} MiB"),
            )
        }),
    );
    row(
        "whole corpus, 2 copies, cold (median of 3)",
        Sample {
            rss_kib: rss_two,
            ..double
        },
        "",
    );
    let time_two = double.wall.as_secs_f64() / single.wall.as_secs_f64();
    let rss_ratio = rss_two.zip(rss_one).map(|(t, o)| t as f64 / o as f64);
    println!(
        "{:<44} {:>7.2} x {:>9} {:>9}  {}; {}",
        "  2 copies / 1 copy",
        time_two,
        "",
        rss_ratio.map_or("-".into(), |r| format!("{r:.2} x")),
        verdict(
            time_two <= TIME_TWO_COPIES_TARGET,
            &format!("time ≤ {TIME_TWO_COPIES_TARGET} x")
        ),
        rss_ratio.map_or(String::new(), |r| verdict(
            r <= RSS_TWO_COPIES_TARGET,
            &format!("RSS ≤ {RSS_TWO_COPIES_TARGET} x")
        )),
    );
    let lsp_rel = lsp_file.strip_prefix(&cold_corpus).unwrap_or(&lsp_file);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (lsp_median, lsp_p90) = (
        ms(percentile(&lsp.edits, 50.0)),
        ms(percentile(&lsp.edits, 90.0)),
    );
    println!(
        "LSP {}: didOpen → diagnostics {:.0} ms ({} diagnostics)",
        lsp_rel.display(),
        ms(lsp.open),
        lsp.diagnostics
    );
    println!(
        "{:<44} {:>6.0} ms {:>9}            {}",
        format!(
            "  didChange → publishDiagnostics, median of {}",
            lsp.edits.len()
        ),
        lsp_median,
        "",
        verdict(
            lsp_median <= LSP_MEDIAN_TARGET_MS,
            &format!("≤ {LSP_MEDIAN_TARGET_MS} ms")
        )
    );
    println!(
        "{:<44} {:>6.0} ms {:>9}            {}",
        "  didChange → publishDiagnostics, p90",
        lsp_p90,
        "",
        verdict(
            lsp_p90 <= LSP_P90_TARGET_MS,
            &format!("≤ {LSP_P90_TARGET_MS} ms")
        )
    );
    println!(
        "{:<44} {}",
        "  each edit (ms)",
        lsp.edits
            .iter()
            .map(|d| format!("{:.0}", ms(*d)))
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok(())
}

fn verdict(met: bool, target: &str) -> String {
    format!("{} {target}", if met { "met" } else { "MISSED" })
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// Lua files, lines and bytes of a corpus, as factolint finds them.
fn corpus_size(dir: &Path) -> (usize, usize, usize) {
    let files = crate::corpus_files(&[dir.to_path_buf()]);
    let (mut lines, mut bytes) = (0, 0);
    for path in &files {
        let text = std::fs::read(path).unwrap_or_default();
        bytes += text.len();
        lines += text.split(|&b| b == b'\n').count();
    }
    (files.len(), lines, bytes)
}

fn has_flag(factolint: &Path, flag: &str) -> bool {
    Command::new(factolint)
        .args(["check", "--help"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(flag))
}

/// FactorioAccess's control.lua (the editor case) when the corpus has it, else the
/// largest control.lua.
fn default_lsp_file(corpus: &Path) -> Option<PathBuf> {
    let preferred = corpus.join("Factorio-Access+FactorioAccess/control.lua");
    if preferred.is_file() {
        return Some(preferred);
    }
    crate::corpus_files(&[corpus.to_path_buf()])
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "control.lua"))
        .max_by_key(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
}

/// Removes every `.factolint_cache` folder under `dir`.
fn remove_caches(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            if entry.file_name() == ".factolint_cache" {
                let _ = std::fs::remove_dir_all(entry.path());
            } else {
                remove_caches(&entry.path());
            }
        }
    }
}

/// Runs a command to its end, timing it from outside; /usr/bin/time adds CPU and peak RSS.
fn time(command: Command) -> Result<Sample, String> {
    let usr_bin_time = Path::new("/usr/bin/time");
    let stats = std::env::temp_dir().join(format!("factolint-bench-time-{}", std::process::id()));
    let mut run = if usr_bin_time.exists() {
        let mut wrapped = Command::new(usr_bin_time);
        wrapped
            .args(["-f", "%U %S %M", "-o"])
            .arg(&stats)
            .arg(command.get_program())
            .args(command.get_args());
        if let Some(dir) = command.get_current_dir() {
            wrapped.current_dir(dir);
        }
        wrapped
    } else {
        command
    };
    let started = Instant::now();
    let status = run
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("running {:?}: {e}", run.get_program()))?;
    let wall = started.elapsed();
    // factolint exits 1 when it finds something; 2 means it failed.
    if !matches!(status.code(), Some(0 | 1)) {
        return Err(format!("{run:?} failed: {status}"));
    }
    let mut sample = Sample {
        wall,
        ..Sample::default()
    };
    if let Ok(text) = std::fs::read_to_string(&stats) {
        let _ = std::fs::remove_file(&stats);
        let fields: Vec<f64> = text
            .lines()
            .last()
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        if let [user, system, rss] = fields[..] {
            sample.cpu = Some(Duration::from_secs_f64(user + system));
            sample.rss_kib = Some(rss as u64);
        }
    }
    Ok(sample)
}

/// The sample with the median wall time.
fn median_sample(samples: &[Sample]) -> Sample {
    let mut sorted = samples.to_vec();
    sorted.sort_by_key(|s| s.wall);
    sorted[(sorted.len() - 1) / 2]
}

/// The `p`th percentile, interpolated between the two nearest samples.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    let seconds: Vec<f64> = samples.iter().map(Duration::as_secs_f64).collect();
    Duration::from_secs_f64(percentile_f64(&seconds, p))
}

pub fn percentile_f64(samples: &[f64], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = p / 100.0 * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
}
