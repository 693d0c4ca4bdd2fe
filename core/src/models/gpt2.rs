//! GPT-2 (Radford et al. 2019): learned positions, pre-LayerNorm blocks, gelu_new MLP.
//! Weights in Hugging Face layout; `Conv1D` stores matrices `[in, out]`.

use burn::module::{Module, Param};
use burn::tensor::{Device, Int, Tensor};

use super::Architecture;
use super::config::ModelConfig;
use super::config::weights::gpt2_top;
use super::layers::{
    KeyValues, Layout, Linear, Norm, Placement, Rope, Span, activate, causal_attention,
    embed_tokens, load, load_matrix, matmul_rows,
};
use super::names::Scope;
use crate::error::Result;
use crate::hooks::{self, Hooks, Site};
use crate::loaders::WeightSource;

#[derive(Module, Debug)]
struct Block {
    ln_1: Norm,
    c_attn: Linear,
    c_proj: Linear,
    ln_2: Norm,
    c_fc: Linear,
    mlp_proj: Linear,
}

/// A loaded GPT-2.
#[derive(Module, Debug)]
pub struct Gpt2 {
    #[module(skip)]
    cfg: ModelConfig,
    /// `[vocab, d]`, also the unembedding (tied).
    wte: Param<Tensor<2>>,
    /// `[positions, d]`, f32 whatever the placement's precision.
    wpe: Param<Tensor<2>>,
    blocks: Vec<Block>,
    ln_f: Norm,
}

impl Gpt2 {
    /// Loads the weights of `cfg` from `src` (names with or without the `transformer.` prefix).
    /// The position table stays f32 whatever the placement's precision.
    pub fn load(cfg: ModelConfig, src: &dyn WeightSource, at: &Placement) -> Result<Gpt2> {
        let device = &at.device;
        let top = gpt2_top(src);
        let (d, eps) = (cfg.d_model, cfg.norm_eps);
        let lin = |s: Scope, i, o| Linear::load(src, &s, i, o, Layout::InOut, true, at);
        let blocks = (0..cfg.n_layers)
            .map(|l| {
                let b = top.pp("h").pp(l);
                let (attn, mlp) = (b.pp("attn"), b.pp("mlp"));
                Ok(Block {
                    ln_1: Norm::layer_norm(src, &b.pp("ln_1"), d, eps, device)?,
                    c_attn: lin(attn.pp("c_attn"), d, 3 * d)?,
                    c_proj: lin(attn.pp("c_proj"), d, d)?,
                    ln_2: Norm::layer_norm(src, &b.pp("ln_2"), d, eps, device)?,
                    c_fc: lin(mlp.pp("c_fc"), d, cfg.d_mlp)?,
                    mlp_proj: lin(mlp.pp("c_proj"), cfg.d_mlp, d)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Gpt2 {
            wte: Param::from_tensor(load_matrix(
                src,
                &top.pp("wte").weight(),
                [cfg.vocab_size, d],
                at,
            )?),
            wpe: Param::from_tensor(load(
                src,
                &top.pp("wpe").weight(),
                [cfg.max_positions, d],
                device,
            )?),
            ln_f: Norm::layer_norm(src, &top.pp("ln_f"), d, eps, device)?,
            blocks,
            cfg,
        })
    }
}

impl Architecture for Gpt2 {
    fn config(&self) -> &ModelConfig {
        &self.cfg
    }

    fn rope(&self, _positions: &[usize], _device: &Device) -> Option<Rope> {
        None
    }

    fn embed(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        let s = ids.dims()[1];
        embed_tokens(&self.wte, ids) + self.wpe.val().narrow(0, 0, s).unsqueeze::<3>()
    }

    fn block(
        &self,
        l: usize,
        x: Tensor<3>,
        span: Span<'_>,
        hk: Option<&dyn Hooks>,
    ) -> (Tensor<3>, KeyValues) {
        let blk = &self.blocks[l];
        let d = self.cfg.d_model;
        let qkv = blk.c_attn.forward(blk.ln_1.forward(x.clone()));
        let (q, k, v) = (
            qkv.clone().narrow(2, 0, d),
            qkv.clone().narrow(2, d, d),
            qkv.narrow(2, 2 * d, d),
        );
        let (attn, kv) = causal_attention(q, k, v, &self.cfg, span);
        let x = x + hooks::apply(hk, Site::AttnOut, l, blk.c_proj.forward(attn));
        let mlp = blk.mlp_proj.forward(activate(
            self.cfg.activation,
            blk.c_fc.forward(blk.ln_2.forward(x.clone())),
        ));
        (x + hooks::apply(hk, Site::MlpOut, l, mlp), kv)
    }

    fn unembed(&self, x: Tensor<3>) -> Tensor<3> {
        matmul_rows(self.ln_f.forward(x), self.wte.val().transpose())
    }
}
