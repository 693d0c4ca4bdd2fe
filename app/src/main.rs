//! ActivScalar Explorer: the browser front end. Talks to `activscalar_core` only.

mod browser;
mod engine_status;
mod model_panel;
mod predict_panel;
mod state;

use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// The whole page.
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
            <model_panel::ModelPanel/>
            <predict_panel::PredictPanel/>
        </main>
    }
}
