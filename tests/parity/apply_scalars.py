"""Re-apply an ActivScalar Explorer export (safetensors with TransformerLens hook names) to a
Hugging Face transformers model with plain PyTorch forward hooks. docs/EXPORT.md shows this
file; check_export.py proves it matches the explorer's own steered logits.

    model = AutoModelForCausalLM.from_pretrained(folder)
    handles = apply_scalars(model, "theta.safetensors", beta=1.0)
    ...                          # run the model: it is steered
    for h in handles: h.remove() # back to the plain model
"""
import torch
from safetensors.torch import load_file


def site_modules(model):
    """(layer, "attn_out" | "mlp_out") -> the module whose output is that hook point."""
    kind = model.config.model_type
    if kind == "llama":
        blocks = [(b.self_attn.o_proj, b.mlp) for b in model.model.layers]
    elif kind == "gpt2":
        blocks = [(b.attn.c_proj, b.mlp) for b in model.transformer.h]
    elif kind == "gpt_neox":
        blocks = [(b.attention.dense, b.mlp) for b in model.gpt_neox.layers]
    else:
        raise ValueError(f"unsupported model type {kind}")
    return {(l, s): m for l, pair in enumerate(blocks) for s, m in zip(("attn_out", "mlp_out"), pair)}


def apply_scalars(model, path, beta=1.0):
    """Registers one forward hook per site; returns the handles."""
    theta = load_file(path)
    handles = []
    for (layer, site), module in site_modules(model).items():
        key = f"blocks.{layer}.hook_{site}"

        def hook(_module, _inputs, h, key=key):
            if f"{key}.alpha" in theta:  # ActivScalar: h * (1 + beta * alpha), per position
                a = theta[f"{key}.alpha"].to(h.dtype)
                n = min(h.shape[1], a.shape[0])
                scale = torch.ones(h.shape[1], 1, dtype=h.dtype)
                scale[:n, 0] += beta * a[:n]
                return h * scale
            if f"{key}.v" in theta:  # SteerVec: h + beta * v, per position
                v = theta[f"{key}.v"].to(h.dtype)
                n = min(h.shape[1], v.shape[0])
                h = h.clone()
                h[:, :n] += beta * v[:n]
                return h
            if f"{key}.w" in theta:  # DynScalar: alpha = h . w + b, then as ActivScalar
                alpha = h @ theta[f"{key}.w"].to(h.dtype) + theta[f"{key}.b"].to(h.dtype)
                return h * (1 + beta * alpha.unsqueeze(-1))
            return h

        handles.append(module.register_forward_hook(hook))
    return handles
