//! The weights each architecture reads from its files — names, shapes as stored, and whether
//! llama.cpp permuted their rows — derived from the configuration alone. A model file is
//! checked against this list before anything is decoded or uploaded ([`check_weights`]), and
//! the check runs without a tensor library, so it is fuzzed with the parsers.

use super::names::Scope;
use super::{Arch, ModelConfig};
use crate::error::{CoreError, Result};
use activscalar_formats::host::{HostTensor, WeightSource};

/// How a Llama-family file names its weights.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Naming {
    /// `model.layers.{l}.self_attn.q_proj.weight`, …
    HuggingFace,
    /// `blk.{l}.attn_q.weight`, … (Q/K rows permuted for llama.cpp's interleaved RoPE).
    Gguf,
}

/// A weight of one Llama block.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Part {
    /// RMSNorm before attention.
    AttnNorm,
    /// Query projection.
    Q,
    /// Key projection.
    K,
    /// Value projection.
    V,
    /// Attention output projection.
    O,
    /// RMSNorm before the MLP.
    FfnNorm,
    /// SwiGLU gate projection.
    Gate,
    /// SwiGLU up projection.
    Up,
    /// MLP down projection.
    Down,
}

/// A Llama weight outside the blocks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Global {
    /// Token embedding.
    Embed,
    /// Final RMSNorm.
    Norm,
    /// Unembedding (absent when tied to the embedding).
    LmHead,
}

impl Naming {
    /// The scope of `part` in block `l`.
    pub fn part(self, l: usize, part: Part) -> Scope {
        let name = match (self, part) {
            (Naming::HuggingFace, Part::AttnNorm) => "input_layernorm",
            (Naming::HuggingFace, Part::Q) => "self_attn.q_proj",
            (Naming::HuggingFace, Part::K) => "self_attn.k_proj",
            (Naming::HuggingFace, Part::V) => "self_attn.v_proj",
            (Naming::HuggingFace, Part::O) => "self_attn.o_proj",
            (Naming::HuggingFace, Part::FfnNorm) => "post_attention_layernorm",
            (Naming::HuggingFace, Part::Gate) => "mlp.gate_proj",
            (Naming::HuggingFace, Part::Up) => "mlp.up_proj",
            (Naming::HuggingFace, Part::Down) => "mlp.down_proj",
            (Naming::Gguf, Part::AttnNorm) => "attn_norm",
            (Naming::Gguf, Part::Q) => "attn_q",
            (Naming::Gguf, Part::K) => "attn_k",
            (Naming::Gguf, Part::V) => "attn_v",
            (Naming::Gguf, Part::O) => "attn_output",
            (Naming::Gguf, Part::FfnNorm) => "ffn_norm",
            (Naming::Gguf, Part::Gate) => "ffn_gate",
            (Naming::Gguf, Part::Up) => "ffn_up",
            (Naming::Gguf, Part::Down) => "ffn_down",
        };
        let block = match self {
            Naming::HuggingFace => Scope::root().pp("model").pp("layers"),
            Naming::Gguf => Scope::root().pp("blk"),
        };
        block.pp(l).pp(name)
    }

    /// The scope of a weight outside the blocks.
    pub fn global(self, what: Global) -> Scope {
        let root = Scope::root();
        match (self, what) {
            (Naming::HuggingFace, Global::Embed) => root.pp("model").pp("embed_tokens"),
            (Naming::HuggingFace, Global::Norm) => root.pp("model").pp("norm"),
            (Naming::HuggingFace, Global::LmHead) => root.pp("lm_head"),
            (Naming::Gguf, Global::Embed) => root.pp("token_embd"),
            (Naming::Gguf, Global::Norm) => root.pp("output_norm"),
            (Naming::Gguf, Global::LmHead) => root.pp("output"),
        }
    }

    /// Over how many heads llama.cpp permuted the rows of `part` (GGUF Q and K), if it did.
    pub fn permuted_heads(self, cfg: &ModelConfig, part: Part) -> Option<usize> {
        match (self, part) {
            (Naming::Gguf, Part::Q) => Some(cfg.n_heads),
            (Naming::Gguf, Part::K) => Some(cfg.n_kv_heads),
            _ => None,
        }
    }
}

