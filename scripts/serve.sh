#!/usr/bin/env bash
# Sets up everything (idempotent) and serves ActivScalar Explorer on http://127.0.0.1:8080/
# with the default model.
#   scripts/serve.sh            optimised build, rebuilt on changes (trunk serve)
#   scripts/serve.sh --dev      faster unoptimised build
#   scripts/serve.sh --threads  optimised build plus the multi-threaded CPU worker (nightly
#                               toolchain), served cross-origin isolated (docs/BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/install-tools.sh
bash scripts/fetch-model.sh
case "${1:-}" in
  --dev) exec trunk serve ;;
  --threads)
    trunk build --release
    bash scripts/build-threads.sh dist
    (cd tests/browser && npm ci --no-audit --no-fund --silent)
    exec node tests/browser/serve.mjs --port 8080 ;;
  *) exec trunk serve --release ;;
esac
