//! The pipeline: discover → per unit: read, parse and lower in parallel → link → rules →
//! levels and suppressions → sorted diagnostics.
//!
//! Units (mods) are checked a few at a time and each one's analyses are dropped once it is
//! checked: memory follows the largest mod, not the whole run. Only the source files that
//! findings point into stay in the report.

mod stored;

use crate::cache::Cache;
use crate::config::{Config, Role};
use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::{self, meta, UnitFacts};
use crate::semantic::ir::FileIr;
use crate::semantic::{FileFacts, Stages};
use crate::source::{FileId, SourceDb, SourceFile, Span};
use crate::syntax::{Comment, FileSyntax};
use crate::workspace::{self, RequireTarget, Unit, WorkFile};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Parser and walkers recurse per nesting level; this stack covers the nesting limit with room.
const WORKER_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Worker stack one nesting level may take through parsing, lowering and dropping the tree:
/// the most stack-hungry constructs measured 64 KiB (nested `if`, unoptimised build) and
/// 16 KiB (nested functions, release), doubled for margin.
const STACK_PER_LEVEL: usize = if cfg!(debug_assertions) {
    128 * 1024
} else {
    32 * 1024
};

/// The highest `max-nesting` honoured (8192 in release builds): deeper could overflow the
/// worker stack whatever factolint.toml says.
pub const MAX_NESTING_CEILING: usize = WORKER_STACK_BYTES / STACK_PER_LEVEL;

/// Source bytes of the units checked at the same time. A larger unit is checked alone: the
/// peak memory is that of the largest unit (or of this many bytes of smaller ones).
const UNITS_IN_FLIGHT_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Use this configuration instead of discovering factolint.toml files.
    pub config: Option<Arc<Config>>,
    /// Unsaved editor buffers, by absolute path: read instead of the file on disk.
    pub overlays: HashMap<PathBuf, String>,
    /// Worker threads; `None` for one per core.
    pub threads: Option<usize>,
    /// Counters a progress display reads while the check runs.
    pub progress: Option<Arc<Progress>>,
    /// Files whose source stays in the report even without findings (standard input, which
    /// `--fix` prints whole). Other files' text is dropped once their unit is checked.
    pub keep_sources: Vec<PathBuf>,
    /// Where earlier runs' analyses and findings are kept (`.factolint_cache/`); `None` to
    /// work everything out.
    pub cache: Option<Arc<Cache>>,
    /// Analyses kept in memory from earlier checks (the language server's).
    pub memo: Option<Arc<Memo>>,
    /// Stops the check early (see [`Report::cancelled`]).
    pub cancel: Option<Cancel>,
    /// Worker threads kept between checks (the language server's), instead of a pool made
    /// for this check (`threads` is then ignored). Threads that live on keep the memory
    /// they allocated: a new pool faults in fresh pages for every check.
    pub workers: Option<Arc<rayon::ThreadPool>>,
    /// Whether a unit checked alone shares its checks between two workers (see
    /// `run_checks`): `Some(true)` whenever the pool has two, `Some(false)` never, `None`
    /// when a core is idle at the start of the check.
    pub checks_on_two_workers: Option<bool>,
}

/// Each file's latest analysis, kept in memory between checks: a file whose bytes and nesting
/// limit are unchanged is not parsed again. The few units' findings used last are kept too,
/// by everything they depend on: an edit that is undone costs no check.
#[derive(Default)]
pub struct Memo {
    files: std::sync::Mutex<HashMap<PathBuf, MemoEntry>>,
    results: std::sync::Mutex<VecDeque<(u128, stored::UnitResult)>>,
    /// Files taken from the memo without reading them, their stamps unchanged.
    reads_skipped: AtomicUsize,
}

/// How many units' findings a [`Memo`] keeps.
const MEMO_RESULTS: usize = 8;

impl std::fmt::Debug for Memo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Memo({} files)", self.len())
    }
}

struct MemoEntry {
    hash: u128,
    nesting: u64,
    analysis: Arc<Analysis>,
    /// The file as last read from the disk, while its stamp says it is unchanged there.
    disk: Option<DiskCopy>,
}

/// A file read from the disk: what a check needs of it without reading it again.
struct DiskCopy {
    stamp: Stamp,
    source: SourceFile,
    lossy: bool,
}

/// What the file system says of a file without reading it: its modification and status-change
/// times, size and identity. A file written again changes its times (the status-change time
/// cannot be set back), so an unchanged stamp means unchanged bytes — when the stamp is older
/// than the clock's step ([`Stamp::settled`]), as ruff and git trust theirs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    modified: std::time::SystemTime,
    len: u64,
    #[cfg(unix)]
    changed: (i64, i64),
    #[cfg(unix)]
    inode: (u64, u64),
}

/// How old a stamp must be before it is trusted: a file written twice within the file system's
/// time resolution (two seconds on FAT) could keep its stamp.
const STAMP_SETTLED: std::time::Duration = std::time::Duration::from_secs(2);

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            modified: meta.modified().ok()?,
            len: meta.len(),
            #[cfg(unix)]
            changed: (meta.ctime(), meta.ctime_nsec()),
            #[cfg(unix)]
            inode: (meta.dev(), meta.ino()),
        })
    }

    /// Old enough that a later write would change it (see [`STAMP_SETTLED`]).
    fn settled(&self) -> bool {
        let now = std::time::SystemTime::now();
        #[cfg(unix)]
        let changed = std::time::UNIX_EPOCH
            + std::time::Duration::new(self.changed.0.max(0) as u64, self.changed.1.max(0) as u32);
        #[cfg(not(unix))]
        let changed = self.modified;
        [self.modified, changed]
            .iter()
            .all(|t| t.checked_add(STAMP_SETTLED).is_some_and(|t| t < now))
    }
}

impl Memo {
    fn get(&self, path: &Path, hash: u128, nesting: u64) -> Option<Arc<Analysis>> {
        let files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let entry = files.get(path)?;
        (entry.hash == hash && entry.nesting == nesting).then(|| entry.analysis.clone())
    }

    fn put(&self, path: &Path, hash: u128, nesting: u64, analysis: Arc<Analysis>) {
        let entry = MemoEntry {
            hash,
            nesting,
            analysis,
            disk: None,
        };
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        files.insert(path.to_path_buf(), entry);
    }

    /// The file at `source.path` as read from the disk, with its analysis: until its stamp
    /// changes, it is not read again ([`Memo::unchanged`]).
    fn put_read(&self, stamp: Stamp, source: &SourceFile, lossy: bool, hash: u128, nesting: u64) {
        if !stamp.settled() {
            return;
        }
        let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = files.get_mut(&source.path) {
            if entry.hash == hash && entry.nesting == nesting {
                entry.disk = Some(DiskCopy {
                    stamp,
                    source: source.clone(),
                    lossy,
                });
            }
        }
    }

    /// A file on disk whose stamp is the one it had when it was last read, shown as
    /// `display`: its text, hash and analysis, without reading it.
    fn unchanged(
        &self,
        path: &Path,
        stamp: Stamp,
        nesting: u64,
        display: &str,
    ) -> Option<(SourceFile, bool, u128, Arc<Analysis>)> {
        let files = self.files.lock().unwrap_or_else(|e| e.into_inner());
        let entry = files.get(path)?;
        let disk = entry.disk.as_ref()?;
        if disk.stamp != stamp || entry.nesting != nesting || disk.source.display != display {
            return None;
        }
        self.reads_skipped.fetch_add(1, Ordering::Relaxed);
        Some((
            disk.source.clone(),
            disk.lossy,
            entry.hash,
            entry.analysis.clone(),
        ))
    }

