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

/// Most prompts in one forward pass of [`site_effects`] (variants × prompts).
const EFFECT_ROWS: usize = 128;

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

/// What a forward pass costs per block beyond its prompts, in prompts' worth of work
/// (packing each weight matrix on the CPU, dispatching kernels on a GPU). Measured on the CPU
/// backend (docs/BENCHMARKS.md, W4).
const PASS_OVERHEAD: usize = 16;

/// `order` (cells in order of `layer`, out of `layers` blocks) cut into forward passes of at
/// most `max` cells over `n` prompts each. A cell joins the pass before it when running its
/// prompts from that pass's first block costs no more than a pass of its own from its block.
fn passes(
    order: &[usize],
    layer: impl Fn(usize) -> usize,
    layers: usize,
    n: usize,
    max: usize,
) -> Vec<&[usize]> {
    let mut out = Vec::new();
    let mut start = 0;
    for end in 1..=order.len() {
        let joins = || {
            let above = |cell: usize| layers.saturating_sub(layer(cell));
            above(order[start]) * n <= above(order[end]) * (n + PASS_OVERHEAD)
        };
        if end == order.len() || end - start == max || !joins() {
            out.push(&order[start..end]);
            start = end;
        }
    }
    out
}

/// ActivScalar: each cell's contribution to the mean LD at β = +1 — the drop in mean LD when
/// that one α is zeroed — given the mean LD with every cell (`full`). Returns (cell, effect)
/// for `cells`. Each pass runs the prompts once per cell, with that cell's α left out, from
/// the lowest block among its cells; passes go up the blocks ([`passes`] decides which cells
/// share one), and the blocks below a pass (where every variant is the same) run once for all.
pub async fn site_effects(
    model: &Model,
    iv: &Intervention,
    cells: &[usize],
    examples: &[Example],
    full: f64,
    batch_size: usize,
) -> Result<Vec<(usize, f64)>> {
    if cells.is_empty() || examples.is_empty() || iv.method != interventions::Method::ActivScalar {
        return Ok(Vec::new());
    }
    let device = model.device();
    let (layers, positions) = (iv.dims.layers, iv.dims.positions);
    let site_layer = |cell: usize| (cell / (layers * positions), (cell / positions) % layers);
    let mut order: Vec<usize> = (0..cells.len()).collect();
    order.sort_by_key(|&i| (site_layer(cells[i]).1, i));
    let mut sums = vec![0.0f64; cells.len()];
    for batch in batches_by_length(examples, batch_size) {
        let n = batch.len();
        let map = interventions::position_map(&batch, positions, device);
        let all = iv.hooks(1.0).at_positions(map.clone());
        let tokens = tokens_of(&batch, device)?;
        let answers =
            |f: fn(&Example) -> u32| -> Vec<i64> { batch.iter().map(|e| f(e) as i64).collect() };
        let (pos, neg) = (answers(|e| e.pos), answers(|e| e.neg));
        // The residual stream entering block `at`, with every cell applied.
        let (mut at, mut x) = (0, model.residual_at(&tokens, 0, Some(&all))?);
        let layer = |i: usize| site_layer(cells[i]).1;
        for pass in passes(&order, layer, layers, n, (EFFECT_ROWS / n).max(1)) {
            let k = pass.len();
            let from = site_layer(cells[pass[0]]).1;
            x = model.run_blocks(x, at..from, Some(&all));
            at = from;
            let mut hooks = iv
                .hooks(1.0)
                .at_positions(map.clone().map(|m| m.repeat_dim(0, k)));
            let left_out: Vec<(usize, usize, usize)> = (pass.iter().enumerate())
                .map(|(j, &i)| (cells[i], j * n, n))
                .collect();
            for ((site, layer), keep) in keep_masks(&iv.dims, &left_out, k * n) {
                let keep = Tensor::<1>::from_floats(keep.as_slice(), device).reshape([
                    k * n,
                    positions,
                    1,
                ]);
                hooks.keep_only(site, layer, keep);
            }
            let logits = model.logits_last_from(
                &tokens.repeated(k),
                x.clone().repeat_dim(0, k),
                from,
                Some(&hooks),
            );
            let index = |v: &[i64]| {
                let all: Vec<i64> = (0..k).flat_map(|_| v.iter().copied()).collect();
                Tensor::<2, Int>::from_data(TensorData::new(all, [k * n, 1]), device)
            };
            let ld = (logits.clone().gather(1, index(&pos)) - logits.gather(1, index(&neg)))
                .reshape([k * n]);
            let ld = read(ld).await?;
            for (&i, lds) in pass.iter().zip(ld.chunks(n)) {
                sums[i] += lds.iter().map(|&x| x as f64).sum::<f64>();
            }
        }
    }
    let total = examples.len() as f64;
    Ok(cells
        .iter()
        .zip(sums)
        .map(|(&cell, sum)| (cell, full - sum / total))
        .collect())
}

/// One keep-mask over keys (`rows × keys`, 0 where a copy leaves its cell's α out) per
/// (site, layer) that holds a cell of `left_out`: (ActivScalar cell, first row, rows).
pub(crate) fn keep_masks(
    dims: &interventions::Dims,
    left_out: &[(usize, usize, usize)],
    rows: usize,
) -> Vec<((usize, usize), Vec<f32>)> {
    let (layers, keys) = (dims.layers, dims.positions);
    let mut masks: Vec<((usize, usize), Vec<f32>)> = Vec::new();
    for &(cell, first, n) in left_out {
        let at = (cell / (layers * keys), (cell / keys) % layers);
        let m = match masks.iter().position(|(k, _)| *k == at) {
            Some(m) => m,
            None => {
                masks.push((at, vec![1.0; rows * keys]));
                masks.len() - 1
            }
        };
        for row in first..first + n {
            masks[m].1[row * keys + cell % keys] = 0.0;
        }
    }
    masks
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

#[cfg(test)]
mod tests {
    use super::passes;

    #[test]
    fn cells_share_a_pass_when_that_costs_less_than_one_of_their_own() {
        let layer = |cell: usize| cell;
        // 30 blocks, 16 prompts: a cell joins while it sits at most ~half-way above the pass.
        let order = [0, 1, 8, 15, 16, 29];
        let cut = passes(&order, layer, 30, 16, 8);
        assert_eq!(cut, vec![&[0, 1, 8, 15][..], &[16], &[29]]);
        // At most `max` cells a pass.
        assert_eq!(passes(&order, layer, 30, 16, 2).len(), 4);
        // Every cell on one block: one pass.
        assert_eq!(passes(&[5, 5, 5], layer, 30, 16, 8).len(), 1);
    }
}
