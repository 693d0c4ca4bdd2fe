//! ActivScalar Explorer: the page. leptos renders, the controller reacts to the user, and the
//! model worker (`app/worker`, a WebAssembly module of its own) owns the engine and the model
//! and does all the computing; they talk in `activscalar_types::protocol`'s messages. This
//! module links no tensor library, so the page starts at once and its thread never computes.

mod backend;
mod browser;
mod client;
mod controller;
mod js;
mod panels;
mod store;
mod task_form;
mod widgets;

use leptos::prelude::*;

use crate::panels::*;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// The whole page: set-up on the left, the result's views on the right.
#[component]
fn App() -> impl IntoView {
    provide_context(controller::Controller::start());
    let bench = browser::query_param("bench").is_some();
    view! {
        <header class="topbar">
            <h1>"ActivScalar Explorer"</h1>
            <p class="tagline">
                "Learn activation scalars that steer a language model — on your GPU, in your browser."
            </p>
        </header>
        <main>
            <engine::EngineStatus/>
            <div class="columns">
                <div class="column">
                    <model::ModelPanel/>
                    <task::TaskPanel/>
                    <fit::FitPanel/>
                    <predict::PredictPanel/>
                    {bench.then(|| view! { <bench::BenchPanel/> })}
                </div>
                <div class="column">
                    <share::SharePanel/>
                    <heatmap::HeatmapPanel/>
                    <steer::SteerPanel/>
                    <sweep::SweepPanel/>
                </div>
            </div>
        </main>
    }
}
