//! Weight files: Hugging Face safetensors (+ config.json) and GGUF, from bytes in memory.
//!
//! The byte parsers live in the burn-free `activscalar-formats` crate (so they can be fuzzed);
//! [`model_files`] turns their output into a model. Loaders hand out [`HostTensor`]s one at a
//! time through [`WeightSource`], so a model can upload each weight to the GPU and drop the
//! host copy before the next is decoded.

pub use activscalar_formats::host::{HostTensor, WeightSource};
pub use activscalar_formats::{bytes, dequant, gguf, safetensors};

pub mod model_files;
pub mod random_gpt2;
