#!/usr/bin/env bash
# The experiments of docs/RESULTS.md on the default model: each method on CCC and IOI with its
# defaults, repeated over three split seeds (mean ± sd of held-out flips beside the base
# model's accuracy, active sites, KL), the λ_M sweeps (all three methods on CCC, ActivScalar and
# SteerVec on IOI: the comparison at matched sparsity), then the β dose-response of split seed
# 0. Results go to target/results/ (JSON and the printed tables, one log per run).
#   bash scripts/results.sh [profile]      profile: release (default) or dev
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${1:-release}
bash scripts/fetch-model.sh
cargo build --profile "$PROFILE" --workspace --bins  # the workspace's features: what the tests built
bin=target/$([ "$PROFILE" = dev ] && echo debug || echo "$PROFILE")/activscalar
out=target/results && mkdir -p "$out"
SEEDS=${SEEDS:-0,1,2}
for task in ${TASKS:-ccc ioi}; do
  for method in ${METHODS:-activscalar steervec dynscalar}; do
    name=$method-$task
    echo "==> $name (split seeds $SEEDS)"
    "$bin" fit --model default --task "$task" --method "$method" --split-seeds "$SEEDS" \
      --out "$out/$name.json" 2>&1 | grep -v 'steps.*loss' | tee "$out/$name.log"
  done
done
# Each method over λ_M around its default (4 points, 20 warm-started steps each), split seed 0.
for spec in "ccc activscalar 0.01 1" "ccc steervec 0.002 0.2" "ccc dynscalar 0.0002 0.2" \
  "ioi activscalar 0.01 1" "ioi steervec 0.0002 0.2"; do
  set -- $spec
  echo "==> sweep $2 on $1"
  "$bin" sweep --model default --task "$1" --method "$2" --grid-min "$3" --grid-max "$4" \
    --points 4 --steps 20 --out "$out/sweep-$2-$1.json" 2>&1 | grep -v 'step.*loss' \
    | tee "$out/sweep-$2-$1.log"
done
# The CCC sweeps also on split seeds 1 and 2 (RESULTS.md's mean ± sd).
for spec in "activscalar 0.01 1" "steervec 0.002 0.2" "dynscalar 0.0002 0.2"; do
  set -- $spec
  echo "==> sweep $1 on ccc, split seeds 1, 2"
  "$bin" sweep --model default --task ccc --method "$1" --grid-min "$2" --grid-max "$3" \
    --points 4 --steps 20 --split-seeds 1,2 --out "$out/sweep-$1-ccc.seeds12.json" 2>&1 \
    | grep -v 'step.*loss' | tee "$out/sweep-$1-ccc.seeds12.log"
done
for task in ${TASKS:-ccc ioi}; do
  for method in ${METHODS:-activscalar steervec dynscalar}; do
    name=$method-$task
    first=${SEEDS%%,*}
    echo "==> $name: dose-response, split seed $first"
    "$bin" eval --model default --result "$out/$name.seed$first.json" --beta-curve \
      --curve-out "$out/$name-beta-curve.json" 2>&1 | tee "$out/$name-eval.log"
  done
done
