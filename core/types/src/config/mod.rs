//! Model hyper-parameters, read from a Hugging Face `config.json` (typed per architecture, in
//! `hf.rs`) or from GGUF metadata.

mod hf;
pub mod names;
pub mod weights;

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::model::WeightPrecision;
use activscalar_formats::gguf::GgufFile;

/// Supported architecture families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    /// GPT-2: learned positions, LayerNorm, gelu_new MLP, Conv1D weights.
    Gpt2,
    /// GPT-NeoX / Pythia: partial rotary, LayerNorm, parallel residual.
    NeoX,
    /// Llama family (Llama, SmolLM, TinyLlama…): RMSNorm, RoPE, GQA, SwiGLU.
    Llama,
}

impl Arch {
    /// Display name.
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::Gpt2 => "gpt2",
            Arch::NeoX => "gpt_neox",
            Arch::Llama => "llama",
        }
    }
}

/// MLP non-linearity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// tanh approximation of GELU (`gelu_new`, `gelu_pytorch_tanh`).
    GeluTanh,
    /// exact (erf) GELU.
    Gelu,
    /// SiLU / swish (used gated, SwiGLU, in Llama).
    Silu,
    /// ReLU.
    Relu,
}

impl Activation {
    fn from_hf(name: &str) -> Result<Self> {
        Ok(match name {
            "gelu_new" | "gelu_pytorch_tanh" | "gelu_fast" => Activation::GeluTanh,
            "gelu" => Activation::Gelu,
            "silu" | "swish" => Activation::Silu,
            "relu" => Activation::Relu,
            other => {
                return Err(CoreError::Unsupported(format!(
                    "activation function `{other}`"
                )));
            }
        })
    }
}

/// Everything the forward pass needs to know about a model's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Architecture family.
    pub arch: Arch,
    /// Vocabulary size (rows of the embedding).
    pub vocab_size: usize,
    /// Residual stream width.
    pub d_model: usize,
    /// Number of transformer blocks.
    pub n_layers: usize,
    /// Query heads.
    pub n_heads: usize,
    /// Key/value heads (< `n_heads` with grouped-query attention).
    pub n_kv_heads: usize,
    /// Width of one head.
    pub head_dim: usize,
    /// MLP hidden width.
    pub d_mlp: usize,
    /// Longest sequence the model supports.
    pub max_positions: usize,
    /// Epsilon of LayerNorm / RMSNorm.
    pub norm_eps: f64,
    /// RoPE base θ (unused by GPT-2).
    pub rope_theta: f64,
    /// Number of rotated dimensions per head (0: no RoPE).
    pub rotary_dim: usize,
    /// NeoX: attention and MLP read the same residual (x + attn(ln1 x) + mlp(ln2 x)).
    pub parallel_residual: bool,
    /// The unembedding is the transposed token embedding.
    pub tied_embeddings: bool,
    /// MLP non-linearity.
    pub activation: Activation,
    /// Linear layers of attention carry biases.
    pub attn_bias: bool,
    /// Linear layers of the MLP carry biases.
    pub mlp_bias: bool,
}

/// Width per head, or 0 (refused by [`ModelConfig::validate`]) when there are no heads.
fn per_head(d: usize, heads: usize) -> usize {
    d.checked_div(heads).unwrap_or(0)
}

/// Largest value each size may have: what checks the arithmetic on them (parameter counts,
/// buffer sizes) cannot overflow.
const LIMITS: [(&str, usize); 8] = [
    ("vocabulary size", 1 << 22),
    ("width", 1 << 16),
    ("layers", 1 << 10),
    ("heads", 1 << 10),
    ("key/value heads", 1 << 10),
    ("head width", 1 << 12),
    ("MLP width", 1 << 20),
    ("context length", 1 << 22),
];

impl ModelConfig {
    /// Reads the hyper-parameters of a GGUF file (`general.architecture` must be `llama`).
    pub fn from_gguf(file: &GgufFile) -> Result<ModelConfig> {
        let arch = file.str("general.architecture")?;
        if arch != "llama" {
            return Err(CoreError::Unsupported(format!(
                "GGUF architecture `{arch}`; GGUF files of the llama family are supported (GPT-2 and Pythia load from Hugging Face safetensors)"
            )));
        }
        let k = |s: &str| format!("{arch}.{s}");
        let d = file.usize(&k("embedding_length"))?;
        let n_heads = file.usize(&k("attention.head_count"))?;
        let head_dim = file
            .get(&k("attention.key_length"))
            .and_then(|v| v.as_usize())
            .unwrap_or(per_head(d, n_heads));
        let vocab_size = match file.get(&k("vocab_size")).and_then(|v| v.as_usize()) {
            Some(v) => v,
            None => file
                .get("tokenizer.ggml.tokens")
                .and_then(|t| t.as_array())
                .map(<[_]>::len)
                .ok_or_else(|| {
                    CoreError::bad_file(file.file_name(), "vocabulary size is missing")
                })?,
        };
        if let Some(t) = file.get(&k("rope.scaling.type")).and_then(|v| v.as_str())
            && t != "none"
        {
            return Err(CoreError::Unsupported(format!("RoPE scaling type `{t}`")));
        }
        let c = ModelConfig {
            arch: Arch::Llama,
            vocab_size,
            d_model: d,
            n_layers: file.usize(&k("block_count"))?,
            n_heads,
            n_kv_heads: file
                .get(&k("attention.head_count_kv"))
                .and_then(|v| v.as_usize())
                .unwrap_or(n_heads),
            head_dim,
            d_mlp: file.usize(&k("feed_forward_length"))?,
            max_positions: file.usize(&k("context_length")).unwrap_or(2048),
            norm_eps: file
                .get(&k("attention.layer_norm_rms_epsilon"))
                .and_then(|v| v.as_f64())
                .unwrap_or(1e-5),
            rope_theta: file
                .get(&k("rope.freq_base"))
                .and_then(|v| v.as_f64())
                .unwrap_or(10000.0),
            rotary_dim: file
                .get(&k("rope.dimension_count"))
                .and_then(|v| v.as_usize())
                .unwrap_or(head_dim),
            parallel_residual: false,
            tied_embeddings: !file.tensors.iter().any(|t| t.name == "output.weight"),
            activation: Activation::Silu,
            attn_bias: file.tensors.iter().any(|t| t.name == "blk.0.attn_q.bias"),
            mlp_bias: false,
        };
        c.validate()
    }

