//! `factolint-bench report`: every number of the benchmark in one run, side by side, printed
//! as one table.
//!
//!   factolint-bench report --factolint BIN --corpus DIR --scratch DIR [--pairs N]
//!       [--ignore CODES] [--lsp-file REL] [--edits N] [--baseline BIN] [--parts LIST]
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

/// Which parts of the benchmark to run (`--parts cold,warm,memory,lsp`; all by default).
struct Parts {
    cold: bool,
    warm: bool,
    memory: bool,
    lsp: bool,
}

struct Options {
    factolint: PathBuf,
    /// Another factolint (an older build) timed in the same cold rounds, its output compared.
    baseline: Option<PathBuf>,
    parts: Parts,
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
        baseline: None,
        parts: Parts {
            cold: true,
            warm: true,
            memory: true,
            lsp: true,
        },
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
            "--baseline" => {
                options.baseline = Some(value()?).filter(|v| !v.is_empty()).map(PathBuf::from)
            }
            "--parts" => {
                let parts = value()?;
                let has = |p: &str| parts.is_empty() || parts.split(',').any(|x| x == p);
                options.parts = Parts {
                    cold: has("cold"),
                    warm: has("warm"),
                    memory: has("memory"),
                    lsp: has("lsp"),
                };
            }
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
    let runner = Runner {
        no_cache: has_flag(&options.factolint, "--no-cache"),
        baseline_no_cache: options
            .baseline
            .as_ref()
            .is_some_and(|b| has_flag(b, "--no-cache")),
        options: &options,
        bench,
    };

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
        "corpus without literal data: {files} files, {lines} lines, {:.1} MB ({} files with literal data, {:.1} MB, left out)",
        bytes as f64 / 1e6,
        skipped.files,
        skipped.bytes as f64 / 1e6
    );
    if !runner.no_cache {
        println!("(this factolint has no --no-cache: every run is cold)");
    }
    println!();
    println!(
        "{:<46} {:>9} {:>9} {:>9}  target",
        "", "wall", "cpu", "peak RSS"
    );
    let cold = if options.parts.cold {
        Some(cold_section(&runner, &cold_corpus)?)
    } else {
        None
    };
    if options.parts.warm {
        warm_section(&runner, &cold_corpus, cold.as_ref())?;
    }
    if options.parts.memory {
        memory_section(&runner, &cold_corpus)?;
    }
    if options.parts.lsp {
        lsp_section(&options, &cold_corpus)?;
    }
    Ok(())
}

struct Runner<'a> {
    options: &'a Options,
    bench: PathBuf,
    /// Whether `--no-cache` exists, for the factolint measured and the baseline.
    no_cache: bool,
    baseline_no_cache: bool,
}

impl Runner<'_> {
    /// `factolint check` over `dirs`, its JSON written to `out` in the scratch folder.
    fn check(&self, dirs: &[&Path], cache: bool, out: &str) -> Command {
        self.check_with(&self.options.factolint, self.no_cache, dirs, cache, out)
    }

    fn baseline(&self, dirs: &[&Path], out: &str) -> Option<Command> {
        let binary = self.options.baseline.as_ref()?;
        Some(self.check_with(binary, self.baseline_no_cache, dirs, false, out))
    }

    fn check_with(
        &self,
        binary: &Path,
        has_no_cache: bool,
        dirs: &[&Path],
        cache: bool,
        out: &str,
    ) -> Command {
        let mut command = Command::new(binary);
        command
            .current_dir(&self.options.scratch)
            .arg("check")
            .args(dirs);
        command.args(["--format", "json", "--quiet", "--output-file", out]);
        if !cache && has_no_cache {
            command.arg("--no-cache");
        }
        command
    }

    /// The parse floor over `dir`: `factolint-bench parse`.
    fn floor(&self, dir: &Path) -> Command {
        let mut command = Command::new(&self.bench);
        command
            .current_dir(&self.options.scratch)
            .arg("parse")
            .arg(dir);
        command
    }

    fn output(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.options.scratch.join(name)).unwrap_or_default()
    }
}

fn row(name: &str, s: Sample, target: &str) {
    println!(
        "{name:<46} {:>7.3} s {:>9} {:>9}  {target}",
        s.wall.as_secs_f64(),
        s.cpu
            .map_or("-".into(), |c| format!("{:.3} s", c.as_secs_f64())),
        s.rss_kib.map_or("-".into(), mib),
    )
}

fn ratio_row(name: &str, wall: f64, cpu: Option<f64>, target: &str) {
    println!(
        "{name:<46} {wall:>7.2} x {:>9} {:>9}  {target}",
        cpu.map_or("-".into(), |c| format!("{c:.2} x")),
        ""
    )
}

fn note_row(name: &str, note: &str) {
    println!("{name:<46} {note}");
}

