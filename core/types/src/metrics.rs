//! What a result measures (docs/METHOD.md, "Metrics"): flip accuracy, logit difference and
//! faithfulness per β beside the base model's numbers, and minimality.

use serde::{Deserialize, Serialize};

use crate::method::{Dims, Method, active_cells};

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

impl Minimality {
    /// Minimality of host θ (`host`: its leaves) for `method` of shape `dims`.
    pub fn of(method: Method, dims: &Dims, host: &[Vec<f32>], tau: f32) -> Minimality {
        Minimality {
            l1: host.iter().flatten().map(|x| x.abs() as f64).sum(),
            n_params: host.iter().map(Vec::len).sum(),
            active_sites: active_cells(method, dims, host, tau),
            n_sites: dims.n_cells(method),
            tau,
        }
    }
}

/// Mean and sample standard deviation of `xs` (sd 0 for a single value): how results over
/// split seeds are reported.
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len().max(1) as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}
