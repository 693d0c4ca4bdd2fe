//! The page's actions: what a click, a link or a worker event does. Panels call these and
//! read the [`Store`]; only the controller talks to the model worker.

mod events;
pub mod saved;

use std::sync::Arc;

use activscalar_types::hub::{self, HubModel};
use activscalar_types::model::WeightPrecision;
use activscalar_types::options::FitOptions;
use activscalar_types::sweep::log_grid;
use leptos::prelude::*;

use crate::browser::{absolute_url, mark_body, query_param};
use crate::client::Client;
use crate::store::{Job, LoadStatus, Origin, Shown, Store};
use crate::task_form::TaskForm;
use activscalar_types::protocol::Request;
use activscalar_types::tasks::TaskSpec;

/// Where the default model is served from (copied into dist/ by Trunk).
pub const DEFAULT_MODEL_URL: &str = "models/SmolLM2-135M-Instruct.Q4_1.gguf";
/// SHA-256 of the default model file (as checked by scripts/fetch-model.sh): a permalink made
/// on it loads it by itself.
pub const DEFAULT_MODEL_SHA256: &str =
    "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

/// A model asked for before the engine was up.
#[derive(Clone, Debug)]
enum Pending {
    /// An absolute URL.
    Url(String),
    /// A Hub base and model.
    Hub(String, HubModel),
}