    /// The findings kept for `key`, which become the most recently used: the text an editor
    /// returns to again and again (an edit undone) stays while other versions come and go.
    fn result(&self, key: u128) -> Option<stored::UnitResult> {
        let mut results = self.results.lock().unwrap_or_else(|e| e.into_inner());
        let at = results.iter().position(|(k, _)| *k == key)?;
        let hit = results.remove(at)?;
        let result = hit.1.clone();
        results.push_front(hit);
        Some(result)
    }

    fn put_result(&self, key: u128, result: &stored::UnitResult) {
        let mut results = self.results.lock().unwrap_or_else(|e| e.into_inner());
        results.retain(|(k, _)| *k != key);
        if results.len() == MEMO_RESULTS {
            results.pop_back();
        }
        results.push_front((key, result.clone()));
    }

    /// How many files it holds.
    pub fn len(&self) -> usize {
        self.files.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A check that a newer request makes pointless: cancelled once `counter` moves past the value
/// it had when the check started.
#[derive(Clone, Debug)]
pub struct Cancel {
    counter: Arc<std::sync::atomic::AtomicU64>,
    at: u64,
}

impl Cancel {
    pub fn new(counter: Arc<std::sync::atomic::AtomicU64>) -> Cancel {
        let at = counter.load(Ordering::SeqCst);
        Cancel { counter, at }
    }

    pub fn is_cancelled(&self) -> bool {
        self.counter.load(Ordering::SeqCst) != self.at
    }
}

fn cancelled(cancel: Option<&Cancel>) -> bool {
    cancel.is_some_and(Cancel::is_cancelled)
}

/// How far a run is: files read and parsed, units (mods) linked and checked.
#[derive(Debug, Default)]
pub struct Progress {
    pub files_total: AtomicUsize,
    pub files_parsed: AtomicUsize,
    pub units_total: AtomicUsize,
    pub units_checked: AtomicUsize,
}

/// Everything one run found.
#[derive(Debug, Default)]
pub struct Report {
    /// The files findings point into (and [`CheckOptions::keep_sources`]), not every file
    /// checked.
    pub sources: SourceDb,
    pub diagnostics: Vec<Diagnostic>,
    /// A file could not be read: exit code 2.
    pub io_failure: bool,
    pub files_checked: usize,
    pub lines_checked: usize,
    /// Files in `sources` whose text was not valid UTF-8 (read with `?` for bad bytes): never
    /// rewritten.
    pub lossy_files: Vec<FileId>,
    /// Every registration of every unit (the `factolint events` map), sorted by place.
    pub registrations: Vec<RegistrationRow>,
    /// With a baseline: how many findings it left out.
    pub baselined: Option<usize>,
    /// The check was cancelled ([`CheckOptions::cancel`]): the report is incomplete.
    pub cancelled: bool,
}

/// One registration, resolved to places for output.
#[derive(Clone, Debug)]
pub struct RegistrationRow {
    /// The mod (or scenario, or loose file) it belongs to.
    pub unit: String,
    pub kind: &'static str,
    pub name: String,
    pub at: Place,
    pub handler: Option<Place>,
    pub contexts: Vec<&'static str>,
    pub via_event_handler: bool,
}

/// A place in a file, resolved while the file's text is at hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// The path as diagnostics show it.
    pub path: String,
    /// 1-based.
    pub line: usize,
    /// Byte offset: orders places on one line.
    pub offset: usize,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }
}

/// The result of reading, parsing and lowering one file.
#[derive(serde::Serialize, serde::Deserialize)]
enum Analysis {
    // Boxed: the summary is far larger than the other variants.
    Ok {
        ir: Box<FileIr>,
        comments: Vec<Comment>,
    },
    ParseErrors(Vec<crate::syntax::ParseError>),
    Binary,
    TooLarge {
        bytes: usize,
    },
    TooDeep {
        depth: usize,
        offset: usize,
    },
    Unreadable(String),
}

/// A file as read, before (or without) its analysis.
struct ReadFile {
    text: String,
    lossy: bool,
    /// The hash of its bytes, when the run caches (and the file could be read).
    hash: Option<u128>,
    /// What is known without parsing it (unreadable, too large, binary), or its analysis.
    analysis: Option<Arc<Analysis>>,
}

pub fn check_paths(
    paths: &[PathBuf],
    options: &CheckOptions,
) -> Result<Report, workspace::DiscoverError> {
    let units = workspace::discover(paths, options.config.as_ref())?;
    Ok(check_units(&units, options))
}

/// More threads than files only cost time: each has a large stack (`--threads 2000` took 29 s
/// on two files, `--threads 100000` never finished).
const MAX_THREADS: usize = 256;

pub fn check_units(units: &[Unit], options: &CheckOptions) -> Report {
    let read = |file: &WorkFile| match (&file.content, options.overlays.get(&file.path)) {
        (Some(bytes), _) => Ok(bytes.to_vec()),
        (None, Some(text)) => Ok(text.clone().into_bytes()),
        (None, None) => std::fs::read(&file.path),
    };
    let size = |file: &WorkFile| match (&file.content, options.overlays.get(&file.path)) {
        (Some(bytes), _) => bytes.len() as u64,
        (None, Some(text)) => text.len() as u64,
        (None, None) => std::fs::metadata(&file.path).map_or(0, |m| m.len()),
    };
    let files: usize = units.iter().map(|u| u.files.len()).sum();
    let report = match &options.workers {
        Some(pool) => run(units, &read, &size, true, options, pool),
        None => run(units, &read, &size, true, options, &workers(options, files)),
    };
    rules::timing::report();
    report
}

/// Checks one file's bytes as a loose file at `path`, without discovery or reading the disk:
/// for fuzzing, and for callers that hold the text already.
pub fn check_source(path: &Path, bytes: &[u8], options: &CheckOptions) -> Report {
    let unit = Unit {
        root: path.parent().unwrap_or(Path::new("")).to_path_buf(),
        kind: workspace::RootKind::Loose,
        info: workspace::ModInfo::default(),
        info_problem: None,
        config: options.config.clone().unwrap_or_default(),
        files: vec![WorkFile {
            path: path.to_path_buf(),
            rel: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            report: true,
            content: None,
        }],
    };
    let read = |_: &WorkFile| Ok(bytes.to_vec());
    let size = |_: &WorkFile| bytes.len() as u64;
    let units = std::slice::from_ref(&unit);
    match &options.workers {
        Some(pool) => run(units, &read, &size, false, options, pool),
        None => run(units, &read, &size, false, options, &workers(options, 1)),
    }
}

fn workers(options: &CheckOptions, files: usize) -> rayon::ThreadPool {
    // 0 lets rayon choose one per core.
    let threads = options
        .threads
        .map_or(0, |n| n.min(files.max(1)).min(MAX_THREADS));
    worker_pool(threads)
}

/// A pool of `threads` workers (0: one per core) with the stack parsing needs.
pub fn worker_pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(WORKER_STACK_BYTES)
        .thread_name(|i| format!("factolint-{i}"))
        .build()
        .expect("worker threads")
}

/// How a file's bytes are read: from the disk, an editor overlay, or memory.
type Reader<'a> = dyn Fn(&WorkFile) -> std::io::Result<Vec<u8>> + Sync + 'a;
/// A file's size before it is read (0 when unknown): orders and groups the work.
type Sizer<'a> = dyn Fn(&WorkFile) -> u64 + Sync + 'a;

/// What checking one unit leaves: its findings and the few files they need, nothing of its
/// analyses.
struct UnitOutcome {
    /// The files kept, by their id inside the unit (its files in order, then its info.json
    /// when that has a problem).
    kept: Vec<(FileId, SourceFile, bool)>,
    /// File ids inside the unit.
    diagnostics: Vec<Diagnostic>,
    io_failure: bool,
    registrations: Vec<RegistrationRow>,
    lines: usize,
    /// Stopped early: the rest is incomplete.
    cancelled: bool,
}

