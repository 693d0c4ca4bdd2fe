//! Checks made before anything is uploaded: the GPU's buffer limits, a tokenizer that belongs to the weights.

use activscalar_core::engine::{Engine, GpuLimits};
use activscalar_core::models::ModelConfig;
use activscalar_core::{ModelFiles, load_model_on};

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

#[test]
fn the_default_model_fits_webgpus_default_limits_and_not_half_of_them() {
    let config = ModelConfig::from_hf_json(SMOLLM2_135M).unwrap();
    assert_eq!(config.largest_weight(), ("token embedding", [49152, 576]));
    // WebGPU's default limits: 128 MiB per binding, 256 MiB per buffer.
    limits(128, 256).check(&config).unwrap();
    let err = limits(64, 256).check(&config).unwrap_err().to_string();
    for part in [
        "token embedding",
        "49152 × 576",
        "108.0 MiB",
        "maxStorageBufferBindingSize is 64.0 MiB",
        "nothing was uploaded",
    ] {
        assert!(err.contains(part), "{part:?} missing from {err:?}");
    }
    let err = limits(128, 100).check(&config).unwrap_err().to_string();
    assert!(err.contains("maxBufferSize is 100.0 MiB"), "{err}");
}

#[test]
fn a_cpu_engine_has_no_buffer_limit() {
    let dir =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures/tiny-llama");
    let engine = Engine::cpu();
    assert!(engine.gpu.is_none());
    let m = load_model_on(ModelFiles::from_path(&dir).unwrap(), &engine).unwrap();
    engine.check_fits(&m.info.config).unwrap();
    // The tiny fixture's largest weight is far below any GPU's limit.
    limits(1, 1).check(&m.info.config).unwrap();
}

#[test]
fn a_tokenizer_json_that_disagrees_with_the_ggufs_own_is_refused() {
    let fixtures = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/fixtures");
    let gguf = std::fs::read(fixtures.join("tiny-llama.gguf")).unwrap();
    let json = std::fs::read_to_string(fixtures.join("tiny-llama/tokenizer.json")).unwrap();
    let load = |tokenizer: &str| {
        let files = vec![
            activscalar_core::NamedBytes {
                name: "tiny-llama.gguf".into(),
                bytes: gguf.clone(),
            },
            activscalar_core::NamedBytes {
                name: "tokenizer.json".into(),
                bytes: tokenizer.as_bytes().to_vec(),
            },
        ];
        load_model_on(ModelFiles::from_named(files).unwrap(), &Engine::cpu())
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
