#!/usr/bin/env bash
# Sets up everything (idempotent) and serves ActivScalar Explorer on http://127.0.0.1:8080/
# with the default model. Usage: scripts/serve.sh [--dev]   (--dev: faster unoptimised build)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/install-tools.sh
bash scripts/fetch-model.sh
profile=(--release)
[ "${1:-}" = "--dev" ] && profile=()
exec trunk serve "${profile[@]}"
