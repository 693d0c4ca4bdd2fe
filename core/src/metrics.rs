//! Evaluation (METHOD.md "Metrics"): flip accuracy, logit difference and faithfulness per β,
//! the base model's numbers, and minimality (L1, parameters, active sites).

use burn::tensor::Tensor;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

use crate::engine::read_vec;
use crate::error::{CoreError, Result};
use crate::interventions::{self, Intervention};
use crate::models::{Model, TokenBatch};
use crate::objective::{Targets, kl_non_answer, logit_diff};
use crate::tasks::Example;

/// Numbers for one steering strength β.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DirectionMetrics {
    /// β.
    #[serde(deserialize_with = "crate::result::f64_or_nan")]
    pub beta: f64,
    /// Share of prompts with sign(LD_β) = sign(β).
    #[serde(deserialize_with = "crate::result::f64_or_nan")]
    pub flip_accuracy: f64,
    /// Mean LD_β.
    #[serde(deserialize_with = "crate::result::f64_or_nan")]
    pub mean_ld: f64,
    /// Mean KL(p̄₀ ‖ p̄_β) over non-answer tokens.
    #[serde(deserialize_with = "crate::result::f64_or_nan")]
    pub kl: f64,
    /// Mean change of the probability mass outside {y⁺, y⁻} (steered − base).
    #[serde(deserialize_with = "crate::result::f64_or_nan")]
    pub other_mass_change: f64,
}

/// All metrics of θ on one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitMetrics {
    /// Number of prompts.
    pub n: usize,
    /// Base model: mean LD.
    #[serde(deserialize_with = "crate::result::f64_or_nan")]
    pub base_mean_ld: f64,
    /// Base model: share of prompts with LD > 0 (prefers the correct answer).
    #[serde(deserialize_with = "crate::result::f64_or_nan")]
    pub base_accuracy: f64,
    /// β = +1.
    pub plus: DirectionMetrics,
    /// β = −1.
    pub minus: DirectionMetrics,
}

/// Minimality of θ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Minimality {
    /// ‖θ‖₁.
    pub l1: f64,
    /// Trainable parameters.
    pub n_params: usize,
    /// Cells (site, layer[, position]) whose magnitude exceeds τ.
    pub active_sites: usize,
    /// Total cells.
    pub n_sites: usize,
    /// τ used.
    pub tau: f32,
}

/// Minimality from host θ.
pub fn minimality(iv: &Intervention, host: &[Vec<f32>], tau: f32) -> Minimality {
    Minimality {
        l1: host.iter().flatten().map(|x| x.abs() as f64).sum(),
        n_params: iv.n_params(),
        active_sites: interventions::active_cells(iv.method, &iv.dims, host, tau),
        n_sites: iv.dims.n_cells(iv.method),
        tau,
    }
}