impl UnitOutcome {
    fn cancelled() -> UnitOutcome {
        UnitOutcome {
            kept: Vec::new(),
            diagnostics: Vec::new(),
            io_failure: false,
            registrations: Vec::new(),
            lines: 0,
            cancelled: true,
        }
    }
}

/// `disk`: `read` reads files from the disk, except overlays and files with their content.
fn run(
    units: &[Unit],
    read: &Reader,
    size: &Sizer,
    disk: bool,
    options: &CheckOptions,
    pool: &rayon::ThreadPool,
) -> Report {
    let progress = options.progress.as_deref();
    if let Some(progress) = progress {
        let files = units.iter().map(|u| u.files.len()).sum();
        progress.files_total.store(files, Ordering::Relaxed);
        progress.units_total.store(units.len(), Ordering::Relaxed);
    }
    let sizes: Vec<Vec<u64>> = pool.install(|| {
        units
            .par_iter()
            .map(|u| u.files.par_iter().map(size).collect())
            .collect()
    });
    let unit_bytes: Vec<u64> = sizes.iter().map(|s| s.iter().sum()).collect();
    // Largest units first: a big one started last would finish alone on one core.
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by(|&a, &b| unit_bytes[b].cmp(&unit_bytes[a]).then(a.cmp(&b)));
    let cwd = std::env::current_dir().unwrap_or_default();
    let keep: BTreeSet<&Path> = options.keep_sources.iter().map(PathBuf::as_path).collect();
    let max_in_flight = pool.current_num_threads() + 1;
    let run = RunShared {
        cwd: &cwd,
        keep: &keep,
        progress,
        cache: options.cache.as_deref(),
        memo: options.memo.as_deref(),
        cancel: options.cancel.as_ref(),
        overlays: disk.then_some(&options.overlays),
        lone_unit: units.len() == 1
            && pool.current_num_threads() >= 2
            && options.checks_on_two_workers.unwrap_or_else(spare_core),
    };

    type Finished = std::thread::Result<UnitOutcome>;
    let mut outcomes: Vec<Option<UnitOutcome>> = units.iter().map(|_| None).collect();
    let mut panicked = None;
    let loading: Vec<UnitLoading> = units.iter().map(|_| UnitLoading::default()).collect();
    // The loop runs on the calling thread, outside the pool, so it may wait for a unit to
    // finish without holding a worker. Every file is its own task, and whichever task reads a
    // unit's last file checks the unit there: no worker ever waits for another, so both cores
    // stay busy while one checks a large unit and the other parses the next units' files.
    pool.in_place_scope(|scope| {
        let (done, finished) = std::sync::mpsc::channel::<(usize, Finished)>();
        let mut waiting = order.into_iter().peekable();
        let (mut in_flight, mut in_flight_bytes) = (0usize, 0u64);
        loop {
            while let Some(&u) = waiting.peek() {
                if cancelled(run.cancel) {
                    break;
                }
                let fits = in_flight < max_in_flight
                    && in_flight_bytes + unit_bytes[u] <= UNITS_IN_FLIGHT_BYTES;
                if in_flight > 0 && !fits {
                    break;
                }
                waiting.next();
                in_flight += 1;
                in_flight_bytes += unit_bytes[u];
                let (unit, sizes, run, loading) = (&units[u], &sizes[u], &run, &loading[u]);
                let files = largest_first(sizes);
                if files.is_empty() {
                    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        finish_unit(unit, sizes, Vec::new(), run)
                    }));
                    let _ = done.send((u, outcome));
                    continue;
                }
                loading.start(files.len());
                for f in files {
                    let done = done.clone();
                    scope.spawn(move |_| {
                        let file = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            load_file(unit, f, read, run)
                        }));
                        let Some(loaded) = loading.file_done(f, file) else {
                            return;
                        };
                        let outcome = loaded.and_then(|loaded| {
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                finish_unit(unit, sizes, loaded, run)
                            }))
                        });
                        let _ = done.send((u, outcome));
                    });
                }
            }
            if in_flight == 0 {
                break;
            }
            let Ok((u, outcome)) = finished.recv() else {
                break;
            };
            in_flight -= 1;
            in_flight_bytes -= unit_bytes[u];
            match outcome {
                Ok(outcome) => outcomes[u] = Some(outcome),
                Err(panic) => {
                    panicked.get_or_insert(panic);
                }
            }
        }
    });
    if let Some(panic) = panicked {
        std::panic::resume_unwind(panic);
    }

    // Merged in unit order, so file ids and ties do not depend on which unit finished first.
    let mut report = Report::default();
    for (unit, outcome) in units.iter().zip(outcomes) {
        // A unit never started was cancelled before it.
        let outcome = outcome.unwrap_or_else(UnitOutcome::cancelled);
        report.cancelled |= outcome.cancelled;
        let mut global: HashMap<FileId, FileId> = HashMap::new();
        for (local, source, lossy) in outcome.kept {
            let id = report.sources.add(source);
            global.insert(local, id);
            if lossy {
                report.lossy_files.push(id);
            }
        }
        for mut diagnostic in outcome.diagnostics {
            diagnostic.file = global[&diagnostic.file];
            for label in &mut diagnostic.secondary {
                label.file = global[&label.file];
            }
            report.diagnostics.push(diagnostic);
        }
        report.io_failure |= outcome.io_failure;
        report.registrations.extend(outcome.registrations);
        report.lines_checked += outcome.lines;
        report.files_checked += unit.files.iter().filter(|f| f.report).count();
    }
    sort_diagnostics(&report.sources, &mut report.diagnostics);
    report.registrations.sort_by(|a, b| {
        (&a.at.path, a.at.offset, a.kind, &a.name).cmp(&(&b.at.path, b.at.offset, b.kind, &b.name))
    });
    report
}

/// A file's indexes in a unit, largest first: one giant data file started last would finish
/// alone on a single core.
fn largest_first(sizes: &[u64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
    order
}

/// A file as loaded: its source (with its line index), what reading it gave, and the stamp of
/// a file read from the disk whose analysis is still to be worked out (kept with it then).
type LoadedFile = (SourceFile, ReadFile, Option<Stamp>);

/// A unit whose files are being loaded, each by its own task.
#[derive(Default)]
struct UnitLoading {
    /// By file index; `None` until loaded (or when cancelled).
    files: std::sync::Mutex<Vec<Option<LoadedFile>>>,
    remaining: AtomicUsize,
    /// The first panic of one of its files' tasks.
    panic: std::sync::Mutex<Option<Box<dyn std::any::Any + Send>>>,
}

impl UnitLoading {
    fn start(&self, files: usize) {
        let mut slots = self.files.lock().unwrap_or_else(|e| e.into_inner());
        slots.clear();
        slots.resize_with(files, || None);
        self.remaining.store(files, Ordering::Release);
    }

    /// Records file `f`; for the last file of the unit, gives every file in order (or the
    /// first panic).
    fn file_done(
        &self,
        f: usize,
        file: std::thread::Result<Option<LoadedFile>>,
    ) -> Option<std::thread::Result<Vec<Option<LoadedFile>>>> {
        match file {
            Ok(file) => self.files.lock().unwrap_or_else(|e| e.into_inner())[f] = file,
            Err(panic) => {
                self.panic
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(panic);
            }
        }
        if self.remaining.fetch_sub(1, Ordering::AcqRel) != 1 {
            return None;
        }
        if let Some(panic) = self.panic.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Some(Err(panic));
        }
        let files = std::mem::take(&mut *self.files.lock().unwrap_or_else(|e| e.into_inner()));
        Some(Ok(files))
    }
}

