//! Checks made before anything is uploaded: the GPU's buffer limits, a tokenizer that belongs to the weights.

use activscalar_core::engine::{Engine, GpuLimits, read_vec};
use activscalar_core::models::{ModelConfig, TokenBatch};
use activscalar_core::{ModelFiles, NamedBytes, WeightPrecision, load_model_on};

/// SmolLM2-135M's config.json (the default model), as Hugging Face ships it.
const SMOLLM2_135M: &str = r#"{"architectures":["LlamaForCausalLM"],"model_type":"llama",
 "hidden_size":576,"intermediate_size":1536,"num_attention_heads":9,"num_hidden_layers":30,
 "num_key_value_heads":3,"vocab_size":49152,"max_position_embeddings":8192,"rms_norm_eps":1e-05,
 "rope_theta":100000,"tie_word_embeddings":true}"#;

fn limits(binding_mib: u64, buffer_mib: u64) -> GpuLimits {
    GpuLimits {
        adapter: "test".into(),
        max_buffer_size: buffer_mib << 20,
        max_storage_buffer_binding_size: binding_mib << 20,
        shader_f16: false,
    }
}

const F32: WeightPrecision = WeightPrecision::F32;
const F16: WeightPrecision = WeightPrecision::F16;

#[test]
fn the_default_model_fits_webgpus_default_limits_and_not_half_of_them() {
    let config = ModelConfig::from_hf_json(SMOLLM2_135M).unwrap();
    assert_eq!(
        config.largest_weight(F32),
        ("token embedding", [49152, 576], 49152 * 576 * 4)
    );
    // WebGPU's default limits: 128 MiB per binding, 256 MiB per buffer.
    limits(128, 256).check(&config, F32).unwrap();
    let err = limits(64, 256).check(&config, F32).unwrap_err().to_string();
    for part in [
        "token embedding",
        "49152 × 576 f32",
        "108.0 MiB",
        "maxStorageBufferBindingSize is 64.0 MiB",
        "nothing was uploaded",
    ] {
        assert!(err.contains(part), "{part:?} missing from {err:?}");
    }
    assert!(!err.contains("f16"), "no shader-f16, no f16 advice: {err}");
    let err = limits(128, 100)
        .check(&config, F32)
        .unwrap_err()
        .to_string();
    assert!(err.contains("maxBufferSize is 100.0 MiB"), "{err}");
}

#[test]
fn f16_weights_halve_what_must_fit_and_are_suggested_when_they_would() {
    let config = ModelConfig::from_hf_json(SMOLLM2_135M).unwrap();
    let (_, _, half) = config.largest_weight(F16);
    assert_eq!(half, 49152 * 576 * 2);
    assert_eq!(config.weight_bytes(F16) * 2, config.weight_bytes(F32));
    // 54 MiB of f16 embedding fits a 64 MiB binding that its 108 MiB in f32 does not.
    let f16_gpu = GpuLimits {
        shader_f16: true,
        ..limits(64, 256)
    };
    f16_gpu.check(&config, F16).unwrap();
    let err = f16_gpu.check(&config, F32).unwrap_err().to_string();
    assert!(err.contains("load it with f16 weights"), "{err}");
    let err = limits(32, 256).check(&config, F16).unwrap_err().to_string();
    assert!(err.contains("49152 × 576 f16, 54.0 MiB"), "{err}");
    // GPT-2 keeps its position table in f32, in the check as on the device.
    let gpt2 = ModelConfig::from_hf_json(
        r#"{"model_type":"gpt2","n_embd":768,"n_layer":1,"n_head":12,"vocab_size":100,"n_positions":4096}"#,
    )
    .unwrap();
    assert_eq!(
        gpt2.largest_weight(F16),
        ("position embedding", [4096, 768], 4096 * 768 * 4)
    );
}

