//! Time spent per rule and in the model build over a run, printed to stderr when the
//! environment sets `FACTOLINT_RULE_TIMES` (any value): to see which rules a run pays for.
//! Times are wall time inside each call summed over units and threads, so they read as CPU
//! time with `--threads 1`. A model query answered lazily is charged to the first rule that
//! asks it.

use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

static ENABLED: LazyLock<bool> =
    LazyLock::new(|| std::env::var_os("FACTOLINT_RULE_TIMES").is_some());

/// Per label: total time and number of calls, in first-seen order.
static TOTALS: Mutex<Vec<(&'static str, Duration, u32)>> = Mutex::new(Vec::new());

/// Runs `work`, charging its time to `label` when timing is on.
pub fn time<T>(label: &'static str, work: impl FnOnce() -> T) -> T {
    if !*ENABLED {
        return work();
    }
    let start = Instant::now();
    let out = work();
    let spent = start.elapsed();
    let mut totals = TOTALS.lock().unwrap_or_else(|e| e.into_inner());
    match totals.iter_mut().find(|(l, _, _)| *l == label) {
        Some((_, total, calls)) => {
            *total += spent;
            *calls += 1;
        }
        None => totals.push((label, spent, 1)),
    }
    out
}

/// Prints the totals so far, largest first, to stderr and clears them.
pub fn report() {
    if !*ENABLED {
        return;
    }
    let mut totals = std::mem::take(&mut *TOTALS.lock().unwrap_or_else(|e| e.into_inner()));
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let sum: Duration = totals.iter().map(|t| t.1).sum();
    eprintln!("{:<14} {:>10} {:>7}", "step", "ms", "calls");
    for (label, total, calls) in &totals {
        eprintln!(
            "{label:<14} {:>10.1} {calls:>7}",
            total.as_secs_f64() * 1000.0
        );
    }
    eprintln!("{:<14} {:>10.1}", "total", sum.as_secs_f64() * 1000.0);
}
