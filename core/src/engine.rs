//! Choosing and starting a compute backend, and a tiny self-test of autodiff + Adam on it.

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::optim::{Adam, AdamConfig};

/// Which burn backend a [`Device`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// wgpu: WebGPU in the browser, Vulkan/Metal/DX12 natively.
    #[serde(rename = "webgpu")]
    WebGpu,
    /// burn's pure-Rust CPU backend (`flex`).
    Cpu,
}

impl BackendKind {
    /// The short name used in the UI, the CLI and the `data-backend` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::WebGpu => "webgpu",
            BackendKind::Cpu => "cpu",
        }
    }
}

/// A started backend: the device to create tensors on, and why it was chosen.
#[derive(Debug, Clone)]
pub struct Engine {
    /// Device for model weights and activations (no autodiff).
    pub device: Device,
    /// Backend behind `device`.
    pub kind: BackendKind,
    /// Set when the preferred backend was unavailable and we fell back; shown to the user.
    pub fallback_reason: Option<String>,
}

impl Engine {
    /// The CPU engine (pure Rust, works everywhere including wasm).
    pub fn cpu() -> Self {
        Engine {
            device: Device::flex(),
            kind: BackendKind::Cpu,
            fallback_reason: None,
        }
    }

    /// Starts wgpu asynchronously (required in the browser before the first tensor);
    /// falls back to the CPU engine with a reason when no adapter is available.
    pub async fn gpu_or_cpu() -> Self {
        match Device::wgpu_options().init_async().await {
            Ok(device) => Engine {
                device,
                kind: BackendKind::WebGpu,
                fallback_reason: None,
            },
            Err(err) => Engine {
                fallback_reason: Some(format!("no usable GPU adapter ({err}); running on the CPU")),
                ..Engine::cpu()
            },
        }
    }

    /// Starts wgpu synchronously (native only), falling back to CPU like [`Engine::gpu_or_cpu`].
    #[cfg(not(target_family = "wasm"))]
    pub fn gpu_or_cpu_blocking() -> Self {
        match Device::wgpu_options().init() {
            Ok(device) => Engine {
                device,
                kind: BackendKind::WebGpu,
                fallback_reason: None,
            },
            Err(err) => Engine {
                fallback_reason: Some(format!("no usable GPU adapter ({err}); running on the CPU")),
                ..Engine::cpu()
            },
        }
    }
}

/// Outcome of [`self_test`]: one Adam step on a quadratic, computed on the engine's device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfTest {
    /// Loss ‖x − t‖² before the step.
    pub loss_before: f32,
    /// Loss after the step.
    pub loss_after: f32,
    /// The parameter after the step.
    pub x_after: Vec<f32>,
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
    let grad_device = device.clone().autodiff();
    let target = Tensor::<1>::from_floats(SELF_TEST_TARGET, device);
    let mut x = Tensor::<1>::from_floats(SELF_TEST_START, &grad_device).require_grad();
    let loss = (x.clone() - target.clone()).square().sum();
    let grads = loss.backward();
    let loss_before = read_scalar(loss.inner()).await?;
    let grad = x.grad(&grads).ok_or("no gradient reached the parameter")?;
    let mut adam = Adam::new(AdamConfig {
        lr: SELF_TEST_LR,
        ..AdamConfig::default()
    });
    x = adam.step(0, x, grad);
    let x_plain = x.inner();
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