/// Reads file `f` of a unit and, without a cache, parses and lowers it while its text is fresh
/// in this core's cache. `None` when the run is cancelled.
fn load_file(unit: &Unit, f: usize, read: &Reader, run: &RunShared) -> Option<LoadedFile> {
    let RunShared {
        cwd,
        progress,
        cache,
        memo,
        cancel,
        overlays,
        ..
    } = *run;
    if cancelled(cancel) {
        return None;
    }
    let nesting = effective_max_nesting(&unit.config) as u64;
    let work = &unit.files[f];
    // A file on disk the memo holds, unchanged since: not read again (unless it is now over
    // the size limit, which only reading it reports).
    let read_from_disk =
        overlays.is_some_and(|o| work.content.is_none() && !o.contains_key(&work.path));
    let on_disk = memo
        .filter(|_| read_from_disk)
        .and_then(|_| Stamp::of(&work.path));
    let within_limit = |stamp: &Stamp| stamp.len <= unit.config.limits.max_file_bytes as u64;
    if let (Some(stamp), Some(memo)) = (on_disk.filter(within_limit), memo) {
        let display = display_path_in(&work.path, cwd);
        if let Some((source, lossy, hash, analysis)) =
            memo.unchanged(&work.path, stamp, nesting, &display)
        {
            if let Some(progress) = progress {
                progress.files_parsed.fetch_add(1, Ordering::Relaxed);
            }
            let file = ReadFile {
                text: String::new(),
                lossy,
                hash: Some(hash),
                analysis: Some(analysis),
            };
            return Some((source, file, None));
        }
    }
    let hashed = cache.is_some() || memo.is_some();
    let mut file = read_file(work, &unit.config, read, hashed);
    if let (None, Some(memo), Some(hash)) = (&file.analysis, memo, file.hash) {
        file.analysis = memo.get(&work.path, hash, nesting);
    }
    if cache.is_none() && memo.is_none() && file.analysis.is_none() {
        // Nothing else to look in: analysed while the text is fresh in this core's cache.
        // With a memo, not yet: the unit's findings may be remembered.
        file.analysis = Some(Arc::new(analyse(&file.text, &unit.config)));
    }
    if let Some(progress) = progress {
        progress.files_parsed.fetch_add(1, Ordering::Relaxed);
    }
    let source = SourceFile::new(
        work.path.clone(),
        display_path_in(&work.path, cwd),
        std::mem::take(&mut file.text),
    );
    // Kept with its analysis; one still to be worked out is kept once it is.
    let mut unkept = None;
    if let (Some(stamp), Some(memo), Some(hash)) = (on_disk, memo, file.hash) {
        match file.analysis {
            Some(_) => memo.put_read(stamp, &source, file.lossy, hash, nesting),
            None => unkept = Some(stamp),
        }
    }
    Some((source, file, unkept))
}

/// Checks a unit whose files are loaded (in file order), and keeps only what its findings
/// need. With a cache, files whose bytes it knows are not parsed again, and a unit whose inputs
/// are all unchanged is not checked again.
fn finish_unit(
    unit: &Unit,
    sizes: &[u64],
    loaded: Vec<Option<LoadedFile>>,
    run: &RunShared,
) -> UnitOutcome {
    let RunShared {
        cwd,
        keep,
        progress,
        cache,
        memo,
        cancel,
        overlays: _,
        lone_unit: _,
    } = *run;
    if cancelled(cancel) || loaded.iter().any(Option::is_none) {
        return UnitOutcome::cancelled();
    }
    let nesting = effective_max_nesting(&unit.config) as u64;
    let entry = cache.map(|cache| {
        let body = cache.load(unit_key(unit)).unwrap_or_default();
        stored::StoredUnit::decode(body, nesting)
    });
    let order = largest_first(sizes);
    let mut sources = Vec::with_capacity(loaded.len() + 1);
    let mut lossy = Vec::with_capacity(loaded.len() + 1);
    let mut hashes = Vec::with_capacity(loaded.len());
    let mut analyses = Vec::with_capacity(loaded.len());
    let mut unkept = Vec::with_capacity(loaded.len());
    for (source, file, stamp) in loaded.into_iter().flatten() {
        unkept.push(stamp);
        sources.push(source);
        lossy.push(file.lossy);
        hashes.push(file.hash);
        analyses.push(file.analysis);
    }
    if cancelled(cancel) {
        return UnitOutcome::cancelled();
    }

    let result_key = (entry.is_some() || memo.is_some())
        .then(|| result_key(unit, &hashes))
        .flatten();
    let remembered = memo
        .zip(result_key)
        .and_then(|(memo, key)| memo.result(key));
    let cached = remembered.or_else(|| {
        let (entry, key) = entry.as_ref().zip(result_key)?;
        entry.result(key, unit.files.len())
    });
    let (mut diagnostics, io_failure, registrations) = match cached {
        Some(result) => result,
        None => {
            // The files not analysed yet: taken from the cache, or parsed and lowered.
            let done: Vec<(usize, Arc<Analysis>, Option<Vec<u8>>)> = order
                .par_iter()
                .with_max_len(1)
                .filter(|&&f| analyses[f].is_none())
                .map(|&f| {
                    let known = entry
                        .as_ref()
                        .zip(hashes[f])
                        .and_then(|(entry, hash)| entry.file(hash))
                        .and_then(stored::decode_analysis);
                    let (analysis, encoded) = match known {
                        Some(analysis) => (Arc::new(analysis), None),
                        None => {
                            let analysis = analyse(&sources[f].text, &unit.config);
                            let encoded = cache.and_then(|_| stored::encode_analysis(&analysis));
                            (Arc::new(analysis), encoded)
                        }
                    };
                    if let (Some(memo), Some(hash)) = (memo, hashes[f]) {
                        memo.put(&unit.files[f].path, hash, nesting, analysis.clone());
                        if let Some(stamp) = unkept[f] {
                            memo.put_read(stamp, &sources[f], lossy[f], hash, nesting);
                        }
                    }
                    (f, analysis, encoded)
                })
                .collect();
            let mut encoded: Vec<Option<Vec<u8>>> = vec![None; analyses.len()];
            for (f, analysis, bytes) in done {
                analyses[f] = Some(analysis);
                encoded[f] = bytes;
            }
            let analyses: Vec<Arc<Analysis>> = analyses.into_iter().flatten().collect();
            let result = check_unit(unit, &analyses, &sources, run.lone_unit, cancel);
            if cancelled(cancel) {
                return UnitOutcome::cancelled();
            }
            if let (Some(memo), Some(key)) = (memo, result_key) {
                memo.put_result(key, &result);
            }
            if let (Some(cache), Some(entry)) = (cache, &entry) {
                let files = UnitFiles {
                    nesting,
                    hashes: &hashes,
                    analyses: &analyses,
                    encoded: &encoded,
                };
                store_unit(cache, unit, &files, entry, result_key, &result);
            }
            result
        }
    };

    // info.json problems need their file among the sources to be rendered.
    if let Some(problem) = &unit.info_problem {
        let file = SourceFile::new(
            problem.path.clone(),
            display_path_in(&problem.path, cwd),
            problem.text.clone(),
        );
        let offset = offset_of_line_col(&file, problem.line, problem.column);
        let end = file.text[offset..]
            .find('\n')
            .map(|n| offset + n)
            .unwrap_or(offset);
        let diagnostic = Diagnostic::new(
            meta::INVALID_INFO_JSON,
            sources.len(),
            Span::new(offset, end.max(offset)),
            problem.message.clone(),
        )
        .with_help("Factorio will not load the mod until info.json is fixed");
        sources.push(file);
        lossy.push(false);
        if let Some(level) = unit.config.level(meta::INVALID_INFO_JSON, &problem.path) {
            diagnostics.push(Diagnostic {
                severity: level,
                ..diagnostic
            });
        }
    }
    // `--fix` never rewrites a file read with `?` for its invalid bytes: its fixes are offered,
    // not applied, and not counted as fixable.
    for diagnostic in &mut diagnostics {
        if let (Some(fix), true) = (&mut diagnostic.fix, lossy[diagnostic.file]) {
            if fix.safe {
                fix.safe = false;
                diagnostic
                    .notes
                    .push("not fixed automatically: this file is not valid UTF-8".into());
            }
        }
    }

    let place = |(file, span): (FileId, Span)| {
        let source = &sources[file];
        Place {
            path: source.display.clone(),
            line: source.line_col(span.start).line,
            offset: span.start,
        }
    };
    let name = unit.name();
    let registrations = registrations
        .into_iter()
        .map(|r| RegistrationRow {
            unit: name.clone(),
            kind: r.kind,
            name: r.name,
            at: place(r.at),
            handler: r.handler.map(place),
            contexts: r.contexts,
            via_event_handler: r.via_event_handler,
        })
        .collect();

    let mut needed: BTreeSet<FileId> = BTreeSet::new();
    for diagnostic in &diagnostics {
        needed.insert(diagnostic.file);
        needed.extend(diagnostic.secondary.iter().map(|l| l.file));
    }
    let lines = sources.iter().map(SourceFile::line_count).sum();
    let kept = sources
        .into_iter()
        .zip(lossy)
        .enumerate()
        .filter(|(id, (source, _))| needed.contains(id) || keep.contains(source.path.as_path()))
        .map(|(id, (source, lossy))| (id, source, lossy))
        .collect();
    if let Some(progress) = progress {
        progress.units_checked.fetch_add(1, Ordering::Relaxed);
    }
    UnitOutcome {
        kept,
        diagnostics,
        io_failure,
        registrations,
        lines,
        cancelled: false,
    }
}

