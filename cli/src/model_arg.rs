//! Resolving `--model` (a path, or `default`) and `--backend` into a loaded model.

use std::path::{Path, PathBuf};

use activscalar_core::engine::Engine;
use activscalar_core::{LoadedModel, ModelFiles, load_model_on};
use anyhow::{Context, Result, bail};

use crate::Backend;

/// File name of the default model (fetched by scripts/fetch-model.sh).
pub const DEFAULT_MODEL: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

/// `default` → models/SmolLM2-135M-Instruct.Q4_1.gguf (in the working directory or the
/// repository this binary was built from); anything else is a path.
pub fn resolve(model: &str) -> Result<PathBuf> {
    if model != "default" {
        return Ok(PathBuf::from(model));
    }
    let candidates = [
        Path::new("models").join(DEFAULT_MODEL),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../models")
            .join(DEFAULT_MODEL),
    ];
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .with_context(|| format!("the default model is not downloaded: run scripts/fetch-model.sh (expects models/{DEFAULT_MODEL})"))
}

/// Starts the requested backend (reporting a fallback on stderr).
pub fn engine(backend: Backend) -> Engine {
    match backend {
        Backend::Cpu => Engine::cpu(),
        Backend::Wgpu => {
            let e = Engine::gpu_or_cpu_blocking();
            if let Some(why) = &e.fallback_reason {
                eprintln!("note: {why}");
            }
            e
        }
    }
}

/// Loads `model` onto `engine`'s device (on a GPU, after checking it fits its buffer limits).
pub fn load(model: &str, engine: &Engine) -> Result<LoadedModel> {
    let path = resolve(model)?;
    if !path.exists() {
        bail!("{}: no such file or folder", path.display());
    }
    let files = ModelFiles::from_path(&path)?;
    Ok(load_model_on(files, engine)?)
}
