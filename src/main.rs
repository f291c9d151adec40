// Many small allocations (syntax trees, tokens): mimalloc is faster than the system
// allocator here and returns memory to the OS as readily (measure with bench/run.sh).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    #[cfg(all(feature = "mimalloc", target_os = "linux"))]
    small_pages_only();
    #[cfg(feature = "mimalloc")]
    prompt_purge();
    std::process::exit(factolint::cli::main());
}

/// Sets how long freed memory nobody reuses stays with the process before mimalloc hands it
/// back: 250 ms instead of mimalloc 3's second. With a second, resident memory only ever grew
/// over a run: each unit left pages that the next units (other sizes, other threads) did not
/// take, and two copies of the corpus peaked higher than one. At 250 ms it follows what is
/// live, while the memory a unit frees is still there for the next ones to reuse: 100 ms cost
/// 6% more CPU time in page faults over the cold corpus, 250 ms under 1% (paired runs and
/// bench/run.sh). `MIMALLOC_PURGE_DELAY` overrides it.
#[cfg(feature = "mimalloc")]
fn prompt_purge() {
    use std::ffi::{c_int, c_long};
    /// `mi_option_purge_delay` in mimalloc.h's `mi_option_e` (the same in 2.x and 3.x).
    const MI_OPTION_PURGE_DELAY: c_int = 15;
    const PURGE_DELAY_MS: c_long = 250;
    extern "C" {
        fn mi_option_set(option: c_int, value: c_long);
    }
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: mi_option_set is linked in with mimalloc; it stores an integer in its option
    // table, which mimalloc reads on each purge, so it may be set at any time.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) }
}

/// Turns transparent huge pages off for this process. mimalloc asks Linux for them on its
/// arenas, so each first touch of arena memory zeroes 2 MiB (compacting memory to find it when
/// none is free), again after mimalloc hands freed memory back. A cold corpus run measured
/// less system time, less wall time and about a fifth less peak RSS with 4 KiB pages only
/// (bench/run.sh). Best effort: an older kernel that refuses changes nothing.
#[cfg(all(feature = "mimalloc", target_os = "linux"))]
fn small_pages_only() {
    use std::ffi::{c_int, c_ulong};
    const PR_SET_THP_DISABLE: c_int = 41;
    extern "C" {
        fn prctl(option: c_int, ...) -> c_int;
    }
    // SAFETY: prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) reads only its integer arguments and sets
    // a flag of this process; glibc and musl both provide prctl.
    unsafe {
        prctl(
            PR_SET_THP_DISABLE,
            1 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
            0 as c_ulong,
        );
    }
}
