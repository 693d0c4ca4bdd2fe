#!/usr/bin/env bash
# Benchmarks on this machine (docs/BENCHMARKS.md): our CLI on the CPU (and wgpu if asked), then
# the PyTorch baseline on the same workloads, with the ratios ours / baseline.
#   bash scripts/bench.sh [python-with-torch-and-transformers] [cpu|wgpu]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${1:-python3}
BACKEND=${2:-cpu}
bash scripts/fetch-model.sh
# Release (opt-level 3): the CPU backend runs 1.3–2.7× slower at the dev profile's opt-level 2.
cargo build --release -p activscalar-cli
out=target/bench && mkdir -p "$out"
DEVICE=cpu; [ "$BACKEND" = wgpu ] && DEVICE=cuda
# The default model, then a GPT-2-small-shaped model with random weights (both sides build it).
for m in default gpt2-small-random; do
  ./target/release/activscalar bench --model "$m" --backend "$BACKEND" --workloads "$out/$m-workloads.json" --json "$out/$m-ours-$BACKEND.json"
  src=models/SmolLM2-135M-Instruct.Q4_1.gguf; [ "$m" = gpt2-small-random ] && src=$m
  "$PY" tests/bench/baseline.py "$src" "$out/$m-workloads.json" "$out/$m-ours-$BACKEND.json" --device "$DEVICE" --out "$out/$m-baseline-$DEVICE.json"
done
