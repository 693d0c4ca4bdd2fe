//! A fit's evaluation in as few forward passes as possible. Prompts of one length share a pass
//! whichever split they come from: the training split's at β = ±1 (its base outputs are known
//! from the fit), the others' at β = 0 and ±1. The effects of cells are measured beside the
//! pass: a cell's copy of the test prompts at β = +1 joins at the cell's block and computes
//! only the positions from the first one the cell changes (`effect_copies`), so the blocks
//! below it and the positions before it run once for all. [`effects_on`] measures cells the
//! same way on prompts run at β = +1 alone.

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::error::Result;
use crate::groups::{LengthGroup, batches_by_length, tokens_of};
use crate::interventions::{self, Intervention, Strength, key_at, position_map};
use crate::metrics::{Columns, SplitMetrics, read};
use crate::models::layers::Span;
use crate::models::{Model, TokenBatch};
use crate::objective::{Targets, answer_ids, logit_diff, other_mass, pair_diff};
use crate::tasks::Example;

mod effect_copies;

use effect_copies::{EffectCopies, Segment};

/// Most prompts of one split in one part of a pass (as [`crate::metrics::evaluate`] batches).
const PART_PROMPTS: usize = 32;

/// Most rows (prompt copies, effect copies counted by their positions) in one pass, unless a
/// single part has more.
const PASS_ROWS: usize = 256;

/// What [`evaluate_splits`] measured.
pub struct SplitsMeasured {
    /// Training split.
    pub train: SplitMetrics,
    /// Validation split, when it has prompts.
    pub validation: Option<SplitMetrics>,
    /// Test split.
    pub test: SplitMetrics,
    /// (cell, effect) for every requested cell (ActivScalar), in their order: the drop in the
    /// test split's mean LD at β = +1 when that one α is zeroed.
    pub effects: Vec<(usize, f64)>,
}

