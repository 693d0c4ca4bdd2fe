#!/usr/bin/env bash
# The GPU benchmark of issue #6 in one go, for a machine with an NVIDIA GPU, PyTorch and
# transformers but no network: our native wgpu (Vulkan) build against PyTorch eager CUDA on the
# default model and on a GPT-2-small-shaped random model; one results file.
#
#   Here (with network):   cargo build --release -p activscalar-cli && bash scripts/fetch-model.sh
#   There:                 bash scripts/bench-gpu.sh [results.json]        (< 8 min on an H100)
#   Plumbing check on CPU: BACKEND=cpu DEVICE=cpu REPS=1 bash scripts/bench-gpu.sh out.json
#
# Needs only what travels with the working tree: target/release/activscalar (or $BIN),
# models/SmolLM2-135M-Instruct.Q4_1.gguf, tests/bench/baseline.py.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-target/bench/gpu-results.json}
BIN=${BIN:-target/release/activscalar}
PY=${PY:-python3}
BACKEND=${BACKEND:-wgpu}
DEVICE=${DEVICE:-cuda}
REPS=${REPS:-10}
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf
dir=$(mktemp -d)
[ -x "$BIN" ] || { echo "no $BIN: build it first (cargo build --release -p activscalar-cli)" >&2; exit 1; }
[ -f "$MODEL" ] || { echo "no $MODEL: run scripts/fetch-model.sh first" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
for m in default gpt2-small-random; do
  echo "== $m: ours on $BACKEND"
  timeout 200 "$BIN" bench --model "$m" --backend "$BACKEND" --reps "$REPS" \
    --workloads "$dir/$m-workloads.json" --json "$dir/$m-ours.json"
  echo "== $m: PyTorch on $DEVICE"
  src=$MODEL; [ "$m" = gpt2-small-random ] && src=$m
  timeout 200 "$PY" tests/bench/baseline.py "$src" "$dir/$m-workloads.json" "$dir/$m-ours.json" \
    --device "$DEVICE" --reps "$REPS" --out "$dir/$m-baseline.json"
done
"$PY" - "$dir" "$OUT" <<'PY'
import json, platform, subprocess, sys
from pathlib import Path
d, out = Path(sys.argv[1]), Path(sys.argv[2])
def gpu():
    try:
        return subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception as e:
        return f"unknown ({e})"
res = {"machine": {"gpu": gpu(), "cpu": platform.processor() or platform.machine()}, "models": {}}
for m in ["default", "gpt2-small-random"]:
    ours = json.loads((d / f"{m}-ours.json").read_text())
    base = json.loads((d / f"{m}-baseline.json").read_text())
    res["models"][m] = {
        "ours": ours, "baseline": base,
        "ratios": {t["workload"]: t["median"] / base["timings"][t["workload"]]["median"] for t in ours["timings"]},
    }
out.write_text(json.dumps(res, indent=1))
print(json.dumps({m: r["ratios"] for m, r in res["models"].items()}, indent=1))
print(f"wrote {out}")
PY
