//! A Hugging Face `config.json`, read into one typed struct per architecture (the keys each
//! family's transformers class uses, with the older spellings it still accepts).

use serde::Deserialize;
use serde_json::Value;

use super::{Activation, Arch, ModelConfig, per_head};
use crate::error::{CoreError, Result};

/// The keys that choose the architecture.
#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    model_type: String,
    architectures: Option<Value>,
}

/// `rope_parameters` (transformers 5) or `rope_scaling` (earlier).
#[derive(Deserialize, Default)]
struct RopeJson {
    rope_type: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    rope_theta: Option<f64>,
    partial_rotary_factor: Option<f64>,
}

/// The RoPE keys shared by GPT-NeoX and Llama.
#[derive(Deserialize)]
struct RopeKeys {
    rope_parameters: Option<RopeJson>,
    rope_scaling: Option<RopeJson>,
    rope_theta: Option<f64>,
    /// GPT-NeoX's older name of `rope_theta`.
    rotary_emb_base: Option<f64>,
}

impl RopeKeys {
    /// The RoPE base; scaled RoPE variants are refused.
    fn theta(&self, default: f64) -> Result<f64> {
        if let Some(p) = self.rope_parameters.as_ref().or(self.rope_scaling.as_ref()) {
            let ty = p
                .rope_type
                .as_deref()
                .or(p.kind.as_deref())
                .unwrap_or("default");
            if ty != "default" {
                return Err(CoreError::Unsupported(format!("RoPE scaling type `{ty}`")));
            }
            if let Some(t) = p.rope_theta {
                return Ok(t);
            }
        }
        Ok(self.rope_theta.or(self.rotary_emb_base).unwrap_or(default))
    }
}

/// `GPT2Config`.
#[derive(Deserialize)]
struct Gpt2Json {
    n_embd: Option<u64>,
    hidden_size: Option<u64>,
    n_head: Option<u64>,
    n_layer: Option<u64>,
    vocab_size: Option<u64>,
    n_inner: Option<u64>,
    n_positions: Option<u64>,
    n_ctx: Option<u64>,
    layer_norm_epsilon: Option<f64>,
    activation_function: Option<String>,
}

/// `GPTNeoXConfig`.
#[derive(Deserialize)]
struct NeoXJson {
    hidden_size: Option<u64>,
    num_attention_heads: Option<u64>,
    num_hidden_layers: Option<u64>,
    vocab_size: Option<u64>,
    intermediate_size: Option<u64>,
    max_position_embeddings: Option<u64>,
    layer_norm_eps: Option<f64>,
    rotary_pct: Option<f64>,
    partial_rotary_factor: Option<f64>,
    use_parallel_residual: Option<bool>,
    tie_word_embeddings: Option<bool>,
    hidden_act: Option<String>,
    attention_bias: Option<bool>,
    #[serde(flatten)]
    rope: RopeKeys,
}

/// `LlamaConfig` (also SmolLM's).
#[derive(Deserialize)]
struct LlamaJson {
    hidden_size: Option<u64>,
    num_attention_heads: Option<u64>,
    num_key_value_heads: Option<u64>,
    head_dim: Option<u64>,
    num_hidden_layers: Option<u64>,
    vocab_size: Option<u64>,
    intermediate_size: Option<u64>,
    max_position_embeddings: Option<u64>,
    rms_norm_eps: Option<f64>,
    tie_word_embeddings: Option<bool>,
    hidden_act: Option<String>,
    attention_bias: Option<bool>,
    mlp_bias: Option<bool>,
    #[serde(flatten)]
    rope: RopeKeys,
}

/// A size as `usize` (saturating: a value past the platform's range is refused later by
/// [`ModelConfig::validate`]'s limits).
fn size(v: Option<u64>) -> Option<usize> {
    v.map(|v| usize::try_from(v).unwrap_or(usize::MAX))
}

/// A size that must be present and non-zero.
fn need(v: Option<u64>, key: &str) -> Result<usize> {
    size(v)
        .filter(|&n| n > 0)
        .ok_or_else(|| CoreError::bad_file("config.json", format!("`{key}` is missing or zero")))
}

fn parse<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| CoreError::bad_file("config.json", e.to_string()))
}

