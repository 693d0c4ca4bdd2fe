//! ActivScalar core: everything that is not UI.
//!
//! Models (GPT-2, GPT-NeoX, Llama family), weight loaders, tokenizer, hook sites, interventions,
//! the activation-scaling objective and its optimiser. Compiles for native targets and wasm32; the
//! same code runs on burn's WebGPU backend in the browser and on its pure-Rust CPU backend.

pub mod bench;
pub mod engine;
pub mod evaluation;
pub use activscalar_formats::error;
pub use activscalar_types::{export, permalink, readouts, rng, validate};
pub mod fit;
pub mod groups;
pub mod hooks;
pub mod interventions;
pub mod loaders;
pub mod metrics;
pub mod models;
pub mod objective;
pub mod optim;
pub mod predict;
pub mod result;
pub mod steer;
pub mod sweep;
pub mod tasks;
pub use activscalar_formats::tokenizer;

pub use burn::tensor::{Device, Tensor, TensorData};
pub use error::{CoreError, Result};
pub use loaders::model_files::{
    LoadedModel, ModelFiles, ModelInfo, ModelOrigin, NamedBytes, load_model, load_model_on,
};
pub use models::WeightPrecision;
