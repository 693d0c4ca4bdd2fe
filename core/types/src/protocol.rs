//! The messages between the page (UI thread) and the model worker, sent as JSON strings.
//!
//! The page sends [`Request`]s; the worker owns the engine, the model and every tensor, runs
//! one job at a time and answers with [`Event`]s (progress while a job runs, then its outcome).
//! Dropped model files travel beside a [`Request::LoadFiles`] as `File` objects.

use serde::{Deserialize, Serialize};

use crate::engine::{BackendKind, GpuLimits, SelfTest};
use crate::hub::HubModel;
use crate::method::Method;
use crate::metrics::SplitMetrics;
use crate::model::{ModelInfo, WeightPrecision};
use crate::options::{FitOptions, StepReport};
use crate::readouts::{BetaPoint, Probe, TokenScore};
use crate::result::{FitResult, ModelFingerprint, SiteEffect};
use crate::sweep::Sweep;
use crate::tasks::{Row, TaskSpec};

/// What the page asks the worker to do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Request {
    /// Start the compute engine (WebGPU, else the CPU) and run its self-test.
    Start,
    /// Download a model (absolute URL of a `.gguf`, or of a folder with the Hugging Face files).
    LoadUrl {
        /// Absolute URL.
        url: String,
        /// Precision of the weight matrices.
        precision: WeightPrecision,
    },
    /// Download a model from the Hugging Face Hub (or a mirror with its URL layout).
    LoadHub {
        /// The Hub's address (checked with [`crate::hub::check_base`]).
        base: String,
        /// The repository, revision and optional GGUF file.
        model: HubModel,
        /// Precision of the weight matrices.
        precision: WeightPrecision,
    },
    /// Load the files posted with this message.
    LoadFiles {
        /// Precision of the weight matrices.
        precision: WeightPrecision,
    },
    /// Reload the model on display (or the files last refused) in another precision.
    SetPrecision {
        /// The precision wanted.
        precision: WeightPrecision,
    },
    /// Tokenise and split a task and measure the base model on it.
    CheckTask {
        /// The task.
        spec: TaskSpec,
        /// The method it is prepared for (position-tied or not).
        method: Method,
    },
    /// Learn θ.
    Fit {
        /// The task.
        spec: TaskSpec,
        /// Every option.
        options: FitOptions,
    },
    /// A λ_M sweep.
    Sweep {
        /// The task.
        spec: TaskSpec,
        /// Options of every point (λ_M replaced by the grid's).
        options: FitOptions,
        /// λ_M values, ascending.
        grid: Vec<f64>,
    },
    /// End the running fit or sweep after its current step, keeping the best θ so far.
    Stop,
    /// The top next tokens after a prompt.
    Predict {
        /// The prompt.
        prompt: String,
    },
    /// Prepare a result's θ and prompts for the β dial.
    Dial {
        /// The result (learned on the loaded model).
        result: Box<FitResult>,
    },
    /// The answer probabilities of one dial prompt at β and at β = 0.
    Probe {
        /// Index into the dial's prompts.
        prompt: usize,
        /// Strength.
        beta: f64,
    },
    /// The effects of ActivScalar cells of the result on the dial (on its test prompts).
    Effects {
        /// Cell indices (site-major: site, layer, position).
        cells: Vec<usize>,
    },
    /// The dose-response of the dial's θ on its test prompts, β from −2 to 2.
    Curve,
    /// Greedy continuations of one dial prompt at β and at β = 0.
    Continue {
        /// Index into the dial's prompts.
        prompt: usize,
        /// Strength.
        beta: f64,
        /// Tokens to generate.
        tokens: usize,
    },
    /// Time the benchmark workloads on this engine and on the CPU backend.
    Bench {
        /// Timed runs per workload.
        reps: usize,
    },
    /// Test hook: end the GPU device the way a driver reset does.
    LoseGpu,
}