/// The page's controller (cheap to copy into event handlers).
#[derive(Clone, Copy)]
pub struct Controller {
    /// The state it writes.
    pub store: Store,
    client: StoredValue<Option<Client>, LocalStorage>,
    /// A model to load once the engine is up.
    pending_load: StoredValue<Option<Pending>>,
    /// The precision to go back to if the reload in another precision fails.
    revert_precision: StoredValue<Option<WeightPrecision>>,
    /// A β-dial probe asked for while another was on its way or a job held the worker.
    pending_probe: StoredValue<bool>,
    /// The fits a Run still has to do on further split seeds (task and options).
    repeat_queue: StoredValue<Vec<(TaskSpec, FitOptions)>>,
    /// Where Hub models are fetched from (`?hub-base=`, checked), or why it was refused.
    hub_base: StoredValue<Result<String, String>>,
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
            repeat_queue: StoredValue::new(Vec::new()),
            hub_base: StoredValue::new(query_param("hub-base").map_or_else(
                || Ok(hub::DEFAULT_HUB_BASE.to_string()),
                |b| hub::check_base(&b),
            )),
        };
        match Client::spawn(crate::backend::chosen(), move |ev| c.apply(ev)) {
            Ok(client) => {
                client.send(&Request::Start);
                c.client.set_value(Some(client));
            }
            Err(e) => c.store.load.set(LoadStatus::Failed(format!(
                "the model worker could not start: {e}"
            ))),
        }
        match (query_param("model"), query_param("hub")) {
            (Some(url), _) if url == "default" => c.load_url(DEFAULT_MODEL_URL),
            (Some(url), _) => c.load_url(&url),
            (None, Some(id)) => c.load_hub(&id, &query_param("file").unwrap_or_default()),
            (None, None) if query_param("bench").is_some() => c.load_url(DEFAULT_MODEL_URL),
            (None, None) => {}
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
            self.pending_load.set_value(Some(Pending::Url(url)));
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

    /// The Hub id and GGUF file the page was opened with (`?hub=`, `&file=`), for the form.
    pub fn hub_request(&self) -> (String, String) {
        (
            query_param("hub").unwrap_or_default(),
            query_param("file").unwrap_or_default(),
        )
    }

    /// The Hub's address models are fetched from (or why `?hub-base=` was refused).
    pub fn hub_base(&self) -> String {
        self.hub_base
            .get_value()
            .unwrap_or_else(|e| format!("nowhere ({e})"))
    }

    /// Loads Hub model `id` (`org/name[@revision]`), its GGUF `file` when one is named, once
    /// the engine is up. A bad id or base is refused with the reason; the model shown stays.
    pub fn load_hub(&self, id: &str, file: &str) {
        let file = Some(file).filter(|f| !f.trim().is_empty());
        let request = self
            .hub_base
            .get_value()
            .and_then(|base| HubModel::parse(id, file).map(|model| (base, model)));
        match request {
            Ok((base, model)) => self.load_hub_model(base, model),
            Err(e) => {
                if self.store.job.get_untracked() == Job::Idle {
                    self.store.load.set(LoadStatus::Failed(e));
                    mark_body("data-model", "error");
                }
            }
        }
    }

    fn load_hub_model(&self, base: String, model: HubModel) {
        if self.store.engine.with_untracked(Option::is_none) {
            self.pending_load.set_value(Some(Pending::Hub(base, model)));
            return;
        }
        if !self.begin(Job::Loading) {
            return;
        }
        self.revert_precision.set_value(None);
        self.store.load.set(LoadStatus::Busy {
            what: format!("Asking the Hub for {}…", model.id()),
            fraction: None,
        });
        let precision = self.store.precision.get_untracked();
        self.send(&Request::LoadHub {
            base,
            model,
            precision,
        });
    }

    /// Loads the model asked for before the engine was up.
    fn load_pending(&self) {
        match self.pending_load.try_update_value(Option::take).flatten() {
            Some(Pending::Url(url)) => self.load_url(&url),
            Some(Pending::Hub(base, model)) => self.load_hub_model(base, model),
            None => {}
        }
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

    /// Runs a fit with the task and options shown, on as many split seeds as the repeats
    /// field says (the task's seed, then the next ones).
    pub fn fit(&self) {
        let Ok(spec) = self.store.task.with_untracked(TaskForm::spec) else {
            return;
        };
        if self.store.model.with_untracked(Option::is_none) || !self.begin(Job::Fitting) {
            return;
        }
        self.store.fit_message.set(None);
        self.store.repeated.set(Vec::new());
        mark_body("data-fit", "running");
        let options = self.store.options.get_untracked();
        let n = self.store.repeats.get_untracked().clamp(1.0, 10.0) as u64;
        let mut queue: Vec<(TaskSpec, FitOptions)> = (1..n)
            .rev()
            .map(|k| {
                let seed = spec.seed + k;
                (
                    TaskSpec {
                        seed,
                        ..spec.clone()
                    },
                    options.clone(),
                )
            })
            .collect();
        queue.push((spec, options));
        self.repeat_queue.set_value(queue);
        self.next_repeat();
    }

    /// Sends the next fit of the Run's queue; `false` when there is none.
    fn next_repeat(&self) -> bool {
        let Some((spec, options)) = self.repeat_queue.try_update_value(Vec::pop).flatten() else {
            return false;
        };
        self.store.history.set(Vec::new());
        self.send(&Request::Fit { spec, options });
        true
    }

    /// Ends the running fit or sweep after its current step (its best θ so far is kept); a
    /// Run on several split seeds ends with the seeds done so far.
    pub fn stop(&self) {
        self.repeat_queue.set_value(Vec::new());
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
        self.store.sweep_message.set(None);
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
    pub fn show(&self, result: Arc<activscalar_types::result::FitResult>, origin: Origin) {
        self.store.task.set(TaskForm::of(&result.task));
        self.store.options.set(result.options.clone());
        self.store.result.set(Some(Shown { result, origin }));
        self.store.effect_message.set(None);
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
            let loaded = self
                .store
                .model
                .with_untracked(|m| m.as_ref().map(|m| m.info.weights_sha256.clone()))
                .unwrap_or_default();
            d.prompts.set(Some(Err(format!(
                "The loaded model (weights SHA-256 {}…) is not the one this result was learned on: to use the β dial, load {}.",
                loaded.get(..12).unwrap_or(""),
                shown.result.model.how_to_get()
            ))));
            return;
        }
        d.prompts.set(None);
        d.curve.set(None);
        self.send(&Request::Dial {
            result: Box::new((*shown.result).clone()),
        });
    }

    /// Measures the dial's chosen prompt at the dial's β (the newest request wins). Asked for
    /// while a probe is on its way or a job runs (a Run's further split seeds, say), it is
    /// sent when that ends.
    pub fn probe(&self) {
        let d = self.store.dial;
        if !matches!(d.prompts.get_untracked(), Some(Ok(_))) {
            return;
        }
        if d.in_flight.get_untracked() || self.store.job.get_untracked() != Job::Idle {
            self.pending_probe.set_value(true);
            return;
        }
        d.in_flight.set(true);
        self.send(&Request::Probe {
            prompt: d.chosen.get_untracked(),
            beta: d.beta.get_untracked(),
        });
    }

    /// Measures the effect of ActivScalar cell `cell` (site-major index) of the shown result on
    /// its test prompts, when the result is on the β dial and the worker is free.
    pub fn measure_effect(&self, cell: usize) {
        let s = self.store;
        if !matches!(s.dial.prompts.get_untracked(), Some(Ok(_))) || !untrack(|| s.idle()) {
            s.effect_message.set(Some(
                "Effects are measured on the model the result was learned on, when no job runs."
                    .into(),
            ));
            mark_body("data-effects", "error");
            return;
        }
        s.effect_message
            .set(Some("Measuring the effect of zeroing that α…".into()));
        mark_body("data-effects", "running");
        self.send(&Request::Effects { cells: vec![cell] });
    }

    /// Measures the dial's dose-response on its test prompts.
    pub fn curve(&self) {
        let d = self.store.dial;
        if !matches!(d.prompts.get_untracked(), Some(Ok(_))) {
            return;
        }
        d.curve.set(Some(Ok(Vec::new())));
        mark_body("data-curve", "running");
        self.send(&Request::Curve);
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
