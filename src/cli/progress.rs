//! A progress line on standard error for runs longer than a second, when a person watches
//! (a terminal, human or concise output, not `--quiet`).

use crate::engine::Progress;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const QUIET_PERIOD: Duration = Duration::from_secs(1);
const REFRESH: Duration = Duration::from_millis(200);

/// The display; dropping it stops the thread and clears the line.
pub struct ProgressLine {
    counters: Arc<Progress>,
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ProgressLine {
    /// Starts the display thread when `show`; the counters are returned either way.
    pub fn start(show: bool) -> ProgressLine {
        let counters = Arc::new(Progress::default());
        let done = Arc::new(AtomicBool::new(false));
        let thread = show.then(|| {
            let counters = counters.clone();
            let done = done.clone();
            std::thread::spawn(move || draw_until_done(&counters, &done))
        });
        ProgressLine {
            counters,
            done,
            thread,
        }
    }

    pub fn counters(&self) -> Arc<Progress> {
        self.counters.clone()
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn draw_until_done(counters: &Progress, done: &AtomicBool) {
    let started = Instant::now();
    let mut drawn = false;
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(REFRESH.min(QUIET_PERIOD));
        if done.load(Ordering::Relaxed) || started.elapsed() < QUIET_PERIOD {
            continue;
        }
        let line = text(counters);
        let mut err = std::io::stderr().lock();
        // Carriage return and erase-line: the line is redrawn in place.
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        drawn = true;
    }
    if drawn {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    }
}

fn text(counters: &Progress) -> String {
    let load = |n: &std::sync::atomic::AtomicUsize| n.load(Ordering::Relaxed);
    format!(
        "factolint: parsed {}/{} files, checked {}/{} mods",
        load(&counters.files_parsed),
        load(&counters.files_total),
        load(&counters.units_checked),
        load(&counters.units_total)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_counts_files_and_mods() {
        let counters = Progress::default();
        counters.files_total.store(10, Ordering::Relaxed);
        counters.files_parsed.store(4, Ordering::Relaxed);
        counters.units_total.store(2, Ordering::Relaxed);
        assert_eq!(
            text(&counters),
            "factolint: parsed 4/10 files, checked 0/2 mods"
        );
    }
}