#[test]
fn f16_weights_load_on_the_cpu_and_round_the_logits_a_little() {
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures/tiny-llama");
    assert!(Engine::cpu().supports(F16));
    let logits = |precision| {
        let m = load_model_on(
            ModelFiles::from_path(&dir).unwrap(),
            &Engine::cpu(),
            precision,
        )
        .unwrap();
        assert_eq!(m.model.precision(), precision);
        let batch = TokenBatch::new(&[vec![1, 5, 9, 2], vec![3, 4]], m.model.device()).unwrap();
        pollster::block_on(read_vec(m.model.logits_last(&batch, None).unwrap())).unwrap()
    };
    let (full, half) = (logits(F32), logits(F16));
    let worst = full
        .iter()
        .zip(&half)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(worst > 0.0, "f16 matrices changed nothing");
    assert!(worst < 0.05, "max |Δ| {worst}");
}

#[test]
fn a_cpu_engine_has_no_buffer_limit() {
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures/tiny-llama");
    let engine = Engine::cpu();
    assert!(engine.gpu.is_none());
    let m = load_model_on(ModelFiles::from_path(&dir).unwrap(), &engine, F32).unwrap();
    engine.check_fits(&m.info.config, F32).unwrap();
    // The tiny fixture's largest weight is far below any GPU's limit.
    limits(1, 1).check(&m.info.config, F32).unwrap();
}

#[test]
fn a_tokenizer_json_that_disagrees_with_the_ggufs_own_is_refused() {
    let fixtures = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures");
    let gguf = std::fs::read(fixtures.join("tiny-llama.gguf")).unwrap();
    let json = std::fs::read_to_string(fixtures.join("tiny-llama/tokenizer.json")).unwrap();
    let load = |tokenizer: &str| {
        let files = vec![
            NamedBytes::new("tiny-llama.gguf", gguf.clone()),
            NamedBytes::new("tokenizer.json", tokenizer.as_bytes().to_vec()),
        ];
        load_model_on(ModelFiles::from_named(files).unwrap(), &Engine::cpu(), F32)
    };
    // The matching tokenizer.json is accepted.
    load(&json).unwrap();
    // One with two tokens' ids swapped (same size, so the vocabulary-size check cannot see it).
    let swapped =
        json.replacen("\"!\": 1,", "\"!\": 2,", 1)
            .replacen("\"\\\"\": 2,", "\"\\\"\": 1,", 1);
    assert_ne!(
        swapped, json,
        "the fixture's vocabulary changed: update this test"
    );
    let err = load(&swapped)
        .err()
        .expect("a mismatched tokenizer was accepted")
        .to_string();
    assert!(
        err.contains("tokenizer.json does not match the tokenizer inside tiny-llama.gguf: token 1 is \"!\" there and \"\\\"\" in tokenizer.json; tokenizer and weights come from different models"),
        "{err}"
    );
}

/// A sparse vocabulary whose ids run past the embedding's rows is refused when it loads, not
/// read out of bounds at the first prompt that uses such a token.
#[test]
fn a_tokenizer_with_ids_past_the_embedding_is_refused() {
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures/tiny-llama");
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    let json = String::from_utf8(read("tokenizer.json")).unwrap();
    let sparse = json.replacen("\"!\": 1,", "\"!\": 100000,", 1);
    assert_ne!(
        sparse, json,
        "the fixture's vocabulary changed: update this test"
    );
    let files = vec![
        NamedBytes::new("config.json", read("config.json")),
        NamedBytes::new("tokenizer.json", sparse.into_bytes()),
        NamedBytes::new("model.safetensors", read("model.safetensors")),
    ];
    let err = load_model_on(ModelFiles::from_named(files).unwrap(), &Engine::cpu(), F32)
        .err()
        .expect("a tokenizer with ids past the embedding was accepted")
        .to_string();
    assert!(
        err.contains(
            "the tokenizer has a token id 100000, but the model's embedding has only 320 rows"
        ),
        "{err}"
    );
}
