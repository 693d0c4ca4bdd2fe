//! Model configurations are checked before any arithmetic on them: zero heads, sizes past the
//! limits and non-finite numbers are refused with a message (GGUF metadata and config.json).

use std::path::PathBuf;

use activscalar_formats::gguf::GgufFile;
use activscalar_types::config::ModelConfig;

fn seed() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions/gguf_config/seed-llama-metadata.gguf");
    std::fs::read(path).unwrap()
}

/// `bytes` with the u32 value of metadata key `key` replaced.
fn with_u32(bytes: &[u8], key: &str, value: u32) -> Vec<u8> {
    let k = key.as_bytes();
    let at = bytes
        .windows(k.len())
        .position(|w| w == k)
        .expect("key present")
        + k.len();
    assert_eq!(&bytes[at..at + 4], &4u32.to_le_bytes(), "a u32 value");
    let mut out = bytes.to_vec();
    out[at + 4..at + 8].copy_from_slice(&value.to_le_bytes());
    out
}

fn from_gguf(bytes: Vec<u8>) -> Result<ModelConfig, String> {
    let file = GgufFile::parse("m.gguf", bytes).map_err(|e| e.to_string())?;
    ModelConfig::from_gguf(&file).map_err(|e| e.to_string())
}

#[test]
fn gguf_metadata_with_zero_heads_or_huge_sizes_is_refused() {
    let c = from_gguf(seed()).unwrap();
    assert_eq!((c.n_heads, c.head_dim, c.n_kv_heads), (4, 16, 2));
    let e = from_gguf(with_u32(&seed(), "llama.attention.head_count", 0)).unwrap_err();
    assert!(e.contains("0 heads cannot share"), "{e}");
    let e = from_gguf(with_u32(&seed(), "llama.embedding_length", u32::MAX)).unwrap_err();
    assert!(
        e.contains("width 4294967295 is more than the 65536 this tool runs"),
        "{e}"
    );
    let e = from_gguf(with_u32(&seed(), "llama.block_count", 0)).unwrap_err();
    assert!(e.contains("a size is zero"), "{e}");
}

#[test]
fn config_json_with_zero_heads_is_refused() {
    let e = ModelConfig::from_hf_json(
        r#"{"model_type": "gpt2", "n_embd": 64, "n_head": 0, "vocab_size": 10, "n_layer": 2, "n_positions": 8}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("`n_head` is missing or zero"), "{e}");
    let e = ModelConfig::from_hf_json(
        r#"{"model_type": "gpt2", "n_embd": 64, "n_head": 4, "vocab_size": 10, "n_layer": 2, "n_positions": 8, "n_inner": 18446744073709551615}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("MLP width") && e.contains("is more than"), "{e}");
}

#[test]
fn config_json_keys_are_read_by_their_types() {
    // GPT-2's own config.json spells the context twice (`n_ctx`, `n_positions`) and leaves
    // `n_inner` null.
    let c = ModelConfig::from_hf_json(
        r#"{"model_type": "gpt2", "n_embd": 64, "n_head": 4, "vocab_size": 10, "n_layer": 2,
            "n_ctx": 16, "n_positions": 32, "n_inner": null, "rope_scaling": null}"#,
    )
    .unwrap();
    assert_eq!((c.max_positions, c.d_mlp), (32, 256));
    // A value of the wrong type is refused with its place, not read as missing.
    let e = ModelConfig::from_hf_json(
        r#"{"model_type": "llama", "hidden_size": "64", "num_attention_heads": 4}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("config.json") && e.contains("invalid type"),
        "{e}"
    );
    // transformers 5 moves the RoPE base into `rope_parameters`; scaled RoPE is refused.
    let llama = |rope: &str| {
        ModelConfig::from_hf_json(&format!(
            r#"{{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4,
                "num_hidden_layers": 2, "vocab_size": 10, "intermediate_size": 128, {rope}}}"#
        ))
    };
    let c = llama(r#""rope_parameters": {"rope_type": "default", "rope_theta": 100000.0}"#);
    assert_eq!(c.unwrap().rope_theta, 100000.0);
    let e = llama(r#""rope_scaling": {"rope_type": "llama3", "factor": 8.0}"#).unwrap_err();
    assert!(e.to_string().contains("RoPE scaling type `llama3`"), "{e}");
}
