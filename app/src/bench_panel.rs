//! The browser bench page (`?bench`, optionally `&model=<url>&reps=N`): the benchmark
//! workloads of docs/BENCHMARKS.md timed on this page's WebGPU device, against burn's CPU
//! backend in the same page and run as the baseline, plus the time until the model was
//! interactive. CCC workloads when the model's tokenizer spells them, random-token
//! workloads of the same shapes otherwise.

use std::rc::Rc;

use activscalar_core::bench::{Workloads, run_w1, w2_fitter};
use activscalar_core::{Device, LoadedModel, ModelFiles, NamedBytes, load_model};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{mark_body, query_param, yield_now};
use crate::model_panel::DEFAULT_MODEL_URL;
use crate::state::use_state;
use crate::widgets::NumberInput;

/// One measured row.
#[derive(Clone, Debug)]
struct Row {
    workload: &'static str,
    backend: &'static str,
    ms: Vec<f64>,
}

impl Row {
    fn stats(&self) -> (f64, f64, f64) {
        let mut v = self.ms.clone();
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0], v[v.len() - 1])
    }
}

/// `performance.now()`: milliseconds since the page started loading.
fn now_ms() -> f64 {
    use wasm_bindgen::JsCast;
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).ok();
    perf.and_then(|p| {
        let now = js_sys::Reflect::get(&p, &"now".into()).ok()?;
        now.dyn_into::<js_sys::Function>()
            .ok()?
            .call0(&p)
            .ok()?
            .as_f64()
    })
    .unwrap_or(0.0)
}

/// Times `reps` runs of W1 and W2 (after one untimed warm-up run each) on `m`.
async fn measure(
    m: &LoadedModel,
    w: &Workloads,
    backend: &'static str,
    reps: usize,
    progress: impl Fn(String),
) -> Result<Vec<Row>, String> {
    let w1 = time_runs(
        "W1 forward, 32 prompts",
        backend,
        reps,
        &progress,
        async || run_w1(m, w).await.map_err(|e| e.to_string()),
    )
    .await?;
    let task = w.w2_task();
    let mut fitter = w2_fitter(m, w, &task).map_err(|e| e.to_string())?;
    let w2 = time_runs(
        "W2 ActivScalar step, 16 prompts",
        backend,
        reps,
        &progress,
        async || fitter.step().await.map(drop).map_err(|e| e.to_string()),
    )
    .await?;
    Ok(vec![w1, w2])
}

/// Runs `run` once untimed, then `reps` timed times, yielding to the page before each.
async fn time_runs(
    workload: &'static str,
    backend: &'static str,
    reps: usize,
    progress: &impl Fn(String),
    mut run: impl AsyncFnMut() -> Result<(), String>,
) -> Result<Row, String> {
    let mut row = Row {
        workload,
        backend,
        ms: Vec::new(),
    };
    let short = workload.split(',').next().unwrap_or(workload);
    for i in 0..=reps {
        progress(format!("{backend}: {short} run {i}/{reps}"));
        yield_now().await;
        let t = now_ms();
        run().await?;
        if i > 0 {
            row.ms.push(now_ms() - t);
        }
    }
    Ok(row)
}

