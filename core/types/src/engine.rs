//! Facts about the compute engine: which backend, a GPU's limits, the self-test.

use serde::{Deserialize, Serialize};

use crate::config::ModelConfig;
use crate::error::{CoreError, Result};
use crate::model::WeightPrecision;

/// Which backend computes: WebGPU (wgpu) or burn's CPU backend.
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

/// Which backend the page asks for: WebGPU unless the browser's only adapter is a software
/// one (which runs on the CPU, far slower there than the page's own CPU path), or either one
/// by the user's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BackendChoice {
    /// WebGPU on a hardware adapter, else the CPU.
    #[default]
    Auto,
    /// WebGPU on any adapter, software ones included (else the CPU).
    WebGpu,
    /// The CPU, even where WebGPU is available.
    Cpu,
}

impl BackendChoice {
    /// Every choice, in the order the page lists them.
    pub const ALL: [BackendChoice; 3] = [
        BackendChoice::Auto,
        BackendChoice::WebGpu,
        BackendChoice::Cpu,
    ];

    /// The name in the page's address (`?backend=`) and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::WebGpu => "webgpu",
            BackendChoice::Cpu => "cpu",
        }
    }

    /// The choice named `s` ([`BackendChoice::as_str`]); anything else is `None`.
    pub fn parse(s: &str) -> Option<BackendChoice> {
        BackendChoice::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// What the page's chooser shows.
    pub fn label(self) -> &'static str {
        match self {
            BackendChoice::Auto => "WebGPU on a GPU, else the CPU",
            BackendChoice::WebGpu => "WebGPU, even a software adapter",
            BackendChoice::Cpu => "the CPU",
        }
    }
}

/// What one GPU buffer may hold on this device (WebGPU states no total memory, only these).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GpuLimits {
    /// The adapter's name as the driver reports it (may be empty in browsers).
    pub adapter: String,
    /// `maxBufferSize`, bytes.
    pub max_buffer_size: u64,
    /// `maxStorageBufferBindingSize`, bytes: the largest tensor a kernel can read.
    pub max_storage_buffer_binding_size: u64,
    /// Whether the device has `shader-f16` (f16 in kernels: needed for half-precision weights).
    #[serde(default)]
    pub shader_f16: bool,
}

impl GpuLimits {
    /// The largest tensor burn can place on this device, bytes (its memory pages are capped
    /// at the smaller of the two limits).
    pub fn max_tensor_bytes(&self) -> u64 {
        self.max_buffer_size
            .min(self.max_storage_buffer_binding_size)
    }

    /// One line for the page: the adapter, the largest tensor it takes, both limits and
    /// whether it has `shader-f16`.
    pub fn summary(&self) -> String {
        let name = if self.adapter.is_empty() {
            "unnamed adapter"
        } else {
            &self.adapter
        };
        format!(
            "{name} · largest tensor {} (maxBufferSize {}, maxStorageBufferBindingSize {}) · {}",
            mib(self.max_tensor_bytes()),
            mib(self.max_buffer_size),
            mib(self.max_storage_buffer_binding_size),
            if self.shader_f16 {
                "shader-f16"
            } else {
                "no shader-f16"
            }
        )
    }

    /// Checks, before anything is uploaded, that the model's largest weight fits in one GPU
    /// buffer with its matrices in `precision`; the error names the tensor, its size, the
    /// limit and what to do instead.
    pub fn check(&self, config: &ModelConfig, precision: WeightPrecision) -> Result<()> {
        let (name, [rows, cols], bytes) = config.largest_weight(precision);
        if bytes <= self.max_tensor_bytes() {
            return Ok(());
        }
        let limit = if self.max_storage_buffer_binding_size <= self.max_buffer_size {
            (
                "maxStorageBufferBindingSize",
                self.max_storage_buffer_binding_size,
            )
        } else {
            ("maxBufferSize", self.max_buffer_size)
        };
        let dtype = if bytes == rows as u64 * cols as u64 * 4 {
            "f32"
        } else {
            "f16"
        };
        let half_fits = precision == WeightPrecision::F32
            && self.shader_f16
            && config.largest_weight(WeightPrecision::F16).2 <= self.max_tensor_bytes();
        let instead = if half_fits {
            "load it with f16 weights, use the CPU backend or a smaller model"
        } else {
            "use the CPU backend or a smaller model"
        };
        Err(CoreError::Input(format!(
            "this model's {name} ({rows} × {cols} {dtype}, {}) is larger than this GPU allows in one buffer (its {} is {}); nothing was uploaded — {instead}",
            mib(bytes),
            limit.0,
            mib(limit.1)
        )))
    }
}

/// Bytes in a MiB.
const MIB: f64 = 1024.0 * 1024.0;

/// `bytes` as "12.3 MiB".
fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB)
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

#[cfg(test)]
mod tests {
    use super::BackendChoice;

    #[test]
    fn backend_choice_names_round_trip_and_reject_others() {
        for c in BackendChoice::ALL {
            assert_eq!(BackendChoice::parse(c.as_str()), Some(c));
        }
        for bad in ["", "gpu", "WEBGPU", "cpu ", "javascript:alert(1)"] {
            assert_eq!(BackendChoice::parse(bad), None, "{bad:?}");
        }
    }
}
