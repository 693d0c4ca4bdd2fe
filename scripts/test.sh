#!/usr/bin/env bash
# Runs every test: formatting, lints, the Rust workspace tests (unit, parity with transformers
# and llama.cpp), the wasm release builds (standard and multi-threaded worker), and the
# real-browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
step() { printf '\n==> [%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# A clean run builds about 6 GB (native tests, the wasm site, the threaded worker); say so up
# front rather than failing half an hour in with "No space left on device".
free_kb=$(df -Pk . | awk 'NR == 2 { print $4 }')
echo "free disk here: $((free_kb / 1024 / 1024)) GiB (a clean run needs about 7)"
[ "$free_kb" -ge $((7 * 1024 * 1024)) ] || echo "warning: under 7 GiB free; the build may run out of disk" >&2
# Incremental compilation only pays when the same build is repeated; in a run from a clean tree
# its caches are about 0.8 GB of extra writes (set CARGO_INCREMENTAL=1 to keep them).
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step "tools and default model"
bash scripts/install-tools.sh
bash scripts/fetch-model.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo test, linted by clippy -D warnings (native: unit + parity)"
# clippy-driver is rustc with clippy's lints (what `cargo clippy` runs, there in check mode). As
# the workspace's compiler it lints every workspace crate and target while the test build
# compiles them, so the dependencies are built once instead of also being checked for a
# separate `cargo clippy` (16 minutes on a fresh 2-core machine).
RUSTC_WORKSPACE_WRAPPER="$(rustc --print sysroot)/bin/clippy-driver" \
  CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__" \
  cargo test --workspace --all-targets

step "trunk build --release (wasm)"
trunk build --release
ls -l dist/*.wasm

step "the multi-threaded CPU worker (pinned nightly, std rebuilt with atomics)"
bash scripts/build-threads.sh dist

step "browser tests (headless Chromium, WebGPU via SwiftShader)"
(cd tests/browser && npm ci --no-audit --no-fund --silent && npm test)
step "all tests passed"
