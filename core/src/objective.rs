//! The training objective (docs/METHOD.md, "Objective"): effectiveness for β = ±1, faithfulness as
//! KL over the non-answer tokens, and L1 minimality.
//!
//! [`Targets`] holds everything about a batch that does not depend on θ — the answer ids and
//! the base model's renormalised non-answer distribution p̄₀ — and is computed once per batch.

use burn::tensor::activation::{log_softmax, softmax, softplus};
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};

pub use activscalar_types::options::{Directions, Effectiveness};

use crate::tasks::Example;

/// Stand-in for −∞ when masking answer logits: finite, so 0·(log 0 − log 0) stays 0.
const MASKED: f32 = -1e9;

/// θ-independent tensors of one batch.
#[derive(Clone, Debug)]
pub struct Targets {
    /// y⁺ ids, `[N, 1]`.
    pub pos: Tensor<2, Int>,
    /// y⁻ ids, `[N, 1]`.
    pub neg: Tensor<2, Int>,
    /// True at y⁺ and y⁻, `[N, V]`.
    pub answers: Tensor<2, Bool>,
    /// log p̄₀ over non-answer tokens, `[N, V]`.
    pub base_log_pbar: Tensor<2>,
    /// p̄₀, `[N, V]`.
    pub base_pbar: Tensor<2>,
    /// Base-model probabilities of (y⁺, y⁻) renormalised over the pair, each `[N, 1]`.
    pub base_pair: (Tensor<2>, Tensor<2>),
}

impl Targets {
    /// Builds the targets of `examples` from the base model's last-position logits `[N, V]`.
    pub fn new(examples: &[&Example], base_logits: Tensor<2>, device: &Device) -> Targets {
        let [n, v] = base_logits.dims();
        let (pos, neg) = answer_ids(examples, device);
        let mut mask = vec![false; n * v];
        for (i, e) in examples.iter().enumerate() {
            mask[i * v + e.pos as usize] = true;
            mask[i * v + e.neg as usize] = true;
        }
        let answers = Tensor::<2, Bool>::from_data(TensorData::new(mask, [n, v]), device);
        let base_log_pbar = log_softmax(base_logits.clone().mask_fill(answers.clone(), MASKED), 1);
        let pair = softmax(
            Tensor::cat(
                vec![
                    base_logits.clone().gather(1, pos.clone()),
                    base_logits.gather(1, neg.clone()),
                ],
                1,
            ),
            1,
        );
        Targets {
            base_pbar: base_log_pbar.clone().exp(),
            base_log_pbar,
            base_pair: (pair.clone().narrow(1, 0, 1), pair.narrow(1, 1, 1)),
            pos,
            neg,
            answers,
        }
    }
}

/// The y⁺ and y⁻ ids of `examples`, each `[N, 1]`.
pub fn answer_ids(examples: &[&Example], device: &Device) -> (Tensor<2, Int>, Tensor<2, Int>) {
    let ids = |f: fn(&Example) -> u32| {
        let data: Vec<i64> = examples.iter().map(|e| f(e) as i64).collect();
        Tensor::<2, Int>::from_data(TensorData::new(data, [examples.len(), 1]), device)
    };
    (ids(|e| e.pos), ids(|e| e.neg))
}

/// LD = z[y⁺] − z[y⁻] per prompt, `[N]`.
pub fn logit_diff(logits: Tensor<2>, t: &Targets) -> Tensor<1> {
    pair_diff(logits, &t.pos, &t.neg)
}

/// z[y⁺] − z[y⁻] per prompt, `[N]`, from the answers' ids (`[N, 1]` each).
pub fn pair_diff(logits: Tensor<2>, pos: &Tensor<2, Int>, neg: &Tensor<2, Int>) -> Tensor<1> {
    let n = logits.dims()[0];
    (logits.clone().gather(1, pos.clone()) - logits.gather(1, neg.clone())).reshape([n])
}

/// Probability mass outside {y⁺, y⁻}, `[N]`.
pub fn other_mass(logits: Tensor<2>, t: &Targets) -> Tensor<1> {
    let n = logits.dims()[0];
    let p = softmax(logits, 1);
    (p.clone().sum_dim(1) - p.clone().gather(1, t.pos.clone()) - p.gather(1, t.neg.clone()))
        .reshape([n])
}

/// KL(p̄₀ ‖ p̄_θ) per prompt over the non-answer tokens, `[N]`.
pub fn kl_non_answer(logits: Tensor<2>, t: &Targets) -> Tensor<1> {
    let n = logits.dims()[0];
    let log_q = log_softmax(logits.mask_fill(t.answers.clone(), MASKED), 1);
    (t.base_pbar.clone() * (t.base_log_pbar.clone() - log_q))
        .sum_dim(1)
        .reshape([n])
}

/// Mean effectiveness loss for one direction β.
pub fn effectiveness(
    kind: Effectiveness,
    logits: Tensor<2>,
    t: &Targets,
    beta: f64,
    margin: f64,
) -> Tensor<1> {
    match kind {
        Effectiveness::Margin => softplus((logit_diff(logits, t) * (-beta)) + margin, 1.0).mean(),
        Effectiveness::Swap => {
            let (p_pos, p_neg) = t.base_pair.clone();
            let (hi, lo) = (p_pos.clone().max_pair(p_neg.clone()), p_pos.min_pair(p_neg));
            let (q_pos, q_neg) = if beta > 0.0 { (hi, lo) } else { (lo, hi) };
            let pair = Tensor::cat(
                vec![
                    logits.clone().gather(1, t.pos.clone()),
                    logits.gather(1, t.neg.clone()),
                ],
                1,
            );
            let logp = log_softmax(pair, 1);
            let ce = -(q_pos * logp.clone().narrow(1, 0, 1) + q_neg * logp.narrow(1, 1, 1));
            ce.mean()
        }
    }
}
