#!/usr/bin/env bash
# Installs the build and test tools ActivScalar Explorer needs. Idempotent: skips what is present.
# Tools go to ~/.cargo/bin, which must come before /usr/bin on PATH (Debian's binaryen 108 breaks the page).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
[ -e /usr/share/vulkan/icd.d/lvp_icd.x86_64.json ] || need_apt+=(mesa-vulkan-drivers)
command -v node >/dev/null || need_apt+=(nodejs npm)
command -v python3 >/dev/null || need_apt+=(python3 python3-pip)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[setup] apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

have() { command -v "$1" >/dev/null && "$1" --version 2>/dev/null | grep -q "$2"; }
# trunk's own release profile asks for fat LTO and a single codegen unit, whose link step runs on
# one core; a build tool needs neither, nor full optimisation (the site it builds is the same,
# byte for byte).
have trunk 0.22.1 || CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install trunk --version 0.22.1 --locked --ignore-rust-version
# No --locked: one locked dependency of 0.2.130 is missing from the registry.
have wasm-bindgen 0.2.130 || cargo install wasm-bindgen-cli --version 0.2.130
# wasm-opt 116 as Binaryen's own Node.js build (binaryen.js, pinned by scripts/tools/binaryen's
# lock file): seconds to install, where `cargo install wasm-opt` compiles Binaryen's C++ for
# minutes. It writes the same bytes as the native build.
if ! have wasm-opt "version 116"; then
  tools="$PWD/scripts/tools/binaryen"
  (cd "$tools" && npm ci --no-audit --no-fund --silent)
  mkdir -p "$HOME/.cargo/bin"
  printf '#!/bin/sh\nexec node "%s/node_modules/binaryen/bin/wasm-opt" "$@"\n' "$tools" > "$HOME/.cargo/bin/wasm-opt"
  chmod +x "$HOME/.cargo/bin/wasm-opt"
fi
echo "[setup] tools ready: $(trunk --version), $(wasm-bindgen --version), $(wasm-opt --version)"
