//! A Run on several split seeds: mean ± sd of the held-out numbers over the seeds, beside the
//! base model's accuracy on the same prompts.

use std::sync::Arc;

use activscalar_types::metrics::mean_sd;
use activscalar_types::result::FitResult;
use leptos::prelude::*;

/// The table of a Run's repeats (shown from two split seeds on).
#[component]
pub fn RepeatsTable(results: Vec<Arc<FitResult>>) -> impl IntoView {
    let seeds: Vec<String> = results.iter().map(|r| r.task.seed.to_string()).collect();
    let row = |name: &'static str, f: &dyn Fn(&FitResult) -> f64, percent: bool| {
        let (m, sd) = mean_sd(&results.iter().map(|r| f(r)).collect::<Vec<_>>());
        let text = if percent {
            format!("{:.1} ± {:.1} %", 100.0 * m, 100.0 * sd)
        } else {
            format!("{m:.4} ± {sd:.4}")
        };
        view! { <tr><td>{name}</td><td class="num">{text}</td></tr> }
    };
    let active = row("active sites", &|r| r.minimality.active_sites as f64, false);
    let val = results.iter().all(|r| r.validation.is_some());
    let v = |r: &FitResult| r.validation.clone().unwrap_or_else(|| r.test.clone());
    view! {
        <table id="repeats-table">
            <caption>{format!("Mean ± sd over {} split seeds ({})", results.len(), seeds.join(", "))}</caption>
            <tbody>
                {row("test: base model right", &|r| r.test.base_accuracy, true)}
                {row("test flips β=+1", &|r| r.test.plus.flip_accuracy, true)}
                {row("test flips β=−1", &|r| r.test.minus.flip_accuracy, true)}
                {val.then(|| row("validation flips β=+1", &|r| v(r).plus.flip_accuracy, true))}
                {val.then(|| row("validation flips β=−1", &|r| v(r).minus.flip_accuracy, true))}
                {row("test KL β=+1", &|r| r.test.plus.kl, false)}
                {row("test KL β=−1", &|r| r.test.minus.kl, false)}
                {active}
            </tbody>
        </table>
    }
}
