//! ActivScalar Explorer: the browser front end. Talks to `activscalar_core` only.

mod bench_panel;
mod browser;
mod charts;
mod engine_status;
mod fit_panel;
mod heatmap;
mod model_panel;
mod predict_panel;
mod share_panel;
mod state;
mod steer_panel;
mod sweep_panel;
mod task_panel;
mod widgets;

use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// The whole page: set-up on the left, the result's views on the right.
#[component]
fn App() -> impl IntoView {
    provide_context(state::AppState::new());
    view! {
        <header class="topbar">
            <h1>"ActivScalar Explorer"</h1>
            <p class="tagline">
                "Learn activation scalars that steer a language model — on your GPU, in your browser."
            </p>
        </header>
        <main>
            <engine_status::EngineStatus/>
            <div class="columns">
                <div class="column">
                    <model_panel::ModelPanel/>
                    <task_panel::TaskPanel/>
                    <fit_panel::FitPanel/>
                    <predict_panel::PredictPanel/>
                    <Show when=|| browser::query_param("bench").is_some()>
                        <bench_panel::BenchPanel/>
                    </Show>
                </div>
                <div class="column">
                    <share_panel::SharePanel/>
                    <heatmap::HeatmapPanel/>
                    <steer_panel::SteerPanel/>
                    <sweep_panel::SweepPanel/>
                </div>
            </div>
        </main>
    }
}