/// Whether a core is idle now, so that a second worker building its own model (see
/// `run_checks`) finishes the unit sooner instead of competing for a busy core: on Linux, the
/// tasks running at this moment besides this thread (`/proc/loadavg` counts it) leave a
/// core free. Measured on two cores while other processes kept them busy, two workers made
/// FactorioAccess's edit-to-diagnostics slower (183 against 132 ms); on an idle machine,
/// faster (84 against 100 ms). Elsewhere, assumed idle.
fn spare_core() -> bool {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    match std::fs::read_to_string("/proc/loadavg") {
        Ok(text) => runnable_tasks(&text).is_none_or(|running| running <= cores),
        Err(_) => true,
    }
}

/// The tasks running now, from the text of `/proc/loadavg` ("0.50 0.40 0.30 2/345 6789").
fn runnable_tasks(loadavg: &str) -> Option<usize> {
    let (running, _) = loadavg.split_whitespace().nth(3)?.split_once('/')?;
    running.parse().ok()
}

/// What every unit of a run shares.
#[derive(Clone, Copy)]
struct RunShared<'a> {
    cwd: &'a Path,
    keep: &'a BTreeSet<&'a Path>,
    progress: Option<&'a Progress>,
    cache: Option<&'a Cache>,
    memo: Option<&'a Memo>,
    cancel: Option<&'a Cancel>,
    /// Unsaved buffers read instead of the disk; `None` when no file is read from the disk.
    overlays: Option<&'a HashMap<PathBuf, String>>,
    /// The run checks one unit on a pool of two or more workers and the machine has a core
    /// to spare: its checks may use two workers.
    lone_unit: bool,
}

fn offset_of_line_col(file: &SourceFile, line: usize, column: usize) -> usize {
    let Some(&start) = file.line_starts().get(line.saturating_sub(1)) else {
        return 0;
    };
    let line_text = file.line_text(line);
    start
        + line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map(|(i, _)| i)
            .unwrap_or(line_text.len())
}

/// Output order: path, line, column, code, message — the same whatever the thread count.
pub fn sort_diagnostics(sources: &SourceDb, diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let fa = sources.get(a.file);
        let fb = sources.get(b.file);
        fa.display
            .cmp(&fb.display)
            .then(a.span.start.cmp(&b.span.start))
            .then(a.code.cmp(b.code))
            .then(a.message.cmp(&b.message))
            .then(a.span.end.cmp(&b.span.end))
    });
}

/// `path` relative to the working directory with `/` separators; absolute when outside it.
pub fn display_path(path: &Path) -> String {
    workspace::display_path(path)
}

fn display_path_in(path: &Path, cwd: &Path) -> String {
    match path.strip_prefix(cwd) {
        Ok(rel) => workspace::relative_slash(rel, Path::new("")),
        Err(_) => path.to_string_lossy().replace('\\', "/"),
    }
}

/// Reads a file; hashes its bytes when `hash` is set. Files that cannot be analysed
/// (unreadable, too large, binary) come with their analysis.
fn read_file(file: &WorkFile, config: &Config, read: &Reader, hash: bool) -> ReadFile {
    let bytes = match read(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            return ReadFile {
                text: String::new(),
                lossy: false,
                hash: None,
                analysis: Some(Arc::new(Analysis::Unreadable(workspace::describe_io(&e)))),
            }
        }
    };
    let hash = hash.then(|| xxhash_rust::xxh3::xxh3_128(&bytes));
    let unanalysed = |analysis: Analysis| ReadFile {
        text: String::new(),
        lossy: false,
        hash,
        analysis: Some(Arc::new(analysis)),
    };
    if bytes.len() > config.limits.max_file_bytes {
        return unanalysed(Analysis::TooLarge { bytes: bytes.len() });
    }
    if bytes.contains(&0) {
        return unanalysed(Analysis::Binary);
    }
    let (text, lossy) = match String::from_utf8(bytes) {
        Ok(text) => (text, false),
        Err(e) => (replace_invalid_bytes(e.as_bytes()), true),
    };
    ReadFile {
        text,
        lossy,
        hash,
        analysis: None,
    }
}

/// Checks, parses and lowers one file's text: a function of the text and the nesting limit.
fn analyse(text: &str, config: &Config) -> Analysis {
    // One scan of the text for the nesting limit, literal data and comments, then the parse.
    match crate::syntax::read_file(text, effective_max_nesting(config)) {
        FileSyntax::Parsed(parsed) => {
            let ir = crate::semantic::lower::lower(&parsed, text);
            Analysis::Ok {
                ir: Box::new(ir),
                comments: parsed.comments,
            }
        }
        // Large generated data (`return { ...literals... }`): checked by the scanner, not parsed.
        FileSyntax::LiteralData(comments) => Analysis::Ok {
            ir: Box::new(literal_data_ir(text.len())),
            comments,
        },
        FileSyntax::TooDeep(nesting) => Analysis::TooDeep {
            depth: nesting.depth,
            offset: nesting.offset,
        },
        FileSyntax::Errors(errors) => Analysis::ParseErrors(errors),
    }
}

/// The cache entry of a unit: one per root.
fn unit_key(unit: &Unit) -> u128 {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(b"unit\0");
    hasher.update(unit.root.as_os_str().as_encoded_bytes());
    hasher.update(format!("\0{:?}", unit.kind).as_bytes());
    hasher.digest128()
}

/// Everything a unit's findings depend on besides factolint itself (the cache's entries are
/// per build): its configuration, info.json, and each file's path, whether it is reported,
/// and its bytes. `None` when a file could not be read.
fn result_key(unit: &Unit, hashes: &[Option<u128>]) -> Option<u128> {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut part = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    part(format!("{:?}", unit.config).as_bytes());
    part(format!("{:?} {:?}", unit.root, unit.kind).as_bytes());
    part(format!("{:?} {:?}", unit.info, unit.info_problem).as_bytes());
    for (file, hash) in unit.files.iter().zip(hashes) {
        part(file.path.as_os_str().as_encoded_bytes());
        part(file.rel.as_bytes());
        part(&[u8::from(file.report)]);
        part(&(*hash)?.to_le_bytes());
    }
    Some(hasher.digest128())
}

