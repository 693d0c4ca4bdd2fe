//! ActivScalar Explorer: the browser front end. Talks to `activscalar_core` only.

mod engine_status;

use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// The whole page.
#[component]
fn App() -> impl IntoView {
    view! {
        <header class="topbar">
            <h1>"ActivScalar Explorer"</h1>
            <p class="tagline">
                "Learn activation scalars that steer a language model — on your GPU, in your browser."
            </p>
        </header>
        <main>
            <engine_status::EngineStatus/>
        </main>
    }
}
