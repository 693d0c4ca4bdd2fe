//! The planted text task used by the browser tests (models/fixtures/tiny-llama-planted.jsonl):
//! letter prompts whose answers are planted through one known cell of the tiny Llama
//! (α = 4 at blocks.1.hook_mlp_out, last position, raises y⁺ and lowers y⁻ most). This test
//! rebuilds it and checks the committed file is current (`UPDATE_FIXTURES=1` rewrites it), and
//! checks that the fit the browser test runs (ActivScalar, 50 steps, λ_M 0.001, lr 0.1, λ_F 0.2) flips it.

use std::path::PathBuf;

use activscalar_core::fit::{FitOptions, Fitter};
use activscalar_core::interventions::{Dims, Intervention, Method};
use activscalar_core::metrics::evaluate;
use activscalar_core::models::TokenBatch;
use activscalar_core::rng::Rng;
use activscalar_core::tasks::{TaskSource, TaskSpec, custom, prepare};
use activscalar_core::{Device, LoadedModel, ModelFiles, load_model};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures")
}

fn tiny() -> LoadedModel {
    load_model(
        ModelFiles::from_path(&fixtures().join("tiny-llama")).unwrap(),
        &Device::flex(),
    )
    .unwrap()
}

const ROWS: usize = 16;
const LEN: usize = 6;

/// Prompts of random letters that are exactly `LEN` tokens long.
fn prompts(m: &LoadedModel) -> Vec<(String, Vec<u32>)> {
    let mut rng = Rng::new(3);
    let mut out = Vec::new();
    while out.len() < ROWS {
        let n = LEN - 1 + rng.below(3);
        let text: String = (0..n)
            .map(|_| (b'a' + rng.below(26) as u8) as char)
            .collect();
        let ids = m.tokenizer.encode(&text).unwrap();
        if ids.len() == LEN && !out.iter().any(|(t, _)| *t == text) {
            out.push((text, ids));
        }
    }
    out
}

fn planted_jsonl(m: &LoadedModel) -> String {
    let device = m.model.device();
    let c = m.model.config();
    let d = Dims {
        sites: 2,
        layers: c.n_layers,
        positions: LEN,
        d_model: c.d_model,
    };
    let cell = d.layers * LEN + LEN + (LEN - 1); // mlp_out, layer 1, last position
    let mut alpha = vec![0f32; 2 * d.layers * LEN];
    alpha[cell] = 4.0;
    let star = Intervention::from_host(Method::ActivScalar, d, &[alpha], device).unwrap();
    let p = prompts(m);
    let ids: Vec<Vec<u32>> = p.iter().map(|(_, i)| i.clone()).collect();
    let batch = TokenBatch::new(&ids, device).unwrap();
    let read = |t: activscalar_core::Tensor<2>| {
        pollster::block_on(activscalar_core::engine::read_vec(t)).unwrap()
    };
    let base = read(m.model.logits_last(&batch, None).unwrap());
    let steered = read(m.model.logits_last(&batch, Some(&star.hooks(1.0))).unwrap());
    let v = c.vocab_size;
    // Answers must survive text round trips: single tokens that re-encode to themselves.
    let usable: Vec<u32> = (0..v as u32)
        .filter(|&t| {
            let s = m.tokenizer.token_text(t);
            s.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ')
                && !s.trim().is_empty()
                && m.tokenizer.encode_plain(&s).unwrap() == vec![t]
        })
        .collect();
    p.iter()
        .enumerate()
        .map(|(i, (text, _))| {
            let delta = |t: u32| steered[i * v + t as usize] - base[i * v + t as usize];
            let pos = *usable
                .iter()
                .max_by(|&&a, &&b| delta(a).total_cmp(&delta(b)))
                .unwrap();
            let neg = *usable
                .iter()
                .min_by(|&&a, &&b| delta(a).total_cmp(&delta(b)))
                .unwrap();
            serde_json::json!({
                "prompt": text,
                "correct": m.tokenizer.token_text(pos),
                "wrong": m.tokenizer.token_text(neg),
            })
            .to_string()
                + "\n"
        })
        .collect()
}

#[test]
fn planted_fixture_is_current_and_flips() {
    let m = tiny();
    let text = planted_jsonl(&m);
    let path = fixtures().join("tiny-llama-planted.jsonl");
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed =
        std::fs::read_to_string(&path).expect("run with UPDATE_FIXTURES=1 to create it");
    assert_eq!(
        committed, text,
        "fixture out of date: rerun with UPDATE_FIXTURES=1"
    );

    let spec = TaskSpec::new(
        TaskSource::Custom {
            rows: custom::parse(&text).unwrap(),
        },
        0,
        0.5,
    );
    let task = prepare(&spec, &m.tokenizer, true).unwrap();
    assert_eq!(task.all().count(), ROWS, "{}", task.summary());
    let mut o = FitOptions::new(Method::ActivScalar);
    (o.steps, o.lambda_m, o.lr, o.lambda_f) = (50, 0.001, 0.1, 0.2);
    let mut fit = Fitter::new(&m.model, &task, o, None).unwrap();
    while pollster::block_on(fit.step()).unwrap().is_some() {}
    let iv = fit.intervention();
    let train = pollster::block_on(evaluate(&m.model, Some(&iv), &task.train, 64)).unwrap();
    assert!(
        train.plus.flip_accuracy >= 0.99 && train.minus.flip_accuracy >= 0.99,
        "{train:?}"
    );
}
