//! Page-wide state shared through leptos context: the engine, the model, the task and fit
//! options being edited, the current result and the sweeps.

use std::rc::Rc;

use activscalar_core::engine::Engine;
use activscalar_core::fit::FitOptions;
use activscalar_core::interventions::Method;
use activscalar_core::result::FitResult;
use activscalar_core::sweep::Sweep;
use activscalar_core::tasks::TaskSpec;
use activscalar_core::{LoadedModel, NamedBytes};
use leptos::prelude::*;

/// Where the current result came from (shown next to it).
#[derive(Clone, Debug, PartialEq)]
pub enum Origin {
    /// Learned in this tab.
    Fit,
    /// Opened from a permalink.
    Link,
    /// Imported from a JSON file.
    Import(String),
    /// Restored from browser storage after a reload.
    Autosave,
}

/// Handles to the page's shared signals (cheap to copy).
#[derive(Clone, Copy)]
pub struct AppState {
    /// The started backend, once ready.
    pub engine: RwSignal<Option<Rc<Engine>>, LocalStorage>,
    /// The loaded model, once ready.
    pub model: RwSignal<Option<Rc<LoadedModel>>, LocalStorage>,
    /// The files it was loaded from, kept to reload it if the GPU device is lost.
    pub model_files: RwSignal<Option<Rc<Vec<NamedBytes>>>, LocalStorage>,
    /// The task being defined.
    pub task: RwSignal<TaskSpec>,
    /// The fit options being edited.
    pub options: RwSignal<FitOptions>,
    /// The result on display, and where it came from.
    pub result: RwSignal<Option<(Rc<FitResult>, Origin)>, LocalStorage>,
    /// The latest λ_M sweep of each method.
    pub sweeps: RwSignal<Vec<Rc<Sweep>>, LocalStorage>,
    /// A fit, sweep or benchmark is running (one GPU job at a time).
    pub busy: RwSignal<bool>,
    /// A model is being read, decoded or uploaded (no job starts meanwhile).
    pub loading: RwSignal<bool>,
    /// A model URL to load as soon as the engine is up (`?model=`, or a permalink's default model).
    pub load_request: RwSignal<Option<String>>,
}

impl AppState {
    /// Fresh state: CCC, ActivScalar defaults, nothing loaded.
    pub fn new() -> Self {
        AppState {
            engine: RwSignal::new_local(None),
            model: RwSignal::new_local(None),
            model_files: RwSignal::new_local(None),
            task: RwSignal::new(TaskSpec::ccc(0)),
            options: RwSignal::new(FitOptions::new(Method::ActivScalar)),
            result: RwSignal::new_local(None),
            sweeps: RwSignal::new_local(Vec::new()),
            busy: RwSignal::new(false),
            loading: RwSignal::new(false),
            load_request: RwSignal::new(None),
        }
    }

    /// Whether a job may start: none runs and no model is loading (tracked).
    pub fn idle(&self) -> bool {
        !self.busy.get() && !self.loading.get()
    }

    /// Whether the loaded model is the one `r` was learned on.
    pub fn model_matches(&self, r: &FitResult) -> bool {
        self.model.with(|m| {
            m.as_ref()
                .is_some_and(|m| activscalar_core::result::ModelFingerprint::of(&m.info) == r.model)
        })
    }
}

/// The state provided by [`crate::App`].
pub fn use_state() -> AppState {
    expect_context::<AppState>()
}
