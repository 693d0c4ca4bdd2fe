//! Choosing and starting a compute backend, and a tiny self-test of autodiff + Adam on it.

use burn::module::{Module, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};

pub use activscalar_types::engine::{BackendKind, GpuLimits, SelfTest};

use crate::error::{CoreError, Result};
use crate::models::WeightPrecision;
use crate::models::config::ModelConfig;
use crate::optim::ProxAdamConfig;

#[cfg(not(feature = "webgpu"))]
mod cpu_only;
#[cfg(feature = "webgpu")]
mod gpu;
#[cfg(not(feature = "webgpu"))]
pub use cpu_only::Gpu;
#[cfg(feature = "webgpu")]
pub use gpu::Gpu;

/// A started backend: the device to create tensors on, and why it was chosen.
#[derive(Debug, Clone)]
pub struct Engine {
    /// Device for model weights and activations (no autodiff).
    pub device: Device,
    /// Backend behind `device`.
    pub kind: BackendKind,
    /// Set when the preferred backend was unavailable and we fell back; shown to the user.
    pub fallback_reason: Option<String>,
    /// The GPU behind a wgpu engine: its name, limits and device handle.
    pub gpu: Option<Gpu>,
}

impl Engine {
    /// The CPU engine (pure Rust, works everywhere including wasm).
    pub fn cpu() -> Self {
        Engine {
            device: Device::flex(),
            kind: BackendKind::Cpu,
            fallback_reason: None,
            gpu: None,
        }
    }

    /// Whether this engine can run weights in `precision`: f32 always; f16 on the CPU (slowly:
    /// it has no f16 arithmetic) and on a GPU with `shader-f16`.
    pub fn supports(&self, precision: WeightPrecision) -> bool {
        precision == WeightPrecision::F32
            || self.gpu.as_ref().is_none_or(|gpu| gpu.limits.shader_f16)
    }

    /// Checks, before anything is uploaded, that a model of `config` with its matrices in
    /// `precision` can run on this engine: the precision is supported and, on a GPU, its
    /// largest weight fits in one buffer.
    pub fn check_fits(&self, config: &ModelConfig, precision: WeightPrecision) -> Result<()> {
        if !self.supports(precision) {
            let adapter = self.gpu.as_ref().map(|g| g.limits.adapter.as_str());
            return Err(CoreError::Unsupported(format!(
                "f16 weights need the GPU feature shader-f16, which {} lacks; nothing was uploaded — load the model with f32 weights",
                adapter.filter(|a| !a.is_empty()).unwrap_or("this GPU")
            )));
        }
        match &self.gpu {
            Some(gpu) => gpu.limits.check(config, precision),
            None => Ok(()),
        }
    }

    /// Why this engine's GPU device was lost, once it has been (driver reset, GPU removed,
    /// `destroy()`): every tensor on it is gone and every later operation fails.
    pub fn lost(&self) -> Option<String> {
        self.gpu.as_ref().and_then(Gpu::lost)
    }
}

/// Parameter start, target and learning rate of [`self_test`]. After one Adam step every
/// coordinate moves by `lr` against the sign of its gradient, so the expected result is exact.
pub const SELF_TEST_START: [f32; 4] = [1.0, -2.0, 0.5, 3.0];
/// Target of the self-test quadratic.
pub const SELF_TEST_TARGET: [f32; 4] = [0.0, 0.0, 1.0, 1.0];
/// Learning rate of the self-test step.
pub const SELF_TEST_LR: f64 = 0.25;

/// Runs one forward + backward + Adam step of ‖x − t‖² on `device`, reading results back
/// asynchronously (safe in the browser).
pub async fn self_test(device: &Device) -> Result<SelfTest, String> {
    let target = Tensor::<1>::from_floats(SELF_TEST_TARGET, device);
    let x = Param::from_tensor(Tensor::<1>::from_floats(SELF_TEST_START, device)).train();
    let loss = (x.val() - target.clone()).square().sum();
    let grads = GradientsParams::from_grads(loss.backward(), &x);
    let loss_before = read_scalar(loss.inner()).await?;
    if grads.is_empty() {
        return Err("no gradient reached the parameter".into());
    }
    let x = ProxAdamConfig::new().init().step(SELF_TEST_LR, x, grads);
    let x_plain = x.valid().val();
    let loss_after = read_scalar((x_plain.clone() - target).square().sum()).await?;
    let x_after = read_vec(x_plain).await?;
    Ok(SelfTest {
        loss_before,
        loss_after,
        x_after,
    })
}

/// Reads a one-element tensor back to the host without blocking.
pub async fn read_scalar(t: Tensor<1>) -> Result<f32, String> {
    Ok(read_vec(t).await?[0])
}

/// Reads a tensor back to the host as `f32`s without blocking.
pub async fn read_vec<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, String> {
    let data = t
        .into_data_async()
        .await
        .map_err(|e| format!("GPU read-back failed: {e:?}"))?;
    data.try_into_vec_as::<f32>()
        .map_err(|e| format!("unexpected tensor data: {e:?}"))
}
