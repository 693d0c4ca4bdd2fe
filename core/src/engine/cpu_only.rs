//! A build without the WebGPU backend (the page's multi-threaded CPU worker, whose shared
//! memory wgpu does not support): every engine is the CPU engine.

use std::convert::Infallible;

use super::{Engine, GpuLimits};

/// No GPU exists in this build: a value of this type cannot be made.
#[derive(Debug, Clone)]
pub struct Gpu {
    /// Name and limits (never read: there is no GPU).
    pub limits: GpuLimits,
    never: Infallible,
}

impl Gpu {
    /// Why the device was lost (never: there is no device).
    pub fn lost(&self) -> Option<String> {
        match self.never {}
    }

    /// Ends the device (never: there is no device).
    pub fn destroy(&self) {
        match self.never {}
    }
}

impl Engine {
    /// The CPU engine, saying why it is not a GPU.
    pub async fn gpu_or_cpu() -> Self {
        Engine {
            fallback_reason: Some(
                "no usable GPU adapter; running on the CPU with the page's multi-threaded build (which has no WebGPU backend)".into(),
            ),
            ..Engine::cpu()
        }
    }

    /// The CPU engine: a build without WebGPU has no device to lose.
    pub async fn after_loss(&self) -> Engine {
        Engine::cpu()
    }
}