impl ModelConfig {
    /// Reads a Hugging Face `config.json`. Unknown architectures are refused with a message
    /// naming what was found.
    pub fn from_hf_json(text: &str) -> Result<ModelConfig> {
        let header: Header = serde_json::from_str(text)
            .map_err(|e| CoreError::bad_file("config.json", format!("not valid JSON: {e}")))?;
        match header.model_type.as_str() {
            "gpt2" => gpt2(parse(text)?),
            "gpt_neox" => neox(parse(text)?),
            "llama" | "smollm" | "smollm2" => llama(parse(text)?),
            other => Err(CoreError::Unsupported(format!(
                "architecture `{}` (architectures: {}); supported: gpt2, gpt_neox (Pythia), llama (Llama, SmolLM, TinyLlama)",
                if other.is_empty() {
                    "<no model_type>"
                } else {
                    other
                },
                header
                    .architectures
                    .map_or_else(|| "none".into(), |a| a.to_string()),
            ))),
        }
    }
}

fn gpt2(c: Gpt2Json) -> Result<ModelConfig> {
    let d = need(c.n_embd.or(c.hidden_size), "n_embd")?;
    let n_heads = need(c.n_head, "n_head")?;
    ModelConfig {
        arch: Arch::Gpt2,
        vocab_size: need(c.vocab_size, "vocab_size")?,
        d_model: d,
        n_layers: need(c.n_layer, "n_layer")?,
        n_heads,
        n_kv_heads: n_heads,
        head_dim: per_head(d, n_heads),
        d_mlp: size(c.n_inner).unwrap_or(d.saturating_mul(4)),
        max_positions: need(c.n_positions.or(c.n_ctx), "n_positions")?,
        norm_eps: c.layer_norm_epsilon.unwrap_or(1e-5),
        rope_theta: 0.0,
        rotary_dim: 0,
        parallel_residual: false,
        tied_embeddings: true,
        activation: Activation::from_hf(c.activation_function.as_deref().unwrap_or("gelu_new"))?,
        attn_bias: true,
        mlp_bias: true,
    }
    .validate()
}

fn neox(c: NeoXJson) -> Result<ModelConfig> {
    let d = need(c.hidden_size, "hidden_size")?;
    let n_heads = need(c.num_attention_heads, "num_attention_heads")?;
    let head_dim = per_head(d, n_heads);
    let pct = c
        .rope
        .rope_parameters
        .as_ref()
        .and_then(|p| p.partial_rotary_factor)
        .or(c.rotary_pct)
        .or(c.partial_rotary_factor)
        .unwrap_or(1.0);
    ModelConfig {
        arch: Arch::NeoX,
        vocab_size: need(c.vocab_size, "vocab_size")?,
        d_model: d,
        n_layers: need(c.num_hidden_layers, "num_hidden_layers")?,
        n_heads,
        n_kv_heads: n_heads,
        head_dim,
        d_mlp: need(c.intermediate_size, "intermediate_size")?,
        max_positions: size(c.max_position_embeddings).unwrap_or(2048),
        norm_eps: c.layer_norm_eps.unwrap_or(1e-5),
        rope_theta: c.rope.theta(10000.0)?,
        rotary_dim: (head_dim as f64 * pct) as usize,
        parallel_residual: c.use_parallel_residual.unwrap_or(true),
        tied_embeddings: c.tie_word_embeddings.unwrap_or(false),
        activation: Activation::from_hf(c.hidden_act.as_deref().unwrap_or("gelu"))?,
        attn_bias: c.attention_bias.unwrap_or(true),
        mlp_bias: true,
    }
    .validate()
}

fn llama(c: LlamaJson) -> Result<ModelConfig> {
    let d = need(c.hidden_size, "hidden_size")?;
    let n_heads = need(c.num_attention_heads, "num_attention_heads")?;
    let head_dim = size(c.head_dim).unwrap_or(per_head(d, n_heads));
    ModelConfig {
        arch: Arch::Llama,
        vocab_size: need(c.vocab_size, "vocab_size")?,
        d_model: d,
        n_layers: need(c.num_hidden_layers, "num_hidden_layers")?,
        n_heads,
        n_kv_heads: size(c.num_key_value_heads).unwrap_or(n_heads),
        head_dim,
        d_mlp: need(c.intermediate_size, "intermediate_size")?,
        max_positions: size(c.max_position_embeddings).unwrap_or(2048),
        norm_eps: c.rms_norm_eps.unwrap_or(1e-6),
        rope_theta: c.rope.theta(10000.0)?,
        rotary_dim: head_dim,
        parallel_residual: false,
        tied_embeddings: c.tie_word_embeddings.unwrap_or(false),
        activation: Activation::from_hf(c.hidden_act.as_deref().unwrap_or("silu"))?,
        attn_bias: c.attention_bias.unwrap_or(false),
        mlp_bias: c.mlp_bias.unwrap_or(false),
    }
    .validate()
}
