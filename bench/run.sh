#!/usr/bin/env bash
# Benchmark: factolint against the bare full_moon parse of the same files, in one run.
#
#   bench/run.sh [EXTRA_CORPUS_DIR...]
#
# Always lints a generated corpus (a few hundred realistic mod files, works offline); any
# directories given (for example real mods unpacked under /tmp/mods) are linted as well.
# Reports wall time and peak memory of the real CLI (/usr/bin/time -v), then the in-process
# comparison from factolint-bench: bare parse time (the floor), factolint time, lines/s, ratio.
# Set BENCH_THREADS to pin the worker count; FEATURES=--no-default-features drops mimalloc.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
features="${FEATURES:-}"
cargo build --release --quiet $features --features bench --bin factolint --bin factolint-bench
corpus="${BENCH_CORPUS:-${TMPDIR:-/tmp}/factolint-bench-corpus}"
if [ ! -d "$corpus" ]; then
    "$target/release/factolint-bench" gen "$corpus" 40
fi
threads=()
if [ -n "${BENCH_THREADS:-}" ]; then threads=(--threads "$BENCH_THREADS"); fi

for set in "$corpus" "$@"; do
    echo "== $set"
    /usr/bin/time -v "$target/release/factolint" check "$set" --format json "${threads[@]}" \
        >/dev/null 2>"$target/bench-time.txt" || true
    grep -E 'Elapsed \(wall clock\)|Maximum resident set size' "$target/bench-time.txt" | sed 's/^\s*/cli             /'
    "$target/release/factolint-bench" run "$set"
done
