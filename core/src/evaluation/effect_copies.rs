//! The effect copies of one evaluation pass. A copy repeats the copied prompts (the test split's,
//! or those whose effects are asked for) at β = +1 with one cell's α left out. It joins the pass at that cell's block and computes only the positions
//! from the first one the cell changes: in every later block the positions before it equal the
//! β = +1 rows', so the copy reads their keys and values instead of recomputing them.
//!
//! A prompt's copies lie side by side in one row (one segment per cell), so a block multiplies
//! by its weights once for all of them. An attention mask keeps each segment to the β = +1
//! row's positions before its first one and to its own positions up to the current one. The
//! attention's scores grow with the square of a row's length, so segments beyond
//! [`COLUMNS`] positions go to another batch; all batches read the β = +1 rows' keys and
//! values gathered once per block.

use burn::tensor::{Bool, Int, Tensor, TensorData};

use crate::interventions::{Intervention, Steering, key_at};
use crate::models::Model;
use crate::models::layers::{KeyValues, Rope, Span};
use crate::tasks::Example;

/// Most positions in a row of copies, unless one copy alone has more.
const COLUMNS: usize = 128;

/// The copy of one cell.
#[derive(Clone, Copy)]
pub(super) struct Segment {
    /// Index into the requested cells.
    pub index: usize,
    /// The ActivScalar cell it leaves out.
    pub cell: usize,
    /// The block where the copy joins: its cell's.
    pub layer: usize,
    /// The first position the cell changes on any of the prompts, the first the copy computes.
    pub start: usize,
}

/// What every batch of a pass's copies shares: the prompts and where they sit in the pass.
struct Copied<'a> {
    iv: &'a Intervention,
    seq: usize,
    /// The prompts, one row each.
    prompts: Vec<&'a Example>,
    /// The pass's rows that hold them at β = +1: (first row, count) per part, in their order.
    plus_rows: Vec<(usize, usize)>,
}

/// The rotary tables, mask and hooks of the segments joined so far.
struct Layout {
    rope: Option<Rope>,
    mask: Tensor<2, Bool>,
    hooks: Steering,
    /// Where each joined segment ends (its last position's column).
    ends: Vec<usize>,
}

/// One row of copies per prompt: segments side by side, at most [`COLUMNS`] positions.
struct Batch {
    /// The segments in the order they join (lowest block first); the first `joined` have joined.
    segments: Vec<Segment>,
    joined: usize,
    x: Option<Tensor<3>>,
    layout: Option<Layout>,
}

/// A pass's effect copies, moved on block by block beside its main rows.
pub(super) struct EffectCopies<'a> {
    copied: Copied<'a>,
    batches: Vec<Batch>,
}

impl<'a> EffectCopies<'a> {
    /// Copies of `seq`-token `prompts` (whose β = +1 rows in the pass are `plus_rows`), one per
    /// segment, in batches of at most [`COLUMNS`] positions a row (lowest blocks together).
    pub fn new(
        iv: &'a Intervention,
        seq: usize,
        prompts: Vec<&'a Example>,
        plus_rows: Vec<(usize, usize)>,
        mut segments: Vec<Segment>,
    ) -> EffectCopies<'a> {
        segments.sort_by_key(|s| s.layer);
        let mut batches: Vec<Batch> = Vec::new();
        let mut columns = 0;
        for s in segments {
            let width = seq - s.start;
            match batches.last_mut() {
                Some(b) if columns + width <= COLUMNS.max(seq) => b.segments.push(s),
                _ => {
                    batches.push(Batch {
                        segments: vec![s],
                        joined: 0,
                        x: None,
                        layout: None,
                    });
                    columns = 0;
                }
            }
            columns += width;
        }
        EffectCopies {
            copied: Copied {
                iv,
                seq,
                prompts,
                plus_rows,
            },
            batches,
        }
    }

    /// The lowest block a copy joins at, if there are copies.
    pub fn first_layer(&self) -> Option<usize> {
        (self.batches.iter())
            .filter_map(|b| b.segments.first().map(|s| s.layer))
            .min()
    }

    /// Block `layer` for the copies: those joining at it are taken from `main` (the pass's main
    /// rows entering it); then every joined copy runs it, reading the earlier positions' keys
    /// and values from `kv` (the main rows', in this block).
    pub fn block(&mut self, model: &Model, layer: usize, main: &Tensor<3>, kv: &KeyValues) {
        let c = &self.copied;
        let joining = self.batches.iter().any(|b| b.joining(layer) > 0);
        if !joining && self.batches.iter().all(|b| b.joined == 0) {
            return;
        }
        let plus = joining.then(|| c.plus(|r, n| main.clone().narrow(0, r, n)));
        let past = KeyValues::cat(c.plus_rows.iter().map(|&(r, n)| kv.rows(r, n)).collect());
        for b in &mut self.batches {
            if let Some(plus) = &plus {
                b.join(model, c, layer, plus);
            }
            b.run(model, layer, &past);
        }
    }

    /// Each segment's index (into the requested cells) and next-token logits `[prompts,
    /// vocab]`, once every block has run.
    pub fn logits(self, model: &Model) -> Vec<(usize, Tensor<2>)> {
        (self.batches.into_iter())
            .flat_map(|b| b.logits(model))
            .collect()
    }
}

