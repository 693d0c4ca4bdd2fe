//! The loaded model's card: architecture, sizes, memory on the device, backend, hash.

use leptos::prelude::*;

use activscalar_types::protocol::ModelCard;

fn megabytes(bytes: f64) -> String {
    match bytes / 1e6 {
        mb if mb < 10.0 => format!("{mb:.1} MB"),
        mb => format!("{mb:.0} MB"),
    }
}

/// The card of `card`.
#[component]
pub fn ModelCardView(card: ModelCard) -> impl IntoView {
    let info = &card.info;
    let c = &info.config;
    let heads = if c.n_kv_heads == c.n_heads {
        c.n_heads.to_string()
    } else {
        format!("{} (kv {})", c.n_heads, c.n_kv_heads)
    };
    let rows = [
        ("Source", info.source.clone()),
        ("Architecture", c.arch.as_str().to_string()),
        ("Layers", c.n_layers.to_string()),
        ("Width", c.d_model.to_string()),
        ("Heads", heads),
        ("Vocabulary", c.vocab_size.to_string()),
        ("Parameters", format!("{:.1} M", info.n_params as f64 / 1e6)),
        (
            "Weights on device",
            format!(
                "≈ {} ({} matrices)",
                megabytes(c.weight_bytes(card.precision) as f64),
                card.precision.as_str()
            ),
        ),
        ("Backend", card.backend.as_str().to_string()),
        (
            "Weights SHA-256",
            info.weights_sha256.chars().take(16).collect(),
        ),
    ];
    view! {
        <dl class="model-card" id="model-card" data-arch=c.arch.as_str() data-weights=card.precision.as_str()>
            {rows
                .into_iter()
                .map(|(k, v)| view! { <div><dt>{k}</dt><dd>{v}</dd></div> })
                .collect_view()}
        </dl>
    }
}