/// The bench card (only on `?bench`).
#[component]
pub fn BenchPanel() -> impl IntoView {
    let state = use_state();
    // The default model unless `?model=` names another (which the model panel loads).
    if query_param("model").is_none() {
        state.load_request.set(Some(DEFAULT_MODEL_URL.to_string()));
    }
    let reps = RwSignal::new(
        query_param("reps")
            .and_then(|r| r.parse::<f64>().ok())
            .unwrap_or(5.0),
    );
    let rows = RwSignal::new(Vec::<Row>::new());
    let status = RwSignal::new(String::new());
    let ready_at = RwSignal::new(None::<f64>);
    let kind = RwSignal::new(String::new());
    Effect::new(move |_| {
        if state.model.with(|m| m.is_some()) && ready_at.get_untracked().is_none() {
            ready_at.set(Some(now_ms()));
        }
    });
    let run = move |_| {
        let (Some(m), Some(files)) = (
            state.model.get_untracked(),
            state.model_files.get_untracked(),
        ) else {
            return;
        };
        let reps = reps.get_untracked().clamp(1.0, 100.0) as usize;
        state.busy.set(true);
        rows.set(Vec::new());
        mark_body("data-bench", "running");
        spawn_local(async move {
            let out = run_all(m, files, reps, kind, rows, status).await;
            state.busy.set(false);
            match out {
                Ok(()) => {
                    status.set("Done.".into());
                    mark_body("data-bench", "done");
                }
                Err(e) => {
                    status.set(format!("The benchmark failed: {e}"));
                    mark_body("data-bench", "error");
                }
            }
        });
    };
    view! {
        <section class="card" id="bench-panel">
            <h2>"Benchmark"</h2>
            <p class="hint">
                "W1: one forward pass of 32 prompts (last-position logits read back). W2: one ActivScalar "
                "step on 16 prompts (both β, forward + backward + Adam, metrics read back). Median of the "
                "runs after one warm-up; the baseline is burn's CPU backend in this page (WebAssembly, one "
                "thread), run on the same workloads right after."
            </p>
            <p id="bench-ready">
                {move || ready_at.get().map(|t| format!("Model interactive {:.1} s after the page started loading.", t / 1000.0))}
            </p>
            <div class="row">
                <NumberInput id="bench-reps" label="runs" value=reps step=1.0/>
                <button id="run-bench" on:click=run
                    disabled=move || state.model.with(|m| m.is_none()) || !state.idle()>
                    "Run benchmark"
                </button>
            </div>
            <p class="hint" id="bench-status" aria-live="polite">{move || status.get()}</p>
            <Show when=move || !rows.with(Vec::is_empty)>
                <table id="bench-table">
                    <thead><tr><th>"workload"</th><th>"backend"</th><th>"median ms"</th><th>"min"</th><th>"max"</th><th>"WebGPU / CPU"</th></tr></thead>
                    <tbody>{move || table(&rows.get())}</tbody>
                </table>
                <p class="hint">{move || format!("Workloads: {}.", kind.get())}</p>
            </Show>
        </section>
    }
}

async fn run_all(
    m: Rc<LoadedModel>,
    files: Rc<Vec<NamedBytes>>,
    reps: usize,
    kind: RwSignal<String>,
    rows: RwSignal<Vec<Row>>,
    status: RwSignal<String>,
) -> Result<(), String> {
    let (w, ccc) = Workloads::for_model(&m).map_err(|e| e.to_string())?;
    let prompts = if ccc {
        "CCC prompts of the model's tokenizer"
    } else {
        "random token ids (the tokenizer cannot spell the CCC prompts)"
    };
    let weights = m.model.precision().as_str();
    kind.set(format!(
        "{prompts}; {weights} weights on WebGPU, f32 on the CPU"
    ));
    let gpu = measure(&m, &w, "webgpu", reps, |s| status.set(s)).await?;
    rows.set(gpu);
    status.set("Loading the model on the CPU backend for the baseline…".into());
    yield_now().await;
    // The loaded model's own files (kept by the page; shared, not copied).
    let cpu_model = ModelFiles::from_named(files.to_vec())
        .and_then(|f| load_model(f, &Device::flex()))
        .map_err(|e| e.to_string())?;
    let cpu = measure(&cpu_model, &w, "cpu", reps, |s| status.set(s)).await?;
    rows.update(|r| r.extend(cpu));
    Ok(())
}

fn table(rows: &[Row]) -> impl IntoView + use<> {
    let median = |workload: &str, backend: &str| {
        rows.iter()
            .find(|r| r.workload == workload && r.backend == backend)
            .map(|r| r.stats().0)
    };
    rows.iter()
        .map(|r| {
            let (med, min, max) = r.stats();
            let ratio = match (median(r.workload, "webgpu"), median(r.workload, "cpu")) {
                (Some(g), Some(c)) if r.backend == "webgpu" => format!("{:.2}×", g / c),
                _ => String::new(),
            };
            view! {
                <tr data-workload=r.workload data-backend=r.backend data-median=med>
                    <td>{r.workload}</td><td>{r.backend}</td>
                    <td class="num">{format!("{med:.1}")}</td>
                    <td class="num">{format!("{min:.1}")}</td>
                    <td class="num">{format!("{max:.1}")}</td>
                    <td class="num bench-ratio">{ratio}</td>
                </tr>
            }
        })
        .collect_view()
}