/// One weight a model file must hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightSpec {
    /// Its name in the file.
    pub name: String,
    /// Its shape as stored (outermost first).
    pub shape: Vec<usize>,
    /// Rows permuted by llama.cpp over this many heads (undone by [`unpermute_rows`]).
    pub permuted_heads: Option<usize>,
}

/// The weights a list is built from.
#[derive(Default)]
struct Specs(Vec<WeightSpec>);

impl Specs {
    fn add(&mut self, name: String, shape: &[usize], permuted_heads: Option<usize>) {
        self.0.push(WeightSpec {
            name,
            shape: shape.to_vec(),
            permuted_heads,
        });
    }

    /// `{scope}.weight` of `shape` and, when `bias`, `{scope}.bias` `[out]`; both with rows
    /// permuted over `permuted` heads, if given.
    fn linear(
        &mut self,
        scope: &Scope,
        shape: [usize; 2],
        (out, bias): (usize, bool),
        permuted: Option<usize>,
    ) {
        self.add(scope.weight(), &shape, permuted);
        if bias {
            self.add(scope.bias(), &[out], permuted);
        }
    }

    /// A norm's `{scope}.weight` `[d]` and, for LayerNorm, `{scope}.bias` `[d]`.
    fn norm(&mut self, scope: &Scope, d: usize, layer_norm: bool) {
        self.add(scope.weight(), &[d], None);
        if layer_norm {
            self.add(scope.bias(), &[d], None);
        }
    }
}

/// Where a GPT-2 file keeps its weights: under `transformer.` (as `GPT2LMHeadModel` saves
/// them) or at the top (`GPT2Model`).
pub fn gpt2_top(src: &dyn WeightSource) -> Scope {
    if src.contains("transformer.wte.weight") {
        Scope::root().pp("transformer")
    } else {
        Scope::root()
    }
}

