//! Next-token prediction: the top-K tokens after a prompt, with logits and probabilities.

use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

pub use activscalar_types::readouts::TokenScore;

use crate::engine::read_vec;
use crate::error::{CoreError, Result};
use crate::hooks::Hooks;
use crate::loaders::model_files::LoadedModel;
use crate::models::TokenBatch;

/// The prompt's tokens and the top-K next tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Prompt token ids.
    pub prompt_ids: Vec<u32>,
    /// Top-K next tokens, most likely first.
    pub top: Vec<TokenScore>,
}

/// Runs the model on `prompt` and returns the `k` most likely next tokens.
pub async fn predict(m: &LoadedModel, prompt: &str, k: usize) -> Result<Prediction> {
    predict_with(m, prompt, k, None).await
}

/// [`predict`] with `hooks` applied (e.g. a learned intervention at some β).
pub async fn predict_with(
    m: &LoadedModel,
    prompt: &str,
    k: usize,
    hooks: Option<&dyn Hooks>,
) -> Result<Prediction> {
    let ids = m.tokenizer.encode(prompt)?;
    if ids.is_empty() {
        return Err(CoreError::Input("the prompt is empty".into()));
    }
    let batch = TokenBatch::new(std::slice::from_ref(&ids), m.model.device())?;
    let logits = m.model.logits_last(&batch, hooks)?;
    let probs = softmax(logits.clone(), 1);
    let logits = read_vec(logits).await.map_err(CoreError::Backend)?;
    let probs = read_vec(probs).await.map_err(CoreError::Backend)?;
    Ok(Prediction {
        prompt_ids: ids,
        top: top_k(&logits, k)
            .into_iter()
            .map(|i| TokenScore {
                id: i as u32,
                text: m.tokenizer.token_text(i as u32),
                logit: logits[i],
                prob: probs[i],
            })
            .collect(),
    })
}

/// Indices of the `k` largest values, largest first (NaN sorts last).
pub fn top_k(values: &[f32], k: usize) -> Vec<usize> {
    // A total order (NaN as −∞): sorting with a partial one may panic.
    let key = |i: usize| match values[i] {
        v if v.is_nan() => f32::NEG_INFINITY,
        v => v,
    };
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
    idx.truncate(k);
    idx
}

#[cfg(test)]
mod tests {
    #[test]
    fn top_k_orders_nan_last_without_panicking() {
        let mut v: Vec<f32> = (0..200).map(|i| ((i * 37) % 101) as f32).collect();
        for i in (0..200).step_by(3) {
            v[i] = f32::NAN;
        }
        let top = super::top_k(&v, 5);
        assert_eq!(
            top.iter().map(|&i| v[i]).collect::<Vec<_>>(),
            [100.0, 99.0, 98.0, 97.0, 96.0]
        );
        assert!(super::top_k(&[f32::NAN, 1.0], 2) == [1, 0]);
    }
}