impl Copied<'_> {
    /// The prompts' β = +1 rows of a tensor over the pass's rows, one per prompt.
    fn plus<const D: usize>(&self, rows: impl Fn(usize, usize) -> Tensor<D>) -> Tensor<D> {
        Tensor::cat(self.plus_rows.iter().map(|&(r, n)| rows(r, n)).collect(), 0)
    }

    /// The (site, layer) of an ActivScalar cell.
    fn site_layer(&self, cell: usize) -> (usize, usize) {
        let d = &self.iv.dims;
        (
            cell / (d.layers * d.positions),
            (cell / d.positions) % d.layers,
        )
    }
}

impl Batch {
    /// How many segments join at block `layer`.
    fn joining(&self, layer: usize) -> usize {
        self.segments[self.joined..]
            .iter()
            .take_while(|s| s.layer == layer)
            .count()
    }

    /// Adds the segments joining at block `layer`, cut from `plus` (the β = +1 rows entering it).
    fn join(&mut self, model: &Model, c: &Copied, layer: usize, plus: &Tensor<3>) {
        let joining = self.joining(layer);
        if joining == 0 {
            return;
        }
        let mut pieces: Vec<Tensor<3>> = self.x.take().into_iter().collect();
        for s in &self.segments[self.joined..self.joined + joining] {
            pieces.push(plus.clone().narrow(1, s.start, c.seq - s.start));
        }
        self.x = Some(Tensor::cat(pieces, 1));
        self.joined += joining;
        self.layout = Some(layout(model, c, &self.segments[..self.joined]));
    }

    /// Runs block `layer` on the joined segments, reading the earlier positions from `past`.
    fn run(&mut self, model: &Model, layer: usize, past: &KeyValues) {
        let (Some(x), Some(layout)) = (self.x.take(), self.layout.as_ref()) else {
            return;
        };
        let span = Span {
            rope: layout.rope.as_ref(),
            past: Some(past),
            mask: Some(&layout.mask),
        };
        self.x = Some(model.block(layer, x, span, Some(&layout.hooks)).0);
    }

    /// Each joined segment's index and next-token logits `[prompts, vocab]`.
    fn logits(self, model: &Model) -> Vec<(usize, Tensor<2>)> {
        let (Some(x), Some(layout)) = (self.x, self.layout) else {
            return Vec::new();
        };
        let [rows, _, _] = x.dims();
        let device = x.device();
        let index = |at: &[usize]| {
            let at: Vec<i64> = at.iter().map(|&a| a as i64).collect();
            let n = at.len();
            Tensor::<1, Int>::from_data(TensorData::new(at, [n]), &device)
        };
        let logits = model.unembed(x.select(1, index(&layout.ends)));
        let vocab = logits.dims()[2];
        // Selected, not narrowed: see `copied_rows` in the parent module.
        (self.segments.iter().zip(0..layout.ends.len()))
            .map(|(s, i)| {
                let one = logits.clone().select(1, index(&[i]));
                (s.index, one.reshape([rows, vocab]))
            })
            .collect()
    }
}

/// The layout of the joined `segments` (built on the host, at each block where some join).
fn layout(model: &Model, c: &Copied, segments: &[Segment]) -> Layout {
    let device = model.device();
    let (seq, keys) = (c.seq, c.iv.dims.positions);
    // (segment, position) of every column.
    let columns: Vec<(usize, usize)> = (segments.iter().enumerate())
        .flat_map(|(i, s)| (s.start..seq).map(move |p| (i, p)))
        .collect();
    let t = columns.len();
    let mut mask = vec![true; t * (seq + t)];
    for (row, &(i, p)) in columns.iter().enumerate() {
        let at = &mut mask[row * (seq + t)..(row + 1) * (seq + t)];
        at[..segments[i].start].fill(false);
        for (col, &(j, q)) in columns.iter().enumerate() {
            if j == i && q <= p {
                at[seq + col] = false;
            }
        }
    }
    let mask = Tensor::<2, Bool>::from_data(TensorData::new(mask, [t, seq + t]), device);
    // Each column's key in each prompt, θ laid on it, and every cell left out of its own
    // segment wherever its key is.
    let rows = c.prompts.len();
    let mut map = vec![0.0f32; rows * t * keys];
    let mut keep: Vec<((usize, usize), Vec<f32>)> = Vec::new();
    for (r, e) in c.prompts.iter().enumerate() {
        for (col, &(i, p)) in columns.iter().enumerate() {
            let Some(k) = key_at(e, p, keys) else {
                continue;
            };
            map[(r * t + col) * keys + k] = 1.0;
            let cell = segments[i].cell;
            if cell % keys == k {
                let at = c.site_layer(cell);
                let m = match keep.iter().position(|(a, _)| *a == at) {
                    Some(m) => m,
                    None => {
                        keep.push((at, vec![1.0; rows * t]));
                        keep.len() - 1
                    }
                };
                keep[m].1[r * t + col] = 0.0;
            }
        }
    }
    let map = Tensor::from_data(TensorData::new(map, [rows, t, keys]), device);
    let mut hooks = c.iv.hooks(1.0).at_positions(Some(map));
    for ((site, layer), keep) in keep {
        let keep = Tensor::<3>::from_data(TensorData::new(keep, [rows, t, 1]), device);
        hooks.keep_at_positions(site, layer, keep);
    }
    let mut ends = Vec::new();
    let mut end = 0;
    for s in segments {
        end += seq - s.start;
        ends.push(end - 1);
    }
    let positions: Vec<usize> = columns.iter().map(|&(_, p)| p).collect();
    Layout {
        rope: model.rope_at(&positions),
        mask,
        hooks,
        ends,
    }
}
