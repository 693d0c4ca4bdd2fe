//! Fuzz target bodies for what users send the page and the CLI beyond raw files: a model's
//! `config.json` or GGUF metadata read into a [`ModelConfig`] (and the sizes computed from
//! it), a GGUF model read up to its upload (configuration, weight list checked against the
//! file, every weight decoded and un-permuted as the loader does), a result file and a sweep
//! file read and validated, and a permalink decoded and validated with the real
//! result header. Each must return without panicking, hanging or overallocating. `core/fuzz`
//! runs them under libFuzzer (scripts/fuzz.sh); `tests/fuzz_regressions.rs` replays every saved
//! input.

use activscalar_formats::WeightSource;
use activscalar_formats::gguf::GgufFile;

use crate::config::ModelConfig;
use crate::config::weights::{Naming, check_weights, unpermute_rows};
use crate::method::{active_cells, magnitudes};
use crate::model::WeightPrecision;
use crate::result::FitResult;
use crate::sweep::Sweep;

/// A fuzz target body.
pub type Target = fn(&[u8]);

/// All targets by name.
pub const TARGETS: &[(&str, Target)] = &[
    ("config_json", config_json),
    ("gguf_config", gguf_config),
    ("gguf_model", gguf_model),
    ("result_json", result_json),
    ("permalink_result", permalink_result),
    ("sweep_json", sweep_json),
];

/// What the page computes from a configuration before any weight is read.
fn exercise_config(c: &ModelConfig) {
    for p in [WeightPrecision::F32, WeightPrecision::F16] {
        let _ = c.largest_weight(p);
        let _ = c.weight_bytes(p);
    }
    let _ = c.n_params();
}

/// Hugging Face `config.json` → model configuration.
pub fn config_json(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(c) = ModelConfig::from_hf_json(text)
    {
        exercise_config(&c);
    }
}

/// GGUF header and metadata → model configuration.
pub fn gguf_config(data: &[u8]) {
    if let Ok(file) = GgufFile::parse("fuzz.gguf", data.to_vec())
        && let Ok(c) = ModelConfig::from_gguf(&file)
    {
        exercise_config(&c);
    }
}

/// A GGUF model file up to the first tensor operation: configuration, the weights it implies
/// checked against the file's table, then each weight decoded (and its Q/K rows un-permuted)
/// with exactly the shape the upload expects.
pub fn gguf_model(data: &[u8]) {
    let Ok(file) = GgufFile::parse("fuzz.gguf", data.to_vec()) else {
        return;
    };
    let Ok(c) = ModelConfig::from_gguf(&file) else {
        return;
    };
    let specs = c.weights(Naming::Gguf, &file);
    if check_weights(&specs, &file).is_err() {
        return;
    }
    for spec in specs {
        let t = file.tensor(&spec.name).expect("a checked weight decodes");
        let t = match spec.permuted_heads {
            Some(heads) => match unpermute_rows(t, heads) {
                Ok(t) => t,
                Err(_) => return,
            },
            None => t,
        };
        assert_eq!(t.shape, spec.shape);
        assert_eq!(t.data.len(), t.numel());
    }
}

/// What the page draws and exports from a result that passed validation.
fn exercise_result(r: &FitResult) {
    let t = &r.theta;
    let mags = magnitudes(t.method, &t.dims, &t.values);
    assert_eq!(mags.len(), t.dims.n_cells(t.method));
    let _ = active_cells(t.method, &t.dims, &t.values, r.options.tau);
    let _ = Sweep::new(vec![r.options.lambda_m], vec![r.clone()]).chosen();
    let _ = crate::export::to_safetensors(r);
    if let Ok(link) = crate::permalink::encode(r) {
        let back = crate::permalink::decode(&link).expect("a link we wrote decodes");
        assert_eq!(back.theta.values.len(), t.values.len());
    }
}

/// A result file (JSON) → validated result.
pub fn result_json(data: &[u8]) {
    if let Ok(r) = FitResult::from_json(data, "fuzz.json") {
        exercise_result(&r);
    }
}

/// A sweep file (JSON) → checked sweeps, as the page's trade-off chart and drop-out order
/// read them.
pub fn sweep_json(data: &[u8]) {
    let _ = Sweep::looks_like_sweep(data);
    if let Ok(sweeps) = Sweep::from_json(data, "fuzz.json") {
        for s in &sweeps {
            let _ = (s.chosen(), s.label());
            assert_eq!(s.components.len(), 2 * s.points[0].theta.dims.layers);
            assert!(s.components.iter().all(|c| c.mass.len() == s.grid.len()));
            s.points.iter().for_each(exercise_result);
        }
    }
}

/// A permalink payload → decoded, validated result.
pub fn permalink_result(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(r) = crate::permalink::decode(text)
    {
        exercise_result(&r);
    }
}
