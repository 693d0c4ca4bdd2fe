//! Evaluation (docs/METHOD.md, "Metrics"): flip accuracy, logit difference and faithfulness per β,
//! the base model's numbers, and minimality (L1, parameters, active sites).

use burn::tensor::activation::softmax;
use burn::tensor::{Int, Tensor, TensorData};

pub use activscalar_types::metrics::{DirectionMetrics, Minimality, SplitMetrics, mean_sd};

pub use crate::groups::batches_by_length;

use crate::engine::read_vec;
use crate::error::{CoreError, Result};
use crate::groups::tokens_of;
use crate::interventions::{self, Intervention};
use crate::models::Model;
use crate::objective::{Targets, kl_non_answer, logit_diff, other_mass};
use crate::tasks::Example;

/// Evaluates θ (or the base model when `iv` is `None`) on `examples`. Each batch of equal
/// prompt length (at most `batch_size`) runs the base model and both directions as one forward
/// pass (the prompts three times, at β = 0, +1 and −1) and reads its numbers back once.
pub async fn evaluate(
    model: &Model,
    iv: Option<&Intervention>,
    examples: &[Example],
    batch_size: usize,
) -> Result<SplitMetrics> {
    let device = model.device();
    let mut columns = Columns::default();
    for batch in batches_by_length(examples, batch_size) {
        let n = batch.len();
        let tokens = tokens_of(&batch, device)?;
        let (base, plus, minus) = match iv {
            Some(iv) => {
                let map = interventions::position_map(&batch, iv.dims.positions, device);
                let logits = iv.logits_at(model, &tokens, map, &[0.0, 1.0, -1.0])?;
                (
                    logits.clone().narrow(0, 0, n),
                    logits.clone().narrow(0, n, n),
                    logits.narrow(0, 2 * n, n),
                )
            }
            None => {
                let base = model.logits_last(&tokens, None)?;
                (base.clone(), base.clone(), base)
            }
        };
        let targets = Targets::new(&batch, base.clone(), device);
        let (base_ld, base_other) = (
            logit_diff(base.clone(), &targets),
            other_mass(base, &targets),
        );
        columns
            .add(&targets, base_ld, base_other, plus, minus)
            .await?;
    }
    Ok(columns.metrics())
}

/// Per prompt: base LD, then (LD, KL, other-mass change) at β = +1 and at β = −1.
#[derive(Default)]
pub(crate) struct Columns([Vec<f32>; Columns::COUNT]);

impl Columns {
    /// Numbers per prompt.
    pub(crate) const COUNT: usize = 7;

    /// The [`Columns::COUNT`] columns of one batch (`[N]` each), given its targets, the base
    /// model's LD and other-answer mass, and the last-position logits at β = ±1.
    pub(crate) fn tensors(
        targets: &Targets,
        base_ld: Tensor<1>,
        base_other: Tensor<1>,
        plus: Tensor<2>,
        minus: Tensor<2>,
    ) -> Vec<Tensor<1>> {
        let mut parts = vec![base_ld];
        for logits in [plus, minus] {
            parts.push(logit_diff(logits.clone(), targets));
            parts.push(kl_non_answer(logits.clone(), targets));
            parts.push(other_mass(logits, targets) - base_other.clone());
        }
        parts
    }

    /// Appends the host copy of one batch's [`Columns::tensors`] (`n` prompts, one column
    /// after another).
    pub(crate) fn push(&mut self, host: &[f32], n: usize) {
        for (col, values) in self.0.iter_mut().zip(host.chunks(n)) {
            col.extend_from_slice(values);
        }
    }

    /// Appends the numbers of one batch (see [`Columns::tensors`]).
    async fn add(
        &mut self,
        targets: &Targets,
        base_ld: Tensor<1>,
        base_other: Tensor<1>,
        plus: Tensor<2>,
        minus: Tensor<2>,
    ) -> Result<()> {
        let n = base_ld.dims()[0];
        let parts = Columns::tensors(targets, base_ld, base_other, plus, minus);
        self.push(&read(Tensor::cat(parts, 0)).await?, n);
        Ok(())
    }

