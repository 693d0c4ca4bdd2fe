//! The fit options, each control writing one field of the store's options.

mod main_options;
mod more_options;

pub use main_options::MainOptions;
pub use more_options::MoreOptions;

use activscalar_types::options::FitOptions;
use leptos::prelude::*;

use crate::controller::use_controller;

/// A number field of the options.
fn field(
    get: fn(&FitOptions) -> f64,
    set: fn(&mut FitOptions, f64),
) -> (Signal<f64>, Callback<f64>) {
    let options = use_controller().store.options;
    (
        Signal::derive(move || options.with(get)),
        Callback::new(move |v| options.update(|o| set(o, v))),
    )
}
