//! A fit's full record (docs/METHOD.md, "Result and permalink contents"): format version, model
//! and tokenizer fingerprints, task, every option, metrics and θ — enough to reproduce the run
//! and to redraw its views without retraining.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::method::{Dims, Method};
use crate::metrics::{Minimality, SplitMetrics};
use crate::model::{ModelInfo, ModelOrigin, WeightPrecision};
use crate::options::{FitOptions, StepReport, StopReason};
use crate::site::Site;
use crate::tasks::TaskSpec;

/// Reads a number that JSON may hold as `null` (serde_json writes NaN and ±∞ so) as NaN, so a
/// result whose loss curve ends in a non-finite step can still be read back.
pub fn f64_or_nan<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Reads θ's leaves with `null` (a non-finite value as serde_json writes it) as NaN, so that
/// [`FitResult::validate`] can name the value instead of the parser refusing the whole file.
fn leaves_or_nan<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<Vec<f32>>, D::Error> {
    let leaves = Vec::<Vec<Option<f32>>>::deserialize(d)?;
    Ok(leaves
        .into_iter()
        .map(|l| l.into_iter().map(|v| v.unwrap_or(f32::NAN)).collect())
        .collect())
}

/// Version of the result format written by this build.
pub const FORMAT_VERSION: u32 = 1;
/// What identifies a model: shapes and hashes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelFingerprint {
    /// Architecture name.
    pub arch: String,
    /// Layers.
    pub n_layers: usize,
    /// Width.
    pub d_model: usize,
    /// Vocabulary size.
    pub vocab_size: usize,
    /// SHA-256 of the weight files.
    pub weights_sha256: String,
    /// SHA-256 of the tokenizer definition.
    pub tokenizer_sha256: String,
    /// Where the model was loaded from (not part of its identity: see
    /// [`ModelFingerprint::same_model`]).
    #[serde(default, skip_serializing_if = "ModelOrigin::is_unknown")]
    pub origin: ModelOrigin,
}

impl ModelFingerprint {
    /// The fingerprint of a loaded model.
    pub fn of(info: &ModelInfo) -> Self {
        ModelFingerprint {
            arch: info.config.arch.as_str().into(),
            n_layers: info.config.n_layers,
            d_model: info.config.d_model,
            vocab_size: info.config.vocab_size,
            weights_sha256: info.weights_sha256.clone(),
            tokenizer_sha256: info.tokenizer_sha256.clone(),
            origin: info.origin.clone(),
        }
    }

    /// Whether `other` is the same model: same architecture, sizes and hashes (wherever each
    /// was loaded from).
    pub fn same_model(&self, other: &ModelFingerprint) -> bool {
        (
            &self.arch,
            self.n_layers,
            self.d_model,
            self.vocab_size,
            &self.weights_sha256,
            &self.tokenizer_sha256,
        ) == (
            &other.arch,
            other.n_layers,
            other.d_model,
            other.vocab_size,
            &other.weights_sha256,
            &other.tokenizer_sha256,
        )
    }

    /// What to load to use a result made on this model, in words.
    pub fn how_to_get(&self) -> String {
        let hash = self.weights_sha256.get(..12).unwrap_or("");
        match &self.origin {
            ModelOrigin::Hub(m) => {
                format!("{} from the Hugging Face Hub (weights {hash}…)", m.id())
            }
            ModelOrigin::Files(names) => format!(
                "the files {} ({} model, {} layers, weights SHA-256 {hash}…)",
                names.join(", "),
                self.arch,
                self.n_layers
            ),
            ModelOrigin::Unknown => format!(
                "the same {} model ({} layers, weights SHA-256 {hash}…)",
                self.arch, self.n_layers
            ),
        }
    }
}

/// Learned parameters θ with their shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Theta {
    /// Method.
    pub method: Method,
    /// Shape.
    pub dims: Dims,
    /// Leaves (α; v; or w then b), flat.
    #[serde(deserialize_with = "leaves_or_nan")]
    pub values: Vec<Vec<f32>>,
}

/// One active cell's contribution (ActivScalar): mean LD at β=+1 lost when its α is zeroed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteEffect {
    /// TransformerLens hook name.
    pub hook: String,
    /// Layer.
    pub layer: usize,
    /// Site kind.
    pub site: Site,
    /// Position key (index into [`FitResult::position_tokens`]).
    pub position: usize,
    /// α there.
    pub alpha: f32,
    /// Drop of the mean test LD when zeroed.
    #[serde(deserialize_with = "f64_or_nan")]
    pub effect: f64,
}

/// Everything about one fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitResult {
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Model it was learned on.
    pub model: ModelFingerprint,
    /// Task (built-in id and seed, or the rows).
    pub task: TaskSpec,
    /// All options.
    pub options: FitOptions,
    /// Steps run.
    pub steps_run: usize,
    /// The step whose θ this is: the lowest objective seen (0 in results older than this field,
    /// which kept the last θ).
    #[serde(default)]
    pub best_step: usize,
    /// Why it ended.
    pub stop_reason: StopReason,
    /// Backend it ran on.
    pub backend: String,
    /// Precision of the model's weight matrices during the fit (absent in JSON when f32).
    #[serde(default, skip_serializing_if = "is_f32")]
    pub weights: WeightPrecision,
    /// Wall-clock seconds of the fit (training only).
    pub seconds: f64,
    /// Metrics on the training split.
    pub train: SplitMetrics,
    /// Metrics on the validation split (absent when the task had none, as in older results).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<SplitMetrics>,
    /// Metrics on the held-out split.
    pub test: SplitMetrics,
    /// Sparsity.
    pub minimality: Minimality,
    /// Per-site effects (ActivScalar; on the test split).
    pub site_effects: Vec<SiteEffect>,
    /// Labels of θ's position keys, the heatmap's x-axis for position-tied methods: template
    /// roles (`{capital}⁻¹`, ` is`, …) or, for rows without a template, the first prompt's tokens.
    pub position_tokens: Vec<String>,
    /// θ.
    pub theta: Theta,
    /// Loss curve (omitted from permalinks).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<StepReport>,
}

impl FitResult {
    /// Reads a result from JSON (a file, browser storage) and [validates](FitResult::validate)
    /// it; `name` names the source in the message.
    pub fn from_json(bytes: &[u8], name: &str) -> Result<FitResult> {
        let r: FitResult = serde_json::from_slice(bytes).map_err(|e| {
            CoreError::Input(format!("{name} is not an ActivScalar result file ({e})"))
        })?;
        if r.format_version > FORMAT_VERSION {
            return Err(CoreError::Input(format!(
                "{name} was written by a newer version (format {}, this version reads up to {FORMAT_VERSION})",
                r.format_version
            )));
        }
        r.validate()
            .map_err(|e| CoreError::Input(format!("{name}: {e}")))?;
        Ok(r)
    }

    /// Checks that this result was learned on the model of fingerprint `here`.
    pub fn check_model(&self, here: &ModelFingerprint) -> Result<()> {
        if !here.same_model(&self.model) {
            return Err(CoreError::Input(format!(
                "this result was learned on another model ({} {} layers, weights {}…); the loaded one is {} {} layers, weights {}…",
                self.model.arch,
                self.model.n_layers,
                &self.model.weights_sha256.get(..12).unwrap_or(""),
                here.arch,
                here.n_layers,
                &here.weights_sha256[..12]
            )));
        }
        self.check_shape(here)
    }
}

fn is_f32(p: &WeightPrecision) -> bool {
    *p == WeightPrecision::F32
}