/// What the worker reports (each event is serialised once and sent, so the size difference
/// between variants does not matter).
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Event {
    /// The engine started (or moved to a new device after a loss).
    Engine(EngineReport),
    /// Progress of a model load.
    Loading {
        /// What is being done.
        what: String,
        /// Share done, when known.
        fraction: Option<f64>,
    },
    /// A model load ended.
    Loaded(Result<LoadedReport, String>),
    /// A task check ended.
    Checked(Result<TaskCheck, String>),
    /// One optimiser step of a fit (`point` 0) or of a sweep point.
    Step {
        /// Sweep point (0 for a fit).
        point: usize,
        /// The step.
        report: StepReport,
    },
    /// The GPU device was lost during a fit: the worker is recovering (`false`), or has moved
    /// to a new device with the model reloaded (`true`).
    DeviceLost {
        /// Whether the model runs again.
        recovered: bool,
    },
    /// A fit ended.
    Fitted(Result<Fitted, String>),
    /// A sweep ended.
    Swept(Result<Sweep, String>),
    /// A prediction.
    Predicted(Result<PredictionReport, String>),
    /// The β dial's prompts (or why the dial cannot run).
    Dial(Result<Vec<Row>, String>),
    /// Probes of one dial prompt.
    Probed(Result<Probed, String>),
    /// Measured effects of cells of the result on the dial.
    Effects(Result<Vec<SiteEffect>, String>),
    /// Continuations of one dial prompt: (at β = 0, at β).
    Continued(Result<(String, String), String>),
    /// The dial's dose-response.
    Curve(Result<Vec<BetaPoint>, String>),
    /// The benchmark's status line.
    BenchStatus(String),
    /// A measured benchmark row.
    BenchRow(BenchRow),
    /// The benchmark ended (the workloads' description, or the error).
    Benched(Result<String, String>),
}

/// The started engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineReport {
    /// Backend.
    pub kind: BackendKind,
    /// Why the preferred backend is not used, if it is not.
    pub fallback_reason: Option<String>,
    /// Threads the CPU backend's kernels use: 1, or the pool of the multi-threaded build.
    pub cpu_threads: usize,
    /// The GPU's limits (WebGPU only).
    pub limits: Option<GpuLimits>,
    /// Whether f16 weights run here.
    pub f16: bool,
    /// The autodiff + Adam self-test.
    pub self_test: Result<SelfTest, String>,
}

/// A loaded model as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    /// Facts about the model.
    pub info: ModelInfo,
    /// Precision of its weight matrices.
    pub precision: WeightPrecision,
    /// The backend it runs on.
    pub backend: BackendKind,
}

impl ModelCard {
    /// Its fingerprint, to match results against.
    pub fn fingerprint(&self) -> ModelFingerprint {
        ModelFingerprint::of(&self.info)
    }
}

/// A finished model load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadedReport {
    /// The model.
    pub card: ModelCard,
    /// Whether the files came from the browser's cache (`None`: dropped files).
    pub from_cache: Option<bool>,
    /// Seconds spent in each phase of the load (reading, decoding and uploading, compiling
    /// kernels).
    pub phases: Vec<(String, f64)>,
}

/// What a task check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskCheck {
    /// One-line account: rows per split, dropped, set aside.
    pub summary: String,
    /// The first dropped rows with the reason.
    pub dropped: Vec<(Row, String)>,
    /// How many rows were dropped.
    pub n_dropped: usize,
    /// The first prompt's tokens.
    pub tokens: Vec<String>,
    /// The base model on all kept rows.
    pub base: SplitMetrics,
}

/// A finished fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fitted {
    /// Its result.
    pub result: FitResult,
    /// What happened on the way (device losses recovered from).
    pub notes: Vec<String>,
}

/// A prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionReport {
    /// The prompt's tokens.
    pub tokens: Vec<String>,
    /// The top next tokens.
    pub top: Vec<TokenScore>,
}

/// One dial prompt at β = 0 and at β.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Probed {
    /// Dial prompt index.
    pub prompt: usize,
    /// At β = 0.
    pub base: Probe,
    /// At the asked β.
    pub steered: Probe,
}

/// One benchmark row: a workload's runs on one backend, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchRow {
    /// Workload name.
    pub workload: String,
    /// Backend.
    pub backend: String,
    /// The untimed first run (on a GPU: kernel compilation and tuning for new shapes).
    pub first_ms: f64,
    /// Each timed run.
    pub ms: Vec<f64>,
}

impl BenchRow {
    /// Median, min and max.
    pub fn stats(&self) -> (f64, f64, f64) {
        let mut v = self.ms.clone();
        v.sort_by(f64::total_cmp);
        match v.as_slice() {
            [] => (f64::NAN, f64::NAN, f64::NAN),
            v => (v[v.len() / 2], v[0], v[v.len() - 1]),
        }
    }
}
