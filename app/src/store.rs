//! The page's state: plain signals that the worker's events and the user's actions write, and
//! that the panels read. Nothing here computes.

use std::sync::Arc;

use activscalar_types::method::Method;
use activscalar_types::model::WeightPrecision;
use activscalar_types::options::{FitOptions, StepReport};
use activscalar_types::readouts::BetaPoint;
use activscalar_types::result::FitResult;
use activscalar_types::sweep::Sweep;
use activscalar_types::tasks::Row;
use leptos::prelude::*;

use crate::task_form::TaskForm;
use activscalar_types::protocol::{
    BenchRow, EngineReport, ModelCard, PredictionReport, Probed, TaskCheck,
};

/// The one long job the worker runs at a time, as the page knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// Nothing runs.
    Idle,
    /// A model is read, decoded or uploaded.
    Loading,
    /// A task is checked.
    Checking,
    /// A fit runs.
    Fitting,
    /// A sweep runs.
    Sweeping,
    /// The benchmark runs.
    Benching,
}

/// What the model loader shows.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadStatus {
    /// Nothing loading.
    Idle,
    /// Loading, with progress.
    Busy {
        /// What is being done.
        what: String,
        /// Share done, when known.
        fraction: Option<f64>,
    },
    /// The last load failed (the model before, if any, stays).
    Failed(String),
}

/// Where the result on display came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// Learned in this tab.
    Fit,
    /// Opened from a permalink.
    Link,
    /// Imported from a JSON file.
    Import(String),
    /// The user's last fit, restored from browser storage.
    Autosave,
}

/// The result on display.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    /// The result.
    pub result: Arc<FitResult>,
    /// Where it came from.
    pub origin: Origin,
}

/// A task check: the form it checked, and its outcome (`None` while it runs).
pub type Checked = (TaskForm, Option<Result<TaskCheck, String>>);

/// The β dial's state.
#[derive(Clone, Copy)]
pub struct DialState {
    /// The dial's prompts (or why there is no dial).
    pub prompts: RwSignal<Option<Result<Vec<Row>, String>>>,
    /// The prompt chosen.
    pub chosen: RwSignal<usize>,
    /// β chosen.
    pub beta: RwSignal<f64>,
    /// The last probe received.
    pub shown: RwSignal<Option<Probed>>,
    /// A probe is on its way.
    pub in_flight: RwSignal<bool>,
    /// Continuations (β = 0, β) and the β they were made at.
    pub text: RwSignal<Option<(String, String, f64)>>,
    /// The dose-response on the test prompts (`Some(Ok(empty))` while it is measured).
    pub curve: RwSignal<Option<Result<Vec<BetaPoint>, String>>>,
}

/// The benchmark's state.
#[derive(Clone, Copy)]
pub struct BenchState {
    /// Measured rows.
    pub rows: RwSignal<Vec<BenchRow>>,
    /// Status line.
    pub status: RwSignal<String>,
    /// Workloads' description.
    pub workloads: RwSignal<String>,
    /// Milliseconds from the page's start until the first model was ready.
    pub ready_at: RwSignal<Option<f64>>,
    /// Longest time the page's thread was blocked during the benchmark, ms.
    pub longest_block: RwSignal<Option<f64>>,
}

