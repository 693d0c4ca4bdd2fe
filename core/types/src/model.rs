//! What the page and results say about a model: its facts and the precision of its weights.

use serde::{Deserialize, Serialize};

use crate::config::ModelConfig;

/// How a model's weight matrices (linear layers, token embedding, unembedding) are stored on
/// the device. Norms, biases, position tables, activations, hooks and θ are always f32.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightPrecision {
    /// 32-bit floats: exact, the default.
    #[default]
    F32,
    /// 16-bit floats, converted on the host before the upload: half the memory and upload,
    /// products computed in f16 (see [`layers::matmul_rows`]). A GPU needs `shader-f16`.
    F16,
}

impl WeightPrecision {
    /// `"f32"` or `"f16"`.
    pub fn as_str(self) -> &'static str {
        match self {
            WeightPrecision::F32 => "f32",
            WeightPrecision::F16 => "f16",
        }
    }

    /// Bytes per matrix element.
    pub fn bytes(self) -> usize {
        match self {
            WeightPrecision::F32 => 4,
            WeightPrecision::F16 => 2,
        }
    }
}

impl std::fmt::Display for WeightPrecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for WeightPrecision {
    type Err = String;

    /// `f32` or `f16` (as on the command line).
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "f32" => Ok(WeightPrecision::F32),
            "f16" => Ok(WeightPrecision::F16),
            _ => Err(format!("`{s}`: expected f32 or f16")),
        }
    }
}

/// Where a model was loaded from: what a shared result tells its recipient to load. It is not
/// part of the model's identity (the weights' hash is).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelOrigin {
    /// Not recorded (results made before origins were recorded).
    #[default]
    Unknown,
    /// A repository on the Hugging Face Hub at a revision.
    Hub(crate::hub::HubModel),
    /// Files read from disk or a URL, by name (no folders).
    Files(Vec<String>),
}

impl ModelOrigin {
    /// Whether nothing is recorded.
    pub fn is_unknown(&self) -> bool {
        *self == ModelOrigin::Unknown
    }

    /// The files named by `names` (paths or URLs), by their last component, as a result can
    /// carry them: at most 64 names of at most 255 bytes, control characters replaced.
    pub fn files<'a>(names: impl IntoIterator<Item = &'a str>) -> ModelOrigin {
        let clean = |n: &str| -> String {
            let last = n.rsplit(['/', '\\']).next().unwrap_or(n);
            let mut out = String::new();
            for c in last.chars() {
                let c = if c.is_control() { '_' } else { c };
                if out.len() + c.len_utf8() > 255 {
                    break;
                }
                out.push(c);
            }
            if out.is_empty() { "_".into() } else { out }
        };
        ModelOrigin::Files(names.into_iter().take(64).map(clean).collect())
    }
}

/// What the UI and results say about a loaded model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Where it came from (file or folder name).
    pub source: String,
    /// Hyper-parameters.
    pub config: ModelConfig,
    /// Parameter count.
    pub n_params: usize,
    /// SHA-256 of the weight files, hex.
    pub weights_sha256: String,
    /// SHA-256 of the tokenizer definition, hex.
    pub tokenizer_sha256: String,
    /// Where it was loaded from.
    #[serde(default, skip_serializing_if = "ModelOrigin::is_unknown")]
    pub origin: ModelOrigin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_origins_keep_plain_names_a_result_can_carry() {
        let long = "é".repeat(200);
        let ModelOrigin::Files(names) =
            ModelOrigin::files(["/home/u/m/config.json", "C:\\m\\x.gguf", "a\nb", "", &long])
        else {
            unreachable!()
        };
        assert_eq!(&names[..4], ["config.json", "x.gguf", "a_b", "_"]);
        assert!(names[4].len() <= 255 && names[4].chars().all(|c| c == 'é'));
        let many: Vec<String> = (0..100).map(|i| format!("s{i}.safetensors")).collect();
        let ModelOrigin::Files(names) = ModelOrigin::files(many.iter().map(String::as_str)) else {
            unreachable!()
        };
        assert_eq!(names.len(), 64);
    }
}
