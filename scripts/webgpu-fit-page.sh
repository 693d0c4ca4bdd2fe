#!/usr/bin/env bash
# The default model's fit on the page's WebGPU, run to the end (docs/BENCHMARKS.md, "The default
# model on the page's WebGPU, emulated"): headless Chromium with WebGPU loads the default model,
# clicks Run on the default task (CCC) with a one-step budget and waits for the result, i.e.
# one fit step and its evaluation, as a user's Run does them. The page is asked for WebGPU
# even on a software adapter (as Engine → Run on does). Without a GPU, Chromium's WebGPU is
# SwiftShader (emulated on the CPU): on two cores the default CCC Run had not finished after 92
# minutes, and a one-step Run on 24 IOI rows (`--task ioi --ioi-rows 24`) took 25, which is why
# this is a script and not a browser test (docs/BENCHMARKS.md). Extra arguments go to
# tests/bench/page-run.mjs (e.g. --steps 2, --task ioi, --ioi-rows N, --conflicts N, or --check
# to time the task check too).
#   bash scripts/webgpu-fit-page.sh [page-run options]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/fetch-model.sh
[ -f dist/index.html ] || trunk build --release
(cd tests/browser && npm ci --no-audit --no-fund --silent)
check=--no-check
args=()
for a in "$@"; do
  # --check: keep the task check (page-run's default) in the timed visit.
  if [ "$a" = --check ]; then check=; else args+=("$a"); fi
done
start=$(date +%s)
# Given first, the caller's options win (page-run reads the first occurrence).
node tests/bench/page-run.mjs "${args[@]}" --webgpu --steps 1 $check
echo "whole visit: $(( $(date +%s) - start )) s"
