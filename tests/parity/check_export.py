"""Proof that exported scalars mean the same thing outside the explorer: for each method, fit the
tiny Llama fixture with the CLI, export θ as safetensors, and compare the CLI's steered
next-token logits with transformers + apply_scalars.py (plain PyTorch hooks).

    python tests/parity/check_export.py [path/to/activscalar]
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from apply_scalars import apply_scalars

ROOT = Path(__file__).resolve().parents[2]
CLI = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/debug/activscalar")
MODEL = ROOT / "models/fixtures/tiny-llama"
TASK = ROOT / "models/fixtures/tiny-llama-planted.jsonl"
PROMPT = json.loads(TASK.read_text().splitlines()[0])["prompt"]


def cli(*args):
    return subprocess.run([CLI, *map(str, args)], check=True, capture_output=True, text=True).stdout


model = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32).eval()
tok = AutoTokenizer.from_pretrained(MODEL)
ids = torch.tensor([tok(PROMPT)["input_ids"]])
worst = 0.0
with tempfile.TemporaryDirectory() as d:
    for method in ["activscalar", "steervec", "dynscalar"]:
        result, st = Path(d) / f"{method}.json", Path(d) / f"{method}.safetensors"
        cli("fit", "--model", MODEL, "--task", TASK, "--method", method, "--steps", 20, "--lambda-m", 0.001, "--out", result)
        cli("export", "--result", result, "--out", st)
        for beta in [1.0, -1.5]:
            ours = json.loads(cli("predict", "--model", MODEL, "--prompt", PROMPT, "--result", result, "--beta", beta, "--json", "--top", 10))
            handles = apply_scalars(model, st, beta)
            with torch.no_grad():
                logits = model(ids).logits[0, -1]
            for h in handles:
                h.remove()
            diff = max(abs(t["logit"] - logits[t["id"]].item()) for t in ours["top"])
            same_top = ours["top"][0]["id"] == int(logits.argmax())
            print(f"{method:12s} beta={beta:+.1f}  max |Δ logit| over the top 10: {diff:.2e}  same top-1: {same_top}")
            assert diff < 1e-4 and same_top, (method, beta, diff)
            worst = max(worst, diff)
print(f"OK: exported scalars reproduce the explorer's steered logits (worst |Δ| {worst:.2e})")
