//! Every option of a fit (docs/METHOD.md, "Objective"), what one step reports, and why a fit
//! ended; recorded in results and permalinks.

use serde::{Deserialize, Serialize};

use crate::method::Method;

/// How effectiveness is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effectiveness {
    /// Σ_β softplus(m − β·LD_β): push the logit difference past a margin m in direction β.
    Margin,
    /// Cross-entropy to a target over the two answers that swaps the base probabilities:
    /// for β = +1 the target gives y⁺ the larger and y⁻ the smaller of p₀(y⁺), p₀(y⁻)
    /// (i.e. q(y⁺) = p₀(y⁻), q(y⁻) = p₀(y⁺) when the base model prefers y⁻); for β = −1 the
    /// roles are reversed. Both distributions are renormalised over {y⁺, y⁻}.
    Swap,
}

impl Effectiveness {
    /// The name used in results, on the command line and on the page.
    pub fn as_str(self) -> &'static str {
        match self {
            Effectiveness::Margin => "margin",
            Effectiveness::Swap => "swap",
        }
    }
}

impl std::str::FromStr for Effectiveness {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        [Effectiveness::Margin, Effectiveness::Swap]
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| format!("unknown effectiveness `{s}` (margin, swap)"))
    }
}

/// Which directions are trained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Directions {
    /// β = +1 and β = −1 on the same θ (default).
    Both,
    /// β = +1 only.
    PlusOnly,
}

impl Directions {
    /// The β values trained.
    pub fn betas(self) -> &'static [f64] {
        match self {
            Directions::Both => &[1.0, -1.0],
            Directions::PlusOnly => &[1.0],
        }
    }
}

/// How the L1 (minimality) term is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum L1Mode {
    /// After each Adam step θ ← sign(θ)·max(|θ| − lr·λ_M, 0): unused sites become exactly 0.
    Proximal,
    /// The same proximal step in Adam's metric: threshold lr·λ_M/(√v̂ + ε) per coordinate,
    /// so a coordinate survives only while its mean gradient exceeds λ_M (as in ISTA).
    ProximalAdam,
    /// λ_M·‖θ‖₁ added to the loss.
    Loss,
}

impl L1Mode {
    /// Every mode, default first.
    pub const ALL: [L1Mode; 3] = [L1Mode::ProximalAdam, L1Mode::Proximal, L1Mode::Loss];

    /// The name used in results, on the command line and on the page.
    pub fn as_str(self) -> &'static str {
        match self {
            L1Mode::Proximal => "proximal",
            L1Mode::ProximalAdam => "proximal_adam",
            L1Mode::Loss => "loss",
        }
    }

    /// Reads [`L1Mode::as_str`].
    pub fn parse(s: &str) -> Option<L1Mode> {
        L1Mode::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl std::str::FromStr for L1Mode {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        L1Mode::parse(s)
            .ok_or_else(|| format!("unknown L1 mode `{s}` (proximal_adam, proximal, loss)"))
    }
}

/// Every option of a fit; recorded in results and permalinks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitOptions {
    /// Intervention.
    pub method: Method,
    /// Minimality weight λ_M.
    pub lambda_m: f64,
    /// Faithfulness weight λ_F.
    pub lambda_f: f64,
    /// Effectiveness margin m.
    pub margin: f64,
    /// Effectiveness variant.
    pub effectiveness: Effectiveness,
    /// Trained directions.
    pub directions: Directions,
    /// How L1 is applied.
    pub l1_mode: L1Mode,
    /// Adam learning rate.
    pub lr: f64,
    /// Step budget.
    pub steps: usize,
    /// Early stop after this many steps without a relative loss improvement of 1e-4 (with
    /// mini-batches, counted in whole epochs of steps).
    pub patience: usize,
    /// Prompts per mini-batch (0: the whole training split). With several, the best θ and
    /// early stop judge each epoch's mean objective.
    pub batch_size: usize,
    /// Seed of the mini-batch order.
    pub seed: u64,
    /// Threshold τ for "active" sites.
    pub tau: f32,
}

impl FitOptions {
    /// The defaults of docs/METHOD.md for `method` (λ values chosen on the default model; see docs/RESULTS.md).
    pub fn new(method: Method) -> FitOptions {
        FitOptions {
            method,
            lambda_m: match method {
                Method::ActivScalar => 0.1,
                Method::SteerVec => 0.002,
                Method::DynScalar => 0.002,
            },
            lambda_f: 1.0,
            margin: 6.0,
            effectiveness: Effectiveness::Margin,
            directions: Directions::Both,
            l1_mode: L1Mode::ProximalAdam,
            // DynScalar's α = w·h sums D products, so one Adam step of size lr on every w_d
            // moves α by about lr·Σ|h_d|: at 0.05 it diverged on SmolLM2 (docs/RESULTS.md).
            lr: match method {
                Method::DynScalar => 1e-4,
                _ => 0.05,
            },
            steps: 100,
            patience: 30,
            batch_size: 0,
            seed: 0,
            tau: 0.01,
        }
    }
}

impl FitOptions {
    /// These options for `method`: λ_M and the learning rate follow the new method's defaults
    /// where they were at the old method's.
    pub fn with_method(self, method: Method) -> FitOptions {
        let (old, new) = (FitOptions::new(self.method), FitOptions::new(method));
        FitOptions {
            method,
            lambda_m: if self.lambda_m == old.lambda_m {
                new.lambda_m
            } else {
                self.lambda_m
            },
            lr: if self.lr == old.lr { new.lr } else { self.lr },
            ..self
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StepReport {
    /// 1-based step number.
    pub step: usize,
    /// Total loss of the step's batch.
    #[serde(deserialize_with = "crate::result::f64_or_nan")]
    pub loss: f64,
    /// Effectiveness term (summed over β).
    #[serde(deserialize_with = "crate::result::f64_or_nan")]
    pub effectiveness: f64,
    /// Faithfulness term (summed over β, before λ_F).
    #[serde(deserialize_with = "crate::result::f64_or_nan")]
    pub faithfulness: f64,
    /// ‖θ‖₁ before the step.
    #[serde(deserialize_with = "crate::result::f64_or_nan")]
    pub l1: f64,
    /// Batch flip accuracy at β = +1.
    #[serde(deserialize_with = "crate::result::f64_or_nan")]
    pub flip_plus: f64,
    /// Batch flip accuracy at β = −1 (`None` when only +1 is trained).
    pub flip_minus: Option<f64>,
}

/// Why a fit ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum StopReason {
    /// The step budget was used.
    Budget,
    /// No improvement for `patience` steps.
    EarlyStop,
    /// Stopped by the user.
    Stopped,
    /// A non-finite loss appeared; θ of the lowest objective before it was kept.
    NonFinite(String),
}
