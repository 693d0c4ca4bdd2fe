//! The result's numbers: train, validation and test metrics, sparsity, steps and time.

use std::sync::Arc;

use activscalar_types::metrics::SplitMetrics;
use activscalar_types::options::StopReason;
use activscalar_types::result::FitResult;
use leptos::prelude::*;

use crate::widgets::pct;

fn row(name: &'static str, m: &SplitMetrics) -> impl IntoView + use<> {
    view! {
        <tr data-split=name>
            <td>{name}</td>
            <td class="num">{m.n}</td>
            <td class="num">{pct(m.base_accuracy)}</td>
            <td class="num flip-plus">{pct(m.plus.flip_accuracy)}</td>
            <td class="num flip-minus">{pct(m.minus.flip_accuracy)}</td>
            <td class="num">{format!("{:+.2} / {:+.2}", m.plus.mean_ld, m.minus.mean_ld)}</td>
            <td class="num">{format!("{:.4} / {:.4}", m.plus.kl, m.minus.kl)}</td>
        </tr>
    }
}

fn stop_text(s: &StopReason) -> String {
    match s {
        StopReason::Budget => "step budget".into(),
        StopReason::EarlyStop => "early stop".into(),
        StopReason::Stopped => "stopped by you".into(),
        StopReason::NonFinite(w) => format!("non-finite: {w}"),
    }
}

/// Train, validation and test metrics of `result`.
#[component]
pub fn ResultTable(result: Arc<FitResult>) -> impl IntoView {
    let r = result;
    let mn = &r.minimality;
    let summary = format!(
        "{} · {} active of {} sites (τ = {}) · {} parameters · L1 {:.3} · {} steps ({}; θ of the lowest objective, step {}) · {:.1} s on {}, {} weights",
        r.options.method.as_str(),
        mn.active_sites,
        mn.n_sites,
        mn.tau,
        mn.n_params,
        mn.l1,
        r.steps_run,
        stop_text(&r.stop_reason),
        r.best_step,
        r.seconds,
        r.backend,
        r.weights
    );
    view! {
        <table id="result-table">
            <thead><tr><th>"split"</th><th class="num">"prompts"</th><th class="num">"base acc."</th>
                <th class="num">"flips β=+1"</th><th class="num">"flips β=−1"</th>
                <th class="num">"mean LD +1 / −1"</th><th class="num">"KL +1 / −1"</th></tr></thead>
            <tbody>{row("train", &r.train)}{r.validation.as_ref().map(|v| row("validation", v))}{row("test", &r.test)}</tbody>
        </table>
        <p class="hint" id="result-summary">{summary}</p>
    }
}
