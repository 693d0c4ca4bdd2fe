//! Causal language models, one file per architecture, behind one [`Model`] type.
//!
//! Every architecture implements [`Architecture`] (embed → blocks → unembed); [`Model`] runs
//! the shared loop, hook sites included, and can compute logits at the last position only.

pub use activscalar_types::config;
pub use activscalar_types::config::names;
pub mod gpt2;
pub mod layers;
pub mod llama;
pub mod neox;

use burn::tensor::{DType, Device, Int, Tensor, TensorData};

pub use activscalar_types::config::{Activation, Arch, ModelConfig};
pub use activscalar_types::model::WeightPrecision;
use layers::{KeyValues, Rope, Span};

use crate::error::{CoreError, Result};
use crate::hooks::Hooks;

/// The per-architecture parts of a forward pass.
pub trait Architecture {
    /// Hyper-parameters.
    fn config(&self) -> &ModelConfig;
    /// Rotary tables for `positions`, if the architecture uses RoPE.
    fn rope(&self, positions: &[usize], device: &Device) -> Option<Rope>;
    /// Token (and position) embedding of `[batch, seq]` ids.
    fn embed(&self, ids: Tensor<2, Int>) -> Tensor<3>;
    /// Block `layer` applied to the residual stream of the positions `span` describes, calling
    /// the hooks at its two sites; returns the stream and the attention's keys and values.
    fn block(
        &self,
        layer: usize,
        x: Tensor<3>,
        span: Span<'_>,
        hooks: Option<&dyn Hooks>,
    ) -> (Tensor<3>, KeyValues);
    /// Final norm and unembedding: `[batch, n, d]` → `[batch, n, vocab]`.
    fn unembed(&self, x: Tensor<3>) -> Tensor<3>;
}

/// The tensor dtype of weight matrices stored in `precision`.
pub fn dtype(precision: WeightPrecision) -> DType {
    match precision {
        WeightPrecision::F32 => DType::F32,
        WeightPrecision::F16 => DType::F16,
    }
}

/// Prompts as a right-padded `[batch, seq]` id tensor plus each prompt's length.
/// Right padding leaves every real token's causal context untouched.
#[derive(Clone, Debug)]
pub struct TokenBatch {
    /// `[batch, seq]` token ids (padding uses id 0).
    pub ids: Tensor<2, Int>,
    /// Real length of each prompt.
    pub lengths: Vec<usize>,
}

impl TokenBatch {
    /// Builds a batch from token id lists (each non-empty).
    pub fn new(prompts: &[Vec<u32>], device: &Device) -> Result<TokenBatch> {
        let seq = prompts.iter().map(Vec::len).max().unwrap_or(0);
        if prompts.is_empty() || prompts.iter().any(Vec::is_empty) {
            return Err(CoreError::Input(
                "every prompt needs at least one token".into(),
            ));
        }
        let mut flat = Vec::with_capacity(prompts.len() * seq);
        for p in prompts {
            flat.extend(p.iter().map(|&t| t as i64));
            flat.extend(std::iter::repeat_n(0i64, seq - p.len()));
        }
        Ok(TokenBatch {
            ids: Tensor::from_data(TensorData::new(flat, [prompts.len(), seq]), device),
            lengths: prompts.iter().map(Vec::len).collect(),
        })
    }

    /// Number of prompts.
    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    /// Whether the batch holds no prompt.
    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// The prompts `k` times over, one copy after another (`[k·batch, seq]`).
    pub fn repeated(&self, k: usize) -> TokenBatch {
        TokenBatch {
            ids: self.ids.clone().repeat_dim(0, k),
            lengths: self.lengths.repeat(k),
        }
    }

    /// Padded sequence length.
    pub fn seq(&self) -> usize {
        self.ids.dims()[1]
    }

    /// Picks each prompt's last real position from `[batch, seq, d]` → `[batch, 1, d]`.
    pub fn last_positions(&self, x: Tensor<3>) -> Tensor<3> {
        let [b, s, d] = x.dims();
        if self.lengths.iter().all(|&l| l == s) {
            return x.narrow(1, s - 1, 1);
        }
        let idx: Vec<i64> = self
            .lengths
            .iter()
            .flat_map(|&l| std::iter::repeat_n((l - 1) as i64, d))
            .collect();
        let idx = Tensor::<3, Int>::from_data(TensorData::new(idx, [b, 1, d]), &x.device());
        x.gather(1, idx)
    }
}

/// A loaded model on a device.
pub struct Model {
    arch: Box<dyn Architecture>,
    device: Device,
    precision: WeightPrecision,
}

