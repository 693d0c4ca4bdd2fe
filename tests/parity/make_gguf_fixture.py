"""The tiny Llama written as a GGUF file the way llama.cpp's converter does it (Q/K rows
permuted for interleaved RoPE), with a mix of tensor types quantised by llama.cpp's own `gguf`
package; its golden outputs come from transformers running the weights that `gguf`
dequantises back. Called by make_goldens.py."""
import copy
import json
import os

import gguf
import numpy as np
import torch
from gguf import GGMLQuantizationType as T

# One tensor type per role, so every decoder we support is exercised.
TYPES = {
    "token_embd": T.Q8_0, "attn_q": T.Q4_1, "attn_k": T.Q4_0, "attn_v": T.Q8_0,
    "attn_output": T.F16, "ffn_gate": T.Q4_1, "ffn_up": T.BF16, "ffn_down": T.Q4_0, "output": T.Q8_0,
}


def permute(w, n_head):
    """llama.cpp convert_hf_to_gguf.py LlamaModel.permute."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def unpermute(w, n_head):
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def main(llama, tok, fix_dir, gold_dir, goldens):
    cfg = llama.config
    path = os.path.join(fix_dir, "tiny-llama.gguf")
    w = gguf.GGUFWriter(path, "llama")
    w.add_name("tiny-llama (random weights, test fixture)")
    w.add_block_count(cfg.num_hidden_layers)
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(cfg.num_attention_heads)
    w.add_head_count_kv(cfg.num_key_value_heads)
    w.add_rope_freq_base(cfg.rope_theta if hasattr(cfg, "rope_theta") else cfg.rope_parameters["rope_theta"])
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_rope_dimension_count(cfg.hidden_size // cfg.num_attention_heads)
    w.add_vocab_size(cfg.vocab_size)
    spec = json.loads(tok.to_str())
    vocab = spec["model"]["vocab"]
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    tokens += [f"[PAD{i}]" for i in range(len(tokens), cfg.vocab_size)]
    special = {a["id"] for a in spec["added_tokens"]}
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_types([3 if i in special else 1 for i in range(len(tokens))])
    merges = [m if isinstance(m, str) else " ".join(m) for m in spec["model"]["merges"]]
    w.add_token_merges(merges)
    w.add_bos_token_id(0)
    w.add_eos_token_id(0)
    w.add_add_bos_token(False)

    sd = {k: v.detach().float().numpy() for k, v in llama.state_dict().items()}
    dequantised = {}

    def put(gguf_name, hf_name, role=None, perm_heads=None):
        arr = sd[hf_name]
        if perm_heads:
            arr = permute(arr, perm_heads)
        qtype = TYPES.get(role, T.F32)
        if qtype == T.F32:
            w.add_tensor(gguf_name, arr.astype(np.float32))
            back = arr.astype(np.float32)
        elif qtype == T.F16:
            w.add_tensor(gguf_name, arr.astype(np.float16))
            back = arr.astype(np.float16).astype(np.float32)
        else:
            q = gguf.quants.quantize(arr.astype(np.float32), qtype)
            w.add_tensor(gguf_name, q, raw_dtype=qtype)
            back = gguf.quants.dequantize(q, qtype).reshape(arr.shape).astype(np.float32)
        if perm_heads:
            back = unpermute(back, perm_heads)
        dequantised[hf_name] = back

    put("token_embd.weight", "model.embed_tokens.weight", "token_embd")
    for l in range(cfg.num_hidden_layers):
        p = f"model.layers.{l}"
        put(f"blk.{l}.attn_norm.weight", f"{p}.input_layernorm.weight")
        put(f"blk.{l}.attn_q.weight", f"{p}.self_attn.q_proj.weight", "attn_q", cfg.num_attention_heads)
        put(f"blk.{l}.attn_k.weight", f"{p}.self_attn.k_proj.weight", "attn_k", cfg.num_key_value_heads)
        put(f"blk.{l}.attn_v.weight", f"{p}.self_attn.v_proj.weight", "attn_v")
        put(f"blk.{l}.attn_output.weight", f"{p}.self_attn.o_proj.weight", "attn_output")
        put(f"blk.{l}.ffn_norm.weight", f"{p}.post_attention_layernorm.weight")
        put(f"blk.{l}.ffn_gate.weight", f"{p}.mlp.gate_proj.weight", "ffn_gate")
        put(f"blk.{l}.ffn_up.weight", f"{p}.mlp.up_proj.weight", "ffn_up")
        put(f"blk.{l}.ffn_down.weight", f"{p}.mlp.down_proj.weight", "ffn_down")
    put("output_norm.weight", "model.norm.weight")
    put("output.weight", "lm_head.weight", "output")
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    # Goldens: transformers on the weights exactly as llama.cpp's dequantiser returns them.
    ref = copy.deepcopy(llama)
    ref.load_state_dict({k: torch.from_numpy(v) for k, v in dequantised.items()}, strict=True)
    goldens("tiny-llama-gguf", ref.eval(), tok, ref.model.layers, "self_attn", "mlp")