/// Prompts of one length from one split, and how they are measured.
enum Prompts<'a> {
    /// A fit's group, whose base outputs are known: β = +1 and −1.
    Known(&'a LengthGroup),
    /// Prompts measured at β = 0, +1 and −1.
    Fresh(Vec<&'a Example>),
    /// Prompts run at β = +1 only, for their effect copies.
    Plus(Vec<&'a Example>),
}

/// One split's prompts in a pass.
struct Part<'a> {
    split: usize,
    prompts: Prompts<'a>,
    /// Indices (into the requested cells) of the effects measured on these prompts.
    variants: Vec<usize>,
    /// Positions the effect copies of one prompt compute, all cells together.
    copy_width: usize,
}

impl<'a> Part<'a> {
    /// `prompts` of split `split`, with no effects to measure.
    fn new(split: usize, prompts: Prompts<'a>) -> Part<'a> {
        Part {
            split,
            prompts,
            variants: Vec::new(),
            copy_width: 0,
        }
    }

    /// Measures the effects of `variants` (indices into `cells`) on the part's prompts.
    fn measuring(mut self, iv: &Intervention, cells: &[usize], variants: &[usize]) -> Part<'a> {
        self.variants = variants.to_vec();
        if let Some(batch) = self.copied() {
            let (seq, keys) = (self.prompt_len(), iv.dims.positions);
            let start = |&i: &usize| first_changed(batch, cells[i] % keys, keys, seq);
            self.copy_width = variants.iter().map(|i| seq - start(i)).sum();
        }
        self
    }

    fn len(&self) -> usize {
        match &self.prompts {
            Prompts::Known(g) => g.len(),
            Prompts::Fresh(v) | Prompts::Plus(v) => v.len(),
        }
    }

    fn prompt_len(&self) -> usize {
        match &self.prompts {
            Prompts::Known(g) => g.tokens.seq(),
            Prompts::Fresh(v) | Prompts::Plus(v) => v[0].ids.len(),
        }
    }

    /// β of each copy of the prompts that runs from the first block.
    fn betas(&self) -> Vec<f32> {
        match self.prompts {
            Prompts::Known(_) => vec![1.0, -1.0],
            Prompts::Fresh(_) => vec![0.0, 1.0, -1.0],
            Prompts::Plus(_) => vec![1.0],
        }
    }

    /// Which of [`betas`](Self::betas)' copies runs β = +1.
    fn plus_copy(&self) -> usize {
        match self.prompts {
            Prompts::Known(_) | Prompts::Plus(_) => 0,
            Prompts::Fresh(_) => 1,
        }
    }

    /// Whether the part's split metrics are measured (all but [`Prompts::Plus`]).
    fn measured(&self) -> bool {
        !matches!(self.prompts, Prompts::Plus(_))
    }

    /// The prompts the pass's effect copies repeat: a part's with effects to measure.
    fn copied(&self) -> Option<&[&'a Example]> {
        match &self.prompts {
            Prompts::Fresh(batch) | Prompts::Plus(batch) if !self.variants.is_empty() => {
                Some(batch)
            }
            _ => None,
        }
    }

    /// Rows in the last block, the effect copies' positions counted as whole rows (exact when
    /// the pass's other copied prompts change at the same positions).
    fn rows(&self) -> usize {
        let copies = self.copy_width.div_ceil(self.prompt_len().max(1));
        self.len() * (self.betas().len() + copies)
    }
}

/// Evaluates θ on the training split (the fit's groups when given, else `train`), the
/// validation and test splits, and the effects of `cells` (ActivScalar) on the test split.
pub async fn evaluate_splits(
    model: &Model,
    iv: &Intervention,
    train: (&[Example], Option<&[&LengthGroup]>),
    validation: &[Example],
    test: &[Example],
    cells: &[usize],
) -> Result<SplitsMeasured> {
    let variants = if test.is_empty() {
        Vec::new()
    } else {
        measurable(iv, cells)
    };
    let mut parts: Vec<Part> = match train.1 {
        Some(groups) => (groups.iter())
            .map(|g| Part::new(0, Prompts::Known(g)))
            .collect(),
        None => in_parts(0, train.0, Prompts::Fresh),
    };
    parts.extend(in_parts(1, validation, Prompts::Fresh));
    parts.extend(
        (in_parts(2, test, Prompts::Fresh).into_iter()).map(|p| p.measuring(iv, cells, &variants)),
    );
    let mut columns: [Columns; 3] = Default::default();
    let sums = run_passes(model, iv, cells, parts, &mut columns).await?;
    let [train_c, val_c, test_c] = columns;
    let test_m = test_c.metrics();
    let effects = effects_from(cells, &variants, &sums, test_m.plus.mean_ld, test.len());
    Ok(SplitsMeasured {
        train: train_c.metrics(),
        validation: (!validation.is_empty()).then(|| val_c.metrics()),
        test: test_m,
        effects,
    })
}

/// ActivScalar: each of `cells`' contribution to the mean LD of `examples` at β = +1 — the
/// drop in mean LD when that one α is zeroed — given the mean LD with every cell (`full`).
/// Returns (cell, effect) in the cells' order; nothing for other methods. All the cells' copies
/// of a part run side by side, so memory grows with the cells asked for at once (the page asks
/// for one at a time, a fit's evaluation for at most [`crate::metrics::EFFECT_CELLS`]).
pub async fn effects_on(
    model: &Model,
    iv: &Intervention,
    cells: &[usize],
    examples: &[Example],
    full: f64,
) -> Result<Vec<(usize, f64)>> {
    let variants = measurable(iv, cells);
    if variants.is_empty() || examples.is_empty() {
        return Ok(Vec::new());
    }
    let parts = (in_parts(2, examples, Prompts::Plus).into_iter())
        .map(|p| p.measuring(iv, cells, &variants))
        .collect();
    let sums = run_passes(model, iv, cells, parts, &mut Default::default()).await?;
    Ok(effects_from(cells, &variants, &sums, full, examples.len()))
}

/// Indices of the `cells` whose effects can be measured: all of them for ActivScalar.
fn measurable(iv: &Intervention, cells: &[usize]) -> Vec<usize> {
    if iv.method == interventions::Method::ActivScalar {
        (0..cells.len()).collect()
    } else {
        Vec::new()
    }
}

/// (cell, effect) of the `variants` of `cells`, from the sums of their copies' LDs over `n`
/// prompts and the mean LD with every cell (`full`).
fn effects_from(
    cells: &[usize],
    variants: &[usize],
    sums: &[f64],
    full: f64,
    n: usize,
) -> Vec<(usize, f64)> {
    let n = n.max(1) as f64;
    (variants.iter())
        .map(|&i| (cells[i], full - sums[i] / n))
        .collect()
}

/// Runs `parts` in passes (per prompt length, packed), adding each split's numbers to
/// `columns`; returns the LD sums of the effect copies of each of `cells`.
async fn run_passes(
    model: &Model,
    iv: &Intervention,
    cells: &[usize],
    parts: Vec<Part<'_>>,
    columns: &mut [Columns; 3],
) -> Result<Vec<f64>> {
    let mut by_len: std::collections::BTreeMap<usize, Vec<Part>> = Default::default();
    for p in parts {
        by_len.entry(p.prompt_len()).or_default().push(p);
    }
    let mut sums = vec![0.0f64; cells.len()];
    for parts in by_len.into_values() {
        for pass in packed(parts) {
            run_pass(model, iv, cells, &pass, columns, &mut sums).await?;
        }
    }
    Ok(sums)
}

/// `examples` of split `split` as parts of at most [`PART_PROMPTS`] prompts of one length,
/// each measured as `prompts` says.
fn in_parts<'a>(
    split: usize,
    examples: &'a [Example],
    prompts: fn(Vec<&'a Example>) -> Prompts<'a>,
) -> Vec<Part<'a>> {
    batches_by_length(examples, PART_PROMPTS)
        .into_iter()
        .map(|batch| Part::new(split, prompts(batch)))
        .collect()
}

