//! Helpers shared by the integration tests.
// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use std::path::PathBuf;

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The default model's GGUF bytes (scripts/fetch-model.sh). Absent, the test is skipped with a
/// note (`None`), except in CI, which must have fetched it.
pub fn default_model_bytes() -> Option<Vec<u8>> {
    let path = repo().join("models/SmolLM2-135M-Instruct.Q4_1.gguf");
    match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(_) if std::env::var_os("CI").is_none() => {
            eprintln!(
                "skipped: {} is absent (run scripts/fetch-model.sh)",
                path.display()
            );
            None
        }
        Err(e) => panic!("CI must fetch the default model first: {e}"),
    }
}
