//! Using a learned intervention: the answer probabilities at any strength β (the β dial), and a
//! steered greedy continuation.
//!
//! Position-tied θ (ActivScalar, SteerVec) covers the prompt's positions by their keys; generated tokens
//! past them are left untouched (see [`crate::interventions::Steering`]).

use burn::tensor::Tensor;
use burn::tensor::activation::softmax;

pub use activscalar_types::readouts::Probe;

use crate::engine::read_vec;
use crate::error::{CoreError, Result};
use crate::interventions::{Intervention, position_map};
use crate::loaders::model_files::LoadedModel;
use crate::models::TokenBatch;
use crate::tasks::Example;

/// Runs `example` with `iv` at strength `beta` (θ unused when `iv` is None).
pub async fn probe(
    m: &LoadedModel,
    iv: Option<&Intervention>,
    example: &Example,
    beta: f64,
) -> Result<Probe> {
    let batch = TokenBatch::new(std::slice::from_ref(&example.ids), m.model.device())?;
    let steering = iv.map(|iv| iv.hooks(beta).at_positions(keys_of(iv, example, m)));
    let logits = m
        .model
        .logits_last(&batch, steering.as_ref().map(|s| s as _))?;
    let probs = read_vec(softmax(logits.clone(), 1))
        .await
        .map_err(CoreError::Backend)?;
    let logits = read_vec(logits).await.map_err(CoreError::Backend)?;
    let (pos, neg) = (example.pos as usize, example.neg as usize);
    Ok(Probe {
        beta,
        p_correct: probs[pos],
        p_wrong: probs[neg],
        ld: logits[pos] - logits[neg],
    })
}

/// The position → key map of `example`'s prompt for θ.
fn keys_of(iv: &Intervention, example: &Example, m: &LoadedModel) -> Option<Tensor<3>> {
    position_map(&[example], iv.dims.positions, m.model.device())
}

/// Greedy continuation of `example`'s prompt for `n` tokens with `iv` at `beta`; returns the
/// new tokens' ids.
pub async fn continuation(
    m: &LoadedModel,
    iv: Option<&Intervention>,
    example: &Example,
    beta: f64,
    n: usize,
) -> Result<Vec<u32>> {
    let ids = &example.ids;
    let mut seq = ids.to_vec();
    let steering = iv.map(|iv| iv.hooks(beta).at_positions(keys_of(iv, example, m)));
    for _ in 0..n {
        let batch = TokenBatch::new(std::slice::from_ref(&seq), m.model.device())?;
        let logits = m
            .model
            .logits_last(&batch, steering.as_ref().map(|s| s as _))?;
        let next = read_vec(logits.argmax(1).float().reshape([1]))
            .await
            .map_err(CoreError::Backend)?[0] as u32;
        seq.push(next);
    }
    Ok(seq[ids.len()..].to_vec())
}
