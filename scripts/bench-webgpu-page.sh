#!/usr/bin/env bash
# The default model on WebGPU in headless Chromium (docs/BENCHMARKS.md, "WebGPU in the page"):
# load it, then time a forward pass (W1), one fit step (W2) and one evaluation (W4) — each run
# once cold (kernel compilation and tuning for its shapes) and once warm — and the same on the
# page's CPU backend. On a machine without a GPU Chromium emulates WebGPU on the CPU
# (SwiftShader): then only the phases' shares mean anything, not the times.
#   bash scripts/bench-webgpu-page.sh [results.json]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
out=${1:-target/bench/page-webgpu.json}
mkdir -p "$(dirname "$out")"
bash scripts/fetch-model.sh
[ -f dist/index.html ] || trunk build --release
(cd tests/browser && npm ci --no-audit --no-fund --silent)
node tests/bench/page-bench.mjs --webgpu --reps 1 --no-check --out "$out"
