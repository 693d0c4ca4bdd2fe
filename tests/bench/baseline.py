"""PyTorch baseline of the benchmark workloads (docs/BENCHMARKS.md), the way a notebook would do
it: transformers + forward hooks implementing docs/METHOD.md's ActivScalar objective.

    python tests/bench/baseline.py MODEL.gguf|HF_DIR|gpt2-small-random workloads.json [ours.json] [--device cuda] [--reps N]

`gpt2-small-random` is transformers' GPT-2 small with its random initialisation (the workloads
are then random token ids: `activscalar bench --model gpt2-small-random --workloads …`).

W1: forward of the 32 W1 prompts (right-padded, attention mask) with last-position logits.
W2: one ActivScalar step on the 16 W2 prompts: β = ±1, margin effectiveness + KL over the
renormalised non-answer tokens, Adam, proximal L1 in Adam's metric (as the explorer's default).
With ours.json (from `activscalar bench --json`), prints the ratios ours / baseline.
"""
import argparse
import json
import os
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from transformers import AutoModelForCausalLM

p = argparse.ArgumentParser()
p.add_argument("model")
p.add_argument("workloads")
p.add_argument("ours", nargs="?")
p.add_argument("--device", default="cpu")
p.add_argument("--reps", type=int, default=5)
p.add_argument("--out")
a = p.parse_args()
torch.set_num_threads(os.cpu_count())
dev = torch.device(a.device)
path = Path(a.model)
if a.model == "gpt2-small-random":
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config())
elif path.suffix == ".gguf":
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32)
else:
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
model = model.to(dev).eval().requires_grad_(False)
w = json.loads(Path(a.workloads).read_text())
o = w["w2_options"]
labels = w.get("labels", ["W1 forward, 32 CCC prompts", "W2 ActivScalar step, 16 prompts"])
# Llama family: model.model.layers[l].self_attn.o_proj; GPT-2: model.transformer.h[l].attn.c_proj.
body = model.transformer if hasattr(model, "transformer") else model.model


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


# W1 ------------------------------------------------------------------------------------------
lens = torch.tensor([len(x) for x in w["w1"]], device=dev)
width = int(lens.max())
ids1 = torch.tensor([x + [0] * (width - len(x)) for x in w["w1"]], device=dev)
mask1 = (torch.arange(width, device=dev)[None] < lens[:, None]).long()


def w1():
    with torch.no_grad():
        h = body(input_ids=ids1, attention_mask=mask1).last_hidden_state
        last = h[torch.arange(len(lens), device=dev), lens - 1]
        logits = model.lm_head(last)
    logits.cpu()


# W2 ------------------------------------------------------------------------------------------
ids2 = torch.tensor([x[0] for x in w["w2"]], device=dev)
pos = torch.tensor([x[1] for x in w["w2"]], device=dev)
neg = torch.tensor([x[2] for x in w["w2"]], device=dev)
layers = body.h if hasattr(body, "h") else body.layers
L, I = len(layers), ids2.shape[1]
alpha = torch.zeros(2, L, I, device=dev, requires_grad=True)
beta_now = [1.0]
hooks_on = [False]  # W1 runs the plain model


def make_hook(s, l):
    def hook(_m, _i, h):
        if not hooks_on[0]:
            return h
        return h * (1 + beta_now[0] * alpha[s, l])[None, :, None]
    return hook


for l, b in enumerate(layers):
    attn_out = b.attn.c_proj if hasattr(b, "attn") else b.self_attn.o_proj
    attn_out.register_forward_hook(make_hook(0, l))
    b.mlp.register_forward_hook(make_hook(1, l))
with torch.no_grad():
    base = model(input_ids=ids2).logits[:, -1]
rows = torch.arange(len(pos), device=dev)
keep = torch.ones_like(base, dtype=torch.bool)
keep[rows, pos] = False
keep[rows, neg] = False


def renorm_logp(z):
    return torch.log_softmax(z.masked_fill(~keep, float("-inf")), -1)


p0 = renorm_logp(base).exp()
logp0 = renorm_logp(base).masked_fill(~keep, 0)
adam = torch.optim.Adam([alpha], lr=o["lr"], betas=(0.9, 0.999), eps=1e-8)


def w2():
    hooks_on[0] = True
    adam.zero_grad()
    loss = 0.0
    flips = []
    for beta in (1.0, -1.0):
        beta_now[0] = beta
        z = model(input_ids=ids2).logits[:, -1]
        ld = z[rows, pos] - z[rows, neg]
        loss = loss + F.softplus(o["margin"] - beta * ld).mean()
        logq = renorm_logp(z).masked_fill(~keep, 0)
        loss = loss + o["lambda_f"] * (p0 * (logp0 - logq)).sum(-1).mean()
        flips.append((torch.sign(ld) == beta).float().mean())
    loss.backward()
    adam.step()
    with torch.no_grad():  # proximal L1 in Adam's metric
        st = adam.state[alpha]
        t = st["step"]
        v_hat = st["exp_avg_sq"] / (1 - 0.999 ** t)
        thr = o["lr"] * o["lambda_m"] / (v_hat.sqrt() + 1e-8)
        alpha.copy_(alpha.sign() * (alpha.abs() - thr).clamp_min(0))
    [f.item() for f in flips]
    loss.item()
    hooks_on[0] = False


def timed(fn):
    fn()
    sync()
    out = []
    for _ in range(a.reps):
        t = time.perf_counter()
        fn()
        sync()
        out.append(time.perf_counter() - t)
    return out


res = {}
for name, fn in zip(labels, [w1, w2]):
    t = timed(fn)
    res[name] = {"median": statistics.median(t), "min": min(t), "max": max(t), "reps": len(t)}
peak = torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda" else None
print(f"PyTorch {torch.__version__} on {dev} ({torch.get_num_threads()} threads)")
for name, r in res.items():
    print(f"{name:<34} median {r['median']:.3f} s  min {r['min']:.3f}  max {r['max']:.3f}")
if a.ours:
    ours = json.loads(Path(a.ours).read_text())
    print(f"\nours ({ours['backend']}) / PyTorch ({dev}) — below 1.0 means we are faster")
    for t in ours["timings"]:
        b = res[t["workload"]]
        print(f"{t['workload']:<34} {t['median']:.3f} s / {b['median']:.3f} s = {t['median'] / b['median']:.2f}x")
if a.out:
    Path(a.out).write_text(json.dumps({"device": str(dev), "torch": torch.__version__, "timings": res, "peak_cuda_mb": peak}, indent=1))