    /// The split's metrics from every prompt's numbers.
    pub(crate) fn metrics(&self) -> SplitMetrics {
        let cols = &self.0;
        let mean = |v: &[f32]| v.iter().map(|&x| x as f64).sum::<f64>() / v.len().max(1) as f64;
        let dir = |at: usize, beta: f64| {
            let (ld, kl, mass) = (&cols[at], &cols[at + 1], &cols[at + 2]);
            DirectionMetrics {
                beta,
                flip_accuracy: ld.iter().filter(|&&l| (l as f64) * beta > 0.0).count() as f64
                    / ld.len().max(1) as f64,
                mean_ld: mean(ld),
                kl: mean(kl),
                other_mass_change: mean(mass),
            }
        };
        let base_ld = &cols[0];
        SplitMetrics {
            n: base_ld.len(),
            base_mean_ld: mean(base_ld),
            base_accuracy: base_ld.iter().filter(|&&l| l > 0.0).count() as f64
                / base_ld.len().max(1) as f64,
            plus: dir(1, 1.0),
            minus: dir(4, -1.0),
        }
    }
}

/// A 1-D tensor copied to the host.
pub(crate) async fn read(t: Tensor<1>) -> Result<Vec<f32>> {
    read_vec(t).await.map_err(CoreError::Backend)
}

/// Most cells whose effect is measured when a fit is evaluated (each costs the test prompts'
/// positions from the cell's block and first position up; more can be measured on request).
pub const EFFECT_CELLS: usize = 8;

/// The ActivScalar cells with the largest |α| above `tau`, largest first, at most `max`.
pub fn largest_cells(iv: &Intervention, host: &[Vec<f32>], tau: f32, max: usize) -> Vec<usize> {
    if iv.method != interventions::Method::ActivScalar {
        return Vec::new();
    }
    let mags = interventions::magnitudes(iv.method, &iv.dims, host);
    let mut cells: Vec<usize> = (0..mags.len()).filter(|&c| mags[c] > tau).collect();
    cells.sort_by(|&a, &b| mags[b].total_cmp(&mags[a]).then(a.cmp(&b)));
    cells.truncate(max);
    cells
}

/// Most prompts in one forward pass of [`beta_curve`] (β values × prompts).
const CURVE_ROWS: usize = 96;

/// θ's dose-response on `examples`: at every β of `betas`, the mean and sd of LD and the mean
/// probabilities of both answers. Several β run as one batched pass (one β per prompt copy).
pub async fn beta_curve(
    model: &Model,
    iv: &Intervention,
    examples: &[Example],
    betas: &[f64],
) -> Result<Vec<crate::readouts::BetaPoint>> {
    let device = model.device();
    // Per β: every prompt's (LD, p⁺, p⁻).
    let mut per_beta: Vec<Vec<[f64; 3]>> = vec![Vec::new(); betas.len()];
    for batch in batches_by_length(examples, CURVE_ROWS) {
        let n = batch.len();
        let tokens = tokens_of(&batch, device)?;
        let map = interventions::position_map(&batch, iv.dims.positions, device);
        let per_pass = (CURVE_ROWS / n).max(1);
        for (chunk_at, chunk) in betas.chunks(per_pass).enumerate() {
            let k = chunk.len();
            let b: Vec<f32> = chunk.iter().map(|&b| b as f32).collect();
            let logits = iv.logits_at(model, &tokens, map.clone(), &b)?;
            let index = |f: fn(&Example) -> u32| {
                let all: Vec<i64> = (0..k)
                    .flat_map(|_| batch.iter().map(move |e| f(e) as i64))
                    .collect();
                Tensor::<2, Int>::from_data(TensorData::new(all, [k * n, 1]), device)
            };
            let (pos, neg) = (index(|e| e.pos), index(|e| e.neg));
            let p = softmax(logits.clone(), 1);
            let parts = vec![
                (logits.clone().gather(1, pos.clone()) - logits.gather(1, neg.clone()))
                    .reshape([k * n]),
                p.clone().gather(1, pos).reshape([k * n]),
                p.gather(1, neg).reshape([k * n]),
            ];
            let host = read(Tensor::cat(parts, 0)).await?;
            for j in 0..k {
                for i in 0..n {
                    let at = j * n + i;
                    per_beta[chunk_at * per_pass + j].push([
                        host[at] as f64,
                        host[k * n + at] as f64,
                        host[2 * k * n + at] as f64,
                    ]);
                }
            }
        }
    }
    Ok(betas
        .iter()
        .zip(per_beta)
        .map(|(&beta, v)| {
            let m = v.len().max(1) as f64;
            let mean = |c: usize| v.iter().map(|x| x[c]).sum::<f64>() / m;
            let ld = mean(0);
            let var = v.iter().map(|x| (x[0] - ld).powi(2)).sum::<f64>() / (m - 1.0).max(1.0);
            crate::readouts::BetaPoint {
                beta,
                mean_ld: ld,
                sd_ld: var.sqrt(),
                p_correct: mean(1),
                p_wrong: mean(2),
                prefers_correct: v.iter().filter(|x| x[0] > 0.0).count() as f64 / m,
            }
        })
        .collect())
}
