//! A block run on some of a sequence's positions only, reading the other positions' keys and
//! values (as an evaluation's effect copies do), computes what it computes on the whole
//! sequence at those positions: on each architecture's tiny fixture (GPT-2 without RoPE,
//! Llama with grouped key/value heads, NeoX with partial RoPE), for the positions from any
//! start, and for two such runs side by side in one row under an attention mask.

use std::path::PathBuf;

use activscalar_core::engine::read_vec;
use activscalar_core::models::layers::{KeyValues, Span};
use activscalar_core::models::{Model, TokenBatch};
use activscalar_core::rng::Rng;
use activscalar_core::{Device, LoadedModel, ModelFiles, Tensor, TensorData, load_model};
use burn::tensor::Bool;

const SEQ: usize = 7;

fn fixture(name: &str) -> LoadedModel {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../models/fixtures")
        .join(name);
    load_model(ModelFiles::from_path(&dir).unwrap(), &Device::flex()).unwrap()
}

fn worst_difference(got: Tensor<3>, want: Tensor<3>) -> f32 {
    let host = |t: Tensor<3>| pollster::block_on(read_vec(t.flatten::<1>(0, 2))).unwrap();
    let (got, want) = (host(got), host(want));
    assert_eq!(got.len(), want.len());
    got.iter()
        .zip(&want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0, f32::max)
}

fn batch(model: &Model) -> TokenBatch {
    let mut rng = Rng::new(5);
    let vocab = model.config().vocab_size;
    let prompts: Vec<Vec<u32>> = (0..3)
        .map(|_| (0..SEQ).map(|_| 1 + rng.below(vocab - 1) as u32).collect())
        .collect();
    TokenBatch::new(&prompts, model.device()).unwrap()
}

/// Columns `starts[i]..SEQ` of every i side by side, each attending to the earlier positions
/// of the whole sequence and to its own ones up to itself: (positions, mask).
fn side_by_side(starts: &[usize], device: &Device) -> (Vec<usize>, Tensor<2, Bool>) {
    let columns: Vec<(usize, usize)> = (starts.iter().enumerate())
        .flat_map(|(i, &s)| (s..SEQ).map(move |p| (i, p)))
        .collect();
    let t = columns.len();
    let mut mask = vec![true; t * (SEQ + t)];
    for (row, &(i, p)) in columns.iter().enumerate() {
        for j in 0..starts[i] {
            mask[row * (SEQ + t) + j] = false;
        }
        for (col, &(k, q)) in columns.iter().enumerate() {
            if k == i && q <= p {
                mask[row * (SEQ + t) + SEQ + col] = false;
            }
        }
    }
    let positions = columns.iter().map(|&(_, p)| p).collect();
    (
        positions,
        Tensor::from_data(TensorData::new(mask, [t, SEQ + t]), device),
    )
}

/// Runs every block on the whole batch and, beside it, on the columns `take` picks from the
/// residual stream (at `positions`), reading `past(kv)` of the whole batch's keys and values
/// under `mask`; after each block the columns must equal `take` of the whole batch's.
fn check_columns(
    what: &str,
    model: &Model,
    positions: &[usize],
    take: impl Fn(Tensor<3>) -> Tensor<3>,
    past: impl Fn(KeyValues) -> KeyValues,
    mask: Option<&Tensor<2, Bool>>,
) {
    let rope = model.rope(SEQ);
    let whole = Span {
        rope: rope.as_ref(),
        ..Span::default()
    };
    let rope_at = model.rope_at(positions);
    let mut x = model.residual_at(&batch(model), 0, None).unwrap();
    let mut columns = take(x.clone());
    for layer in 0..model.config().n_layers {
        let (next, kv) = model.block(layer, x, whole, None);
        let past = past(kv);
        let span = Span {
            rope: rope_at.as_ref(),
            past: Some(&past),
            mask,
        };
        columns = model.block(layer, columns, span, None).0;
        x = next;
        let worst = worst_difference(columns.clone(), take(x.clone()));
        assert!(worst < 1e-4, "{what}, block {layer}: differs by {worst}");
    }
}

#[test]
fn later_positions_with_the_earlier_keys_and_values_match_the_whole_sequence() {
    for name in ["tiny-gpt2", "tiny-llama", "tiny-neox"] {
        let m = fixture(name);
        for start in 1..SEQ {
            let positions: Vec<usize> = (start..SEQ).collect();
            check_columns(
                &format!("{name} from position {start}"),
                &m.model,
                &positions,
                |x| x.narrow(1, start, SEQ - start),
                |kv| kv.first(start),
                None,
            );
        }
    }
}

#[test]
fn runs_side_by_side_under_a_mask_match_the_whole_sequence() {
    for name in ["tiny-gpt2", "tiny-llama", "tiny-neox"] {
        let m = fixture(name);
        for starts in [[4, 1], [0, 6], [3, 3]] {
            let (positions, mask) = side_by_side(&starts, m.model.device());
            check_columns(
                &format!("{name} from positions {starts:?}"),
                &m.model,
                &positions,
                |x| Tensor::cat(starts.map(|s| x.clone().narrow(1, s, SEQ - s)).to_vec(), 1),
                |kv| kv,
                Some(&mask),
            );
        }
    }
}
