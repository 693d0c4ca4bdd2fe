#!/usr/bin/env python3
"""Goldens for the default model (SmolLM2-135M-Instruct Q4_1 GGUF) from llama.cpp itself
(llama-cpp-python) and, as a second opinion on the dequantised f32 weights, from transformers'
own GGUF loader. Run once after scripts/fetch-model.sh; commit tests/parity/goldens/smollm2.json:

    /tmp/pyref/bin/pip install llama-cpp-python torch transformers gguf accelerate
    /tmp/pyref/bin/python tests/parity/make_smollm2_goldens.py
"""
import json
import os

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODEL = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
OUT = os.path.join(ROOT, "tests", "parity", "goldens", "smollm2.json")

TOKENIZE = [
    "Rome is the capital of France. Rome is in",
    " Italy", " France", "Italy", "hello world", "Hello, World!",
    "When Mary and John went to the store, John gave a drink to",
    "  two  spaces   and\ttabs\nnewline", "numbers 1234567 and 3.14159", "don't won't I'm they're",
    "naïve café résumé", "日本語のテキスト", "emoji 🙂🚀 end", "CamelCaseIdentifiers_and_snake_case",
    "https://example.org/path?q=1&r=2", "<|im_start|>user\nhi<|im_end|>", "    indented code()",
    "!!!???...,,,", "A", "The Eiffel Tower is located in the city of",
    "Tokyo is the capital of", "x = [i**2 for i in range(10)]",
]
PROMPTS = [
    "Rome is the capital of France. Rome is in",
    "Paris is the capital of",
    "The Eiffel Tower is located in the city of",
    "When Mary and John went to the store, John gave a drink to",
    "Berlin is the capital of Spain. Berlin is in",
    "The opposite of hot is",
    "1, 2, 3, 4,",
    "Water freezes at zero degrees",
    "The first president of the United States was George",
    "def add(a, b):\n    return",
    "Tokyo is the capital of",
    "She opened the door and",
]
TOP = 10


def dequantised_copy(src, dst):
    """The same GGUF with every tensor dequantised to F32 by llama.cpp's `gguf` package, so that
    llama.cpp computes in f32 like we do (on the Q4_1 file it multiplies with 8-bit-quantised
    activations, which moves logits by up to ~0.5)."""
    import gguf
    reader = gguf.GGUFReader(src)
    arch = reader.fields["general.architecture"].contents()
    writer = gguf.GGUFWriter(dst, arch)
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name in ("general.architecture", "general.file_type"):
            continue
        vtype = field.types[0]
        sub = field.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(name, field.contents(), vtype, sub_type=sub)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    for t in reader.tensors:
        data = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
        writer.add_tensor(t.name, data.reshape([int(x) for x in reversed(t.shape)]))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def llama_cpp_part(model_path):
    from llama_cpp import Llama
    llm = Llama(model_path=model_path, n_ctx=512, logits_all=True, verbose=False, n_threads=2, seed=0)
    # special=True: control tokens written in a prompt (<|im_start|>) are parsed, as llama.cpp's
    # own CLI does and as Hugging Face tokenizers do.
    tok = [{"text": t, "ids": llm.tokenize(t.encode(), add_bos=False, special=True)} for t in TOKENIZE]
    preds = []
    for p in PROMPTS:
        ids = llm.tokenize(p.encode(), add_bos=False, special=True)
        llm.reset()
        llm.eval(ids)
        logits = np.array(llm.scores[len(ids) - 1], dtype=np.float64)
        top = np.argsort(-logits)[:TOP]
        preds.append({"prompt": p, "ids": ids, "top_ids": top.tolist(),
                      "top_logits": [float(logits[i]) for i in top],
                      "top_text": [llm.detokenize([int(i)]).decode("utf-8", "replace") for i in top]})
    import llama_cpp
    return {"version": llama_cpp.__version__, "tokenize": tok, "predictions": preds}


def transformers_part(prompts_ids):
    import torch
    import transformers
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(os.path.dirname(MODEL), gguf_file=os.path.basename(MODEL),
                                                 dtype=torch.float32).eval()
    preds = []
    for p, ids in prompts_ids:
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0, -1].double().numpy()
        top = np.argsort(-logits)[:TOP]
        preds.append({"prompt": p, "ids": ids, "top_ids": top.tolist(), "top_logits": [float(logits[i]) for i in top]})
    return {"version": transformers.__version__, "predictions": preds}


def main():
    import tempfile
    out = {"model": os.path.basename(MODEL), "llama_cpp": llama_cpp_part(MODEL)}
    with tempfile.TemporaryDirectory() as tmp:
        f32 = os.path.join(tmp, "smollm2-f32.gguf")
        dequantised_copy(MODEL, f32)
        out["llama_cpp_f32"] = llama_cpp_part(f32)
        del out["llama_cpp_f32"]["tokenize"]
    out["transformers_gguf"] = transformers_part([(p["prompt"], p["ids"]) for p in out["llama_cpp"]["predictions"]])
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
    for a, b, c in zip(out["llama_cpp"]["predictions"], out["llama_cpp_f32"]["predictions"], out["transformers_gguf"]["predictions"]):
        print(repr(a["prompt"]), a["top_text"][:3], "top-1 agree:", a["top_ids"][0] == b["top_ids"][0] == c["top_ids"][0],
              "max |Δ| top5 llama.cpp Q4_1 vs f32:", max(abs(x - y) for x, y in zip(a["top_logits"][:5], b["top_logits"][:5])),
              "llama.cpp f32 vs transformers:", max(abs(x - y) for x, y in zip(b["top_logits"][:5], c["top_logits"][:5])))


if __name__ == "__main__":
    main()
