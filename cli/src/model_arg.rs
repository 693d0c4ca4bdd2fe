//! The model flags every command shares (`--model`, `--backend`, `--weights`) and resolving
//! them into an engine and a loaded model.

use std::path::{Path, PathBuf};

use activscalar_core::engine::Engine;
use activscalar_core::loaders::random_gpt2::Gpt2Shape;
use activscalar_core::{LoadedModel, ModelFiles, WeightPrecision, load_model_on};
use anyhow::{Context, Result, bail};

use crate::Backend;

/// The model and where it runs.
#[derive(clap::Args)]
pub struct ModelArgs {
    /// A .gguf file, a Hugging Face folder (config.json, tokenizer.json, *.safetensors) or
    /// `default`, `hub:org/name[@revision][:file.gguf]` (downloaded from the Hub), or
    /// `gpt2-small-random` (GPT-2 small's shape, random weights built in memory, for `bench`).
    /// `eval` checks it against the result's fingerprint.
    #[arg(long, default_value = "default")]
    pub model: String,
    /// The Hub that `hub:` models come from (a mirror with the Hub's URL layout works too).
    #[arg(long, default_value = activscalar_types::hub::DEFAULT_HUB_BASE)]
    pub hub_base: String,
    /// Compute backend.
    #[arg(long, value_enum, default_value_t = Backend::Cpu)]
    pub backend: Backend,
    /// Precision of the weight matrices: f32, or f16 (converted before the upload: half the
    /// memory, products in f16; GPUs need shader-f16; the CPU has no f16 arithmetic, so
    /// there it is slower and only shows the accuracy).
    #[arg(long, default_value = "f32")]
    pub weights: WeightPrecision,
}

impl ModelArgs {
    /// Starts the backend and loads the model onto it.
    pub fn load(&self) -> Result<(Engine, LoadedModel)> {
        let engine = engine(self.backend);
        let m = load(&self.model, &self.hub_base, &engine, self.weights)?;
        Ok((engine, m))
    }
}

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
fn engine(backend: Backend) -> Engine {
    match backend {
        Backend::Cpu => Engine::cpu(),
        Backend::WebGpu => {
            let e = Engine::gpu_or_cpu_blocking();
            if let Some(why) = &e.fallback_reason {
                eprintln!("note: {why}");
            }
            e
        }
    }
}

/// `--model` value of GPT-2 small's shape with random weights, built in memory.
const RANDOM_GPT2: &str = "gpt2-small-random";

/// Loads `model` onto `engine`'s device with its matrices in `precision` (on a GPU, after
/// checking that it supports the precision and the model fits its buffer limits).
fn load(
    model: &str,
    hub_base: &str,
    engine: &Engine,
    precision: WeightPrecision,
) -> Result<LoadedModel> {
    if model == RANDOM_GPT2 {
        let files = ModelFiles::from_named(Gpt2Shape::SMALL.files(0))?;
        return Ok(load_model_on(files, engine, precision)?);
    }
    if let Some(spec) = model.strip_prefix(crate::hub::PREFIX) {
        let hub_model = crate::hub::parse(spec).map_err(|e| anyhow::anyhow!(e))?;
        let (files, origin) = crate::hub::download(hub_base, &hub_model)?;
        let mut m = load_model_on(files, engine, precision)?;
        m.info.origin = origin;
        return Ok(m);
    }
    let path = resolve(model)?;
    if !path.exists() {
        bail!("{}: no such file or folder", path.display());
    }
    let files = ModelFiles::from_path(&path)?;
    Ok(load_model_on(files, engine, precision)?)
}
