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

/// Writes a GGUF v3 file: metadata entries, then tensors (name, dims innermost first, type
/// id, raw bytes), each aligned to 32 bytes.
#[derive(Default)]
struct GgufBuilder {
    meta: Vec<u8>,
    n_meta: u64,
    tensors: Vec<(String, Vec<u64>, u32, Vec<u8>)>,
}

fn put_string(w: &mut Vec<u8>, s: &str) {
    w.extend_from_slice(&(s.len() as u64).to_le_bytes());
    w.extend_from_slice(s.as_bytes());
}

impl GgufBuilder {
    fn key(&mut self, k: &str, ty: u32) -> &mut Vec<u8> {
        self.n_meta += 1;
        put_string(&mut self.meta, k);
        self.meta.extend_from_slice(&ty.to_le_bytes());
        &mut self.meta
    }

    fn string(&mut self, k: &str, v: &str) {
        put_string(self.key(k, 8), v);
    }

    fn u32(&mut self, k: &str, v: u32) {
        self.key(k, 4).extend_from_slice(&v.to_le_bytes());
    }

    fn f32(&mut self, k: &str, v: f32) {
        self.key(k, 6).extend_from_slice(&v.to_le_bytes());
    }

    fn strings(&mut self, k: &str, items: &[&str]) {
        let w = self.key(k, 9);
        w.extend_from_slice(&8u32.to_le_bytes());
        w.extend_from_slice(&(items.len() as u64).to_le_bytes());
        for item in items {
            put_string(w, item);
        }
    }

    fn i32s(&mut self, k: &str, items: &[i32]) {
        let w = self.key(k, 9);
        w.extend_from_slice(&5u32.to_le_bytes());
        w.extend_from_slice(&(items.len() as u64).to_le_bytes());
        for item in items {
            w.extend_from_slice(&item.to_le_bytes());
        }
    }

    /// The tokenizer metadata of [`TOKENS`] and [`MERGES`] with `extra` token types too many.
    fn tokenizer(&mut self, extra: usize) {
        self.string("tokenizer.ggml.model", "gpt2");
        self.string("tokenizer.ggml.pre", "smollm");
        self.strings("tokenizer.ggml.tokens", &TOKENS);
        self.strings("tokenizer.ggml.merges", &MERGES);
        let types: Vec<i32> = (0..TOKENS.len() + extra)
            .map(|i| if i == 0 || i >= TOKENS.len() { 3 } else { 1 })
            .collect();
        self.i32s("tokenizer.ggml.token_type", &types);
        self.key("tokenizer.ggml.add_bos_token", 7).push(1);
        self.u32("tokenizer.ggml.bos_token_id", 0);
    }

    fn tensor(&mut self, name: &str, dims: &[u64], ty: u32, bytes: Vec<u8>) {
        self.tensors
            .push((name.to_string(), dims.to_vec(), ty, bytes));
    }

    fn build(self) -> Vec<u8> {
        let mut w = b"GGUF".to_vec();
        w.extend_from_slice(&3u32.to_le_bytes());
        w.extend_from_slice(&(self.tensors.len() as u64).to_le_bytes());
        w.extend_from_slice(&self.n_meta.to_le_bytes());
        w.extend_from_slice(&self.meta);
        let mut data = Vec::new();
        for (name, dims, ty, bytes) in &self.tensors {
            put_string(&mut w, name);
            w.extend_from_slice(&(dims.len() as u32).to_le_bytes());
            for d in dims {
                w.extend_from_slice(&d.to_le_bytes());
            }
            w.extend_from_slice(&ty.to_le_bytes());
            w.extend_from_slice(&(data.len() as u64).to_le_bytes());
            data.extend_from_slice(bytes);
            data.resize(data.len().div_ceil(32) * 32, 0);
        }
        w.resize(w.len().div_ceil(32) * 32, 0);
        w.extend_from_slice(&data);
        w
    }
}

/// [`gguf`] whose `tokenizer.ggml.token_type` lists `extra` more (control) tokens than
/// `tokenizer.ggml.tokens` — a hostile file that once made the tokenizer index out of bounds.
pub fn gguf_with_extra_token_types(extra: usize) -> Vec<u8> {
    let mut g = GgufBuilder::default();
    g.string("general.architecture", "llama");
    g.tokenizer(extra);
    let tensors: [(&str, &[u64], u32, usize); 6] = [
        ("t.f32", &[3, 2], 0, 24),
        ("t.f16", &[4], 1, 8),
        ("t.q4_0", &[32], 2, 18),
        ("t.q4_1", &[32], 3, 20),
        ("t.q8_0", &[32], 8, 34),
        ("t.bf16", &[2], 30, 4),
    ];
    for (i, (name, dims, ty, len)) in tensors.into_iter().enumerate() {
        let mut bytes: Vec<u8> = (0..len).map(|b| (b * 37 + i * 11) as u8).collect();
        // Plausible f16 scales (1.0) at the start of each quantised block.
        if matches!(ty, 2 | 3 | 8) {
            bytes[0] = 0x00;
            bytes[1] = 0x3c;
        }
        g.tensor(name, dims, ty, bytes);
    }
    g.build()
}

/// A complete one-block Llama model in GGUF (width 4, 2 query heads sharing 1 key/value head
/// of width 2, MLP 8, the 8-token tokenizer above): every weight the loader reads, f32 and
/// f16, with the embedding as the unembedding.
pub fn gguf_llama_model() -> Vec<u8> {
    let mut g = GgufBuilder::default();
    g.string("general.architecture", "llama");
    for (k, v) in [
        ("llama.embedding_length", 4),
        ("llama.block_count", 1),
        ("llama.attention.head_count", 2),
        ("llama.attention.head_count_kv", 1),
        ("llama.feed_forward_length", 8),
        ("llama.context_length", 16),
        ("llama.rope.dimension_count", 2),
    ] {
        g.u32(k, v);
    }
    g.f32("llama.attention.layer_norm_rms_epsilon", 1e-5);
    g.tokenizer(0);
    let (d, m, v, kv) = (4u64, 8u64, TOKENS.len() as u64, 2u64);
    let weights: [(&str, &[u64]); 11] = [
        ("token_embd.weight", &[d, v]),
        ("blk.0.attn_norm.weight", &[d]),
        ("blk.0.attn_q.weight", &[d, d]),
        ("blk.0.attn_k.weight", &[d, kv]),
        ("blk.0.attn_v.weight", &[d, kv]),
        ("blk.0.attn_output.weight", &[d, d]),
        ("blk.0.ffn_norm.weight", &[d]),
        ("blk.0.ffn_gate.weight", &[d, m]),
        ("blk.0.ffn_up.weight", &[d, m]),
        ("blk.0.ffn_down.weight", &[m, d]),
        ("output_norm.weight", &[d]),
    ];
    for (i, (name, dims)) in weights.into_iter().enumerate() {
        let n = dims.iter().product::<u64>() as usize;
        // Norms in f32, matrices in f16 (as llama.cpp's converters write small models).
        let (ty, bytes) = if dims.len() == 1 {
            (
                0,
                (0..n)
                    .flat_map(|j| (1.0 + j as f32 / 8.0).to_le_bytes())
                    .collect(),
            )
        } else {
            let half = |j: usize| (0x3000u16 + ((i * 7 + j * 13) % 0x0c00) as u16).to_le_bytes();
            (1, (0..n).flat_map(half).collect())
        };
        g.tensor(name, dims, ty, bytes);
    }
    g.build()
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
