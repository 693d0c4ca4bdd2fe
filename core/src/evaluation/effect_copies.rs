//! The effect copies of one evaluation pass. A copy repeats the test prompts at β = +1 with one
//! cell's α left out. It joins the pass at that cell's block and computes only the positions
//! from the first one the cell changes: in every later block the positions before it equal the
//! β = +1 rows', so the copy reads their keys and values instead of recomputing them.
//!
//! A prompt's copies lie side by side in one row (one segment per cell), so a block multiplies
//! by its weights once for all of them. An attention mask keeps each segment to the β = +1
//! row's positions before its first one and to its own positions up to the current one.

use burn::tensor::{Bool, Int, Tensor, TensorData};

use crate::interventions::{Intervention, Steering};
use crate::models::Model;
use crate::models::layers::{KeyValues, Rope, Span};
use crate::tasks::Example;

/// The copy of one cell.
#[derive(Clone, Copy)]
pub(super) struct Segment {
    /// Index into the requested cells.
    pub cell: usize,
    /// The ActivScalar cell it leaves out.
    pub cell_id: usize,
    /// The block where the copy joins: its cell's.
    pub layer: usize,
    /// The first position the cell changes on any of the prompts, the first the copy computes.
    pub start: usize,
}

/// The positions, rotary tables, mask and hooks of the segments joined so far.
struct Layout {
    rope: Option<Rope>,
    mask: Tensor<2, Bool>,
    hooks: Steering,
    /// Where each joined segment ends (its last position's column).
    ends: Vec<usize>,
}

/// The effect copies of a pass, moved on block by block beside its main rows.
pub(super) struct EffectCopies<'a> {
    iv: &'a Intervention,
    seq: usize,
    /// One row per prompt: the prompts, and the rows of the pass that hold them at β = +1
    /// (first row, count), in the same order.
    prompts: Vec<&'a Example>,
    plus_rows: Vec<(usize, usize)>,
    /// The segments in the order they join (lowest block first); the first `joined` have.
    segments: Vec<Segment>,
    joined: usize,
    x: Option<Tensor<3>>,
    layout: Option<Layout>,
}

impl<'a> EffectCopies<'a> {
    /// Copies of `seq`-token `prompts` (whose β = +1 rows in the pass are `plus_rows`), one per
    /// segment.
    pub fn new(
        iv: &'a Intervention,
        seq: usize,
        prompts: Vec<&'a Example>,
        plus_rows: Vec<(usize, usize)>,
        mut segments: Vec<Segment>,
    ) -> EffectCopies<'a> {
        segments.sort_by_key(|s| s.layer);
        EffectCopies {
            iv,
            seq,
            prompts,
            plus_rows,
            segments,
            joined: 0,
            x: None,
            layout: None,
        }
    }

    /// The lowest block a copy joins at, if there are copies.
    pub fn first_layer(&self) -> Option<usize> {
        self.segments.first().map(|s| s.layer)
    }

    /// Block `layer` for the copies: those joining at it are taken from `x` (the pass's main
    /// rows entering it); then every joined copy runs it, reading the earlier positions' keys
    /// and values from `kv` (the main rows', in this block).
    pub fn block(&mut self, model: &Model, layer: usize, x: &Tensor<3>, kv: &KeyValues) {
        let joining = self.segments[self.joined..]
            .iter()
            .take_while(|s| s.layer == layer)
            .count();
        if joining > 0 {
            let plus = self.plus(|r, n| x.clone().narrow(0, r, n));
            let mut pieces: Vec<Tensor<3>> = self.x.take().into_iter().collect();
            for s in &self.segments[self.joined..self.joined + joining] {
                pieces.push(plus.clone().narrow(1, s.start, self.seq - s.start));
            }
            self.x = Some(Tensor::cat(pieces, 1));
            self.joined += joining;
            self.layout = Some(self.layout(model));
        }
        let (Some(x), Some(layout)) = (self.x.take(), self.layout.as_ref()) else {
            return;
        };
        let past = KeyValues::cat(self.plus_rows.iter().map(|&(r, n)| kv.rows(r, n)).collect());
        let span = Span {
            rope: layout.rope.as_ref(),
            past: Some(&past),
            mask: Some(&layout.mask),
        };
        self.x = Some(model.block(layer, x, span, Some(&layout.hooks)).0);
    }

    /// Each segment's cell (index into the requested cells) and next-token logits
    /// `[prompts, vocab]`, once every block has run.
    pub fn logits(self, model: &Model) -> Vec<(usize, Tensor<2>)> {
        let (Some(x), Some(layout)) = (self.x, self.layout) else {
            return Vec::new();
        };
        let [rows, _, _] = x.dims();
        let ends: Vec<i64> = layout.ends.iter().map(|&e| e as i64).collect();
        let n = ends.len();
        let ends = Tensor::<1, Int>::from_data(TensorData::new(ends, [n]), &x.device());
        let logits = model.unembed(x.select(1, ends));
        let vocab = logits.dims()[2];
        (self.segments.iter().enumerate())
            .map(|(i, s)| {
                (
                    s.cell,
                    logits.clone().narrow(1, i, 1).reshape([rows, vocab]),
                )
            })
            .collect()
    }

    /// The prompts' β = +1 rows of a tensor over the pass's rows, one per prompt.
    fn plus<const D: usize>(&self, rows: impl Fn(usize, usize) -> Tensor<D>) -> Tensor<D> {
        Tensor::cat(self.plus_rows.iter().map(|&(r, n)| rows(r, n)).collect(), 0)
    }

    /// The layout of the joined segments.
    fn layout(&self, model: &Model) -> Layout {
        let device = model.device();
        let segments = &self.segments[..self.joined];
        let (seq, keys) = (self.seq, self.iv.dims.positions);
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
        let key = |e: &Example, p: usize| match e.keys.is_empty() {
            true => Some(p),
            false => e.keys.get(p).map(|&k| k as usize),
        };
        let rows = self.prompts.len();
        let mut map = vec![0.0f32; rows * t * keys];
        let mut keep: Vec<((usize, usize), Vec<f32>)> = Vec::new();
        for (r, e) in self.prompts.iter().enumerate() {
            for (col, &(i, p)) in columns.iter().enumerate() {
                let Some(k) = key(e, p).filter(|&k| k < keys) else {
                    continue;
                };
                map[(r * t + col) * keys + k] = 1.0;
                let cell = segments[i].cell_id;
                if cell % keys == k {
                    let at = self.site_layer(cell);
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
        let mut hooks = self.iv.hooks(1.0).at_positions(Some(map));
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

    /// The (site, layer) of an ActivScalar cell.
    fn site_layer(&self, cell: usize) -> (usize, usize) {
        let d = &self.iv.dims;
        (
            cell / (d.layers * d.positions),
            (cell / d.positions) % d.layers,
        )
    }
}
