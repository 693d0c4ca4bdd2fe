//! Parity with Hugging Face transformers (and llama.cpp's `gguf` quantiser) on tiny
//! random-weight models: last-position logits and every attn_out / mlp_out activation must
//! match within 1e-4 (f32, CPU backend). Goldens: tests/parity/make_goldens.py.

use std::path::PathBuf;

use activscalar_core::engine::read_vec;
use activscalar_core::hooks::Recorder;
use activscalar_core::models::TokenBatch;
use activscalar_core::{Device, LoadedModel, ModelFiles, load_model};
use serde::Deserialize;

const TOL: f32 = 1e-4;

#[derive(Deserialize)]
struct Golden {
    prompts: Vec<GoldenPrompt>,
}

#[derive(Deserialize)]
struct GoldenPrompt {
    text: String,
    ids: Vec<u32>,
    last_logits: Vec<f32>,
    acts: std::collections::BTreeMap<String, Act>,
}

#[derive(Deserialize)]
struct Act {
    shape: Vec<usize>,
    data: Vec<f32>,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn golden(name: &str) -> Golden {
    let path = repo()
        .join("tests/parity/goldens")
        .join(format!("{name}.json"));
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn load(fixture: &str) -> LoadedModel {
    let files = ModelFiles::from_path(&repo().join("models/fixtures").join(fixture)).unwrap();
    load_model(files, &Device::flex()).unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "length mismatch");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    pollster::block_on(f)
}

/// One prompt at a time: ids, last logits and every hook site.
fn check_prompts(fixture: &str, golden_name: &str) {
    let m = load(fixture);
    let g = golden(golden_name);
    for p in &g.prompts {
        assert_eq!(
            m.tokenizer.encode(&p.text).unwrap(),
            p.ids,
            "token ids of {:?}",
            p.text
        );
        let batch = TokenBatch::new(std::slice::from_ref(&p.ids), m.model.device()).unwrap();
        let rec = Recorder::default();
        let logits = block_on(read_vec(m.model.logits_last(&batch, Some(&rec)).unwrap())).unwrap();
        let d = max_abs_diff(&logits, &p.last_logits);
        assert!(
            d < TOL,
            "{golden_name} {:?}: last logits differ by {d}",
            p.text
        );
        let seen = rec.seen.into_inner();
        assert_eq!(seen.len(), p.acts.len(), "number of hook sites");
        for (site, layer, act) in seen {
            let name = site.hook_name(layer);
            let want = &p.acts[&name];
            assert_eq!(act.dims()[1..], want.shape[..], "{name} shape");
            let got = block_on(read_vec(act)).unwrap();
            let d = max_abs_diff(&got, &want.data);
            assert!(d < TOL, "{golden_name} {:?}: {name} differs by {d}", p.text);
        }
    }
}

/// All prompts in one right-padded batch: each row's last logits still match.
fn check_padded_batch(fixture: &str, golden_name: &str) {
    let m = load(fixture);
    let g = golden(golden_name);
    let ids: Vec<Vec<u32>> = g.prompts.iter().map(|p| p.ids.clone()).collect();
    let batch = TokenBatch::new(&ids, m.model.device()).unwrap();
    let logits = block_on(read_vec(m.model.logits_last(&batch, None).unwrap())).unwrap();
    let v = g.prompts[0].last_logits.len();
    for (i, p) in g.prompts.iter().enumerate() {
        let d = max_abs_diff(&logits[i * v..(i + 1) * v], &p.last_logits);
        assert!(
            d < TOL,
            "{golden_name} batched row {i}: logits differ by {d}"
        );
    }
}

#[test]
fn gpt2_matches_transformers() {
    check_prompts("tiny-gpt2", "tiny-gpt2");
    check_padded_batch("tiny-gpt2", "tiny-gpt2");
}

#[test]
fn neox_matches_transformers() {
    check_prompts("tiny-neox", "tiny-neox");
    check_padded_batch("tiny-neox", "tiny-neox");
}

#[test]
fn llama_matches_transformers() {
    check_prompts("tiny-llama", "tiny-llama");
    check_padded_batch("tiny-llama", "tiny-llama");
}

#[test]
fn llama_gguf_matches_transformers_on_llama_cpp_dequantised_weights() {
    check_prompts("tiny-llama.gguf", "tiny-llama-gguf");
    check_padded_batch("tiny-llama.gguf", "tiny-llama-gguf");
}
