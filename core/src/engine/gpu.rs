//! The WebGPU engine (burn's wgpu backend): starting it, its limits, and its loss.

use std::sync::{Arc, OnceLock};

use burn::tensor::Device;
use burn::tensor::wgpu::{WgpuSetup, wgpu};

use super::{BackendKind, Engine, GpuLimits};

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
