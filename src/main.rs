fn main() {
    std::process::exit(factolint::cli::main());
}
