//! GPT-NeoX / Pythia (Black et al. 2022; Biderman et al. 2023): LayerNorm, partial rotary
//! embeddings (`rotary_pct` of each head), fused per-head QKV, and the parallel residual
//! x + attn(ln₁ x) + mlp(ln₂ x).

use burn::module::{Module, Param};
use burn::tensor::{Device, Int, Tensor};

use super::Architecture;
use super::config::ModelConfig;
use super::layers::{
    KeyValues, Layout, Linear, Norm, Placement, Rope, Span, activate, causal_attention,
    embed_tokens, load_matrix, matmul_rows,
};
use super::names::Scope;
use crate::error::Result;
use crate::hooks::{self, Hooks, Site};
use crate::loaders::WeightSource;

#[derive(Module, Debug)]
struct Block {
    input_layernorm: Norm,
    query_key_value: Linear,
    dense: Linear,
    post_attention_layernorm: Norm,
    dense_h_to_4h: Linear,
    dense_4h_to_h: Linear,
}

/// A loaded GPT-NeoX model.
#[derive(Module, Debug)]
pub struct NeoX {
    #[module(skip)]
    cfg: ModelConfig,
    /// `[vocab, d]`.
    embed_in: Param<Tensor<2>>,
    blocks: Vec<Block>,
    final_layer_norm: Norm,
    /// `[vocab, d]`; `None` when tied to the input embedding.
    embed_out: Option<Param<Tensor<2>>>,
}

impl NeoX {
    /// Loads the weights of `cfg` from `src` (Hugging Face names).
    pub fn load(cfg: ModelConfig, src: &dyn WeightSource, at: &Placement) -> Result<NeoX> {
        let device = &at.device;
        let (d, eps, m) = (cfg.d_model, cfg.norm_eps, cfg.d_mlp);
        let lin = |s: Scope, i, o, bias| Linear::load(src, &s, i, o, Layout::OutIn, bias, at);
        let norm = |s: Scope| Norm::layer_norm(src, &s, d, eps, device);
        let top = Scope::root().pp("gpt_neox");
        let blocks = (0..cfg.n_layers)
            .map(|l| {
                let b = top.pp("layers").pp(l);
                let (attn, mlp) = (b.pp("attention"), b.pp("mlp"));
                Ok(Block {
                    input_layernorm: norm(b.pp("input_layernorm"))?,
                    query_key_value: lin(attn.pp("query_key_value"), d, 3 * d, cfg.attn_bias)?,
                    dense: lin(attn.pp("dense"), d, d, cfg.attn_bias)?,
                    post_attention_layernorm: norm(b.pp("post_attention_layernorm"))?,
                    dense_h_to_4h: lin(mlp.pp("dense_h_to_4h"), d, m, cfg.mlp_bias)?,
                    dense_4h_to_h: lin(mlp.pp("dense_4h_to_h"), m, d, cfg.mlp_bias)?,
                })
            })
            .collect::<Result<_>>()?;
        let embed_in = load_matrix(src, &top.pp("embed_in").weight(), [cfg.vocab_size, d], at)?;
        let embed_out = if cfg.tied_embeddings {
            None
        } else {
            let head = Scope::root().pp("embed_out");
            let w = load_matrix(src, &head.weight(), [cfg.vocab_size, d], at)?;
            Some(Param::from_tensor(w))
        };
        Ok(NeoX {
            final_layer_norm: norm(top.pp("final_layer_norm"))?,
            embed_in: Param::from_tensor(embed_in),
            embed_out,
            blocks,
            cfg,
        })
    }

    fn attention(&self, blk: &Block, x: Tensor<3>, span: Span<'_>) -> (Tensor<3>, KeyValues) {
        let [b, s, d] = x.dims();
        let (h, hd) = (self.cfg.n_heads, self.cfg.head_dim);
        // The fused projection is laid out per head: [q_h | k_h | v_h] for each head h.
        let qkv = blk.query_key_value.forward(x).reshape([b, s, h, 3 * hd]);
        let part = |i: usize| qkv.clone().narrow(3, i * hd, hd).reshape([b, s, d]);
        let (attn, kv) = causal_attention(part(0), part(1), part(2), &self.cfg, span);
        (blk.dense.forward(attn), kv)
    }

    fn mlp(&self, blk: &Block, x: Tensor<3>) -> Tensor<3> {
        blk.dense_4h_to_h
            .forward(activate(self.cfg.activation, blk.dense_h_to_4h.forward(x)))
    }
}

impl Architecture for NeoX {
    fn config(&self) -> &ModelConfig {
        &self.cfg
    }

    fn rope(&self, positions: &[usize], device: &Device) -> Option<Rope> {
        Some(Rope::new(&self.cfg, positions, device))
    }

    fn embed(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        embed_tokens(&self.embed_in, ids)
    }

    fn block(
        &self,
        l: usize,
        x: Tensor<3>,
        span: Span<'_>,
        hk: Option<&dyn Hooks>,
    ) -> (Tensor<3>, KeyValues) {
        let blk = &self.blocks[l];
        let (attn, kv) = self.attention(blk, blk.input_layernorm.forward(x.clone()), span);
        let attn = hooks::apply(hk, Site::AttnOut, l, attn);
        if self.cfg.parallel_residual {
            let mlp = self.mlp(blk, blk.post_attention_layernorm.forward(x.clone()));
            (x + attn + hooks::apply(hk, Site::MlpOut, l, mlp), kv)
        } else {
            let x = x + attn;
            let mlp = self.mlp(blk, blk.post_attention_layernorm.forward(x.clone()));
            (x + hooks::apply(hk, Site::MlpOut, l, mlp), kv)
        }
    }

    fn unembed(&self, x: Tensor<3>) -> Tensor<3> {
        let head = self.embed_out.as_ref().unwrap_or(&self.embed_in);
        matmul_rows(self.final_layer_norm.forward(x), head.val().transpose())
    }
}
