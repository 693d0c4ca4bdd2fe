#!/usr/bin/env bash
# Runs every cargo-fuzz target (core/fuzz) for RUNS executions each (default 1,000,000) and
# prints one summary line per target. Needs the nightly toolchain and cargo-fuzz (installed
# here if missing). A crash stops the run: its input is in core/fuzz/artifacts/<target>/;
# fix the parser, then copy the input to core/fuzz/regressions/<target>/ so that
# `cargo test` replays it forever (formats' tests/fuzz_smoke.rs, types' tests/fuzz_regressions.rs).
#   scripts/fuzz.sh                  # all targets, 1e6 runs each
#   RUNS=20000 scripts/fuzz.sh gguf  # one target, short
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-1000000}
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(gguf safetensors tokenizer_json task_rows permalink config_json gguf_config gguf_model result_json permalink_result sweep_json)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2 --locked
cargo run -q -p activscalar-formats --example write_seeds -- core/fuzz/corpus
cd core/fuzz
for t in "${TARGETS[@]}"; do
  mkdir -p "artifacts/$t" logs "corpus/$t"
  # Every saved input (seeds, fixed crashes) starts the corpus too.
  cp regressions/"$t"/* "corpus/$t/"
  start=$(date +%s)
  # -O -a: optimised, with debug assertions (overflow checks) on.
  cargo +nightly fuzz run -O -a "$t" "corpus/$t" -- \
    -runs="$RUNS" -max_len=16384 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    > "logs/$t.log" 2>&1 || { tail -40 "logs/$t.log"; echo "FUZZ $t: CRASH (see core/fuzz/artifacts/$t)"; exit 1; }
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1 | grep -o '[0-9]*' || echo '?')
  echo "FUZZ $t: $runs executions, coverage $cov edges, no crash, $(( $(date +%s) - start )) s"
done
