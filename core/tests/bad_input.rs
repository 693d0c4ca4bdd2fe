//! The file and task rows of docs/RELIABILITY.md's matrix, each checked for the message a user
//! sees (the browser tests check that the page keeps its model and result around them). The
//! inputs are the ones `tests/browser/bad-input.test.mjs` drops on the page.

use activscalar_core::engine::Engine;
use activscalar_core::loaders::gguf::GgufFile;
use activscalar_core::loaders::safetensors::SafetensorsFile;
use activscalar_core::models::ModelConfig;
use activscalar_core::tasks::{Row, TaskSource, TaskSpec, prepare};
use activscalar_core::tokenizer::TextTokenizer;
use activscalar_core::{ModelFiles, NamedBytes, WeightPrecision, load_model_on};

fn fixture(path: &str) -> Vec<u8> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures");
    std::fs::read(root.join(path)).unwrap()
}

/// The message of loading `files` on the CPU, which must fail.
fn load_error(files: Vec<NamedBytes>) -> String {
    let files = match ModelFiles::from_named(files) {
        Ok(f) => f,
        Err(e) => return e.to_string(),
    };
    match load_model_on(files, &Engine::cpu(), WeightPrecision::F32) {
        Ok(_) => panic!("the files were accepted"),
        Err(e) => e.to_string(),
    }
}

fn assert_says(err: &str, parts: &[&str]) {
    for p in parts {
        assert!(err.contains(p), "{p:?} missing from {err:?}");
    }
}

#[test]
fn a_truncated_gguf_is_named_with_where_it_ends() {
    let mut bytes = fixture("tiny-llama.gguf");
    bytes.truncate(bytes.len() / 2);
    let err = load_error(vec![NamedBytes::new("broken.gguf", bytes)]);
    assert_says(&err, &["broken.gguf: ", "file is truncated"]);
}

#[test]
fn a_file_of_another_kind_says_what_a_model_is() {
    let err = load_error(vec![NamedBytes::new("notes.txt", b"hello".to_vec())]);
    assert_says(
        &err,
        &["expected a .gguf file, or config.json + tokenizer.json + *.safetensors; missing"],
    );
}

#[test]
fn a_config_of_an_unknown_architecture_names_it_and_the_supported_ones() {
    let err = ModelConfig::from_hf_json(
        r#"{"model_type":"mamba","architectures":["MambaForCausalLM"],"hidden_size":64}"#,
    )
    .unwrap_err()
    .to_string();
    assert_says(
        &err,
        &[
            "unsupported: architecture `mamba`",
            "MambaForCausalLM",
            "supported: gpt2, gpt_neox",
        ],
    );
}

/// A safetensors file with one tensor `w` of `shape` whose bytes are `offsets` within `body`.
fn safetensors(shape: &str, offsets: [usize; 2], body: usize) -> Vec<u8> {
    let header = format!(
        r#"{{"w":{{"dtype":"F32","shape":{shape},"data_offsets":[{},{}]}}}}"#,
        offsets[0], offsets[1]
    );
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend(header.as_bytes());
    b.extend(vec![0u8; body]);
    b
}

#[test]
fn safetensors_bounds_and_shapes_are_checked_before_any_tensor_is_read() {
    let err = |bytes| match SafetensorsFile::parse("w.safetensors", bytes) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    assert_says(
        &err(safetensors("[2,2]", [0, 16], 8)),
        &["w.safetensors: file is truncated: tensor `w` lies beyond its end"],
    );
    assert_says(
        &err(safetensors("[2,2]", [0, 12], 12)),
        &["tensor `w`: shape [2, 2] does not match its 12 bytes"],
    );
    let mut huge = (200u64 << 20).to_le_bytes().to_vec();
    huge.extend(b"{}");
    assert_says(
        &err(huge),
        &["not a safetensors file (header length 209715200)"],
    );
}

#[test]
fn gguf_counts_larger_than_the_file_are_refused_before_allocating() {
    let mut bytes = fixture("tiny-llama.gguf");
    // Magic, version, then the tensor count.
    bytes[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
    let err = match GgufFile::parse("big.gguf", bytes) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.to_string(),
    };
    assert_says(
        &err,
        &[
            "big.gguf: ",
            "count 18446744073709551615 does not fit in the",
        ],
    );
}

#[test]
fn a_tokenizer_with_a_larger_vocabulary_than_the_weights_is_refused() {
    let mut foreign: serde_json::Value =
        serde_json::from_slice(&fixture("tiny-llama/tokenizer.json")).unwrap();
    let added = foreign["added_tokens"].as_array_mut().unwrap();
    for i in 0..40 {
        added.push(serde_json::json!({
            "id": 319 + i, "content": format!("<extra_{i}>"), "single_word": false,
            "lstrip": false, "rstrip": false, "normalized": false, "special": true
        }));
    }
    let foreign = serde_json::to_string(&foreign).unwrap();
    let err = load_error(vec![
        NamedBytes::new("config.json", fixture("tiny-llama/config.json")),
        NamedBytes::new("tokenizer.json", foreign.into_bytes()),
        NamedBytes::new("model.safetensors", fixture("tiny-llama/model.safetensors")),
    ]);
    assert_says(
        &err,
        &[
            "the tokenizer has 359 tokens but the model only 320: tokenizer and weights come from different models",
        ],
    );
}

fn custom(rows: &[(&str, &str, &str)]) -> TaskSpec {
    let rows = rows
        .iter()
        .map(|(p, c, w)| Row {
            prompt: p.to_string(),
            correct: c.to_string(),
            wrong: w.to_string(),
        })
        .collect();
    TaskSpec::new(TaskSource::Custom { rows }, 0, 0.5)
}

fn tiny_tokenizer() -> TextTokenizer {
    TextTokenizer::from_json_bytes(&fixture("tiny-llama/tokenizer.json")).unwrap()
}

#[test]
fn unusable_rows_are_dropped_or_set_aside_with_their_reasons() {
    let spec = custom(&[
        ("kfjd", "a", "b"),
        ("qpwo", "a", "b"),
        ("zmxn", "a", "b"),
        ("hgvk", "a", "b"),
        ("tyruiopqwe", "a", "b"),
        ("plmz", "alpha beta", "b"),
        ("wqkj", "", "b"),
    ]);
    let t = prepare(&spec, &tiny_tokenizer(), true).unwrap();
    let summary = t.summary();
    assert_says(
        &summary,
        &[
            "2 rows dropped (answers must be single, different tokens)",
            "1 rows set aside: rows without a template are matched by absolute position, so only one prompt length is used (lengths [",
            "the largest group is used",
        ],
    );
    let reasons: Vec<&str> = t.dropped.iter().map(|(_, why)| why.as_str()).collect();
    assert!(reasons.contains(&"empty answer"), "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("answer \"alpha beta\" is ") && r.ends_with(" tokens")),
        "{reasons:?}"
    );
}

#[test]
fn a_task_with_fewer_than_two_usable_rows_says_how_many_it_has() {
    let spec = custom(&[("kfjd", "", "b"), ("qpwo", "a", "a")]);
    let err = match prepare(&spec, &tiny_tokenizer(), true) {
        Ok(t) => panic!("accepted: {}", t.summary()),
        Err(e) => e.to_string(),
    };
    assert_says(
        &err,
        &[
            "the task has 0 usable rows (2 dropped",
            "at least 2 are needed",
        ],
    );
}
