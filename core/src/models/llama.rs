//! Llama family (Touvron et al. 2023; also SmolLM, TinyLlama, Mistral-style GQA): RMSNorm,
//! rotary embeddings, grouped-query attention and a SwiGLU MLP. Loads Hugging Face names or
//! GGUF names; GGUF stores Q/K rows permuted for llama.cpp's interleaved RoPE, undone here.

use burn::tensor::{Device, Int, Tensor};

use super::Architecture;
use super::config::ModelConfig;
use super::layers::{
    Layout, Linear, Norm, Placement, Rope, activate, causal_attention, embed_tokens, load_matrix,
    matmul_rows, upload, upload_matrix,
};
use crate::error::{CoreError, Result};
use crate::hooks::{self, Hooks, Site};
use crate::loaders::{HostTensor, WeightSource};

/// Which naming scheme the weights use.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Naming {
    /// `model.layers.{l}.self_attn.q_proj.weight`, …
    HuggingFace,
    /// `blk.{l}.attn_q.weight`, … (Q/K rows permuted).
    Gguf,
}

impl Naming {
    fn part(self, l: usize, part: &str) -> String {
        match self {
            Naming::HuggingFace => {
                let hf = match part {
                    "attn_norm" => "input_layernorm",
                    "ffn_norm" => "post_attention_layernorm",
                    "q" => "self_attn.q_proj",
                    "k" => "self_attn.k_proj",
                    "v" => "self_attn.v_proj",
                    "o" => "self_attn.o_proj",
                    "gate" => "mlp.gate_proj",
                    "up" => "mlp.up_proj",
                    "down" => "mlp.down_proj",
                    _ => unreachable!("unknown llama part {part}"),
                };
                format!("model.layers.{l}.{hf}")
            }
            Naming::Gguf => {
                let g = match part {
                    "attn_norm" | "ffn_norm" => part,
                    "q" => "attn_q",
                    "k" => "attn_k",
                    "v" => "attn_v",
                    "o" => "attn_output",
                    "gate" => "ffn_gate",
                    "up" => "ffn_up",
                    "down" => "ffn_down",
                    _ => unreachable!("unknown llama part {part}"),
                };
                format!("blk.{l}.{g}")
            }
        }
    }

    fn global(self, what: &str) -> &'static str {
        match (self, what) {
            (Naming::HuggingFace, "embed") => "model.embed_tokens.weight",
            (Naming::HuggingFace, "norm") => "model.norm.weight",
            (Naming::HuggingFace, _) => "lm_head.weight",
            (Naming::Gguf, "embed") => "token_embd.weight",
            (Naming::Gguf, "norm") => "output_norm.weight",
            (Naming::Gguf, _) => "output.weight",
        }
    }
}

