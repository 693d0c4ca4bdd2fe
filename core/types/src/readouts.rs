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
