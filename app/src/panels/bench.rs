//! The bench page (`?bench`, optionally `&model=<url>&reps=N`): the benchmark workloads of
//! docs/BENCHMARKS.md timed in the model worker on its engine, against burn's CPU backend in the
//! same worker as the baseline; the time until the model was interactive; and the longest
//! time the page's own thread was blocked meanwhile.

use leptos::prelude::*;

use crate::browser::query_param;
use crate::controller::use_controller;
use crate::widgets::NumberInput;
use activscalar_types::protocol::BenchRow;

/// The bench card.
#[component]
pub fn BenchPanel() -> impl IntoView {
    let c = use_controller();
    let b = c.store.bench;
    let reps = RwSignal::new(
        query_param("reps")
            .and_then(|r| r.parse::<f64>().ok())
            .unwrap_or(5.0),
    );
    let run = move |_| c.bench(reps.get_untracked().clamp(1.0, 100.0) as usize);
    view! {
        <section class="card" id="bench-panel">
            <h2>"Benchmark"</h2>
            <p class="hint">
                "W1: one forward pass of 32 prompts (last-position logits read back). W2: one ActivScalar "
                "step on 16 prompts (both β, forward + backward + Adam, metrics read back). W4: the "
                "evaluation of a fitted result on 16 + 16 prompts (both β and the base model, and the "
                "effects of the 8 largest cells). Median of the runs after one warm-up; the baseline is "
                "burn's CPU backend in the same worker (WebAssembly; the Engine card says on how many threads), run on the same workloads right after."
            </p>
            <p id="bench-ready">
                {move || b.ready_at.get().map(|t| format!("Model interactive {:.1} s after the page started loading.", t / 1000.0))}
            </p>
            <div class="row">
                <NumberInput id="bench-reps" label="runs" value=reps set=Callback::new(move |v| reps.set(v)) step=1.0/>
                <button id="run-bench" on:click=run
                    disabled=move || c.store.model.with(Option::is_none) || !c.store.idle()>
                    "Run benchmark"
                </button>
            </div>
            <p class="hint" id="bench-status" aria-live="polite">{move || b.status.get()}</p>
            <Show when=move || !b.rows.with(Vec::is_empty)>
                <div class="scroll-x">
                    <table id="bench-table">
                        <thead><tr><th>"workload"</th><th>"backend"</th><th>"first run ms"</th><th>"median ms"</th><th>"min"</th><th>"max"</th><th>"WebGPU / CPU"</th><th>"÷ W2"</th></tr></thead>
                        <tbody>{move || table(&b.rows.get())}</tbody>
                    </table>
                </div>
                <p class="hint" id="bench-workloads">{move || format!("Workloads: {}.", b.workloads.get())}</p>
                <p id="bench-longest-block" data-ms=move || b.longest_block.get().map(|m| m.to_string())>
                    {move || b.longest_block.get().map(|m| format!("Longest time the page's thread was blocked during the benchmark: {m:.0} ms (tasks under 50 ms are not reported)."))}
                </p>
            </Show>
        </section>
    }
}

fn table(rows: &[BenchRow]) -> impl IntoView + use<> {
    let median = |prefix: &str, backend: &str| {
        rows.iter()
            .find(|r| r.workload.starts_with(prefix) && r.backend == backend)
            .map(|r| r.stats().0)
    };
    rows.iter()
        .map(|r| {
            let (med, min, max) = r.stats();
            let prefix = r.workload.get(..2).unwrap_or("");
            let ratio = match (median(prefix, "webgpu"), median(prefix, "cpu")) {
                (Some(g), Some(c)) if r.backend == "webgpu" => format!("{:.2}×", g / c),
                _ => String::new(),
            };
            let per_w2 = median("W2", &r.backend)
                .map(|w2| format!("{:.2}", med / w2))
                .unwrap_or_default();
            view! {
                <tr data-workload=r.workload.clone() data-backend=r.backend.clone() data-median=med>
                    <td>{r.workload.clone()}</td><td>{r.backend.clone()}</td>
                    <td class="num first-run">{format!("{:.1}", r.first_ms)}</td>
                    <td class="num">{format!("{med:.1}")}</td>
                    <td class="num">{format!("{min:.1}")}</td>
                    <td class="num">{format!("{max:.1}")}</td>
                    <td class="num bench-ratio">{ratio}</td>
                    <td class="num per-w2">{per_w2}</td>
                </tr>
            }
        })
        .collect_view()
}
