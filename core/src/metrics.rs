//! Evaluation (docs/METHOD.md, "Metrics"): flip accuracy, logit difference and faithfulness per β,
//! the base model's numbers, and minimality (L1, parameters, active sites).

use burn::tensor::activation::softmax;
use burn::tensor::{Int, Tensor, TensorData};

pub use activscalar_types::metrics::{DirectionMetrics, Minimality, SplitMetrics, mean_sd};

use crate::engine::read_vec;
use crate::error::{CoreError, Result};
use crate::interventions::{self, Intervention, Strength};
use crate::models::{Model, TokenBatch};
use crate::objective::{Targets, kl_non_answer, logit_diff};
use crate::tasks::Example;

/// Examples grouped into batches of equal prompt length (at most `max` each).
pub fn batches_by_length<'a>(
    examples: impl IntoIterator<Item = &'a Example>,
    max: usize,
) -> Vec<Vec<&'a Example>> {
    let mut by_len: std::collections::BTreeMap<usize, Vec<&Example>> = Default::default();
    for e in examples {
        by_len.entry(e.ids.len()).or_default().push(e);
    }
    by_len
        .into_values()
        .flat_map(|group| {
            group
                .chunks(max.max(1))
                .map(<[_]>::to_vec)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Evaluates θ (or the base model when `iv` is `None`) on `examples`. Each batch runs the
/// base model and both directions as one forward pass (the prompts three times, at β = 0, +1
/// and −1) and reads its numbers back once.
pub async fn evaluate(
    model: &Model,
    iv: Option<&Intervention>,
    examples: &[Example],
    batch_size: usize,
) -> Result<SplitMetrics> {
    let device = model.device();
    // Per prompt: base LD, then (LD, KL, other-mass change) at β = +1 and at β = −1.
    let mut cols: [Vec<f32>; 7] = Default::default();
    for batch in batches_by_length(examples, batch_size) {
        let n = batch.len();
        let ids: Vec<Vec<u32>> = batch.iter().map(|e| e.ids.clone()).collect();
        let (base, plus, minus) = match iv {
            Some(iv) => {
                let map = interventions::position_map(&batch, iv.dims.positions, device);
                let tripled: Vec<Vec<u32>> = ids.iter().chain(&ids).chain(&ids).cloned().collect();
                let betas: Vec<f32> = [0.0, 1.0, -1.0]
                    .iter()
                    .flat_map(|&b| std::iter::repeat_n(b, n))
                    .collect();
                let hooks = iv
                    .hooks_with(Strength::per_prompt(&betas, device))
                    .at_positions(map.map(|m| m.repeat_dim(0, 3)));
                let logits =
                    model.logits_last(&TokenBatch::new(&tripled, device)?, Some(&hooks))?;
                (
                    logits.clone().narrow(0, 0, n),
                    logits.clone().narrow(0, n, n),
                    logits.narrow(0, 2 * n, n),
                )
            }
            None => {
                let base = model.logits_last(&TokenBatch::new(&ids, device)?, None)?;
                (base.clone(), base.clone(), base)
            }
        };
        let targets = Targets::new(&batch, base.clone(), device);
        let base_other = other_mass(base.clone(), &targets);
        let mut parts = vec![logit_diff(base, &targets)];
        for logits in [plus, minus] {
            parts.push(logit_diff(logits.clone(), &targets));
            parts.push(kl_non_answer(logits.clone(), &targets));
            parts.push(other_mass(logits, &targets) - base_other.clone());
        }
        let host = read(Tensor::cat(parts, 0)).await?;
        for (col, values) in cols.iter_mut().zip(host.chunks(n)) {
            col.extend_from_slice(values);
        }
    }
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
    Ok(SplitMetrics {
        n: examples.len(),
        base_mean_ld: mean(base_ld),
        base_accuracy: base_ld.iter().filter(|&&l| l > 0.0).count() as f64
            / base_ld.len().max(1) as f64,
        plus: dir(1, 1.0),
        minus: dir(4, -1.0),
    })
}

/// Probability mass outside {y⁺, y⁻}, `[N]`.
fn other_mass(logits: Tensor<2>, t: &Targets) -> Tensor<1> {
    let n = logits.dims()[0];
    let p = softmax(logits, 1);
    (p.clone().sum_dim(1) - p.clone().gather(1, t.pos.clone()) - p.gather(1, t.neg.clone()))
        .reshape([n])
}

async fn read(t: Tensor<1>) -> Result<Vec<f32>> {
    read_vec(t).await.map_err(CoreError::Backend)
}

/// Most cells whose effect is measured when a fit is evaluated (each costs one forward pass
/// over the test prompts; more can be measured on request).
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

/// `order` cut into runs of equal `layer`, each at most `max` long.
fn passes(order: &[usize], layer: impl Fn(usize) -> usize, max: usize) -> Vec<&[usize]> {
    let mut out = Vec::new();
    let mut start = 0;
    for end in 1..=order.len() {
        if end == order.len() || end - start == max || layer(order[end]) != layer(order[start]) {
            out.push(&order[start..end]);
            start = end;
        }
    }
    out
}

/// ActivScalar: each cell's contribution to the mean LD at β = +1 — the drop in mean LD when
/// that one α is zeroed — given the mean LD with every cell (`full`). Returns (cell, effect)
/// for `cells`. The cells of one layer run as one pass, each prompt once per cell with that
/// cell's α left out; passes go up the layers, and the blocks below a pass's layer (where every
/// variant is the same) run once for all cells.
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
        let ids: Vec<Vec<u32>> = batch.iter().map(|e| e.ids.clone()).collect();
        let tokens = TokenBatch::new(&ids, device)?;
        let answers =
            |f: fn(&Example) -> u32| -> Vec<i64> { batch.iter().map(|e| f(e) as i64).collect() };
        let (pos, neg) = (answers(|e| e.pos), answers(|e| e.neg));
        // The residual stream entering block `at`, with every cell applied.
        let (mut at, mut x) = (0, model.residual_at(&tokens, 0, Some(&all))?);
        for pass in passes(&order, |i| site_layer(cells[i]).1, (EFFECT_ROWS / n).max(1)) {
            let k = pass.len();
            let from = site_layer(cells[pass[0]]).1;
            x = model.run_blocks(x, at..from, Some(&all));
            at = from;
            let rows: Vec<Vec<u32>> = (0..k).flat_map(|_| ids.iter().cloned()).collect();
            let mut hooks = iv
                .hooks(1.0)
                .at_positions(map.clone().map(|m| m.repeat_dim(0, k)));
            // One keep-mask per (site, layer) that holds a cell of this pass.
            let mut masks: Vec<((usize, usize), Vec<f32>)> = Vec::new();
            for (j, &i) in pass.iter().enumerate() {
                let key = site_layer(cells[i]);
                let m = match masks.iter().position(|(k2, _)| *k2 == key) {
                    Some(m) => m,
                    None => {
                        masks.push((key, vec![1.0; k * n * positions]));
                        masks.len() - 1
                    }
                };
                let p = cells[i] % positions;
                for row in j * n..(j + 1) * n {
                    masks[m].1[row * positions + p] = 0.0;
                }
            }
            for ((site, layer), keep) in masks {
                let keep = Tensor::<1>::from_floats(keep.as_slice(), device).reshape([
                    k * n,
                    positions,
                    1,
                ]);
                hooks.keep_only(site, layer, keep);
            }
            let logits = model.logits_last_from(
                &TokenBatch::new(&rows, device)?,
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
        let ids: Vec<Vec<u32>> = batch.iter().map(|e| e.ids.clone()).collect();
        let map = interventions::position_map(&batch, iv.dims.positions, device);
        let per_pass = (CURVE_ROWS / n).max(1);
        for (chunk_at, chunk) in betas.chunks(per_pass).enumerate() {
            let k = chunk.len();
            let rows: Vec<Vec<u32>> = (0..k).flat_map(|_| ids.iter().cloned()).collect();
            let b: Vec<f32> = chunk
                .iter()
                .flat_map(|&b| std::iter::repeat_n(b as f32, n))
                .collect();
            let hooks = iv
                .hooks_with(Strength::per_prompt(&b, device))
                .at_positions(map.clone().map(|m| m.repeat_dim(0, k)));
            let logits = model.logits_last(&TokenBatch::new(&rows, device)?, Some(&hooks))?;
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