/// Examples grouped into batches of equal prompt length (at most `max` each).
pub fn batches_by_length(examples: &[Example], max: usize) -> Vec<Vec<&Example>> {
    let mut by_len: std::collections::BTreeMap<usize, Vec<&Example>> = Default::default();
    for e in examples {
        by_len.entry(e.ids.len()).or_default().push(e);
    }
    by_len
        .into_values()
        .flat_map(|group| {
            group
                .chunks(max.max(1))
                .map(<[_]>::to_vec)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Evaluates θ (or the base model when `iv` is `None`) on `examples`.
pub async fn evaluate(
    model: &Model,
    iv: Option<&Intervention>,
    examples: &[Example],
    batch_size: usize,
) -> Result<SplitMetrics> {
    let device = model.device();
    let mut base_ld = Vec::new();
    let mut per_beta: [(Vec<f32>, Vec<f32>, Vec<f32>); 2] = Default::default();
    for batch in batches_by_length(examples, batch_size) {
        let ids: Vec<Vec<u32>> = batch.iter().map(|e| e.ids.clone()).collect();
        let tokens = TokenBatch::new(&ids, device)?;
        let base = model.logits_last(&tokens, None)?;
        let targets = Targets::new(&batch, base.clone(), device);
        let base_other = other_mass(base.clone(), &targets);
        base_ld.extend(read(logit_diff(base.clone(), &targets)).await?);
        for (k, beta) in [1.0, -1.0].into_iter().enumerate() {
            let logits = match iv {
                Some(iv) => model.logits_last(&tokens, Some(&iv.hooks(beta, None)))?,
                None => base.clone(),
            };
            let logits = logits.inner();
            per_beta[k]
                .0
                .extend(read(logit_diff(logits.clone(), &targets)).await?);
            per_beta[k]
                .1
                .extend(read(kl_non_answer(logits.clone(), &targets)).await?);
            per_beta[k]
                .2
                .extend(read(other_mass(logits, &targets) - base_other.clone()).await?);
        }
    }
    let mean = |v: &[f32]| v.iter().map(|&x| x as f64).sum::<f64>() / v.len().max(1) as f64;
    let dir = |k: usize, beta: f64| {
        let (ld, kl, mass) = &per_beta[k];
        DirectionMetrics {
            beta,
            flip_accuracy: ld.iter().filter(|&&l| (l as f64) * beta > 0.0).count() as f64
                / ld.len().max(1) as f64,
            mean_ld: mean(ld),
            kl: mean(kl),
            other_mass_change: mean(mass),
        }
    };
    Ok(SplitMetrics {
        n: examples.len(),
        base_mean_ld: mean(&base_ld),
        base_accuracy: base_ld.iter().filter(|&&l| l > 0.0).count() as f64
            / base_ld.len().max(1) as f64,
        plus: dir(0, 1.0),
        minus: dir(1, -1.0),
    })
}

/// Probability mass outside {y⁺, y⁻}, `[N]`.
fn other_mass(logits: Tensor<2>, t: &Targets) -> Tensor<1> {
    let n = logits.dims()[0];
    let p = softmax(logits, 1);
    (p.clone().sum_dim(1) - p.clone().gather(1, t.pos.clone()) - p.gather(1, t.neg.clone()))
        .reshape([n])
}

async fn read(t: Tensor<1>) -> Result<Vec<f32>> {
    read_vec(t).await.map_err(CoreError::Backend)
}

/// Most cells whose effect is measured (one forward pass over the examples each).
pub const MAX_EFFECT_CELLS: usize = 32;

/// ActivScalar: each active cell's contribution to the mean LD at β = +1 — the drop in mean
/// LD when that one α is zeroed. Returns (cell index, effect) for the (at most
/// [`MAX_EFFECT_CELLS`]) cells with the largest |α| above `tau`.
pub async fn site_effects(
    model: &Model,
    iv: &Intervention,
    host: &[Vec<f32>],
    examples: &[Example],
    tau: f32,
    batch_size: usize,
) -> Result<Vec<(usize, f64)>> {
    if iv.method != interventions::Method::ActivScalar {
        return Ok(Vec::new());
    }
    let mags = interventions::magnitudes(iv.method, &iv.dims, host);
    let full = evaluate(model, Some(iv), examples, batch_size)
        .await?
        .plus
        .mean_ld;
    let (layers, positions) = (iv.dims.layers, iv.dims.positions);
    let mut cells: Vec<usize> = (0..mags.len()).filter(|&c| mags[c] > tau).collect();
    cells.sort_by(|&a, &b| mags[b].total_cmp(&mags[a]));
    cells.truncate(MAX_EFFECT_CELLS);
    let mut out = Vec::new();
    for cell in cells {
        let (site, layer, pos) = (
            cell / (layers * positions),
            (cell / positions) % layers,
            cell % positions,
        );
        let mut sum = 0.0;
        for batch in batches_by_length(examples, batch_size) {
            let ids: Vec<Vec<u32>> = batch.iter().map(|e| e.ids.clone()).collect();
            let tokens = TokenBatch::new(&ids, model.device())?;
            let base = model.logits_last(&tokens, None)?;
            let targets = Targets::new(&batch, base, model.device());
            let mut hooks = iv.hooks(1.0, None);
            hooks.skip = Some((site, layer, pos));
            let logits = model.logits_last(&tokens, Some(&hooks))?.inner();
            sum += read(logit_diff(logits, &targets))
                .await?
                .iter()
                .map(|&x| x as f64)
                .sum::<f64>();
        }
        out.push((cell, full - sum / examples.len().max(1) as f64));
    }
    Ok(out)
}