    /// Checks the numbers fit together (heads divide widths, rotary dims are even…).
    pub fn validate(self) -> Result<ModelConfig> {
        let bad = |m: String| Err(CoreError::Unsupported(format!("model configuration: {m}")));
        let sizes = [
            self.vocab_size,
            self.d_model,
            self.n_layers,
            self.n_heads,
            self.n_kv_heads,
            self.head_dim,
            self.d_mlp,
            self.max_positions,
        ];
        if let Some(((what, max), n)) = LIMITS.iter().zip(sizes).find(|((_, max), n)| n > max) {
            return bad(format!("{what} {n} is more than the {max} this tool runs"));
        }
        if !self.norm_eps.is_finite() || !self.rope_theta.is_finite() {
            return bad("a non-finite epsilon or RoPE base".into());
        }
        if self.n_heads == 0
            || self.n_kv_heads == 0
            || !self.n_heads.is_multiple_of(self.n_kv_heads)
        {
            return bad(format!(
                "{} heads cannot share {} key/value heads",
                self.n_heads, self.n_kv_heads
            ));
        }
        if self.arch != Arch::Llama && self.head_dim * self.n_heads != self.d_model {
            return bad(format!(
                "width {} is not divisible by {} heads",
                self.d_model, self.n_heads
            ));
        }
        if !self.rotary_dim.is_multiple_of(2) || self.rotary_dim > self.head_dim {
            return bad(format!(
                "rotary dimension {} for head width {}",
                self.rotary_dim, self.head_dim
            ));
        }
        if [
            self.vocab_size,
            self.d_model,
            self.n_layers,
            self.d_mlp,
            self.head_dim,
        ]
        .contains(&0)
        {
            return bad("a size is zero".into());
        }
        Ok(self)
    }

    /// The largest weight tensor the model uploads with its matrices in `precision`: name,
    /// `[rows, cols]` and bytes. What must fit in one GPU buffer. (The position table stays f32.)
    pub fn largest_weight(&self, precision: WeightPrecision) -> (&'static str, [usize; 2], u64) {
        let d = self.d_model;
        let q = self.n_heads * self.head_dim;
        let m = precision.bytes();
        let mut candidates = vec![
            ("token embedding", [self.vocab_size, d], m),
            ("MLP weight", [d, self.d_mlp], m),
            ("attention query weight", [d, q], m),
        ];
        match self.arch {
            // Fused query/key/value projection.
            Arch::Gpt2 | Arch::NeoX => candidates.push(("attention QKV weight", [d, 3 * q], m)),
            Arch::Llama => {}
        }
        if self.arch == Arch::Gpt2 {
            candidates.push(("position embedding", [self.max_positions, d], 4));
        }
        candidates
            .into_iter()
            .map(|(name, [r, c], b)| (name, [r, c], r as u64 * c as u64 * b as u64))
            .max_by_key(|(_, _, bytes)| *bytes)
            .expect("candidates are not empty")
    }

    /// Bytes of the weights on the device with the matrices in `precision` (norms and biases,
    /// a few KB, not counted; GPT-2's position table always f32).
    pub fn weight_bytes(&self, precision: WeightPrecision) -> u64 {
        let pos = self.position_params();
        (self.n_params() - pos) * precision.bytes() as u64 + pos * 4
    }

    fn position_params(&self) -> u64 {
        if self.arch == Arch::Gpt2 {
            self.max_positions as u64 * self.d_model as u64
        } else {
            0
        }
    }

    /// Number of parameters implied by the shapes (weights only, tied counted once), in 64
    /// bits: within [`ModelConfig::validate`]'s limits it cannot overflow.
    pub fn n_params(&self) -> u64 {
        let u = |n: usize| n as u64;
        let d = u(self.d_model);
        let q = u(self.n_heads) * u(self.head_dim);
        let kv = u(self.n_kv_heads) * u(self.head_dim);
        let attn = d * q + 2 * d * kv + q * d;
        let mlp = match self.arch {
            Arch::Llama => 3 * d * u(self.d_mlp),
            _ => 2 * d * u(self.d_mlp),
        };
        let embed = u(self.vocab_size) * d * if self.tied_embeddings { 1 } else { 2 };
        u(self.n_layers) * (attn + mlp) + embed + self.position_params()
    }
}
