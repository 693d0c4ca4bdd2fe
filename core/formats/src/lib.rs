//! The byte parsers of ActivScalar Explorer: everything that reads bytes a stranger may have
//! made — GGUF and safetensors weights, `tokenizer.json`, task files and the permalink
//! container. No burn here, so [`fuzzing`]'s targets build quickly under cargo-fuzz.

pub mod bytes;
pub mod custom;
pub mod dequant;
pub mod error;
pub mod fuzzing;
pub mod gguf;
pub mod host;
pub mod link;
pub mod rows;
pub mod safetensors;
pub mod seeds;
pub mod tokenizer;

pub use host::{HostTensor, WeightSource};