impl ModelConfig {
    /// Every weight this configuration's architecture reads from `src`, with the shape it must
    /// have. `naming` matters for Llama only (GPT-2 and GPT-NeoX load Hugging Face names).
    /// `src` answers the layout questions the configuration leaves open: GPT-2's optional
    /// `transformer.` prefix, and whether an untied Llama file has its own unembedding.
    pub fn weights(&self, naming: Naming, src: &dyn WeightSource) -> Vec<WeightSpec> {
        let mut s = Specs::default();
        let (d, m, v) = (self.d_model, self.d_mlp, self.vocab_size);
        match self.arch {
            Arch::Gpt2 => {
                let top = gpt2_top(src);
                for l in 0..self.n_layers {
                    let b = top.pp("h").pp(l);
                    let (attn, mlp) = (b.pp("attn"), b.pp("mlp"));
                    s.norm(&b.pp("ln_1"), d, true);
                    // GPT-2's Conv1D stores `[in, out]`.
                    s.linear(&attn.pp("c_attn"), [d, 3 * d], (3 * d, true), None);
                    s.linear(&attn.pp("c_proj"), [d, d], (d, true), None);
                    s.norm(&b.pp("ln_2"), d, true);
                    s.linear(&mlp.pp("c_fc"), [d, m], (m, true), None);
                    s.linear(&mlp.pp("c_proj"), [m, d], (d, true), None);
                }
                s.add(top.pp("wte").weight(), &[v, d], None);
                s.add(top.pp("wpe").weight(), &[self.max_positions, d], None);
                s.norm(&top.pp("ln_f"), d, true);
            }
            Arch::NeoX => {
                let top = Scope::root().pp("gpt_neox");
                let (ab, mb) = (self.attn_bias, self.mlp_bias);
                for l in 0..self.n_layers {
                    let b = top.pp("layers").pp(l);
                    let (attn, mlp) = (b.pp("attention"), b.pp("mlp"));
                    s.norm(&b.pp("input_layernorm"), d, true);
                    s.linear(&attn.pp("query_key_value"), [3 * d, d], (3 * d, ab), None);
                    s.linear(&attn.pp("dense"), [d, d], (d, ab), None);
                    s.norm(&b.pp("post_attention_layernorm"), d, true);
                    s.linear(&mlp.pp("dense_h_to_4h"), [m, d], (m, mb), None);
                    s.linear(&mlp.pp("dense_4h_to_h"), [d, m], (d, mb), None);
                }
                s.add(top.pp("embed_in").weight(), &[v, d], None);
                if !self.tied_embeddings {
                    s.add(Scope::root().pp("embed_out").weight(), &[v, d], None);
                }
                s.norm(&top.pp("final_layer_norm"), d, true);
            }
            Arch::Llama => {
                let hd = self.head_dim;
                let (q, kv) = (self.n_heads * hd, self.n_kv_heads * hd);
                let (ab, mb) = (self.attn_bias, self.mlp_bias);
                for l in 0..self.n_layers {
                    let part = |p| naming.part(l, p);
                    s.norm(&part(Part::AttnNorm), d, false);
                    for (p, out) in [(Part::Q, q), (Part::K, kv), (Part::V, kv)] {
                        let permuted = naming.permuted_heads(self, p);
                        s.linear(&part(p), [out, d], (out, ab), permuted);
                    }
                    s.linear(&part(Part::O), [d, q], (d, false), None);
                    s.norm(&part(Part::FfnNorm), d, false);
                    s.linear(&part(Part::Gate), [m, d], (m, mb), None);
                    s.linear(&part(Part::Up), [m, d], (m, mb), None);
                    s.linear(&part(Part::Down), [d, m], (d, mb), None);
                }
                s.add(naming.global(Global::Embed).weight(), &[v, d], None);
                let head = naming.global(Global::LmHead).weight();
                if !self.tied_embeddings && src.contains(&head) {
                    s.add(head, &[v, d], None);
                }
                s.norm(&naming.global(Global::Norm), d, false);
            }
        }
        s.0
    }
}

/// Checks that `src` holds every weight of `specs` with its shape, from the file's table of
/// contents alone (nothing is decoded): a file that does not match its configuration is
/// refused before any weight is decoded or uploaded.
pub fn check_weights(specs: &[WeightSpec], src: &dyn WeightSource) -> Result<()> {
    for spec in specs {
        match src.shape(&spec.name) {
            None => return Err(CoreError::MissingWeight(spec.name.clone())),
            Some(found) if found != spec.shape => {
                return Err(CoreError::WrongShape {
                    name: spec.name.clone(),
                    found,
                    expected: spec.shape.clone(),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Undoes llama.cpp's Q/K row permutation: GGUF row `h·hd + 2p + half` holds Hugging Face row
/// `h·hd + half·hd/2 + p`.
pub fn unpermute_rows(t: HostTensor, n_heads: usize) -> Result<HostTensor> {
    let (rows, cols) = (
        t.shape.first().copied().unwrap_or(1),
        t.shape.get(1).copied().unwrap_or(1),
    );
    if n_heads == 0
        || !rows.is_multiple_of(n_heads)
        || !(rows / n_heads).is_multiple_of(2)
        || rows.checked_mul(cols) != Some(t.data.len())
    {
        return Err(CoreError::Unsupported(format!(
            "cannot undo the RoPE permutation of {rows} rows over {n_heads} heads"
        )));
    }
    let hd = rows / n_heads;
    let mut out = vec![0.0; t.data.len()];
    for h in 0..n_heads {
        for p in 0..hd / 2 {
            for half in 0..2 {
                let src = h * hd + 2 * p + half;
                let dst = h * hd + half * hd / 2 + p;
                out[dst * cols..(dst + 1) * cols]
                    .copy_from_slice(&t.data[src * cols..(src + 1) * cols]);
            }
        }
    }
    Ok(HostTensor {
        shape: t.shape,
        data: out,
    })
}
