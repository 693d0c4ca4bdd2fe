#!/usr/bin/env bash
# The GPU benchmark (docs/BENCHMARKS.md) in one go, for a machine with an NVIDIA GPU, PyTorch and
# transformers but no network: our native wgpu (Vulkan) build — f32 and f16 weights — against
# PyTorch eager CUDA on the default model and on a GPT-2-small-shaped random model; one results
# file. The whole run keeps to an 8-minute deadline: each step's timeout is cut to what is left.
#
#   Here (with network):   cargo build --release -p activscalar-cli && bash scripts/fetch-model.sh
#   There:                 bash scripts/bench-gpu.sh [results.json]
#   Plumbing check on CPU: BACKEND=cpu DEVICE=cpu REPS=1 bash scripts/bench-gpu.sh out.json
#
# Needs target/release/activscalar (or $BIN), models/SmolLM2-135M-Instruct.Q4_1.gguf (or
# $MODEL; not needed with MODELS=gpt2-small-random) and tests/bench/baseline.py.
# Getting them onto the device machine: the device tool moves at most 64 MiB per call (the
# whole tree: tracked, untracked-not-ignored and carried files). The stripped binary
# xz-compresses to 12 MB; the model (98 MB) does not compress, so it goes in two halves over
# two calls while the machine stays warm (ignored paths such as target/ are kept between calls):
#   here:   mkdir -p gpu-run && strip -o /tmp/activscalar target/release/activscalar
#           xz -6 -c /tmp/activscalar > gpu-run/activscalar.xz
#           split -n 2 models/SmolLM2-135M-Instruct.Q4_1.gguf /tmp/model.part-   # → part-aa, part-ab
#           cp /tmp/model.part-aa gpu-run/
#   call 1: mkdir -p target/gpu && python3 -c "import lzma,shutil; shutil.copyfileobj(lzma.open('gpu-run/activscalar.xz'), open('target/gpu/activscalar','wb'))" \
#             && chmod +x target/gpu/activscalar && cp gpu-run/model.part-aa target/gpu/
#   here:   rm gpu-run/activscalar.xz gpu-run/model.part-aa && cp /tmp/model.part-ab gpu-run/
#   call 2: cat target/gpu/model.part-aa gpu-run/model.part-ab > target/gpu/model.gguf \
#             && BIN=target/gpu/activscalar MODEL=target/gpu/model.gguf bash scripts/bench-gpu.sh $OUT/gpu.json
#   then:   rm -r gpu-run (never commit it)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-target/bench/gpu-results.json}
BIN=${BIN:-target/release/activscalar}
PY=${PY:-python3}
BACKEND=${BACKEND:-webgpu}
DEVICE=${DEVICE:-cuda}
REPS=${REPS:-10}
MODEL=${MODEL:-models/SmolLM2-135M-Instruct.Q4_1.gguf}
MODELS=${MODELS:-default gpt2-small-random}
DEADLINE=$((SECONDS + 470))
dir=$(mktemp -d)
[ -x "$BIN" ] || { echo "no $BIN: build it first (cargo build --release -p activscalar-cli)" >&2; exit 1; }
case " $MODELS " in *" default "*)
  [ -f "$MODEL" ] || { echo "no $MODEL: run scripts/fetch-model.sh first" >&2; exit 1; } ;;
esac
mkdir -p "$(dirname "$OUT")"
# Runs "$@" under a timeout of at most $1 seconds and never past the deadline.
capped() {
  local cap=$1 left=$((DEADLINE - SECONDS))
  shift
  [ "$left" -gt 5 ] || { echo "out of time: skipped $*" >&2; return 124; }
  timeout "$((left < cap ? left : cap))" "$@"
}
for m in $MODELS; do
  src=$MODEL; [ "$m" = gpt2-small-random ] && src=$m
  echo "== $m: ours on $BACKEND"
  capped 200 "$BIN" bench --model "$src" --backend "$BACKEND" --reps "$REPS" \
    --workloads "$dir/$m-workloads.json" --json "$dir/$m-ours.json" || { echo "($m not timed)"; continue; }
  echo "== $m: ours on $BACKEND, f16 weights (needs shader-f16)"
  capped 120 "$BIN" bench --model "$src" --backend "$BACKEND" --reps "$REPS" --weights f16 \
    --json "$dir/$m-ours-f16.json" || echo "(f16 weights not timed)"
  echo "== $m: PyTorch on $DEVICE"
  capped 200 "$PY" tests/bench/baseline.py "$src" "$dir/$m-workloads.json" "$dir/$m-ours.json" \
    --device "$DEVICE" --reps "$REPS" --out "$dir/$m-baseline.json" || echo "(PyTorch on $m not timed)"
done
"$PY" - "$dir" "$OUT" $MODELS <<'PY'
import json, platform, subprocess, sys
from pathlib import Path
d, out, models = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
def gpu():
    try:
        return subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception as e:
        return f"unknown ({e})"
res = {"machine": {"gpu": gpu(), "cpu": platform.processor() or platform.machine()}, "models": {}}
for m in models:
    if not (d / f"{m}-ours.json").exists() or not (d / f"{m}-baseline.json").exists():
        res["models"][m] = {"missing": sorted(p.name for p in d.glob(f"{m}-*"))}
        continue
    ours = json.loads((d / f"{m}-ours.json").read_text())
    base = json.loads((d / f"{m}-baseline.json").read_text())
    ratios = lambda o: {t["workload"]: t["median"] / base["timings"][t["workload"]]["median"] for t in o["timings"]}
    res["models"][m] = {"ours": ours, "baseline": base, "ratios": ratios(ours)}
    f16 = d / f"{m}-ours-f16.json"
    if f16.exists():
        res["models"][m]["ours_f16"] = json.loads(f16.read_text())
        res["models"][m]["ratios_f16"] = ratios(res["models"][m]["ours_f16"])
out.write_text(json.dumps(res, indent=1))
print(json.dumps({m: {k: v for k, v in r.items() if k.startswith("ratios") or k == "missing"} for m, r in res["models"].items()}, indent=1))
print(f"wrote {out}")
PY