/// A unit's files as the cache stores them.
struct UnitFiles<'a> {
    nesting: u64,
    hashes: &'a [Option<u128>],
    analyses: &'a [Arc<Analysis>],
    /// Analyses encoded by this run (the others are in the entry read).
    encoded: &'a [Option<Vec<u8>>],
}

/// Writes a unit's entry: every analysis worth keeping, and its findings.
fn store_unit(
    cache: &Cache,
    unit: &Unit,
    files: &UnitFiles,
    entry: &stored::StoredUnit,
    result_key: Option<u128>,
    result: &stored::UnitResult,
) {
    let mut seen = BTreeSet::new();
    let mut kept: Vec<(u128, &[u8])> = Vec::new();
    for ((hash, analysis), encoded) in files.hashes.iter().zip(files.analyses).zip(files.encoded) {
        let Some(hash) = *hash else { continue };
        // Only what parsing decides: the rest is known from the bytes at once.
        if !matches!(
            **analysis,
            Analysis::Ok { .. } | Analysis::ParseErrors(_) | Analysis::TooDeep { .. }
        ) || !seen.insert(hash)
        {
            continue;
        }
        if let Some(bytes) = encoded.as_deref().or_else(|| entry.file(hash)) {
            kept.push((hash, bytes));
        }
    }
    let result = result_key.zip(stored::encode_result(result));
    let body = stored::encode_unit(
        files.nesting,
        &kept,
        result.as_ref().map(|(k, b)| (*k, b.as_slice())),
    );
    cache.store(unit_key(unit), &body);
}

/// The IR of a file that only returns a table of literals: a main chunk returning a value no
/// rule needs to see.
fn literal_data_ir(len: usize) -> FileIr {
    use crate::semantic::ir::{Function, Value};
    let mut main = Function::main_chunk(len);
    main.returns.push(vec![Value::Unknown]);
    FileIr {
        functions: vec![main],
        ..FileIr::default()
    }
}

/// The nesting limit in force: the configured one, up to what the worker stack can hold.
fn effective_max_nesting(config: &Config) -> usize {
    config.limits.max_nesting.min(MAX_NESTING_CEILING)
}

/// Lua reads bytes, so Latin-1 in a comment or string is fine for Factorio. One `?` per
/// invalid byte keeps every offset where it was.
fn replace_invalid_bytes(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        text.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    text
}

/// Which stages load each file: the entry points, then everything they `require`.
fn stages(unit: &Unit, files: &[(FileId, &FileIr)], rels: &[&str]) -> Vec<Stages> {
    let index: HashMap<&str, usize> = rels.iter().enumerate().map(|(i, r)| (*r, i)).collect();
    let mut stages = vec![Stages::default(); rels.len()];
    let mut queue: VecDeque<(usize, u8)> = VecDeque::new();
    for (i, rel) in rels.iter().enumerate() {
        let stage = match *rel {
            "settings.lua" | "settings-updates.lua" | "settings-final-fixes.lua" => 0,
            "data.lua" | "data-updates.lua" | "data-final-fixes.lua" => 1,
            "control.lua" => 2,
            // Factorio runs Lua migrations itself, in the control stage.
            rel if rel.starts_with("migrations/") => 2,
            _ => continue,
        };
        queue.push_back((i, stage));
    }
    let exists = |rel: &str| index.contains_key(rel);
    let mod_name = unit.info.name.as_deref();
    while let Some((i, stage)) = queue.pop_front() {
        let flag = match stage {
            0 => &mut stages[i].settings,
            1 => &mut stages[i].data,
            _ => &mut stages[i].control,
        };
        if *flag {
            continue;
        }
        *flag = true;
        let Some((_, ir)) = files.get(i) else {
            continue;
        };
        for (path, _) in ir.requires() {
            if let RequireTarget::Local(target) =
                workspace::resolve_require(path, rels[i], mod_name, &exists)
            {
                queue.push_back((index[target.as_str()], stage));
            }
        }
    }
    stages
}

/// Links and checks one unit whose files are loaded; file ids are indexes into `analyses`
/// and `sources`.
fn check_unit(
    unit: &Unit,
    analyses: &[Arc<Analysis>],
    sources: &[SourceFile],
    two_workers: bool,
    cancel: Option<&Cancel>,
) -> (Vec<Diagnostic>, bool, Vec<UnitRegistration>) {
    let mut diagnostics = Vec::new();
    let mut io_failure = false;
    let empty = FileIr::default();
    let files: Vec<(FileId, &Analysis)> = analyses
        .iter()
        .enumerate()
        .map(|(id, a)| (id, a.as_ref()))
        .collect();
    let irs: Vec<(FileId, &FileIr)> = files
        .iter()
        .map(|(id, analysis)| match analysis {
            Analysis::Ok { ir, .. } => (*id, ir.as_ref()),
            _ => (*id, &empty),
        })
        .collect();
    let rels: Vec<&str> = unit.files.iter().map(|f| f.rel.as_str()).collect();
    let file_stages = stages(unit, &irs, &rels);
    let unit_version = unit.factorio_version();

    let mut facts = Vec::new();
    for (i, (id, analysis)) in files.iter().enumerate() {
        let work = &unit.files[i];
        let limit = &unit.config.limits;
        let file_diag = |code: &'static str, span: Span, message: String| {
            Diagnostic::new(code, *id, span, message)
        };
        match analysis {
            Analysis::Ok { ir, .. } => {
                let role = unit.config.role(&work.path);
                let mut stages = file_stages[i];
                match role {
                    Some(Role::Control) | Some(Role::Injected) => {
                        stages = Stages {
                            control: true,
                            ..Stages::default()
                        }
                    }
                    Some(Role::Data) => {
                        stages = Stages {
                            data: true,
                            ..Stages::default()
                        }
                    }
                    Some(Role::Settings) => {
                        stages = Stages {
                            settings: true,
                            ..Stages::default()
                        }
                    }
                    None => {}
                }
                facts.push(FileFacts {
                    id: *id,
                    rel: &work.rel,
                    ir,
                    stages,
                    role,
                    factorio_version: unit.config.version_override(&work.path).or(unit_version),
                });
            }
            Analysis::ParseErrors(errors) => {
                // The first error is the one that matters; later ones are usually its echoes.
                if let Some(error) = errors.first() {
                    let span = visible_span(&sources[*id].text, error.span);
                    let mut diagnostic = file_diag(
                        meta::PARSE_ERROR,
                        span,
                        format!("syntax error: {}", error.message),
                    )
                    .with_label("the parser stopped here")
                    .with_note("the rest of this file was not checked; other files were");
                    if let Some(context) = error.context {
                        let label = if error.message.starts_with("expected `end`") {
                            "the unclosed block's last statement"
                        } else {
                            "while reading this"
                        };
                        diagnostic = diagnostic.with_secondary(*id, context, label);
                    }
                    diagnostics.push(diagnostic);
                }
            }
            Analysis::Binary => diagnostics.push(
                file_diag(
                    meta::PARSE_ERROR,
                    Span::new(0, 0),
                    "this is a binary file (it contains NUL bytes), not Lua source".into(),
                )
                .with_note("rename or remove it, or exclude it in factolint.toml"),
            ),
            Analysis::Unreadable(why) => {
                io_failure = true;
                diagnostics.push(file_diag(
                    meta::UNREADABLE_FILE,
                    Span::new(0, 0),
                    format!("cannot read this file: {why}"),
                ));
            }
            Analysis::TooLarge { bytes } => diagnostics.push(
                file_diag(
                    meta::ANALYSIS_LIMIT,
                    Span::new(0, 0),
                    format!(
                        "file is {:.1} MiB, over the {} MiB limit; it was not analysed",
                        *bytes as f64 / 1048576.0,
                        limit.max_file_bytes / 1048576
                    ),
                )
                .with_help(
                    "raise `max-file-size-mb` under `[limits]` in factolint.toml to analyse it",
                ),
            ),
            Analysis::TooDeep { depth, offset } => {
                let limit = effective_max_nesting(&unit.config);
                let ceiling = if limit < unit.config.limits.max_nesting {
                    format!(
                        " (factolint's ceiling; `max-nesting = {}` asks for more)",
                        unit.config.limits.max_nesting
                    )
                } else {
                    String::new()
                };
                let text = &sources[*id].text;
                diagnostics.push(
                    file_diag(
                        meta::ANALYSIS_LIMIT,
                        visible_span(text, Span::new(*offset, *offset)),
                        format!(
                            "brackets, blocks and operators nest {depth} levels deep, over the limit of {limit}{ceiling}; \
                             the file was not analysed"
                        ),
                    )
                    .with_label("the nesting exceeds the limit here")
                    .with_note("Lua 5.2 itself rejects code nested deeper than about 200 levels")
                    .with_help("raise `max-nesting` under `[limits]` in factolint.toml to analyse it"),
                )
            }
        }
    }

    let checks: Vec<&dyn rules::Rule> = rules::checks()
        .iter()
        .copied()
        .filter(|check| {
            unit.files
                .iter()
                .any(|f| unit.config.level(check.code(), &f.path).is_some())
        })
        .collect();
    let (found, registrations) = run_checks(unit, &facts, &checks, two_workers, cancel);
    diagnostics.extend(found);

    // Configured levels, then only the files the user named.
    let path_of: BTreeMap<FileId, &WorkFile> = files
        .iter()
        .zip(&unit.files)
        .map(|((id, _), w)| (*id, w))
        .collect();
    let mut by_file: BTreeMap<FileId, Vec<Diagnostic>> = BTreeMap::new();
    for mut diagnostic in diagnostics {
        let Some(work) = path_of.get(&diagnostic.file) else {
            continue;
        };
        if !work.report {
            continue;
        }
        match unit.config.level(diagnostic.code, &work.path) {
            Some(level) => diagnostic.severity = level,
            None => continue,
        }
        by_file.entry(diagnostic.file).or_default().push(diagnostic);
    }

    let mut out = Vec::new();
    for ((id, analysis), work) in files.iter().zip(&unit.files) {
        let mut file_diagnostics = by_file.remove(id).unwrap_or_default();
        if let (Analysis::Ok { comments, .. }, true) = (analysis, work.report) {
            let source = &sources[*id];
            let mut suppressions = crate::suppress::parse(source, comments);
            if !suppressions.is_empty() {
                crate::suppress::apply(source, &mut suppressions, &mut file_diagnostics);
                let enabled = |code: &str| {
                    crate::catalog::static_code(code)
                        .is_some_and(|c| unit.config.level(c, &work.path).is_some())
                };
                for mut stale in crate::suppress::unused(*id, source, &suppressions, &enabled) {
                    if let Some(level) = unit.config.level(meta::UNUSED_SUPPRESSION, &work.path) {
                        stale.severity = level;
                        file_diagnostics.push(stale);
                    }
                }
            }
        }
        out.extend(file_diagnostics);
    }
    (out, io_failure, registrations)
}

