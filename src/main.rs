// Many small allocations (syntax trees, tokens): mimalloc is faster than the system
// allocator here and returns memory to the OS as readily (measure with bench/run.sh).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(factolint::cli::main());
}