impl Model {
    /// Wraps an architecture loaded onto `device` with its matrices in `precision`.
    pub fn new(arch: Box<dyn Architecture>, device: Device, precision: WeightPrecision) -> Model {
        Model {
            arch,
            device,
            precision,
        }
    }

    /// Hyper-parameters.
    pub fn config(&self) -> &ModelConfig {
        self.arch.config()
    }

    /// The device the weights live on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// How the weight matrices are stored.
    pub fn precision(&self) -> WeightPrecision {
        self.precision
    }

    /// Residual stream after the last block, `[batch, seq, d]`.
    pub fn residual(&self, batch: &TokenBatch, hooks: Option<&dyn Hooks>) -> Result<Tensor<3>> {
        let n = self.config().n_layers;
        self.residual_at(batch, n, hooks)
    }

    /// Residual stream entering block `layer` (after blocks `0..layer`), `[batch, seq, d]`.
    pub fn residual_at(
        &self,
        batch: &TokenBatch,
        layer: usize,
        hooks: Option<&dyn Hooks>,
    ) -> Result<Tensor<3>> {
        let seq = batch.seq();
        let cfg = self.arch.config();
        if seq > cfg.max_positions {
            return Err(CoreError::Input(format!(
                "prompt of {seq} tokens exceeds the model's {} positions",
                cfg.max_positions
            )));
        }
        let x = self.arch.embed(batch.ids.clone());
        Ok(self.run_blocks(x, 0..layer.min(cfg.n_layers), hooks))
    }

    /// Runs the blocks `layers` on the residual stream `x` (`[batch, seq, d]`).
    pub fn run_blocks(
        &self,
        x: Tensor<3>,
        layers: std::ops::Range<usize>,
        hooks: Option<&dyn Hooks>,
    ) -> Tensor<3> {
        let rope = self.rope(x.dims()[1]);
        let span = Span {
            rope: rope.as_ref(),
            ..Span::default()
        };
        layers.fold(x, |x, l| self.arch.block(l, x, span, hooks).0)
    }

    /// Rotary tables for positions `0..seq`, if the architecture uses RoPE.
    pub fn rope(&self, seq: usize) -> Option<Rope> {
        self.rope_at(&(0..seq).collect::<Vec<_>>())
    }

    /// Rotary tables for `positions`, if the architecture uses RoPE.
    pub fn rope_at(&self, positions: &[usize]) -> Option<Rope> {
        self.arch.rope(positions, &self.device)
    }

    /// Block `layer` on the residual stream `x` of the positions `span` describes (`[batch, s, d]`);
    /// returns the stream after it and the s positions' keys and values (a later call's
    /// `span.past`).
    pub fn block(
        &self,
        layer: usize,
        x: Tensor<3>,
        span: Span<'_>,
        hooks: Option<&dyn Hooks>,
    ) -> (Tensor<3>, KeyValues) {
        self.arch.block(layer, x, span, hooks)
    }

    /// Next-token logits at each prompt's last position: `[batch, vocab]`.
    /// Cheaper than [`Model::logits_all`]: the unembedding runs on one position per prompt.
    pub fn logits_last(&self, batch: &TokenBatch, hooks: Option<&dyn Hooks>) -> Result<Tensor<2>> {
        let x = self.residual(batch, hooks)?;
        Ok(self.unembed_last(batch, x))
    }

    /// [`Model::logits_last`] continued from the residual stream `x` entering block `layer`
    /// (computed by [`Model::residual_at`] for `batch`'s prompts, possibly repeated).
    pub fn logits_last_from(
        &self,
        batch: &TokenBatch,
        x: Tensor<3>,
        layer: usize,
        hooks: Option<&dyn Hooks>,
    ) -> Tensor<2> {
        let x = self.run_blocks(x, layer..self.config().n_layers, hooks);
        self.unembed_last(batch, x)
    }

    /// Final norm and unembedding of the residual stream `x` after the last block:
    /// `[batch, n, d]` → `[batch, n, vocab]`.
    pub fn unembed(&self, x: Tensor<3>) -> Tensor<3> {
        self.arch.unembed(x)
    }

    /// Next-token logits at each of `batch`'s last positions of the residual stream `x` after the
    /// last block.
    pub fn unembed_last(&self, batch: &TokenBatch, x: Tensor<3>) -> Tensor<2> {
        let x = batch.last_positions(x);
        let [b, _, v] = [x.dims()[0], 1, self.config().vocab_size];
        self.arch.unembed(x).reshape([b, v])
    }

    /// Logits at every position: `[batch, seq, vocab]`.
    pub fn logits_all(&self, batch: &TokenBatch, hooks: Option<&dyn Hooks>) -> Result<Tensor<3>> {
        Ok(self.arch.unembed(self.residual(batch, hooks)?))
    }
}
