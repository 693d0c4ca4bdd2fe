#!/usr/bin/env bash
# Builds the static site to publish (the page, its model worker and the default model) into
# the folder given (default: _site). It works from any sub-path of any static host that serves
# .wasm as application/wasm. Usage: [THREADS=1] scripts/build-site.sh [OUT]
# THREADS=1 adds the multi-threaded CPU worker (scripts/build-threads.sh, nightly toolchain),
# which the page uses where the host sends the cross-origin isolation headers.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
out=${1:-_site}
bash scripts/install-tools.sh
bash scripts/fetch-model.sh
trunk build --release
if [ "${THREADS:-0}" = 1 ]; then bash scripts/build-threads.sh dist; fi
rm -rf "$out"
cp -r dist "$out"
# GitHub Pages: serve files as they are (no Jekyll).
touch "$out/.nojekyll"
# GitHub Pages refuses files over 100 MB.
big=$(find "$out" -type f -size +100M)
if [ -n "$big" ]; then
  echo "[site] files over 100 MB, which GitHub Pages refuses: $big" >&2
  exit 1
fi
echo "[site] $out ready: $(du -sh "$out" | cut -f1)"
