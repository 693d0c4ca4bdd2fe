//! Page-wide state shared through leptos context: the compute engine and the loaded model.

use std::rc::Rc;

use activscalar_core::LoadedModel;
use activscalar_core::engine::Engine;
use leptos::prelude::*;

/// Handles to the page's shared signals (cheap to copy).
#[derive(Clone, Copy)]
pub struct AppState {
    /// The started backend, once ready.
    pub engine: RwSignal<Option<Rc<Engine>>, LocalStorage>,
    /// The loaded model, once ready.
    pub model: RwSignal<Option<Rc<LoadedModel>>, LocalStorage>,
}

impl AppState {
    /// Fresh, empty state.
    pub fn new() -> Self {
        AppState {
            engine: RwSignal::new_local(None),
            model: RwSignal::new_local(None),
        }
    }
}

/// The state provided by [`crate::App`].
pub fn use_state() -> AppState {
    expect_context::<AppState>()
}