/// A registration with its places still as file ids of the unit.
#[derive(Clone)]
pub(crate) struct UnitRegistration {
    kind: &'static str,
    name: String,
    at: (FileId, Span),
    handler: Option<(FileId, Span)>,
    contexts: Vec<&'static str>,
    via_event_handler: bool,
}

/// Builds the unit's model and runs `checks` on it; returns their findings in the order of
/// `checks` and the registrations the model found. With `two_workers` (a run of one unit, so
/// the pool's other worker would idle) a second worker builds its own model and both take the
/// next unrun check in turn: the model is not shared between threads, so the second worker
/// pays for the model build and for the lazily answered facts its checks ask, but the unit is
/// done sooner. The findings do not depend on which worker ran a check: every model answer is
/// a function of the unit alone (value kinds are order-free, see `semantic::walk_memo`).
fn run_checks(
    unit: &Unit,
    facts: &[FileFacts],
    checks: &[&dyn rules::Rule],
    two_workers: bool,
    cancel: Option<&Cancel>,
) -> (Vec<Diagnostic>, Vec<UnitRegistration>) {
    let build = || {
        let model = rules::timing::time("model build", || {
            crate::semantic::model::Model::build(unit.info.name.as_deref(), facts)
        });
        UnitFacts {
            unit,
            files: facts,
            model,
        }
    };
    let run = |unit_facts: &UnitFacts, check: &dyn rules::Rule| {
        let mut found = Vec::new();
        if !cancelled(cancel) {
            rules::timing::time(check.code(), || check.check(unit_facts, &mut found));
        }
        found
    };
    if !two_workers || checks.len() < 2 {
        let unit_facts = build();
        let found = checks
            .iter()
            .flat_map(|check| run(&unit_facts, *check))
            .collect();
        return (found, registrations(&unit_facts.model));
    }
    let next = AtomicUsize::new(0);
    let take_turns = |unit_facts: &UnitFacts| {
        let mut found = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(check) = checks.get(i) else {
                break found;
            };
            found.push((i, run(unit_facts, *check)));
        }
    };
    let ((mut found, registrations), other) = rayon::join(
        || {
            let unit_facts = build();
            (take_turns(&unit_facts), registrations(&unit_facts.model))
        },
        || take_turns(&build()),
    );
    found.extend(other);
    found.sort_unstable_by_key(|(i, _)| *i);
    (
        found.into_iter().flat_map(|(_, f)| f).collect(),
        registrations,
    )
}

fn registrations(model: &crate::semantic::model::Model) -> Vec<UnitRegistration> {
    model
        .registrations
        .iter()
        .map(|r| {
            let file = &model.files[r.call.file];
            UnitRegistration {
                kind: r.kind.name(),
                name: r.name.clone(),
                at: (file.id, file.ir.call(r.call.call).span),
                handler: r
                    .handler
                    .map(|h| (model.files[h.file].id, model.function_span(h))),
                contexts: model
                    .registration_contexts(r)
                    .iter()
                    .map(|c| c.name())
                    .collect(),
                via_event_handler: r.via_event_handler,
            }
        })
        .collect()
}

