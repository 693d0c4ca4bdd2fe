//! A task row: a prompt and its two answers.

use serde::{Deserialize, Serialize};

/// One example: the model should prefer `correct` over `wrong` after `prompt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The prompt text.
    pub prompt: String,
    /// Correct answer (y⁺), usually with a leading space.
    pub correct: String,
    /// Wrong answer (y⁻).
    pub wrong: String,
}
