#!/usr/bin/env bash
# Benchmarks on this machine (docs/BENCHMARKS.md): our CLI on the CPU (and wgpu if asked), then
# the PyTorch baseline on the same workloads, with the ratios ours / baseline; on the CPU also
# the page in headless Chromium, with the ratios page / native. THREADS=1 also builds the
# multi-threaded CPU worker (nightly; scripts/build-threads.sh) and times the page on it, served
# cross-origin isolated.
#   [THREADS=1] bash scripts/bench.sh [python-with-torch-and-transformers] [cpu|webgpu]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-python3}
BACKEND=${2:-cpu}
bash scripts/fetch-model.sh
# Release (opt-level 3): the CPU backend runs 1.3–2.7× slower at the dev profile's opt-level 2.
cargo build --release -p activscalar-cli
out=target/bench && mkdir -p "$out"
DEVICE=cpu; [ "$BACKEND" != cpu ] && DEVICE=cuda
# The default model, then a GPT-2-small-shaped model with random weights (both sides build it).
for m in default gpt2-small-random; do
  ./target/release/activscalar bench --model "$m" --backend "$BACKEND" --workloads "$out/$m-workloads.json" --json "$out/$m-ours-$BACKEND.json"
  src=models/SmolLM2-135M-Instruct.Q4_1.gguf; [ "$m" = gpt2-small-random ] && src=$m
  if ! "$PY" -c 'import torch, transformers' 2>/dev/null; then
    echo "($PY has no torch + transformers: the PyTorch baseline is skipped)"
    continue
  fi
  "$PY" tests/bench/baseline.py "$src" "$out/$m-workloads.json" "$out/$m-ours-$BACKEND.json" --device "$DEVICE" --out "$out/$m-baseline-$DEVICE.json"
done
# The page: the same workloads in headless Chromium, in the page's model worker on its CPU
# backend (WebAssembly SIMD; one thread, and with THREADS=1 also on the multi-threaded worker),
# as ratios to the native CPU backend measured above.
if [ "$BACKEND" = cpu ]; then
  export PATH="$HOME/.cargo/bin:$PATH"
  trunk build --release
  (cd tests/browser && npm ci --no-audit --no-fund --silent)
  node tests/bench/page-bench.mjs --reps 3 --out "$out/page-cpu.json"
  pages=("$out/page-cpu.json")
  if [ "${THREADS:-0}" = 1 ]; then
    bash scripts/build-threads.sh dist
    node tests/bench/page-bench.mjs --isolated --reps 3 --out "$out/page-cpu-threads.json"
    pages+=("$out/page-cpu-threads.json")
  fi
  node -e '
    const fs = require("fs");
    const native = JSON.parse(fs.readFileSync(process.argv[1])).timings;
    for (const file of process.argv.slice(2)) {
      const page = JSON.parse(fs.readFileSync(file));
      const threads = page.cpu_threads === 1 ? "one thread" : `${page.cpu_threads} threads`;
      for (const w of ["W1", "W2", "W4"]) {
        const n = native.find((t) => t.workload.startsWith(w));
        const p = page.rows.find((r) => r.workload.startsWith(w) && r.backend === "cpu");
        if (n && p) console.log(`${w}: page (wasm CPU, ${threads}) ${p.median_ms.toFixed(0)} ms / native CPU ${(1000 * n.median).toFixed(0)} ms = ${(p.median_ms / (1000 * n.median)).toFixed(2)}×`);
      }
      console.log(`page (${threads}): model ready ${page.model_ready_s.toFixed(1)} s after navigation, task check ${page.task_check_s.toFixed(1)} s; longest main-thread block ${page.longest_block_whole_visit_ms.toFixed(0)} ms`);
    }
  ' "$out/default-ours-cpu.json" "${pages[@]}"
fi
