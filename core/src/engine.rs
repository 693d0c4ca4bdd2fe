//! Choosing and starting a compute backend, and a tiny self-test of autodiff + Adam on it.

use std::sync::{Arc, OnceLock};

use burn::module::{Module, Param};
use burn::optim::GradientsParams;
use burn::tensor::wgpu::{WgpuSetup, wgpu};
use burn::tensor::{Device, Tensor};

pub use activscalar_types::engine::{BackendKind, GpuLimits, SelfTest};

use crate::error::{CoreError, Result};
use crate::models::WeightPrecision;
use crate::models::config::ModelConfig;
use crate::optim::ProxAdamConfig;

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

/// The wgpu adapter and device burn started, as far as limits and loss are concerned.
#[derive(Debug, Clone)]
pub struct Gpu {
    /// Name and limits, read once at start.
    pub limits: GpuLimits,
    /// The handles burn's runtime uses.
    setup: WgpuSetup,
    /// Set by the device-lost callback (browser only; natively cubecl owns that callback and
    /// reports the loss as an error of the next operation).
    lost: Arc<OnceLock<String>>,
}

/// Why the engine runs on the CPU when no wgpu device could be started.
fn no_adapter(err: impl std::fmt::Display) -> String {
    format!("no usable GPU adapter ({err}); running on the CPU")
}

impl Gpu {
    fn of(setup: WgpuSetup) -> Self {
        let limits = setup.device.limits();
        let lost = Arc::new(OnceLock::new());
        // In the browser each callback is one more handler on `GPUDevice.lost`; natively it
        // would replace the one burn's runtime relies on.
        #[cfg(target_family = "wasm")]
        {
            let lost = lost.clone();
            setup.device.set_device_lost_callback(move |kind, message| {
                let _ = lost.set(format!("{kind:?}: {}", message.trim_end_matches('.')));
            });
        }
        Gpu {
            limits: GpuLimits {
                adapter: setup.adapter.get_info().name,
                max_buffer_size: limits.max_buffer_size,
                max_storage_buffer_binding_size: limits.max_storage_buffer_binding_size,
                shader_f16: setup.device.features().contains(wgpu::Features::SHADER_F16),
            },
            setup,
            lost,
        }
    }

    /// Why the device was lost, once the browser has said so.
    pub fn lost(&self) -> Option<String> {
        self.lost.get().cloned()
    }

    /// Ends the device now, as a driver reset would (`GPUDevice.destroy()`); every tensor on
    /// it is gone. For tests of the recovery path.
    pub fn destroy(&self) {
        self.setup.device.destroy();
    }

    /// A new device on the same instance and backend, registered with burn as a new runtime.
    async fn replacement(&self) -> std::result::Result<(Device, WgpuSetup), String> {
        let instance = self.setup.instance.clone();
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| format!("no adapter: {e}"))?;
        // The same request as burn's own (cubecl's WGSL backend).
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                required_features: adapter
                    .features()
                    .difference(wgpu::Features::MAPPABLE_PRIMARY_BUFFERS),
                required_limits: adapter.limits(),
                memory_hints: wgpu::MemoryHints::MemoryUsage,
                ..Default::default()
            })
            .await
            .map_err(|e| format!("no device: {e}"))?;
        let setup = WgpuSetup {
            instance,
            adapter,
            device,
            queue,
            backend: self.setup.backend,
        };
        let device = Device::wgpu_options()
            .setup(setup.clone())
            .init()
            .map_err(|e| e.to_string())?;
        Ok((device, setup))
    }
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

    /// The engine to continue on after the GPU device was lost: a new device on the same
    /// adapter when the browser gives one, else the CPU (with the reason to show).
    pub async fn after_loss(&self) -> Engine {
        let why = self.lost().unwrap_or_else(|| "unknown reason".into());
        let Some(gpu) = &self.gpu else {
            return Engine::cpu();
        };
        Engine::gpu_else_cpu(gpu.replacement().await, |e| {
            format!(
                "the GPU device was lost ({why}) and no new one could be started ({e}); running on the CPU"
            )
        })
    }

    /// A wgpu engine on a started device, or the CPU engine with `why(error)` as the reason.
    fn gpu_else_cpu<E>(
        started: std::result::Result<(Device, WgpuSetup), E>,
        why: impl FnOnce(E) -> String,
    ) -> Engine {
        match started {
            Ok((device, setup)) => Engine {
                device,
                kind: BackendKind::WebGpu,
                fallback_reason: None,
                gpu: Some(Gpu::of(setup)),
            },
            Err(e) => Engine {
                fallback_reason: Some(why(e)),
                ..Engine::cpu()
            },
        }
    }

    /// Starts wgpu asynchronously (required in the browser before the first tensor);
    /// falls back to the CPU engine with a reason when no adapter is available.
    pub async fn gpu_or_cpu() -> Self {
        let started = Device::wgpu_options().init_with_setup_async().await;
        Engine::gpu_else_cpu(started, no_adapter)
    }

    /// Starts wgpu synchronously (native only), falling back to CPU like [`Engine::gpu_or_cpu`].
    #[cfg(not(target_family = "wasm"))]
    pub fn gpu_or_cpu_blocking() -> Self {
        Engine::gpu_else_cpu(Device::wgpu_options().init_with_setup(), no_adapter)
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
