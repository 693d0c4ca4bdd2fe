//! A fit's full record (docs/METHOD.md, "Result and permalink contents"): format version, model and
//! tokenizer fingerprints, task, every option, metrics and θ — enough to reproduce the run and
//! to redraw its views without retraining.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::fit::{FitOptions, Fitter, StepReport, StopReason};
use crate::hooks::Site;
use crate::interventions::{Dims, Intervention, Method};
use crate::loaders::model_files::{LoadedModel, ModelInfo};
use crate::metrics::{
    EFFECT_CELLS, Minimality, SplitMetrics, evaluate, largest_cells, minimality, site_effects,
};
use crate::models::Model;
use crate::models::WeightPrecision;
use crate::tasks::{PreparedTask, TaskSpec, prepare};

/// Reads a number that JSON may hold as `null` (serde_json writes NaN and ±∞ so) as NaN, so a
/// result whose loss curve ends in a non-finite step can still be read back.
pub fn f64_or_nan<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Version of the result format written by this build.
pub const FORMAT_VERSION: u32 = 1;
/// Prompts per evaluation batch.
pub const EVAL_BATCH: usize = 32;

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
    /// Prompt position.
    pub position: usize,
    /// α there.
    pub alpha: f32,
    /// Drop of the mean test LD when zeroed.
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
    /// Metrics on the held-out split.
    pub test: SplitMetrics,
    /// Sparsity.
    pub minimality: Minimality,
    /// Per-site effects (ActivScalar; on the test split).
    pub site_effects: Vec<SiteEffect>,
    /// Prompt tokens of the first test example (the heatmap's x-axis for position-tied methods).
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

    /// Checks that this result can be used with `m` and rebuilds θ on its device.
    pub fn intervention_for(&self, m: &LoadedModel) -> Result<Intervention> {
        self.validate()?;
        let here = ModelFingerprint::of(&m.info);
        if here != self.model {
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
        self.check_shape(&here)?;
        Intervention::from_host(
            self.theta.method,
            self.theta.dims,
            &self.theta.values,
            m.model.device(),
        )
    }
}

/// Prepares `spec` for `opts.method` and runs a full fit; `on_step` is awaited after each
/// step and ends the fit (keeping its best θ) when it returns `true`. Returns the complete
/// result.
pub async fn run_fit(
    m: &LoadedModel,
    spec: &TaskSpec,
    opts: FitOptions,
    backend: &str,
    mut on_step: impl AsyncFnMut(&StepReport) -> bool,
) -> Result<(FitResult, PreparedTask)> {
    let task = prepare(spec, &m.tokenizer, opts.method.is_position_tied())?;
    let start = web_time::Instant::now();
    let mut fitter = Fitter::new(&m.model, &task, opts, None)?;
    while let Some(report) = fitter.step().await? {
        if on_step(&report).await {
            fitter.stop();
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let result = finish(m, spec, &task, &fitter, backend, seconds).await?;
    Ok((result, task))
}

/// What evaluating θ on a task measures: both splits and the largest cells' effects.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Metrics on the training split.
    pub train: SplitMetrics,
    /// Metrics on the held-out split.
    pub test: SplitMetrics,
    /// Effects of the (at most [`EFFECT_CELLS`]) largest ActivScalar cells, on the test split.
    pub site_effects: Vec<SiteEffect>,
}

/// Evaluates θ (`iv`, with its host copy `host`) on `task`: metrics of both splits, and the
/// effects of the largest cells above `tau` on the test split.
pub async fn evaluate_fit(
    model: &Model,
    iv: &Intervention,
    host: &[Vec<f32>],
    task: &PreparedTask,
    tau: f32,
) -> Result<Evaluation> {
    let train = evaluate(model, Some(iv), &task.train, EVAL_BATCH).await?;
    let test = evaluate(model, Some(iv), &task.test, EVAL_BATCH).await?;
    let cells = largest_cells(iv, host, tau, EFFECT_CELLS);
    let effects = effects_of(model, iv, host, &cells, &task.test, test.plus.mean_ld).await?;
    Ok(Evaluation {
        train,
        test,
        site_effects: effects,
    })
}

/// The effects of `cells` (ActivScalar) on `examples`, given their mean LD with every cell.
pub async fn effects_of(
    model: &Model,
    iv: &Intervention,
    host: &[Vec<f32>],
    cells: &[usize],
    examples: &[crate::tasks::Example],
    full: f64,
) -> Result<Vec<SiteEffect>> {
    let dims = iv.dims;
    let effects = site_effects(model, iv, cells, examples, full, EVAL_BATCH).await?;
    Ok(effects
        .into_iter()
        .map(|(cell, effect)| {
            let (s, layer, position) = (
                cell / (dims.layers * dims.positions),
                (cell / dims.positions) % dims.layers,
                cell % dims.positions,
            );
            let site = Site::ALL[s];
            SiteEffect {
                hook: site.hook_name(layer),
                layer,
                site,
                position,
                alpha: host[0][cell],
                effect,
            }
        })
        .collect())
}

/// Evaluates a finished (or stopped) fit and assembles its result.
pub async fn finish(
    m: &LoadedModel,
    spec: &TaskSpec,
    task: &PreparedTask,
    fitter: &Fitter<'_>,
    backend: &str,
    seconds: f64,
) -> Result<FitResult> {
    let opts = fitter.options().clone();
    let iv = fitter.intervention();
    let host = iv.to_host().await?;
    let Evaluation {
        train,
        test,
        site_effects,
    } = evaluate_fit(&m.model, &iv, &host, task, opts.tau).await?;
    let dims = iv.dims;
    let position_tokens = task
        .test
        .first()
        .or(task.train.first())
        .map(|e| e.ids.iter().map(|&t| m.tokenizer.token_text(t)).collect())
        .unwrap_or_default();
    Ok(FitResult {
        format_version: FORMAT_VERSION,
        model: ModelFingerprint::of(&m.info),
        task: spec.clone(),
        minimality: minimality(&iv, &host, opts.tau),
        steps_run: fitter.steps_run(),
        best_step: fitter.best_step(),
        stop_reason: fitter.stop_reason().cloned().unwrap_or(StopReason::Stopped),
        backend: backend.to_string(),
        weights: m.model.precision(),
        seconds,
        train,
        test,
        site_effects,
        position_tokens,
        theta: Theta {
            method: iv.method,
            dims,
            values: host,
        },
        history: fitter.history.clone(),
        options: opts,
    })
}

fn is_f32(p: &WeightPrecision) -> bool {
    *p == WeightPrecision::F32
}
