#!/usr/bin/env bash
# Adds the multi-threaded CPU worker (activscalar-worker-mt.js and its .wasm) to a built site
# (default dist/, made by `trunk build --release`). The page loads it instead of the standard
# worker where it is cross-origin isolated (the host sends Cross-Origin-Opener-Policy:
# same-origin and Cross-Origin-Embedder-Policy: require-corp) and has no WebGPU adapter; then
# burn's CPU kernels run on a pool of Web Workers, one per logical core (docs/BENCHMARKS.md).
# WebAssembly threads need the standard library rebuilt with atomics, which only a nightly
# toolchain does; the standard build stays on stable. wgpu does not run in a module with shared
# memory, so this worker is CPU-only.
# NAMES=1 keeps the functions' names in the module (for profiles: tests/bench/page-profile.mjs).
#   [NAMES=1] bash scripts/build-threads.sh [DIST]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
dist=${1:-dist}
# A pinned nightly, so that a later one cannot change what builds (THREADS_TOOLCHAIN overrides).
toolchain=${THREADS_TOOLCHAIN:-nightly-2026-05-20}
[ -f "$dist/activscalar-worker.js" ] || { echo "[threads] $dist has no built site: run trunk build --release first" >&2; exit 1; }
if ! rustup toolchain install "$toolchain" --profile minimal --component rust-src >/dev/null; then
  # Offline: an installed nightly with rust-src will do (said, since it may differ).
  toolchain=nightly
  echo "[threads] could not install the pinned toolchain; trying the installed $(rustc +nightly -V)" >&2
  rustup component add --toolchain nightly rust-src >/dev/null
fi
target=target/threads
# +atomics and a shared, imported memory (its thread-local storage exported for wasm-bindgen's
# thread start-up); 4 GiB, the most wasm32 addresses, for the model's weights.
flags="-C target-feature=+simd128,+atomics,+bulk-memory,+mutable-globals"
for arg in --shared-memory --import-memory --max-memory=4294967296 --export=__wasm_init_tls \
  --export=__tls_size --export=__tls_align --export=__tls_base; do
  flags+=" -C link-arg=$arg"
done
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$flags"
cargo +"$toolchain" build -Z build-std=panic_abort,std --target wasm32-unknown-unknown \
  --target-dir "$target" --profile wasm-release -p activscalar-worker --no-default-features
out=$(mktemp -d)
wasm-bindgen --target web --no-typescript --out-name activscalar-worker-mt --out-dir "$out" \
  "$target/wasm32-unknown-unknown/wasm-release/activscalar-worker.wasm"
# As trunk does for the standard worker (the features come from the module's own section).
names=(); [ "${NAMES:-0}" = 1 ] && names=(-g)
wasm-opt -Oz "${names[@]}" "$out/activscalar-worker-mt_bg.wasm" -o "$out/activscalar-worker-mt_bg.wasm"
cp -r "$out"/. "$dist"/
rm -rf "$out"
echo "[threads] $dist/activscalar-worker-mt_bg.wasm: $(du -h "$dist/activscalar-worker-mt_bg.wasm" | cut -f1)"
