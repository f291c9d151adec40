//! `.factolint_cache/`: entries an earlier run stored, so that an unchanged mod is not parsed
//! and checked again. This module knows files, not what is in them: an entry is a key (the
//! engine derives it from what it caches) and a body of bytes.
//!
//! Every entry file starts with a header naming the format and the factolint build that wrote
//! it, and a checksum of the body: a truncated, garbled, foreign or old entry is ignored (and
//! rewritten by the run), never trusted. Entries are written to a temporary file and renamed,
//! so concurrent runs see either the old entry or the new one. When the cache cannot be
//! written (a read-only folder), the run goes on without it and says so once.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The folder's name, in the working directory unless `--cache-dir` says otherwise.
pub const DIR_NAME: &str = ".factolint_cache";

const MAGIC: &[u8; 8] = b"FLCACHE\0";
/// Bump when the layout of the header or of what the engine stores changes.
const FORMAT: u32 = 1;
const HEADER_BYTES: usize = 8 + 4 + 8 + 8 + 8;
const ENTRY_EXTENSION: &str = "entry";
const TEMP_EXTENSION: &str = "tmp";

/// Entries no run has used for this long are deleted.
const UNUSED_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// Above this total size, entries this run did not use are deleted, oldest first.
const MAX_TOTAL_BYTES: u64 = 1 << 30;
/// An entry read by a run gets a fresh modification time at most this often.
const TOUCH_AFTER: Duration = Duration::from_secs(24 * 3600);
/// A temporary file this old was left by a run that died.
const STALE_TEMP: Duration = Duration::from_secs(3600);

pub struct Cache {
    dir: PathBuf,
    /// The factolint build: entries written by another one are ignored.
    build: u64,
    state: Mutex<State>,
    /// Entries found valid, and written, by this run (tests read them).
    pub hits: AtomicUsize,
    pub writes: AtomicUsize,
}

#[derive(Default)]
struct State {
    /// Entry files this run read or wrote: never pruned by it.
    used: BTreeSet<PathBuf>,
    /// The folder exists with its `.gitignore`.
    prepared: bool,
    /// Writing failed once: the run goes on without writing, and says why once.
    failure: Option<String>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("dir", &self.dir).finish()
    }
}

