//! Helpers shared by the integration tests.
// Each test crate that includes this module uses only part of it.
#![allow(dead_code)]

use std::path::PathBuf;

use activscalar_core::metrics::SplitMetrics;
use activscalar_core::rng::Rng;
use activscalar_core::tasks::{Example, Row};

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

/// Prompt `i`: `len` random token ids in 1..`vocab` drawn from `rng`, its answers 0 (to be set
/// by the caller).
pub fn random_prompt(i: usize, len: usize, vocab: usize, rng: &mut Rng) -> Example {
    let row = Row {
        prompt: format!("p{i}"),
        correct: "a".into(),
        wrong: "b".into(),
    };
    let ids = (0..len).map(|_| 1 + rng.below(vocab - 1) as u32).collect();
    Example::positional(row, ids, 0, 0)
}

/// Whether two measurements of a split agree within `tol` (float error: the batches or the
/// backends differ).
pub fn assert_same_split(got: &SplitMetrics, want: &SplitMetrics, what: &str, tol: f64) {
    assert_eq!(got.n, want.n, "{what}: prompts");
    for (g, w, name) in [
        (got.base_mean_ld, want.base_mean_ld, "base LD"),
        (got.base_accuracy, want.base_accuracy, "base accuracy"),
        (got.plus.mean_ld, want.plus.mean_ld, "β = +1 LD"),
        (got.minus.mean_ld, want.minus.mean_ld, "β = −1 LD"),
        (got.plus.kl, want.plus.kl, "β = +1 KL"),
        (got.minus.kl, want.minus.kl, "β = −1 KL"),
        (
            got.plus.flip_accuracy,
            want.plus.flip_accuracy,
            "β = +1 flips",
        ),
        (
            got.minus.flip_accuracy,
            want.minus.flip_accuracy,
            "β = −1 flips",
        ),
        (
            got.minus.other_mass_change,
            want.minus.other_mass_change,
            "β = −1 other mass",
        ),
    ] {
        assert!((g - w).abs() < tol, "{what} {name}: {g}, expected {w}");
    }
}
