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
# models/SmolLM2-135M-Instruct.Q4_1.gguf (or $MODEL), tests/bench/baseline.py.
# Getting them onto the device machine: both are git-ignored and too large for the device tool's
# 64 MiB `carry` (binary 100 MB, 70 MB stripped; model 98 MB), but untracked files that git does
# not ignore travel with the tree. So, uncommitted and removed afterwards:
#   mkdir -p gpu-run && strip -o gpu-run/activscalar target/release/activscalar \
#     && cp models/SmolLM2-135M-Instruct.Q4_1.gguf gpu-run/
#   there: BIN=gpu-run/activscalar MODEL=gpu-run/SmolLM2-135M-Instruct.Q4_1.gguf bash scripts/bench-gpu.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-target/bench/gpu-results.json}
BIN=${BIN:-target/release/activscalar}
PY=${PY:-python3}
BACKEND=${BACKEND:-wgpu}
DEVICE=${DEVICE:-cuda}
REPS=${REPS:-10}
MODEL=${MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
dir=$(mktemp -d)
[ -x "$BIN" ] || { echo "no $BIN: build it first (cargo build --release -p activscalar-cli)" >&2; exit 1; }
[ -f "$MODEL" ] || { echo "no $MODEL: run scripts/fetch-model.sh first" >&2; exit 1; }
mkdir -p "$(dirname "$OUT")"
for m in default gpt2-small-random; do
  src=$MODEL; [ "$m" = gpt2-small-random ] && src=$m
  echo "== $m: ours on $BACKEND"
  timeout 200 "$BIN" bench --model "$src" --backend "$BACKEND" --reps "$REPS" \
    --workloads "$dir/$m-workloads.json" --json "$dir/$m-ours.json"
  echo "== $m: ours on $BACKEND, f16 weights (needs shader-f16)"
  timeout 200 "$BIN" bench --model "$src" --backend "$BACKEND" --reps "$REPS" --half-weights \
    --json "$dir/$m-ours-f16.json" || echo "(f16 weights not timed)"
  echo "== $m: PyTorch on $DEVICE"
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
    ratios = lambda o: {t["workload"]: t["median"] / base["timings"][t["workload"]]["median"] for t in o["timings"]}
    res["models"][m] = {"ours": ours, "baseline": base, "ratios": ratios(ours)}
    f16 = d / f"{m}-ours-f16.json"
    if f16.exists():
        res["models"][m]["ours_f16"] = json.loads(f16.read_text())
        res["models"][m]["ratios_f16"] = ratios(res["models"][m]["ours_f16"])
out.write_text(json.dumps(res, indent=1))
print(json.dumps({m: {k: v for k, v in r.items() if k.startswith("ratios")} for m, r in res["models"].items()}, indent=1))
print(f"wrote {out}")
PY
