#!/usr/bin/env bash
# Benchmark: every figure of factolint's speed in one run, side by side, as one table.
#
#   CORPUS=/work/corpus bench/run.sh        the real-mod corpus (see shared/corpus/README.md)
#   bench/run.sh                            a generated corpus (works offline, for CI)
#
# Reports, on a copy of the corpus made in a scratch folder (removed at the end):
#   - cold: `factolint check` without cache against the parse floor (the same files found,
#     read and parsed by full_moon alone), alternating pairs, over the corpus without the
#     literal-data files factolint does not parse (RedMew's generated map presets);
#   - warm: `factolint check` run again over the unchanged corpus, with its cache;
#   - peak RSS and time over one and two copies of the whole corpus;
#   - LSP: didChange → publishDiagnostics on a control.lua (FactorioAccess's in the real
#     corpus), from a small LSP client, in two series of EDITS edits: "typing" (every text new,
#     so none is answered from memory; the targets are judged on it) and "undo" (each edit
#     undone by the next).
#
# Settings: PAIRS (cold rounds, default 5), BASELINE (another factolint binary, say main's,
# timed in the same cold rounds and its output compared), PARTS (some of cold,warm,memory,lsp), IGNORE (rules left out of every run, for example
# IGNORE=FL203, written into a factolint.toml above the copied mods), LSP_FILE (path inside
# the corpus), EDITS (default 20), BENCH_THREADS (the floor's workers; factolint uses one per
# core), FEATURES=--no-default-features (without mimalloc).
# `factolint-bench run PATH...` (in process: bare parse, nesting pre-scan, check) remains for
# profiling one step.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
features="${FEATURES:-}"
cargo build --release --locked --quiet $features --features bench --bin factolint --bin factolint-bench
bench="$(pwd)/$target/release/factolint-bench"
factolint="${FACTOLINT:-$(pwd)/$target/release/factolint}"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/factolint-bench.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

corpus="${CORPUS:-}"
if [ -z "$corpus" ]; then
    corpus="$scratch/generated"
    "$bench" gen "$corpus" 40 >/dev/null
fi

"$bench" report --factolint "$factolint" --corpus "$corpus" --scratch "$scratch" \
    --pairs "${PAIRS:-5}" --baseline "${BASELINE:-}" --parts "${PARTS:-}" --ignore "${IGNORE:-}" --lsp-file "${LSP_FILE:-}" --edits "${EDITS:-20}"