impl Cache {
    /// A cache in `dir`; nothing is created until the first entry is written.
    pub fn new(dir: PathBuf) -> Cache {
        Cache {
            dir,
            build: build_id(),
            state: Mutex::new(State::default()),
            hits: AtomicUsize::new(0),
            writes: AtomicUsize::new(0),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_of(&self, key: u128) -> PathBuf {
        self.dir.join(format!("{key:032x}.{ENTRY_EXTENSION}"))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere while holding the lock leaves plain data: keep using it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The body stored under `key`, if an entry of this build is there and intact.
    pub fn load(&self, key: u128) -> Option<Vec<u8>> {
        let path = self.path_of(key);
        let bytes = std::fs::read(&path).ok()?;
        let body = self.check(&bytes)?;
        self.hits.fetch_add(1, Ordering::Relaxed);
        touch_if_old(&path);
        self.state().used.insert(path);
        Some(body.to_vec())
    }

    /// The body of an entry file, when its header matches this build and its checksum holds.
    fn check<'b>(&self, bytes: &'b [u8]) -> Option<&'b [u8]> {
        let header = bytes.get(..HEADER_BYTES)?;
        let word = |at: usize| u64::from_le_bytes(header[at..at + 8].try_into().unwrap());
        let format = u32::from_le_bytes(header[8..12].try_into().unwrap());
        if &header[..8] != MAGIC || format != FORMAT || word(12) != self.build {
            return None;
        }
        let body = &bytes[HEADER_BYTES..];
        (word(20) == body.len() as u64 && word(28) == xxhash_rust::xxh3::xxh3_64(body))
            .then_some(body)
    }

    /// Stores `body` under `key`, replacing what was there. Failures are remembered, not
    /// returned: the run's results never depend on the cache.
    pub fn store(&self, key: u128, body: &[u8]) {
        let path = self.path_of(key);
        if !self.prepare() {
            return;
        }
        let mut bytes = Vec::with_capacity(HEADER_BYTES + body.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&FORMAT.to_le_bytes());
        bytes.extend_from_slice(&self.build.to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(body).to_le_bytes());
        bytes.extend_from_slice(body);
        match write_atomically(&path, &bytes) {
            Ok(()) => {
                self.writes.fetch_add(1, Ordering::Relaxed);
                self.state().used.insert(path);
            }
            Err(e) => self.fail(format!("cannot write {}: {e}", path.display())),
        }
    }

    /// Creates the folder, with a `.gitignore` that ignores all of it, on first use.
    fn prepare(&self) -> bool {
        let mut state = self.state();
        if state.failure.is_some() {
            return false;
        }
        if state.prepared {
            return true;
        }
        let made = std::fs::create_dir_all(&self.dir).and_then(|()| {
            let ignore = self.dir.join(".gitignore");
            if !ignore.exists() {
                write_atomically(
                    &ignore,
                    b"# Made by factolint: its cache, never committed.\n*\n",
                )?;
            }
            let tag = self.dir.join("CACHEDIR.TAG");
            if !tag.exists() {
                write_atomically(
                    &tag,
                    b"Signature: 8a477f597d28d172789f06886806bc55\n\
                      # This file is a cache directory tag created by factolint.\n",
                )?;
            }
            Ok(())
        });
        match made {
            Ok(()) => {
                state.prepared = true;
                true
            }
            Err(e) => {
                state.failure = Some(format!("cannot create {}: {e}", self.dir.display()));
                false
            }
        }
    }

    fn fail(&self, why: String) {
        self.state().failure.get_or_insert(why);
    }

    /// Why the cache could not be written, if it could not: the one warning to show.
    pub fn warning(&self) -> Option<String> {
        self.state()
            .failure
            .as_ref()
            .map(|why| format!("running without the cache: {why}"))
    }

    /// Deletes what no run has used for a long time, temporary files of runs that died, and
    /// unused entries while the folder is over its size limit.
    pub fn prune(&self) {
        let state = self.state();
        if state.failure.is_some() {
            return;
        }
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        let mut kept: Vec<(SystemTime, u64, PathBuf)> = Vec::new();
        let mut total = 0u64;
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            let modified = meta.modified().unwrap_or(now);
            let age = now.duration_since(modified).unwrap_or_default();
            let extension = path.extension().and_then(|e| e.to_str());
            if extension == Some(TEMP_EXTENSION) {
                if age > STALE_TEMP {
                    let _ = std::fs::remove_file(&path);
                }
                continue;
            }
            if extension != Some(ENTRY_EXTENSION) {
                continue;
            }
            total += meta.len();
            if state.used.contains(&path) {
                continue;
            }
            if age > UNUSED_FOR {
                let _ = std::fs::remove_file(&path);
                total -= meta.len();
            } else {
                kept.push((modified, meta.len(), path));
            }
        }
        kept.sort();
        for (_, len, path) in kept {
            if total <= MAX_TOTAL_BYTES {
                break;
            }
            if std::fs::remove_file(&path).is_ok() {
                total -= len;
            }
        }
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let temp = path.with_extension(format!(
        "{}-{}.{TEMP_EXTENSION}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::File::create(&temp)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| std::fs::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Marks an entry as used, for pruning, without rewriting it on every run.
fn touch_if_old(path: &Path) {
    let now = SystemTime::now();
    let old = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .is_ok_and(|t| now.duration_since(t).unwrap_or_default() > TOUCH_AFTER);
    if old {
        if let Ok(file) = std::fs::File::options().write(true).open(path) {
            let _ = file.set_modified(now);
        }
    }
}

/// This factolint build: its version and its executable's size and modification time, so a
/// rebuilt development binary does not trust what the previous one stored.
fn build_id() -> u64 {
    let mut id = format!("factolint {}", env!("CARGO_PKG_VERSION"));
    if let Ok(meta) = std::env::current_exe().and_then(std::fs::metadata) {
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .unwrap_or_default();
        id.push_str(&format!(" {} {}", meta.len(), modified.as_nanos()));
    }
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_damaged_ones_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().join(DIR_NAME));
        assert_eq!(cache.load(7), None);
        cache.store(7, b"body");
        assert_eq!(cache.load(7).as_deref(), Some(&b"body"[..]));
        assert_eq!(
            std::fs::read_to_string(dir.path().join(DIR_NAME).join(".gitignore")).unwrap(),
            "# Made by factolint: its cache, never committed.\n*\n"
        );

        let path = cache.path_of(7);
        let bytes = std::fs::read(&path).unwrap();
        // Truncated, one byte changed, another build's: each is ignored.
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert_eq!(cache.load(7), None);
        let mut garbled = bytes.clone();
        *garbled.last_mut().unwrap() ^= 1;
        std::fs::write(&path, &garbled).unwrap();
        assert_eq!(cache.load(7), None);
        let mut foreign = bytes.clone();
        foreign[12] ^= 1;
        std::fs::write(&path, &foreign).unwrap();
        assert_eq!(cache.load(7), None);
        std::fs::write(&path, b"").unwrap();
        assert_eq!(cache.load(7), None);
        // And rewritten by the next store.
        cache.store(7, b"body");
        assert_eq!(cache.load(7).as_deref(), Some(&b"body"[..]));
    }

    #[test]
    fn a_cache_that_cannot_be_written_says_why_once() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the folder should be: creating it fails, like a read-only parent.
        let blocked = dir.path().join("blocked");
        std::fs::write(&blocked, "").unwrap();
        let cache = Cache::new(blocked.join(DIR_NAME));
        cache.store(1, b"a");
        cache.store(2, b"b");
        assert_eq!(cache.load(1), None);
        let warning = cache.warning().unwrap();
        assert!(warning.starts_with("running without the cache: cannot create "));
        cache.prune();
    }

    #[test]
    fn pruning_keeps_what_this_run_used_and_clears_dead_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().to_path_buf());
        cache.store(1, b"used");
        let old = SystemTime::now() - UNUSED_FOR - Duration::from_secs(60);
        let unused = cache.path_of(2);
        std::fs::write(&unused, b"x").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&unused)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let temp = dir.path().join(format!("3.9-9.{TEMP_EXTENSION}"));
        std::fs::write(&temp, b"x").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&temp)
            .unwrap()
            .set_modified(old)
            .unwrap();
        cache.prune();
        assert!(cache.path_of(1).exists());
        assert!(!unused.exists());
        assert!(!temp.exists());
        assert!(dir.path().join(".gitignore").exists());
    }
}
