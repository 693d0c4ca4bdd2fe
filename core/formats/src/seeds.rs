//! Small valid inputs for every fuzz target — the fuzzers' starting corpus — built in code so
//! they stay tiny and cover each element type and format variant.

use crate::link;

const TOKENS: [&str; 8] = ["<|endoftext|>", "a", "b", "c", "Ġ", "ab", "Ġa", "1"];
const MERGES: [&str; 2] = ["a b", "Ġ a"];

/// A byte-level BPE `tokenizer.json` with a special token and two merges.
pub fn tokenizer_json() -> Vec<u8> {
    let vocab: serde_json::Map<String, serde_json::Value> = TOKENS
        .iter()
        .enumerate()
        .map(|(i, t)| (t.to_string(), i.into()))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "version": "1.0", "truncation": null, "padding": null,
        "added_tokens": [{"id": 0, "content": TOKENS[0], "single_word": false, "lstrip": false,
                          "rstrip": false, "normalized": false, "special": true}],
        "normalizer": null,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
        "post_processor": null,
        "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
        "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null,
                  "end_of_word_suffix": null, "fuse_unk": false, "byte_fallback": false,
                  "ignore_merges": false, "vocab": vocab, "merges": MERGES}
    }))
    .expect("JSON value serialises")
}

/// A GGUF v3 file: tokenizer metadata and one tensor of each supported type.
pub fn gguf() -> Vec<u8> {
    gguf_with_extra_token_types(0)
}

/// [`gguf`] whose `tokenizer.ggml.token_type` lists `extra` more (control) tokens than
/// `tokenizer.ggml.tokens` — a hostile file that once made the tokenizer index out of bounds.
pub fn gguf_with_extra_token_types(extra: usize) -> Vec<u8> {
    let mut w = Vec::new();
    w.extend_from_slice(b"GGUF");
    w.extend_from_slice(&3u32.to_le_bytes());
    let tensors: [(&str, &[u64], u32, usize); 6] = [
        ("t.f32", &[3, 2], 0, 24),
        ("t.f16", &[4], 1, 8),
        ("t.q4_0", &[32], 2, 18),
        ("t.q4_1", &[32], 3, 20),
        ("t.q8_0", &[32], 8, 34),
        ("t.bf16", &[2], 30, 4),
    ];
    w.extend_from_slice(&(tensors.len() as u64).to_le_bytes());
    w.extend_from_slice(&8u64.to_le_bytes());
    let string = |w: &mut Vec<u8>, s: &str| {
        w.extend_from_slice(&(s.len() as u64).to_le_bytes());
        w.extend_from_slice(s.as_bytes());
    };
    let key = |w: &mut Vec<u8>, k: &str, ty: u32| {
        string(w, k);
        w.extend_from_slice(&ty.to_le_bytes());
    };
    key(&mut w, "general.architecture", 8);
    string(&mut w, "llama");
    key(&mut w, "tokenizer.ggml.model", 8);
    string(&mut w, "gpt2");
    key(&mut w, "tokenizer.ggml.pre", 8);
    string(&mut w, "smollm");
    key(&mut w, "tokenizer.ggml.tokens", 9);
    w.extend_from_slice(&8u32.to_le_bytes());
    w.extend_from_slice(&(TOKENS.len() as u64).to_le_bytes());
    for t in TOKENS {
        string(&mut w, t);
    }
    key(&mut w, "tokenizer.ggml.merges", 9);
    w.extend_from_slice(&8u32.to_le_bytes());
    w.extend_from_slice(&(MERGES.len() as u64).to_le_bytes());
    for m in MERGES {
        string(&mut w, m);
    }
    key(&mut w, "tokenizer.ggml.token_type", 9);
    w.extend_from_slice(&5u32.to_le_bytes());
    w.extend_from_slice(&((TOKENS.len() + extra) as u64).to_le_bytes());
    for i in 0..TOKENS.len() + extra {
        let control = i == 0 || i >= TOKENS.len();
        w.extend_from_slice(&(if control { 3i32 } else { 1 }).to_le_bytes());
    }
    key(&mut w, "tokenizer.ggml.add_bos_token", 7);
    w.push(1);
    key(&mut w, "tokenizer.ggml.bos_token_id", 4);
    w.extend_from_slice(&0u32.to_le_bytes());
    let mut offset = 0u64;
    let mut data = Vec::new();
    for (i, (name, dims, ty, len)) in tensors.iter().enumerate() {
        string(&mut w, name);
        w.extend_from_slice(&(dims.len() as u32).to_le_bytes());
        for d in *dims {
            w.extend_from_slice(&d.to_le_bytes());
        }
        w.extend_from_slice(&ty.to_le_bytes());
        w.extend_from_slice(&offset.to_le_bytes());
        let mut bytes: Vec<u8> = (0..*len).map(|b| (b * 37 + i * 11) as u8).collect();
        // Plausible f16 scales (1.0) at the start of each quantised block.
        if *ty == 2 || *ty == 3 || *ty == 8 {
            bytes[0] = 0x00;
            bytes[1] = 0x3c;
        }
        data.extend_from_slice(&bytes);
        data.resize(data.len().div_ceil(32) * 32, 0);
        offset = data.len() as u64;
    }
    w.resize(w.len().div_ceil(32) * 32, 0);
    w.extend_from_slice(&data);
    w
}

/// A safetensors file with an F32, an F16 and a BF16 tensor and `__metadata__`.
pub fn safetensors() -> Vec<u8> {
    let header = br#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"F16","shape":[3],"data_offsets":[16,22]},"c":{"dtype":"BF16","shape":[1],"data_offsets":[22,24]}}"#;
    let mut w = (header.len() as u64).to_le_bytes().to_vec();
    w.extend_from_slice(header);
    w.extend((0..24u8).map(|b| b.wrapping_mul(29)));
    w
}

/// One task file in each accepted format.
pub fn task_rows() -> Vec<Vec<u8>> {
    [
        "prompt,correct,wrong\n\"Rome is the capital of France. Rome is in\", Italy, France\n\"a, b\",\" x\",\" y\"\n",
        "{\"prompt\": \"When Mary and John went to the store, John gave a drink to\", \"correct\": \" Mary\", \"wrong\": \" John\"}\n{\"prompt\": \"p\", \"correct\": \" a\", \"wrong\": \" b\"}\n",
        "Paris is in | France | Spain\nTokyo is in | Japan | China\n",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect()
}

/// A permalink payload with a two-leaf θ.
pub fn permalink() -> Vec<u8> {
    link::pack(
        br#"{"format_version":1,"leaves":[3,2]}"#,
        &[vec![1.0, -2.5, 3.25], vec![0.5, f32::MIN_POSITIVE]],
    )
    .into_bytes()
}

/// Every target's seeds, by target name.
pub fn all() -> Vec<(&'static str, Vec<Vec<u8>>)> {
    vec![
        ("gguf", vec![gguf(), gguf_with_extra_token_types(2)]),
        ("safetensors", vec![safetensors()]),
        ("tokenizer_json", vec![tokenizer_json()]),
        ("task_rows", task_rows()),
        ("permalink", vec![permalink()]),
    ]
}
