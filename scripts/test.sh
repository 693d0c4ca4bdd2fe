#!/usr/bin/env bash
# Runs every test: formatting, lints, the Rust workspace tests (unit, parity with transformers
# and llama.cpp), the wasm release build, and the real-browser tests in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
step() { printf '\n==> [%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

step "tools and default model"
bash scripts/install-tools.sh
bash scripts/fetch-model.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (native: unit + parity)"
cargo test --workspace

step "trunk build --release (wasm)"
trunk build --release
ls -l dist/*.wasm

step "browser tests (headless Chromium, WebGPU via SwiftShader)"
(cd tests/browser && npm ci --no-audit --no-fund --silent && npm test)
step "all tests passed"
