//! Interventions on hook sites (docs/METHOD.md, "Interventions"): ActivScalar, SteerVec and
//! DynScalar, one file each. θ is a burn [`Module`] whose parameters are flat 1-D tensors
//! ("leaves"), so the optimiser and the L1 penalty treat every method alike; each file knows
//! how its leaves act at a site.

pub mod activscalar;
pub mod dynscalar;
pub mod steervec;

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};

use crate::engine::read_vec;
pub use activscalar_types::method::{Dims, Method, active_cells, magnitudes};

use crate::error::{CoreError, Result};
use crate::hooks::{Hooks, Site};
use crate::models::{Model, TokenBatch};
use crate::tasks::Example;

/// One site's slice of θ, prepared once per forward pass (a few per layer, so the size
/// difference between variants does not matter).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum SiteParam {
    /// ActivScalar α, `[1, I, 1]`.
    Scale(Tensor<3>),
    /// SteerVec v, `[1, I, D]`.
    Vector(Tensor<3>),
    /// DynScalar w `[1, D, 1]` and b `[1, 1, 1]`.
    Dynamic {
        /// Weight.
        w: Tensor<3>,
        /// Bias.
        b: Tensor<3>,
    },
}

/// Learnable intervention parameters θ: a burn module (`.train()` to fit it, `.valid()` for
/// a detached copy).
#[derive(Module, Debug)]
pub struct Intervention {
    /// Which method.
    #[module(skip)]
    pub method: Method,
    /// Shape.
    #[module(skip)]
    pub dims: Dims,
    /// θ as flat parameters: one for ActivScalar and SteerVec, w and b for DynScalar.
    pub leaves: Vec<Param<Tensor<1>>>,
}

impl Intervention {
    /// θ = 0 (the identity) on `device`.
    pub fn zeros(method: Method, dims: Dims, device: &Device) -> Intervention {
        let leaves = match method {
            Method::ActivScalar => activscalar::init(&dims, device),
            Method::SteerVec => steervec::init(&dims, device),
            Method::DynScalar => dynscalar::init(&dims, device),
        };
        Intervention::from_values(method, dims, leaves)
    }

    /// θ holding `leaves` as its parameters.
    pub fn from_values(method: Method, dims: Dims, leaves: Vec<Tensor<1>>) -> Intervention {
        Intervention {
            method,
            dims,
            leaves: leaves.into_iter().map(Param::from_tensor).collect(),
        }
    }

    /// θ from host values (e.g. a saved result), checking the sizes.
    pub fn from_host(
        method: Method,
        dims: Dims,
        values: &[Vec<f32>],
        device: &Device,
    ) -> Result<Intervention> {
        let template = Intervention::zeros(method, dims, device);
        if values.len() != template.leaves.len()
            || values
                .iter()
                .zip(&template.leaves)
                .any(|(v, t)| v.len() != t.shape()[0])
        {
            return Err(CoreError::Input(format!(
                "saved parameters do not fit a {} of shape {dims:?}",
                method.as_str()
            )));
        }
        let leaves = values
            .iter()
            .map(|v| Tensor::from_data(burn::tensor::TensorData::new(v.clone(), [v.len()]), device))
            .collect();
        Ok(Intervention::from_values(method, dims, leaves))
    }

    /// Number of trainable parameters.
    pub fn n_params(&self) -> usize {
        self.num_params()
    }

    /// θ's leaves as tensors (autodiff leaves while training).
    pub fn values(&self) -> Vec<Tensor<1>> {
        self.leaves.iter().map(Param::val).collect()
    }

    /// Hooks applying θ at strength `beta`.
    pub fn hooks(&self, beta: f64) -> Steering {
        self.hooks_with(Strength::All(beta))
    }

    /// Hooks applying θ at a [`Strength`] that may differ per prompt of the batch (so that the
    /// base model and both directions run as one forward pass).
    pub fn hooks_with(&self, beta: Strength) -> Steering {
        let leaves = self.values();
        let params = match self.method {
            Method::ActivScalar => activscalar::site_params(&leaves, &self.dims),
            Method::SteerVec => steervec::site_params(&leaves, &self.dims),
            Method::DynScalar => dynscalar::site_params(&leaves, &self.dims),
        };
        Steering {
            params,
            layers: self.dims.layers,
            beta,
            positions: None,
            keep_positions: Vec::new(),
        }
    }

    /// Last-position logits of `tokens` at each β of `betas`, as one forward pass: the prompts
    /// once per β, one block after another (`[betas.len()·batch, vocab]`). `positions` is the
    /// batch's key map ([`position_map`]). One pass instead of one per β halves the kernel
    /// launches and weight reads of a fit step, which is what a GPU's time goes to on small batches.
    pub fn logits_at(
        &self,
        model: &Model,
        tokens: &TokenBatch,
        positions: Option<Tensor<3>>,
        betas: &[f32],
    ) -> Result<Tensor<2>> {
        let k = betas.len();
        if let [beta] = betas {
            let hooks = self.hooks(f64::from(*beta)).at_positions(positions);
            return model.logits_last(tokens, Some(&hooks));
        }
        let per_prompt: Vec<f32> = betas
            .iter()
            .flat_map(|&b| std::iter::repeat_n(b, tokens.len()))
            .collect();
        let hooks = self
            .hooks_with(Strength::per_prompt(&per_prompt, model.device()))
            .at_positions(positions.map(|m| m.repeat_dim(0, k)));
        model.logits_last(&tokens.repeated(k), Some(&hooks))
    }

