//! A GPT-2-small-shaped model with random weights, built in memory as the Hugging Face files
//! (config.json, tokenizer.json, model.safetensors) and loaded through the normal loader: the
//! benchmarks' second model (speed does not depend on the weights' values).

use super::model_files::NamedBytes;
use crate::rng::Rng;

/// GPT-2 small: 12 layers, 12 heads, d = 768, 1024 positions, 50 257 tokens.
#[derive(Debug, Clone, Copy)]
pub struct Gpt2Shape {
    /// Blocks.
    pub n_layer: usize,
    /// Heads.
    pub n_head: usize,
    /// Residual width.
    pub n_embd: usize,
    /// Positions.
    pub n_positions: usize,
    /// Vocabulary.
    pub vocab: usize,
}

impl Gpt2Shape {
    /// The shape of `gpt2` (124 M parameters).
    pub const SMALL: Gpt2Shape = Gpt2Shape {
        n_layer: 12,
        n_head: 12,
        n_embd: 768,
        n_positions: 1024,
        vocab: 50257,
    };

    /// Every weight's name and shape, in the Hugging Face layout (`Conv1D`: `[in, out]`).
    fn tensors(&self) -> Vec<(String, Vec<usize>)> {
        let (d, v, p) = (self.n_embd, self.vocab, self.n_positions);
        let mut t = vec![
            ("wte.weight".to_string(), vec![v, d]),
            ("wpe.weight".to_string(), vec![p, d]),
        ];
        for l in 0..self.n_layer {
            let b = format!("h.{l}");
            for (name, shape) in [
                ("ln_1.weight", vec![d]),
                ("ln_1.bias", vec![d]),
                ("attn.c_attn.weight", vec![d, 3 * d]),
                ("attn.c_attn.bias", vec![3 * d]),
                ("attn.c_proj.weight", vec![d, d]),
                ("attn.c_proj.bias", vec![d]),
                ("ln_2.weight", vec![d]),
                ("ln_2.bias", vec![d]),
                ("mlp.c_fc.weight", vec![d, 4 * d]),
                ("mlp.c_fc.bias", vec![4 * d]),
                ("mlp.c_proj.weight", vec![4 * d, d]),
                ("mlp.c_proj.bias", vec![d]),
            ] {
                t.push((format!("{b}.{name}"), shape));
            }
        }
        t.push(("ln_f.weight".into(), vec![d]));
        t.push(("ln_f.bias".into(), vec![d]));
        t
    }

    /// The model's files: LayerNorm scales 1, biases 0, other weights uniform in ±0.035
    /// (standard deviation 0.02, GPT-2's initialisation), from `seed`.
    pub fn files(&self, seed: u64) -> Vec<NamedBytes> {
        vec![
            NamedBytes::new("config.json", self.config_json().into_bytes()),
            NamedBytes::new("tokenizer.json", WORD_LEVEL_TOKENIZER.as_bytes().to_vec()),
            NamedBytes::new("model.safetensors", self.safetensors(seed)),
        ]
    }

    fn config_json(&self) -> String {
        serde_json::json!({
            "architectures": ["GPT2LMHeadModel"],
            "model_type": "gpt2",
            "n_layer": self.n_layer,
            "n_head": self.n_head,
            "n_embd": self.n_embd,
            "n_positions": self.n_positions,
            "vocab_size": self.vocab,
            "layer_norm_epsilon": 1e-5,
            "activation_function": "gelu_new",
        })
        .to_string()
    }

    fn safetensors(&self, seed: u64) -> Vec<u8> {
        let tensors = self.tensors();
        let mut header = serde_json::Map::new();
        let mut offset = 0usize;
        for (name, shape) in &tensors {
            let bytes = shape.iter().product::<usize>() * 4;
            header.insert(
                name.clone(),
                serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + bytes]}),
            );
            offset += bytes;
        }
        let mut json = serde_json::Value::Object(header).to_string().into_bytes();
        while !json.len().is_multiple_of(8) {
            json.push(b' ');
        }
        let mut out = Vec::with_capacity(8 + json.len() + offset);
        out.extend_from_slice(&(json.len() as u64).to_le_bytes());
        out.extend_from_slice(&json);
        let mut rng = Rng::new(seed);
        for (name, shape) in &tensors {
            let n: usize = shape.iter().product();
            let scale = name.contains("ln_") && name.ends_with("weight");
            let bias = name.ends_with("bias");
            for _ in 0..n {
                let x = if scale {
                    1.0
                } else if bias {
                    0.0
                } else {
                    ((rng.unit() * 2.0 - 1.0) * 0.035) as f32
                };
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        out
    }
}

/// A one-token word-level tokenizer: the random model is driven by token ids, never by text.
const WORD_LEVEL_TOKENIZER: &str = r#"{"version":"1.0","truncation":null,"padding":null,
"added_tokens":[],"normalizer":null,"pre_tokenizer":{"type":"Whitespace"},"post_processor":null,
"decoder":null,"model":{"type":"WordLevel","vocab":{"<unk>":0},"unk_token":"<unk>"}}"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Arch, TokenBatch};
    use crate::{Device, ModelFiles, load_model};

    const TINY: Gpt2Shape = Gpt2Shape {
        n_layer: 2,
        n_head: 2,
        n_embd: 16,
        n_positions: 32,
        vocab: 100,
    };

    #[test]
    fn a_small_random_gpt2_loads_and_runs() {
        let shape = TINY;
        let files = ModelFiles::from_named(shape.files(7)).unwrap();
        let m = load_model(files, &Device::flex()).unwrap();
        let c = &m.info.config;
        assert_eq!(
            (c.arch, c.n_layers, c.d_model, c.vocab_size),
            (Arch::Gpt2, 2, 16, 100)
        );
        assert_eq!(
            m.info.n_params,
            shape
                .tensors()
                .iter()
                .filter(|(n, _)| !n.contains("ln_") && !n.ends_with("bias"))
                .map(|(_, s)| s.iter().product::<usize>())
                .sum::<usize>()
        );
        let batch = TokenBatch::new(&[vec![1, 5, 9], vec![3, 4, 99]], m.model.device()).unwrap();
        let logits = m.model.logits_last(&batch, None).unwrap();
        let v = pollster::block_on(crate::engine::read_vec(logits)).unwrap();
        assert_eq!(v.len(), 2 * 100);
        assert!(v.iter().all(|x| x.is_finite()) && v.iter().any(|&x| x != 0.0));
    }

    #[test]
    fn its_tokenizer_spells_every_answer_as_unk_so_the_bench_takes_random_ids() {
        let files = ModelFiles::from_named(TINY.files(7)).unwrap();
        let m = load_model(files, &Device::flex()).unwrap();
        let (w, ccc) = crate::bench::Workloads::for_model(&m).unwrap();
        assert!(!ccc);
        assert_eq!(w.w1.len(), crate::bench::W1_PROMPTS);
    }
}