/// Medians of cold runs, for the warm run's ratio.
struct Cold {
    check: Sample,
}

/// A command to time, by name, made anew for each run.
type Job<'a> = (&'static str, Box<dyn Fn() -> Command + 'a>);

/// Cold runs in rounds after one unmeasured round (page cache, CPU clocks); the order within
/// a round rotates, so neither side always runs first.
fn cold_section(runner: &Runner, corpus: &Path) -> Result<Cold, String> {
    let mut jobs: Vec<Job> = vec![
        ("floor", Box::new(|| runner.floor(corpus))),
        (
            "check",
            Box::new(|| runner.check(&[corpus], false, "cold.json")),
        ),
    ];
    if runner.options.baseline.is_some() {
        jobs.push((
            "baseline",
            Box::new(|| runner.baseline(&[corpus], "baseline.json").expect("set")),
        ));
    }
    for (_, job) in &jobs {
        time(job())?;
    }
    let rounds = runner.options.pairs;
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); jobs.len()];
    for round in 0..rounds {
        for k in 0..jobs.len() {
            let j = (round + k) % jobs.len();
            samples[j].push(time((jobs[j].1)())?);
        }
    }
    let ratios = |of: &[Sample], to: &[Sample]| {
        let wall: Vec<f64> = of
            .iter()
            .zip(to)
            .map(|(a, b)| a.wall.as_secs_f64() / b.wall.as_secs_f64())
            .collect();
        let cpu: Vec<f64> = of
            .iter()
            .zip(to)
            .filter_map(|(a, b)| Some(a.cpu?.as_secs_f64() / b.cpu?.as_secs_f64()))
            .collect();
        (wall, cpu)
    };
    let cpu_median = |cpu: &[f64]| (!cpu.is_empty()).then(|| percentile_f64(cpu, 50.0));
    let floors = &samples[0];
    row(
        &format!("parse floor (full_moon), median of {rounds}"),
        median_sample(floors),
        "",
    );
    let check = median_sample(&samples[1]);
    row(
        &format!("factolint check, cold, median of {rounds}"),
        check,
        "",
    );
    let (wall, cpu) = ratios(&samples[1], floors);
    let cold_ratio = percentile_f64(&wall, 50.0);
    ratio_row(
        "  cold / floor (median of paired ratios)",
        cold_ratio,
        cpu_median(&cpu),
        &verdict(
            cold_ratio <= COLD_RATIO_TARGET,
            &format!("≤ {COLD_RATIO_TARGET} x"),
        ),
    );
    note_row("  each round's ratio", &join(&wall, 2));
    if jobs.len() == 3 {
        let baseline = &samples[2];
        row(
            &format!("baseline factolint check, cold, median of {rounds}"),
            median_sample(baseline),
            "",
        );
        let (wall, cpu) = ratios(baseline, floors);
        ratio_row(
            "  baseline / floor",
            percentile_f64(&wall, 50.0),
            cpu_median(&cpu),
            "",
        );
        let (wall, cpu) = ratios(&samples[1], baseline);
        ratio_row(
            "  factolint / baseline",
            percentile_f64(&wall, 50.0),
            cpu_median(&cpu),
            "",
        );
        let same = runner.output("cold.json") == runner.output("baseline.json");
        note_row(
            "  output = baseline's",
            if same { "identical" } else { "DIFFERENT" },
        );
    }
    Ok(Cold { check })
}

/// The cache filled by one run, then read by the next ones.
fn warm_section(runner: &Runner, corpus: &Path, cold: Option<&Cold>) -> Result<(), String> {
    remove_caches(&runner.options.scratch);
    if cold.is_none() {
        time(runner.check(&[corpus], false, "cold.json"))?;
    }
    let filling = time(runner.check(&[corpus], true, "first.json"))?;
    let warms: Vec<Sample> = (0..3)
        .map(|_| time(runner.check(&[corpus], true, "warm.json")))
        .collect::<Result<_, _>>()?;
    row("factolint check, first run (fills the cache)", filling, "");
    let warm = median_sample(&warms);
    row("factolint check, warm, median of 3", warm, "");
    if let Some(cold) = cold {
        let warm_ratio = warm.wall.as_secs_f64() / cold.check.wall.as_secs_f64();
        let cpu = warm
            .cpu
            .zip(cold.check.cpu)
            .map(|(w, c)| w.as_secs_f64() / c.as_secs_f64());
        ratio_row(
            "  warm / cold",
            warm_ratio,
            cpu,
            &verdict(
                warm_ratio <= WARM_RATIO_TARGET,
                &format!("≤ {WARM_RATIO_TARGET} x"),
            ),
        );
    }
    let cold_out = runner.output("cold.json");
    let identical =
        cold_out == runner.output("first.json") && cold_out == runner.output("warm.json");
    note_row(
        "  output with cache = without",
        if identical { "identical" } else { "DIFFERENT" },
    );
    Ok(())
}

