#!/usr/bin/env bash
# The figures of docs/RESULTS.md, drawn by the page: each saved result's heatmap and β
# dose-response (on its test prompts), on the default model in headless Chromium.
#   bash scripts/figures.sh OUT_DIR NAME=RESULT.json [NAME=sweep:A.json+B.json ...]
# (a sweep: the trade-off charts of the sweep files and the last one's drop-out order)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/fetch-model.sh
[ -f dist/index.html ] || { bash scripts/install-tools.sh; trunk build --release; }
(cd tests/browser && npm ci --no-audit --no-fund --silent)
node tests/browser/figures.mjs "$@"
