#!/usr/bin/env bash
# Benchmarks on this machine (docs/BENCHMARKS.md): our CLI on the CPU (and wgpu if asked), then
# the PyTorch baseline on the same workloads, with the ratios ours / baseline.
#   bash scripts/bench.sh [python-with-torch-and-transformers] [cpu|wgpu]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-python3}
BACKEND=${2:-cpu}
bash scripts/fetch-model.sh
# The dev profile compiles burn and the core at opt-level 2 (Cargo.toml), as fast as release here.
cargo build -p activscalar-cli
out=target/bench && mkdir -p "$out"
./target/debug/activscalar bench --model default --backend "$BACKEND" --workloads "$out/workloads.json" --json "$out/ours-$BACKEND.json"
DEVICE=cpu; [ "$BACKEND" = wgpu ] && DEVICE=cuda
"$PY" tests/bench/baseline.py models/SmolLM2-135M-Instruct.Q4_1.gguf "$out/workloads.json" "$out/ours-$BACKEND.json" --device "$DEVICE" --out "$out/baseline-$DEVICE.json"
