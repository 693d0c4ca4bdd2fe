//! The page's actions: what a click, a link or a worker event does. Panels call these and
//! read the [`Store`]; only the controller talks to the model worker.

mod events;
pub mod saved;

use std::sync::Arc;

use activscalar_core::WeightPrecision;
use activscalar_core::fit::FitOptions;
use activscalar_core::sweep::log_grid;
use leptos::prelude::*;

use crate::browser::{absolute_url, mark_body, query_param};
use crate::client::Client;
use crate::protocol::Request;
use crate::store::{Job, LoadStatus, Origin, Shown, Store};
use crate::task_form::TaskForm;

/// Where the default model is served from (copied into dist/ by Trunk).
pub const DEFAULT_MODEL_URL: &str = "models/SmolLM2-135M-Instruct.Q4_1.gguf";
/// SHA-256 of the default model file (as checked by scripts/fetch-model.sh): a permalink made
/// on it loads it by itself.
pub const DEFAULT_MODEL_SHA256: &str =
    "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

/// The page's controller (cheap to copy into event handlers).
#[derive(Clone, Copy)]
pub struct Controller {
    /// The state it writes.
    pub store: Store,
    client: StoredValue<Option<Client>, LocalStorage>,
    /// A model URL to load once the engine is up.
    pending_load: StoredValue<Option<String>>,
    /// The precision to go back to if the reload in another precision fails.
    revert_precision: StoredValue<Option<WeightPrecision>>,
    /// A β-dial probe asked for while another was on its way.
    pending_probe: StoredValue<bool>,
}

/// The controller provided by [`crate::App`].
pub fn use_controller() -> Controller {
    expect_context::<Controller>()
}

impl Controller {
    /// Starts the page: the worker and its engine, then a permalink or the last fit, and a
    /// `?model=` to load.
    pub fn start() -> Controller {
        let c = Controller {
            store: Store::new(),
            client: StoredValue::new_local(None),
            pending_load: StoredValue::new(None),
            revert_precision: StoredValue::new(None),
            pending_probe: StoredValue::new(false),
        };
        match Client::spawn(move |ev| c.apply(ev)) {
            Ok(client) => {
                client.send(&Request::Start);
                c.client.set_value(Some(client));
            }
            Err(e) => c.store.load.set(LoadStatus::Failed(format!(
                "the model worker could not start: {e}"
            ))),
        }
        match query_param("model") {
            Some(url) if url == "default" => c.load_url(DEFAULT_MODEL_URL),
            Some(url) => c.load_url(&url),
            None if query_param("bench").is_some() => c.load_url(DEFAULT_MODEL_URL),
            None => {}
        }
        saved::restore_on_start(c);
        saved::guard_unload(c);
        c
    }

    fn send(&self, request: &Request) {
        self.client.with_value(|c| {
            if let Some(c) = c {
                c.send(request);
            }
        });
    }

    /// Claims the page for `job`, or returns false when another runs.
    fn begin(&self, job: Job) -> bool {
        if self.store.job.get_untracked() != Job::Idle {
            return false;
        }
        self.store.job.set(job);
        true
    }

    /// Loads the model at `url` (relative to the page) once the engine is up.
    pub fn load_url(&self, url: &str) {
        let url = absolute_url(url);
        if self.store.engine.with_untracked(Option::is_none) {
            self.pending_load.set_value(Some(url));
            return;
        }
        if !self.begin(Job::Loading) {
            return;
        }
        self.revert_precision.set_value(None);
        self.store.load.set(LoadStatus::Busy {
            what: "Starting the download…".into(),
            fraction: None,
        });
        let precision = self.store.precision.get_untracked();
        self.send(&Request::LoadUrl { url, precision });
    }

    /// Loads a model from files the user dropped or picked.
    pub fn load_files(&self, files: Vec<web_sys::File>) {
        if files.is_empty() || !self.begin(Job::Loading) {
            return;
        }
        self.revert_precision.set_value(None);
        self.store.load.set(LoadStatus::Busy {
            what: "Reading files…".into(),
            fraction: None,
        });
        let precision = self.store.precision.get_untracked();
        self.client.with_value(|c| {
            if let Some(c) = c {
                c.send_with(&Request::LoadFiles { precision }, &files);
            }
        });
    }

    /// Reloads the model (or the files last refused) in `precision`; the checkbox goes back
    /// if that fails.
    pub fn set_precision(&self, precision: WeightPrecision) {
        let previous = self.store.precision.get_untracked();
        self.store.precision.set(precision);
        if self.store.model.with_untracked(Option::is_none)
            && !matches!(self.store.load.get_untracked(), LoadStatus::Failed(_))
        {
            return;
        }
        if !self.begin(Job::Loading) {
            self.store.precision.set(previous);
            return;
        }
        self.revert_precision.set_value(Some(previous));
        self.send(&Request::SetPrecision { precision });
    }