    /// ‖θ‖₁ as a differentiable scalar.
    pub fn l1(&self) -> Tensor<1> {
        self.leaves
            .iter()
            .map(|l| l.val().abs().sum())
            .reduce(|a, b| a + b)
            .expect("θ has at least one leaf")
    }

    /// θ copied to the host (asynchronously; safe in the browser).
    pub async fn to_host(&self) -> Result<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(self.leaves.len());
        for l in &self.leaves {
            out.push(
                read_vec(l.val().inner())
                    .await
                    .map_err(CoreError::Backend)?,
            );
        }
        Ok(out)
    }
}

/// How strongly θ acts: one β for the whole batch, or one per prompt (one per forward pass,
/// so the size difference between variants does not matter).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Strength {
    /// The same β for every prompt.
    All(f64),
    /// β per prompt, `[batch, 1, 1]` (0 leaves a prompt's activations exactly unchanged).
    PerPrompt(Tensor<3>),
}

impl Strength {
    /// One β per prompt, from host values.
    pub fn per_prompt(betas: &[f32], device: &Device) -> Strength {
        Strength::PerPrompt(Tensor::<1>::from_floats(betas, device).reshape([betas.len(), 1, 1]))
    }

    /// `t · β`, broadcast over the batch.
    pub fn scale(&self, t: Tensor<3>) -> Tensor<3> {
        match self {
            Strength::All(b) => t * *b,
            Strength::PerPrompt(b) => t * b.clone(),
        }
    }
}

/// The key of a position-tied θ (of `n_keys` keys) that position `p` of `e` reads, if any.
pub fn key_at(e: &Example, p: usize, n_keys: usize) -> Option<usize> {
    e.keys.get(p).map(|&k| k as usize).filter(|&k| k < n_keys)
}

/// Which key of a position-tied θ each position of a batch uses, as one-hot rows
/// `[batch, seq, K]` (all zero where a prompt has ended): `None` when every prompt's key p is
/// its position p, as for rows without a template.
pub fn position_map(examples: &[&Example], n_keys: usize, device: &Device) -> Option<Tensor<3>> {
    let positional = examples
        .iter()
        .all(|e| e.keys.iter().enumerate().all(|(p, &k)| p == k as usize));
    if positional || n_keys == 0 {
        return None;
    }
    let seq = examples.iter().map(|e| e.ids.len()).max().unwrap_or(0);
    let mut data = vec![0.0f32; examples.len() * seq * n_keys];
    for (b, e) in examples.iter().enumerate() {
        for p in 0..seq {
            if let Some(k) = key_at(e, p, n_keys) {
                data[(b * seq + p) * n_keys + k] = 1.0;
            }
        }
    }
    Some(Tensor::from_data(
        burn::tensor::TensorData::new(data, [examples.len(), seq, n_keys]),
        device,
    ))
}

/// The hooks of one intervention at one [`Strength`].
pub struct Steering {
    params: Vec<SiteParam>,
    layers: usize,
    beta: Strength,
    /// Position → key map of the batch ([`position_map`]); `None`: key p at position p.
    positions: Option<Tensor<3>>,
    /// ActivScalar cells left out at some positions (for measuring each cell's effect in one
    /// batched pass): (site index, layer, keep `[batch, seq, 1]` with 0 where left out).
    keep_positions: Vec<(usize, usize, Tensor<3>)>,
}

impl Steering {
    /// Leaves ActivScalar's α of (`site`, `layer`) out at the positions where `keep`
    /// (`[batch, seq, 1]`) is 0.
    pub fn keep_at_positions(&mut self, site: usize, layer: usize, keep: Tensor<3>) {
        self.keep_positions.push((site, layer, keep));
    }

    /// Ties θ's keys to the batch's positions with `map` (from [`position_map`]).
    pub fn at_positions(mut self, map: Option<Tensor<3>>) -> Steering {
        self.positions = map;
        self
    }

    /// A per-key parameter `[1 or batch, K, k]` laid onto the batch's `seq` positions.
    fn on_positions(&self, p: Tensor<3>, seq: usize) -> Tensor<3> {
        match &self.positions {
            Some(map) => fit_positions(map.clone().matmul(p), seq),
            None => fit_positions(p, seq),
        }
    }
}

impl Hooks for Steering {
    fn at(&self, site: Site, layer: usize, h: Tensor<3>) -> Tensor<3> {
        let seq = h.dims()[1];
        match &self.params[site.index() * self.layers + layer] {
            SiteParam::Scale(alpha) => {
                let here =
                    |(s, l, _): &&(usize, usize, Tensor<3>)| *s == site.index() && *l == layer;
                let mut alpha = self.on_positions(alpha.clone(), seq);
                if let Some((_, _, keep)) = self.keep_positions.iter().find(here) {
                    alpha = alpha * keep.clone();
                }
                activscalar::apply(h, &alpha, &self.beta)
            }
            SiteParam::Vector(v) => {
                steervec::apply(h, &self.on_positions(v.clone(), seq), &self.beta)
            }
            SiteParam::Dynamic { w, b } => dynscalar::apply(h, w, b, &self.beta),
        }
    }
}

/// A position-tied parameter `[b, I, k]` made to cover `seq` positions: positions past I
/// (generated tokens) get zeros, i.e. are left untouched; a shorter sequence uses the first ones.
fn fit_positions(p: Tensor<3>, seq: usize) -> Tensor<3> {
    let [b, i, k] = p.dims();
    if seq == i {
        p
    } else if seq < i {
        p.narrow(1, 0, seq)
    } else {
        let pad = Tensor::zeros([b, seq - i, k], &p.device());
        Tensor::cat(vec![p, pad], 1)
    }
}
