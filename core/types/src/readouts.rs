//! What the model says about a prompt: the top next tokens, and the two answers' numbers at
//! one strength β (the β dial).

use serde::{Deserialize, Serialize};

/// One candidate next token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenScore {
    /// Token id.
    pub id: u32,
    /// Its text, e.g. `" Italy"`.
    pub text: String,
    /// Raw logit.
    pub logit: f32,
    /// Softmax probability.
    pub prob: f32,
}

/// The answer tokens' numbers for one prompt at one β.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// β used.
    pub beta: f64,
    /// p(y⁺).
    pub p_correct: f32,
    /// p(y⁻).
    pub p_wrong: f32,
    /// LD = z[y⁺] − z[y⁻].
    pub ld: f32,
}

/// The dose-response of θ at one β, averaged over a split's prompts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BetaPoint {
    /// β.
    pub beta: f64,
    /// Mean LD_β.
    pub mean_ld: f64,
    /// Standard deviation of LD_β over the prompts.
    pub sd_ld: f64,
    /// Mean p(y⁺).
    pub p_correct: f64,
    /// Mean p(y⁻).
    pub p_wrong: f64,
    /// Share of prompts whose LD_β > 0 (the correct answer preferred).
    pub prefers_correct: f64,
}

/// β from −2 to 2 in steps of 0.25: the dose-response grid.
pub fn beta_grid() -> Vec<f64> {
    (-8..=8).map(|i| i as f64 * 0.25).collect()
}