/// A zero-width or end-of-file error span, widened to one visible character when possible.
fn visible_span(text: &str, span: Span) -> Span {
    let start = span.start.min(text.len());
    if span.end > start {
        return Span::new(start, span.end.min(text.len()));
    }
    match text[start..].chars().next() {
        Some(c) if c != '\n' => Span::new(start, start + c.len_utf8()),
        _ => Span::new(start, start),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_running_tasks_are_read_from_loadavg() {
        assert_eq!(
            super::runnable_tasks("0.50 0.40 0.30 2/345 6789\n"),
            Some(2)
        );
        assert_eq!(super::runnable_tasks("0.50 0.40 0.30 17/1024 1"), Some(17));
        assert_eq!(super::runnable_tasks("0.50 0.40"), None);
        assert_eq!(super::runnable_tasks("0.50 0.40 0.30 x/3 1"), None);
    }

    use super::*;

    /// What a report shows, without depending on an output format.
    fn shown(report: &Report) -> Vec<String> {
        report
            .diagnostics
            .iter()
            .map(|d| {
                let file = report.sources.get(d.file);
                let at = file.line_col(d.span.start);
                format!(
                    "{} {}:{} {} {:?}",
                    file.display, at.line, at.column, d.code, d
                )
            })
            .collect()
    }

    /// Makes `dir` the root of a mod for Factorio 2.0.
    fn write_2_0_info(dir: &Path) {
        std::fs::write(
            dir.join("info.json"),
            r#"{"name": "m", "factorio_version": "2.0"}"#,
        )
        .unwrap();
    }

    fn cached_run(paths: &[PathBuf], dir: &Path) -> (Vec<String>, usize, usize) {
        let cache = Arc::new(Cache::new(dir.to_path_buf()));
        let options = CheckOptions {
            cache: Some(cache.clone()),
            ..CheckOptions::default()
        };
        let report = check_paths(paths, &options).unwrap();
        let hits = cache.hits.load(Ordering::Relaxed);
        let writes = cache.writes.load(Ordering::Relaxed);
        (shown(&report), hits, writes)
    }

    #[test]
    fn a_memo_gives_the_same_findings_and_a_moved_counter_cancels() {
        let dir = tempfile::tempdir().unwrap();
        write_2_0_info(dir.path());
        let control = dir.path().join("control.lua");
        std::fs::write(&control, "global.x = 1\n").unwrap();
        let paths = [dir.path().to_path_buf()];
        let memo = Arc::new(Memo::default());
        let options = CheckOptions {
            memo: Some(memo.clone()),
            ..CheckOptions::default()
        };
        let plain = shown(&check_paths(&paths, &CheckOptions::default()).unwrap());
        assert_eq!(shown(&check_paths(&paths, &options).unwrap()), plain);
        assert_eq!(memo.len(), 1);
        // Remembered (the unit's findings too), then an edit in an overlay, then undone.
        assert_eq!(shown(&check_paths(&paths, &options).unwrap()), plain);
        let edited = CheckOptions {
            overlays: HashMap::from([(control.clone(), "storage.x = 1\n".to_string())]),
            ..options.clone()
        };
        assert!(shown(&check_paths(&paths, &edited).unwrap()).is_empty());
        assert_eq!(shown(&check_paths(&paths, &options).unwrap()), plain);

        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let cancel = Cancel::new(counter.clone());
        let running = CheckOptions {
            cancel: Some(cancel.clone()),
            ..CheckOptions::default()
        };
        let report = check_paths(&paths, &running).unwrap();
        assert!(!report.cancelled);
        assert_eq!(shown(&report), plain);
        counter.fetch_add(1, Ordering::SeqCst);
        let report = check_paths(&paths, &running).unwrap();
        assert!(report.cancelled);
        assert!(report.diagnostics.is_empty());
    }

    #[test]
    fn a_memo_skips_reading_unchanged_files_and_notices_changed_ones() {
        let dir = tempfile::tempdir().unwrap();
        write_2_0_info(dir.path());
        let (control, lib) = (dir.path().join("control.lua"), dir.path().join("lib.lua"));
        std::fs::write(&control, "local lib = require('lib')\nstorage.x = lib\n").unwrap();
        std::fs::write(&lib, "return 1\n").unwrap();
        let written = std::fs::metadata(&lib).unwrap().modified().unwrap();
        // A stamp younger than the clock's step is not trusted: wait until both are older.
        std::thread::sleep(STAMP_SETTLED + std::time::Duration::from_millis(100));
        let paths = [dir.path().to_path_buf()];
        let memo = Arc::new(Memo::default());
        let options = CheckOptions {
            memo: Some(memo.clone()),
            ..CheckOptions::default()
        };
        let fresh = || shown(&check_paths(&paths, &CheckOptions::default()).unwrap());
        let skipped = || memo.reads_skipped.load(Ordering::Relaxed);
        assert_eq!(shown(&check_paths(&paths, &options).unwrap()), fresh());
        assert_eq!(skipped(), 0);
        assert_eq!(shown(&check_paths(&paths, &options).unwrap()), fresh());
        assert_eq!(skipped(), 2, "both files are unchanged");

        // Open in an editor (an overlay): the buffer is read, never the disk's copy.
        let overlaid = CheckOptions {
            overlays: HashMap::from([(lib.clone(), "return {\n".to_string())]),
            ..options.clone()
        };
        let report = shown(&check_paths(&paths, &overlaid).unwrap());
        assert!(report.iter().any(|d| d.contains("lib.lua")), "{report:?}");
        assert_eq!(skipped(), 3);

        // Rewritten on disk with bytes of the same length and its modification time put back,
        // as some tools do: the status-change time still moves, so it is read again.
        std::fs::write(&lib, "return {\n").unwrap();
        let file = std::fs::File::options().write(true).open(&lib).unwrap();
        file.set_modified(written).unwrap();
        drop(file);
        let edited = shown(&check_paths(&paths, &options).unwrap());
        assert_eq!(skipped(), 4, "only control.lua is taken from the memo");
        assert_eq!(edited, fresh());
        assert!(edited.iter().any(|d| d.contains("lib.lua")), "{edited:?}");

        // A size limit below the files' sizes: reading them says so, and so does the memo.
        let mut small = Config::default();
        small.limits.max_file_bytes = 4;
        let limited = |memo: Option<Arc<Memo>>| CheckOptions {
            config: Some(Arc::new(small.clone())),
            memo,
            ..CheckOptions::default()
        };
        let too_large = shown(&check_paths(&paths, &limited(Some(memo.clone()))).unwrap());
        assert_eq!(
            too_large,
            shown(&check_paths(&paths, &limited(None)).unwrap())
        );
        assert!(
            too_large.iter().any(|d| d.contains("limit")),
            "{too_large:?}"
        );

        // Deleted: the unit no longer has it.
        std::fs::remove_file(&lib).unwrap();
        assert_eq!(shown(&check_paths(&paths, &options).unwrap()), fresh());
    }

    #[test]
    fn a_warm_run_reads_every_unit_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("mod");
        std::fs::create_dir(&root).unwrap();
        write_2_0_info(&root);
        std::fs::write(root.join("control.lua"), "require('lib')\nglobal.x = 1\n").unwrap();
        std::fs::write(root.join("lib.lua"), "return {}\n").unwrap();
        let loose = dir.path().join("loose.lua");
        std::fs::write(&loose, "local x = = 1\n").unwrap();
        let paths = [root.clone(), loose];
        let cache = dir.path().join("cache");
        let uncached = shown(&check_paths(&paths, &CheckOptions::default()).unwrap());

        let (cold, hits, writes) = cached_run(&paths, &cache);
        assert_eq!((hits, writes), (0, 2));
        let (warm, hits, writes) = cached_run(&paths, &cache);
        assert_eq!((hits, writes), (2, 0));
        assert_eq!(cold, uncached);
        assert_eq!(warm, uncached);

        // One file changed: its unit's entry is read, and written again.
        std::fs::write(root.join("control.lua"), "require('lib')\nstorage.x = 1\n").unwrap();
        let uncached = shown(&check_paths(&paths, &CheckOptions::default()).unwrap());
        let (edited, hits, writes) = cached_run(&paths, &cache);
        assert_eq!((hits, writes), (2, 1));
        assert_eq!(edited, uncached);
    }

    #[test]
    fn fixes_in_files_that_are_not_utf8_are_offered_not_applied() {
        let dir = tempfile::tempdir().unwrap();
        write_2_0_info(dir.path());
        std::fs::write(
            dir.path().join("control.lua"),
            b"local s = '\xe4'\nglobal.s = s\n",
        )
        .unwrap();
        let report = check_paths(&[dir.path().to_path_buf()], &CheckOptions::default()).unwrap();
        assert_eq!(report.lossy_files.len(), 1);
        let d = &report.diagnostics[0];
        assert_eq!(d.code, "FL501");
        assert!(
            !d.fix.as_ref().unwrap().safe,
            "a safe fix would be counted as fixable"
        );
        assert!(
            d.notes.iter().any(|n| n.contains("not valid UTF-8")),
            "{:?}",
            d.notes
        );
    }
}