/// Every signal of the page (cheap to copy).
#[derive(Clone, Copy)]
pub struct Store {
    /// The engine, once started.
    pub engine: RwSignal<Option<EngineReport>>,
    /// The loaded model.
    pub model: RwSignal<Option<ModelCard>>,
    /// The loader's status.
    pub load: RwSignal<LoadStatus>,
    /// Seconds of each phase of the last successful load.
    pub load_phases: RwSignal<Vec<(String, f64)>>,
    /// The weight precision asked for.
    pub precision: RwSignal<WeightPrecision>,
    /// The running job.
    pub job: RwSignal<Job>,
    /// The task being edited.
    pub task: RwSignal<TaskForm>,
    /// The last task check.
    pub checked: RwSignal<Option<Checked>>,
    /// The fit options being edited.
    pub options: RwSignal<FitOptions>,
    /// Steps of the running (or last) fit.
    pub history: RwSignal<Vec<StepReport>>,
    /// What the last fit's end says.
    pub fit_message: RwSignal<Option<String>>,
    /// Split seeds a Run fits on (1: the task's seed only; more: the next seeds too).
    pub repeats: RwSignal<f64>,
    /// The results of the last Run, one per split seed (the first is the one shown).
    pub repeated: RwSignal<Vec<Arc<FitResult>>>,
    /// The result on display.
    pub result: RwSignal<Option<Shown>>,
    /// The sweeps on the trade-off chart: the latest of each label (method, task, split
    /// seed), run here or imported.
    pub sweeps: RwSignal<Vec<Arc<Sweep>>>,
    /// Steps of the running sweep done, and its total.
    pub sweep_progress: RwSignal<(usize, usize)>,
    /// What the last sweep or sweep import says: done, or why it failed.
    pub sweep_message: RwSignal<Option<Result<String, String>>>,
    /// The last prediction.
    pub prediction: RwSignal<Option<Result<PredictionReport, String>>>,
    /// Messages of the share panel (`Ok`: notice, `Err`: error).
    pub share_message: RwSignal<Option<Result<String, String>>>,
    /// What became of the last request to measure a cell's effect.
    pub effect_message: RwSignal<Option<String>>,
    /// The β dial.
    pub dial: DialState,
    /// The benchmark.
    pub bench: BenchState,
}

impl Store {
    /// Fresh state: CCC, ActivScalar defaults, nothing loaded.
    pub fn new() -> Store {
        Store {
            engine: RwSignal::new(None),
            model: RwSignal::new(None),
            load: RwSignal::new(LoadStatus::Idle),
            load_phases: RwSignal::new(Vec::new()),
            precision: RwSignal::new(WeightPrecision::F32),
            job: RwSignal::new(Job::Idle),
            task: RwSignal::new(TaskForm::default()),
            checked: RwSignal::new(None),
            options: RwSignal::new(FitOptions::new(Method::ActivScalar)),
            history: RwSignal::new(Vec::new()),
            fit_message: RwSignal::new(None),
            repeats: RwSignal::new(1.0),
            repeated: RwSignal::new(Vec::new()),
            result: RwSignal::new(None),
            sweeps: RwSignal::new(Vec::new()),
            sweep_progress: RwSignal::new((0, 0)),
            sweep_message: RwSignal::new(None),
            prediction: RwSignal::new(None),
            share_message: RwSignal::new(None),
            effect_message: RwSignal::new(None),
            dial: DialState {
                prompts: RwSignal::new(None),
                chosen: RwSignal::new(0),
                beta: RwSignal::new(1.0),
                shown: RwSignal::new(None),
                in_flight: RwSignal::new(false),
                text: RwSignal::new(None),
                curve: RwSignal::new(None),
            },
            bench: BenchState {
                rows: RwSignal::new(Vec::new()),
                status: RwSignal::new(String::new()),
                workloads: RwSignal::new(String::new()),
                ready_at: RwSignal::new(None),
                longest_block: RwSignal::new(None),
            },
        }
    }

    /// Whether a job may start: the engine is up and nothing runs (tracked).
    pub fn idle(&self) -> bool {
        self.job.get() == Job::Idle && self.engine.with(Option::is_some)
    }

    /// Whether the loaded model is the one the shown result was learned on (tracked).
    pub fn model_matches(&self) -> bool {
        let model = self.model.with(|m| m.as_ref().map(ModelCard::fingerprint));
        self.result
            .with(|r| matches!((r, model), (Some(r), Some(m)) if r.result.model.same_model(&m)))
    }
}
