//! Llama family (Touvron et al. 2023; also SmolLM, TinyLlama, Mistral-style GQA): RMSNorm,
//! rotary embeddings, grouped-query attention and a SwiGLU MLP. Loads Hugging Face names or
//! GGUF names; GGUF stores Q/K rows permuted for llama.cpp's interleaved RoPE, undone here.

use burn::module::{Module, Param};
use burn::tensor::{Device, Int, Tensor};

use super::Architecture;
use super::config::ModelConfig;
use super::layers::{
    KeyValues, Layout, Linear, Norm, Placement, Rope, Span, activate, causal_attention,
    embed_tokens, load_matrix, matmul_rows, upload, upload_matrix,
};
use super::names::Scope;
use crate::error::Result;
use crate::hooks::{self, Hooks, Site};
use crate::loaders::WeightSource;
use activscalar_types::config::weights::{Global, Part};

pub use activscalar_types::config::weights::{Naming, unpermute_rows};

#[derive(Module, Debug)]
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
#[derive(Module, Debug)]
pub struct Llama {
    #[module(skip)]
    cfg: ModelConfig,
    /// `[vocab, d]`.
    embed: Param<Tensor<2>>,
    blocks: Vec<Block>,
    norm: Norm,
    /// `[vocab, d]`; `None` when tied to the embedding.
    lm_head: Option<Param<Tensor<2>>>,
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
        let lin = |l: usize, part: Part, i: usize, o: usize, bias: bool| {
            let scope = naming.part(l, part);
            if let Some(heads) = naming.permuted_heads(&cfg, part) {
                let name = scope.weight();
                let w = unpermute_rows(src.tensor(&name)?, heads)?;
                let bias = if bias {
                    let name = scope.bias();
                    let b = unpermute_rows(src.tensor(&name)?, heads)?;
                    Some(upload(&name, b, [o], device)?)
                } else {
                    None
                };
                return Ok(Linear::new(
                    upload_matrix(&name, w, [o, i], at)?.transpose(),
                    bias,
                ));
            }
            Linear::load(src, &scope, i, o, Layout::OutIn, bias, at)
        };
        let norm = |s: Scope| Norm::rms_norm(src, &s, d, cfg.norm_eps, device);
        let blocks = (0..cfg.n_layers)
            .map(|l| {
                Ok(Block {
                    attn_norm: norm(naming.part(l, Part::AttnNorm))?,
                    q: lin(l, Part::Q, d, q_out, cfg.attn_bias)?,
                    k: lin(l, Part::K, d, kv_out, cfg.attn_bias)?,
                    v: lin(l, Part::V, d, kv_out, cfg.attn_bias)?,
                    o: lin(l, Part::O, q_out, d, false)?,
                    ffn_norm: norm(naming.part(l, Part::FfnNorm))?,
                    gate: lin(l, Part::Gate, d, m, cfg.mlp_bias)?,
                    up: lin(l, Part::Up, d, m, cfg.mlp_bias)?,
                    down: lin(l, Part::Down, m, d, cfg.mlp_bias)?,
                })
            })
            .collect::<Result<_>>()?;
        let embed = naming.global(Global::Embed).weight();
        let embed = load_matrix(src, &embed, [cfg.vocab_size, d], at)?;
        let head = naming.global(Global::LmHead).weight();
        let lm_head = if cfg.tied_embeddings || !src.contains(&head) {
            None
        } else {
            Some(Param::from_tensor(load_matrix(
                src,
                &head,
                [cfg.vocab_size, d],
                at,
            )?))
        };
        Ok(Llama {
            norm: norm(naming.global(Global::Norm))?,
            embed: Param::from_tensor(embed),
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

    fn rope(&self, positions: &[usize], device: &Device) -> Option<Rope> {
        Some(Rope::new(&self.cfg, positions, device))
    }

    fn embed(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        embed_tokens(&self.embed, ids)
    }

    fn block(
        &self,
        l: usize,
        x: Tensor<3>,
        span: Span<'_>,
        hk: Option<&dyn Hooks>,
    ) -> (Tensor<3>, KeyValues) {
        let blk = &self.blocks[l];
        let h = blk.q.cast_input(blk.attn_norm.forward(x.clone()));
        let (attn, kv) = causal_attention(
            blk.q.forward(h.clone()),
            blk.k.forward(h.clone()),
            blk.v.forward(h),
            &self.cfg,
            span,
        );
        let x = x + hooks::apply(hk, Site::AttnOut, l, blk.o.forward(attn));
        let h = blk.gate.cast_input(blk.ffn_norm.forward(x.clone()));
        let gated = activate(self.cfg.activation, blk.gate.forward(h.clone())) * blk.up.forward(h);
        (
            x + hooks::apply(hk, Site::MlpOut, l, blk.down.forward(gated)),
            kv,
        )
    }

    fn unembed(&self, x: Tensor<3>) -> Tensor<3> {
        let head = self.lm_head.as_ref().unwrap_or(&self.embed);
        matmul_rows(self.norm.forward(x), head.val().transpose())
    }
}