    /// Checks the task on the model.
    pub fn check_task(&self) {
        let form = self.store.task.get_untracked();
        let Ok(spec) = form.spec() else {
            return;
        };
        if !self.begin(Job::Checking) {
            return;
        }
        mark_body("data-task", "running");
        let method = self.store.options.with_untracked(|o| o.method);
        self.store.checked.set(Some((form, None)));
        self.send(&Request::CheckTask { spec, method });
    }

    /// Runs a fit with the task and options shown.
    pub fn fit(&self) {
        let Ok(spec) = self.store.task.with_untracked(TaskForm::spec) else {
            return;
        };
        if self.store.model.with_untracked(Option::is_none) || !self.begin(Job::Fitting) {
            return;
        }
        self.store.history.set(Vec::new());
        self.store.fit_message.set(None);
        mark_body("data-fit", "running");
        let options = self.store.options.get_untracked();
        self.send(&Request::Fit { spec, options });
    }

    /// Ends the running fit or sweep after its current step (its best θ so far is kept).
    pub fn stop(&self) {
        self.send(&Request::Stop);
    }

    /// Runs a λ_M sweep over a log grid from `lo` to `hi` with `points` points and `steps`
    /// steps each, with the task and options shown.
    pub fn sweep(&self, lo: f64, hi: f64, points: usize, steps: usize) {
        let Ok(spec) = self.store.task.with_untracked(TaskForm::spec) else {
            return;
        };
        if self.store.model.with_untracked(Option::is_none) || !self.begin(Job::Sweeping) {
            return;
        }
        let options = FitOptions {
            steps,
            ..self.store.options.get_untracked()
        };
        let grid = log_grid(lo.max(1e-8), hi.max(1e-8), points);
        self.store.sweep_progress.set((0, grid.len() * steps));
        self.store.sweep_error.set(None);
        mark_body("data-sweep", "running");
        self.send(&Request::Sweep {
            spec,
            options,
            grid,
        });
    }

    /// Predicts the next token after `prompt`.
    pub fn predict(&self, prompt: String) {
        if self.store.model.with_untracked(Option::is_some) {
            self.send(&Request::Predict { prompt });
        }
    }

    /// Shows `result`: its heatmap and metrics, its task and options in the forms, and (when
    /// the loaded model is its model) the β dial.
    pub fn show(&self, result: Arc<activscalar_core::result::FitResult>, origin: Origin) {
        self.store.task.set(TaskForm::of(&result.task));
        self.store.options.set(result.options.clone());
        self.store.result.set(Some(Shown { result, origin }));
        self.refresh_dial();
    }

    /// Puts the shown result on the β dial when the loaded model is its model.
    fn refresh_dial(&self) {
        let d = self.store.dial;
        d.shown.set(None);
        d.text.set(None);
        d.chosen.set(0);
        let Some(shown) = self.store.result.get_untracked() else {
            d.prompts.set(None);
            return;
        };
        if self.store.model.with_untracked(Option::is_none) {
            d.prompts.set(None);
            return;
        }
        if !self.store.model_matches_untracked() {
            d.prompts.set(Some(Err(
                "The loaded model is not the one this result was learned on: load the same model to use the β dial.".into(),
            )));
            return;
        }
        d.prompts.set(None);
        self.send(&Request::Dial {
            result: Box::new((*shown.result).clone()),
        });
    }

    /// Measures the dial's chosen prompt at the dial's β (the newest request wins).
    pub fn probe(&self) {
        let d = self.store.dial;
        if d.in_flight.get_untracked() {
            self.pending_probe.set_value(true);
            return;
        }
        if !matches!(d.prompts.get_untracked(), Some(Ok(_)))
            || self.store.job.get_untracked() != Job::Idle
        {
            return;
        }
        d.in_flight.set(true);
        self.send(&Request::Probe {
            prompt: d.chosen.get_untracked(),
            beta: d.beta.get_untracked(),
        });
    }

    /// Greedy continuations of the dial's prompt at β and at β = 0.
    pub fn continuation(&self) {
        let d = self.store.dial;
        d.text.set(None);
        self.send(&Request::Continue {
            prompt: d.chosen.get_untracked(),
            beta: d.beta.get_untracked(),
            tokens: 8,
        });
    }

    /// Runs the benchmark with `reps` timed runs per workload.
    pub fn bench(&self, reps: usize) {
        if self.store.model.with_untracked(Option::is_none) || !self.begin(Job::Benching) {
            return;
        }
        self.store.bench.rows.set(Vec::new());
        self.store.bench.longest_block.set(None);
        crate::browser::LongTasks::start();
        mark_body("data-bench", "running");
        self.send(&Request::Bench { reps });
    }

    /// Test hook: ends the worker's GPU device as a driver reset does.
    pub fn lose_gpu(&self) {
        self.send(&Request::LoseGpu);
    }
}

impl Store {
    /// [`Store::model_matches`] without tracking.
    pub fn model_matches_untracked(&self) -> bool {
        untrack(|| self.model_matches())
    }
}