/// One and two copies of the whole corpus, literal data included.
fn memory_section(runner: &Runner, cold_corpus: &Path) -> Result<(), String> {
    let scratch = &runner.options.scratch;
    let (one, two) = (scratch.join("one/corpus"), scratch.join("two/corpus"));
    for copy in [&one, &two] {
        crate::copy_tree(&runner.options.corpus, copy, false)?;
        if let Ok(toml) = std::fs::read(cold_corpus.join("factolint.toml")) {
            std::fs::write(copy.join("factolint.toml"), toml).map_err(|e| e.to_string())?;
        }
    }
    let mut singles = Vec::new();
    let mut doubles = Vec::new();
    for round in 0..3 {
        let single = || time(runner.check(&[&one], false, "one.json"));
        let double = || time(runner.check(&[&one, &two], false, "two.json"));
        if round % 2 == 0 {
            singles.push(single()?);
            doubles.push(double()?);
        } else {
            doubles.push(double()?);
            singles.push(single()?);
        }
    }
    let single = median_sample(&singles);
    let double = median_sample(&doubles);
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
                &format!("RSS ≤ {RSS_TARGET_MIB} MiB"),
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
        "{:<46} {:>7.2} x {:>9} {:>9}  {}; {}",
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
    Ok(())
}

fn lsp_section(options: &Options, cold_corpus: &Path) -> Result<(), String> {
    let lsp_file = match &options.lsp_file {
        Some(rel) => cold_corpus.join(rel),
        None => default_lsp_file(cold_corpus).ok_or("no control.lua for the LSP latency")?,
    };
    // The machine may be shared: its load beside the latencies says how far to trust them.
    let load_before = load_average();
    let lsp = crate::lsp_client::measure(&options.factolint, &lsp_file, options.edits)?;
    let lsp_rel = lsp_file.strip_prefix(cold_corpus).unwrap_or(&lsp_file);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    note_row(
        &format!("LSP, {}", lsp_rel.display()),
        &format!(
            "didOpen → diagnostics {:.0} ms ({} diagnostics)",
            ms(lsp.open),
            lsp.diagnostics
        ),
    );
    let latency_row = |name: &str, value: f64, target: Option<f64>| {
        println!(
            "{name:<46} {value:>6.0} ms {:>9} {:>9}  {}",
            "",
            "",
            target.map_or(String::new(), |t| verdict(value <= t, &format!("≤ {t} ms")))
        )
    };
    // The targets are judged on the typing series: an edit undone may be answered from
    // memory, which flatters the undo series.
    let series = |name: &str, edits: &[Duration], targets: Option<(f64, f64)>| {
        latency_row(
            &format!(
                "  didChange → diagnostics, {name}, median of {}",
                edits.len()
            ),
            ms(percentile(edits, 50.0)),
            targets.map(|t| t.0),
        );
        latency_row(
            &format!("  didChange → diagnostics, {name}, p90"),
            ms(percentile(edits, 90.0)),
            targets.map(|t| t.1),
        );
        let each: Vec<f64> = edits.iter().map(|d| ms(*d)).collect();
        note_row(&format!("  {name}: each edit (ms)"), &join(&each, 0));
    };
    series(
        "typing",
        &lsp.typing,
        Some((LSP_MEDIAN_TARGET_MS, LSP_P90_TARGET_MS)),
    );
    series("undo", &lsp.edits, None);
    // The baseline's server on the same file and edits, right after: side by side.
    if let Some(baseline) = &options.baseline {
        let base = crate::lsp_client::measure(baseline, &lsp_file, options.edits)?;
        note_row(
            "  baseline",
            &format!(
                "didOpen → diagnostics {:.0} ms ({} diagnostics)",
                ms(base.open),
                base.diagnostics
            ),
        );
        for (name, edits) in [("typing", &base.typing), ("undo", &base.edits)] {
            note_row(
                &format!("  baseline: {name}"),
                &format!(
                    "median {:.0} ms, p90 {:.0} ms",
                    ms(percentile(edits, 50.0)),
                    ms(percentile(edits, 90.0))
                ),
            );
            let each: Vec<f64> = edits.iter().map(|d| ms(*d)).collect();
            note_row(
                &format!("  baseline: {name}: each edit (ms)"),
                &join(&each, 0),
            );
        }
    }
    note_row(
        "  load average (1, 5, 15 min)",
        &format!("{load_before} before, {} after", load_average()),
    );
    Ok(())
}

/// The system's load averages, as `/proc/loadavg` gives them ("?" where there is none).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

fn join(values: &[f64], decimals: usize) -> String {
    values
        .iter()
        .map(|v| format!("{v:.decimals$}"))
        .collect::<Vec<_>>()
        .join(" ")
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