/// Undoes llama.cpp's Q/K row permutation: GGUF row `h·hd + 2p + half` holds Hugging Face row
/// `h·hd + half·hd/2 + p`.
pub fn unpermute_rows(t: HostTensor, n_heads: usize) -> Result<HostTensor> {
    let (rows, cols) = (t.shape[0], t.shape.get(1).copied().unwrap_or(1));
    if n_heads == 0 || rows % n_heads != 0 || !(rows / n_heads).is_multiple_of(2) {
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

struct Block {
    attn_norm: Norm,
    q: Linear,
    k: Linear,
    v: Linear,
    o: Linear,
    ffn_norm: Norm,
    gate: Linear,
    up: Linear,
    down: Linear,
}

/// A loaded Llama-family model.
pub struct Llama {
    cfg: ModelConfig,
    embed: Tensor<2>,
    blocks: Vec<Block>,
    norm: Norm,
    /// `[vocab, d]` (the embedding itself when tied).
    lm_head: Tensor<2>,
}

impl Llama {
    /// Loads the weights of `cfg` from `src` named per `naming`.
    pub fn load(
        cfg: ModelConfig,
        src: &dyn WeightSource,
        naming: Naming,
        at: &Placement,
    ) -> Result<Llama> {
        let device = &at.device;
        let (d, m, hd) = (cfg.d_model, cfg.d_mlp, cfg.head_dim);
        let (q_out, kv_out) = (cfg.n_heads * hd, cfg.n_kv_heads * hd);
        let lin = |l: usize, part: &str, i: usize, o: usize, bias: bool| {
            let prefix = naming.part(l, part);
            if naming == Naming::Gguf && (part == "q" || part == "k") {
                let heads = if part == "q" {
                    cfg.n_heads
                } else {
                    cfg.n_kv_heads
                };
                let name = format!("{prefix}.weight");
                let w = unpermute_rows(src.tensor(&name)?, heads)?;
                let bias = if bias {
                    Some(upload(
                        &format!("{prefix}.bias"),
                        unpermute_rows(src.tensor(&format!("{prefix}.bias"))?, heads)?,
                        [o],
                        device,
                    )?)
                } else {
                    None
                };
                return Ok(Linear {
                    weight: upload_matrix(&name, w, [o, i], at)?.transpose(),
                    bias,
                });
            }
            Linear::load(src, &prefix, i, o, Layout::OutIn, bias, at)
        };
        let norm = |l: usize, part: &str| {
            Norm::rms_norm(
                src,
                &format!("{}.weight", naming.part(l, part)),
                d,
                cfg.norm_eps,
                device,
            )
        };
        let blocks = (0..cfg.n_layers)
            .map(|l| {
                Ok(Block {
                    attn_norm: norm(l, "attn_norm")?,
                    q: lin(l, "q", d, q_out, cfg.attn_bias)?,
                    k: lin(l, "k", d, kv_out, cfg.attn_bias)?,
                    v: lin(l, "v", d, kv_out, cfg.attn_bias)?,
                    o: lin(l, "o", q_out, d, false)?,
                    ffn_norm: norm(l, "ffn_norm")?,
                    gate: lin(l, "gate", d, m, cfg.mlp_bias)?,
                    up: lin(l, "up", d, m, cfg.mlp_bias)?,
                    down: lin(l, "down", m, d, cfg.mlp_bias)?,
                })
            })
            .collect::<Result<_>>()?;
        let embed = load_matrix(src, naming.global("embed"), [cfg.vocab_size, d], at)?;
        let lm_head = if cfg.tied_embeddings || !src.contains(naming.global("lm_head")) {
            embed.clone()
        } else {
            load_matrix(src, naming.global("lm_head"), [cfg.vocab_size, d], at)?
        };
        Ok(Llama {
            norm: Norm::rms_norm(src, naming.global("norm"), d, cfg.norm_eps, device)?,
            embed,
            lm_head,
            blocks,
            cfg,
        })
    }
}

impl Architecture for Llama {
    fn config(&self) -> &ModelConfig {
        &self.cfg
    }

    fn rope(&self, seq: usize, device: &Device) -> Option<Rope> {
        Some(Rope::new(&self.cfg, seq, device))
    }

    fn embed(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        embed_tokens(&self.embed, ids)
    }

    fn block(
        &self,
        l: usize,
        x: Tensor<3>,
        rope: Option<&Rope>,
        hk: Option<&dyn Hooks>,
    ) -> Tensor<3> {
        let blk = &self.blocks[l];
        let h = blk.q.cast_input(blk.attn_norm.forward(x.clone()));
        let attn = causal_attention(
            blk.q.forward(h.clone()),
            blk.k.forward(h.clone()),
            blk.v.forward(h),
            &self.cfg,
            rope,
        );
        let x = x + hooks::apply(hk, Site::AttnOut, l, blk.o.forward(attn));
        let h = blk.gate.cast_input(blk.ffn_norm.forward(x.clone()));
        let gated = activate(self.cfg.activation, blk.gate.forward(h.clone())) * blk.up.forward(h);
        x + hooks::apply(hk, Site::MlpOut, l, blk.down.forward(gated))
    }

    fn unembed(&self, x: Tensor<3>) -> Tensor<3> {
        matmul_rows(self.norm.forward(x), self.lm_head.clone().transpose())
    }
}