/// The block of an ActivScalar cell.
fn cell_layer(dims: &interventions::Dims, cell: usize) -> usize {
    (cell / dims.positions) % dims.layers
}

/// `parts` (of one length) packed into passes of at most [`PASS_ROWS`] rows.
fn packed(parts: Vec<Part<'_>>) -> Vec<Vec<Part<'_>>> {
    let mut passes: Vec<Vec<Part>> = Vec::new();
    let mut rows = 0;
    for p in parts {
        let r = p.rows();
        match passes.last_mut() {
            Some(pass) if rows + r <= PASS_ROWS => pass.push(p),
            _ => {
                passes.push(vec![p]);
                rows = 0;
            }
        }
        rows += r;
    }
    passes
}

/// Runs one pass over `parts` and adds what it measured to each split's columns and to the
/// LD sums of the `cells` it measures.
async fn run_pass(
    model: &Model,
    iv: &Intervention,
    cells: &[usize],
    parts: &[Part<'_>],
    columns: &mut [Columns; 3],
    sums: &mut [f64],
) -> Result<()> {
    let device = model.device();
    let keys = iv.dims.positions;
    let (mut ids, mut lengths, mut maps, mut betas) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // The prompts whose effects the pass measures, and their rows at β = +1.
    let (mut copied, mut plus_rows) = (Vec::new(), Vec::new());
    for p in parts {
        let (tokens, map) = match &p.prompts {
            Prompts::Known(g) => (g.tokens.clone(), g.positions.clone()),
            Prompts::Fresh(batch) | Prompts::Plus(batch) => {
                (tokens_of(batch, device)?, position_map(batch, keys, device))
            }
        };
        let (n, runs) = (p.len(), p.betas());
        if let Some(batch) = p.copied() {
            copied.extend(batch.iter().copied());
            plus_rows.push((betas.len() + n * p.plus_copy(), n));
        }
        betas.extend(runs.iter().flat_map(|&b| std::iter::repeat_n(b, n)));
        maps.push((map, n * runs.len(), tokens.seq()));
        ids.push(tokens.ids.repeat_dim(0, runs.len()));
        lengths.extend(tokens.lengths.repeat(runs.len()));
    }
    let rows = betas.len();
    let strength = Tensor::<1>::from_floats(betas.as_slice(), device).reshape([rows, 1, 1]);
    let hooks = iv
        .hooks_with(Strength::PerPrompt(strength))
        .at_positions(joined_maps(maps, keys, device));
    let tokens = TokenBatch {
        ids: Tensor::cat(ids, 0),
        lengths,
    };
    let seq = tokens.seq();
    // Every part with copies measures the same cells.
    let variants = parts.iter().find_map(|p| p.copied().map(|_| &p.variants));
    debug_assert!(
        parts
            .iter()
            .all(|p| p.variants.is_empty() || Some(&p.variants) == variants)
    );
    let segments = (variants.into_iter().flatten())
        .map(|&index| Segment {
            index,
            cell: cells[index],
            layer: cell_layer(&iv.dims, cells[index]),
            start: first_changed(&copied, cells[index] % keys, keys, seq),
        })
        .collect();
    let mut effect = EffectCopies::new(iv, seq, copied, plus_rows, segments);
    // Block by block from the lowest cell's: each effect copy joins at its cell's block.
    let n_layers = model.config().n_layers;
    let first = effect.first_layer().unwrap_or(n_layers);
    let mut x = model.residual_at(&tokens, first, Some(&hooks))?;
    let rope = model.rope(seq);
    let span = Span {
        rope: rope.as_ref(),
        ..Span::default()
    };
    for layer in first..n_layers {
        let (next, kv) = model.block(layer, x.clone(), span, Some(&hooks));
        effect.block(model, layer, &x, &kv);
        x = next;
    }
    // Every measured part's numbers (from the main rows' logits) and every cell's copies' LDs,
    // then one read for the whole pass.
    let mut outs = Vec::new();
    if parts.iter().any(Part::measured) {
        let logits = model.unembed_last(&tokens, x);
        let mut at = 0;
        for p in parts {
            let n = p.len();
            let mut take = || {
                at += n;
                copied_rows(&logits, at - n, n)
            };
            let (targets, base_ld, base_other) = match &p.prompts {
                Prompts::Known(g) => (g.targets.clone(), g.base_ld.clone(), g.base_other.clone()),
                Prompts::Fresh(batch) => {
                    let base = take();
                    let t = Targets::new(batch, base.clone(), device);
                    let (ld, other) = (logit_diff(base.clone(), &t), other_mass(base, &t));
                    (t, ld, other)
                }
                Prompts::Plus(_) => {
                    at += n;
                    continue;
                }
            };
            let (plus, minus) = (take(), take());
            outs.extend(Columns::tensors(&targets, base_ld, base_other, plus, minus));
        }
    }
    // The copied prompts' answers, in the order of their rows.
    let copied_answers: Vec<_> = (parts.iter())
        .filter_map(|p| p.copied())
        .map(|batch| (answer_ids(batch, device), batch.len()))
        .collect();
    let effects = effect.logits(model);
    for (_, copy) in &effects {
        let mut row = 0;
        for ((pos, neg), n) in &copied_answers {
            outs.push(pair_diff(copied_rows(copy, row, *n), pos, neg));
            row += n;
        }
    }
    let host = read(Tensor::cat(outs, 0)).await?;
    let mut offset = 0;
    for p in parts.iter().filter(|p| p.measured()) {
        let n = p.len();
        columns[p.split].push(&host[offset..offset + Columns::COUNT * n], n);
        offset += Columns::COUNT * n;
    }
    let copies: usize = copied_answers.iter().map(|(_, n)| n).sum();
    for (cell, _) in effects {
        sums[cell] += host[offset..offset + copies]
            .iter()
            .map(|&x| f64::from(x))
            .sum::<f64>();
        offset += copies;
    }
    Ok(())
}

/// Rows `start..start + n` of `t`, copied. Narrowed views of a pass's logits would do on the
/// CPU, but from them burn's fused wgpu backend (0.22) computed wrong logit differences
/// (tests/webgpu_evaluation.rs).
fn copied_rows(t: &Tensor<2>, start: usize, n: usize) -> Tensor<2> {
    let at: Vec<i64> = (start as i64..(start + n) as i64).collect();
    let at = Tensor::<1, Int>::from_data(TensorData::new(at, [n]), &t.device());
    t.clone().select(0, at)
}

/// The first position where the α of `key` (of `n_keys`) acts on any of `prompts` (of `seq`
/// tokens; the last position when it acts on none): the first an effect copy of one of its
/// cells computes.
fn first_changed(prompts: &[&Example], key: usize, n_keys: usize, seq: usize) -> usize {
    let acts = |p: &usize| prompts.iter().any(|e| key_at(e, *p, n_keys) == Some(key));
    (0..seq).find(acts).unwrap_or(seq.saturating_sub(1))
}

/// The parts' position maps as one (`None` when every part's is: key p at position p). A part
/// without a map gets that identity written out when another part has one.
fn joined_maps(
    maps: Vec<(Option<Tensor<3>>, usize, usize)>,
    keys: usize,
    device: &Device,
) -> Option<Tensor<3>> {
    if maps.iter().all(|(m, _, _)| m.is_none()) {
        return None;
    }
    let full = maps
        .into_iter()
        .map(|(m, rows, seq)| match m {
            Some(m) => {
                let copies = rows / m.dims()[0];
                m.repeat_dim(0, copies)
            }
            None => identity_map(rows, seq, keys, device),
        })
        .collect();
    Some(Tensor::cat(full, 0))
}

/// Key p at position p, for `rows` prompts of `seq` tokens, as [`position_map`] writes maps.
fn identity_map(rows: usize, seq: usize, keys: usize, device: &Device) -> Tensor<3> {
    let mut data = vec![0.0f32; rows * seq * keys];
    for r in 0..rows {
        for p in 0..seq.min(keys) {
            data[(r * seq + p) * keys + p] = 1.0;
        }
    }
    Tensor::from_data(TensorData::new(data, [rows, seq, keys]), device)
}
