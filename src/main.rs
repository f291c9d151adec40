// Many small allocations (syntax trees, tokens): mimalloc is faster than the system
// allocator here and returns memory to the OS as readily (measure with bench/run.sh).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    #[cfg(all(feature = "mimalloc", target_os = "linux"))]
    small_pages_only();
    std::process::exit(factolint::cli::main());
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
