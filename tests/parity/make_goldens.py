#!/usr/bin/env python3
"""Makes the tiny test models and the golden outputs our Rust core is checked against.

Every number in the goldens comes from implementations nobody here wrote: Hugging Face
transformers (forward passes, hooks via PyTorch forward hooks), tokenizers (BPE training) and
llama.cpp's `gguf` package (quantisation, GGUF writing). Run once; commit the outputs:

    python3 -m venv /tmp/pyref && /tmp/pyref/bin/pip install torch transformers gguf safetensors numpy
    /tmp/pyref/bin/python tests/parity/make_goldens.py

Writes models/fixtures/tiny-{gpt2,neox,llama}/ (config.json, tokenizer.json, model.safetensors),
models/fixtures/tiny-llama.gguf, and tests/parity/goldens/*.json.
"""
import json
import os
import sys

import numpy as np
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
import transformers
from transformers import (GPT2Config, GPT2LMHeadModel, GPTNeoXConfig, GPTNeoXForCausalLM,
                          LlamaConfig, LlamaForCausalLM)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(ROOT, "models", "fixtures")
GOLD = os.path.join(ROOT, "tests", "parity", "goldens")
VOCAB = 320
CORPUS = [
    "Rome is the capital of Italy. Paris is the capital of France.",
    "When Mary and John went to the store, John gave a drink to Mary.",
    "The quick brown fox jumps over the lazy dog 1234567890 times.",
    "Activation scaling steers language models by multiplying a few activations.",
] * 20
PROMPTS = [
    "Rome is the capital of France. Rome is in",
    "When Mary and John went to the store, John gave a drink to",
    "Hi",
    "The lazy fox 42",
]


def make_tokenizer():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB - 1, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    return tok


def perturb_norms(model, gen):
    """Random norm scales/shifts, so the tests see them (HF initialises them to 1 and 0)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1 and ("norm" in name or "ln_" in name):
                if name.endswith("weight"):
                    p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=gen))
                else:
                    p.copy_(0.1 * torch.randn(p.shape, generator=gen))


def record(model, blocks, attn_attr, mlp_attr, ids):
    """Runs `ids` and returns (last logits, {hook_name: [seq][d]}) via PyTorch forward hooks."""
    acts, handles = {}, []
    for l, blk in enumerate(blocks):
        for site, attr in (("attn_out", attn_attr), ("mlp_out", mlp_attr)):
            def hook(_m, _i, out, key=f"blocks.{l}.hook_{site}"):
                out = out[0] if isinstance(out, tuple) else out
                acts[key] = out[0].detach().float().numpy()
            handles.append(getattr(blk, attr).register_forward_hook(hook))
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0, -1].float().numpy()
    for h in handles:
        h.remove()
    return logits, acts


def r(a):
    return [float(f"{x:.7g}") for x in np.asarray(a).ravel()]


def goldens(name, model, tok, blocks, attn_attr, mlp_attr):
    out = {"model": name, "transformers": transformers.__version__, "torch": torch.__version__, "prompts": []}
    for text in PROMPTS:
        ids = tok.encode(text).ids
        logits, acts = record(model, blocks, attn_attr, mlp_attr, ids)
        out["prompts"].append({
            "text": text, "ids": ids, "last_logits": r(logits),
            "acts": {k: {"shape": list(v.shape), "data": r(v)} for k, v in sorted(acts.items())},
        })
    os.makedirs(GOLD, exist_ok=True)
    with open(os.path.join(GOLD, f"{name}.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))


def save(model, tok, name, dtype=torch.float32):
    d = os.path.join(FIX, name)
    os.makedirs(d, exist_ok=True)
    # Convert a copy of the weights only: casting the model would also round buffers such as
    # RoPE's inv_freq, which the goldens must not see.
    state = {k: v.to(dtype) for k, v in model.state_dict().items()}
    model.save_pretrained(d, safe_serialization=True, state_dict=state)
    tok.save(os.path.join(d, "tokenizer.json"))
    for extra in ("generation_config.json",):
        p = os.path.join(d, extra)
        if os.path.exists(p):
            os.remove(p)
    return d


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    tok = make_tokenizer()
    assert tok.get_vocab_size() <= VOCAB, tok.get_vocab_size()

    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=VOCAB, n_positions=64, n_embd=64, n_layer=2, n_head=4,
                                      initializer_range=0.2, resid_pdrop=0, embd_pdrop=0, attn_pdrop=0)).eval()
    perturb_norms(gpt2, gen)
    save(gpt2, tok, "tiny-gpt2")
    goldens("tiny-gpt2", gpt2, tok, gpt2.transformer.h, "attn", "mlp")

    neox = GPTNeoXForCausalLM(GPTNeoXConfig(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2,
                                            num_attention_heads=4, intermediate_size=256, rotary_pct=0.25,
                                            max_position_embeddings=64, use_parallel_residual=True,
                                            initializer_range=0.2, hidden_act="gelu",
                                            attention_dropout=0, hidden_dropout=0)).eval()
    perturb_norms(neox, gen)
    # Stored in f16 to exercise that decoder: round the weights first, so goldens use the same values.
    with torch.no_grad():
        for p in neox.parameters():
            p.copy_(p.half().float())
    save(neox, tok, "tiny-neox", torch.float16)
    goldens("tiny-neox", neox, tok, neox.gpt_neox.layers, "attention", "mlp")

    llama = LlamaForCausalLM(LlamaConfig(vocab_size=VOCAB, hidden_size=64, intermediate_size=128,
                                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                         max_position_embeddings=64, rope_theta=10000.0, initializer_range=0.2,
                                         tie_word_embeddings=False, rms_norm_eps=1e-5)).eval()
    perturb_norms(llama, gen)
    save(llama, tok, "tiny-llama")
    goldens("tiny-llama", llama, tok, llama.model.layers, "self_attn", "mlp")

    sys.path.insert(0, os.path.dirname(__file__))
    import make_gguf_fixture
    make_gguf_fixture.main(llama, tok, FIX, GOLD, goldens)


if __name__ == "__main__":
    main()
