//! Fitting: method and every option of METHOD.md, Run / Stop, live loss and flip-accuracy
//! curves, and the result table on train and test. One step per event-loop turn, so the page
//! stays responsive while the GPU works.

use std::rc::Rc;

use activscalar_core::LoadedModel;
use activscalar_core::engine::{BackendKind, Engine};
use activscalar_core::fit::{FitOptions, Fitter, L1Mode, StepReport};
use activscalar_core::interventions::Method;
use activscalar_core::objective::{Directions, Effectiveness};
use activscalar_core::result::{FitResult, finish};
use activscalar_core::tasks::{TaskSpec, prepare};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{mark_body, now_seconds, sleep_ms, yield_now};
use crate::charts::{LineChart, PALETTE, Series};
use crate::model_panel::recover_from_device_loss;
use crate::state::{AppState, Origin, use_state};
use crate::widgets::{NumberInput, pct};

/// The fit panel.
#[component]
pub fn FitPanel() -> impl IntoView {
    let state = use_state();
    let o = FitOptions::new(Method::ActivScalar);
    let method = RwSignal::new(Method::ActivScalar);
    let lambda_m = RwSignal::new(o.lambda_m);
    let lambda_f = RwSignal::new(o.lambda_f);
    let steps = RwSignal::new(o.steps as f64);
    let lr = RwSignal::new(o.lr);
    let seed = RwSignal::new(0.0f64);
    let margin = RwSignal::new(o.margin);
    let tau = RwSignal::new(f64::from(o.tau));
    let patience = RwSignal::new(o.patience as f64);
    let batch = RwSignal::new(0.0f64);
    let swap = RwSignal::new(false);
    let plus_only = RwSignal::new(false);
    let l1 = RwSignal::new("prox-adam".to_string());

    // A new method brings its default λ_M and learning rate, unless they were set by hand
    // (or by a loaded result).
    Effect::new(move |prev: Option<Method>| {
        let m = method.get();
        if let Some(p) = prev.filter(|&p| p != m) {
            let (old, new) = (FitOptions::new(p), FitOptions::new(m));
            if lambda_m.get_untracked() == old.lambda_m {
                lambda_m.set(new.lambda_m);
            }
            if lr.get_untracked() == old.lr {
                lr.set(new.lr);
            }
        }
        m
    });
    // Options shown = options used; also published for the task check and the sweep.
    Effect::new(move |_| {
        state.options.set(FitOptions {
            method: method.get(),
            lambda_m: lambda_m.get().max(0.0),
            lambda_f: lambda_f.get().max(0.0),
            margin: margin.get(),
            effectiveness: if swap.get() {
                Effectiveness::Swap
            } else {
                Effectiveness::Margin
            },
            directions: if plus_only.get() {
                Directions::PlusOnly
            } else {
                Directions::Both
            },
            l1_mode: match l1.get().as_str() {
                "prox" => L1Mode::Proximal,
                "loss" => L1Mode::Loss,
                _ => L1Mode::ProximalAdam,
            },
            lr: lr.get().max(1e-6),
            steps: steps.get().clamp(1.0, 100_000.0) as usize,
            patience: patience.get().max(1.0) as usize,
            batch_size: batch.get().max(0.0) as usize,
            seed: seed.get().max(0.0) as u64,
            tau: tau.get().max(0.0) as f32,
        });
    });
    // A result opened from a link or a file shows its options.
    Effect::new(move |_| {
        if let Some((r, _)) = state.result.get() {
            let o = &r.options;
            method.set(o.method);
            lambda_m.set(o.lambda_m);
            lambda_f.set(o.lambda_f);
            steps.set(o.steps as f64);
            lr.set(o.lr);
            seed.set(o.seed as f64);
            margin.set(o.margin);
            tau.set(f64::from(o.tau));
            patience.set(o.patience as f64);
            batch.set(o.batch_size as f64);
            swap.set(o.effectiveness == Effectiveness::Swap);
            plus_only.set(o.directions == Directions::PlusOnly);
            l1.set(
                match o.l1_mode {
                    L1Mode::Proximal => "prox",
                    L1Mode::Loss => "loss",
                    L1Mode::ProximalAdam => "prox-adam",
                }
                .into(),
            );
        }
    });

    let history = RwSignal::new(Vec::<StepReport>::new());
    let stop = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let run = move || start_fit(state, history, stop, message);

    let loss_series = Signal::derive(move || {
        history.with(|h| {
            let line = |label: &str, color, f: fn(&StepReport) -> f64| Series {
                label: label.into(),
                color,
                points: h.iter().map(|r| (r.step as f64, f(r))).collect(),
            };
            vec![
                line("total", PALETTE[0], |r| r.loss),
                line("effectiveness", PALETTE[1], |r| r.effectiveness),
                line("faithfulness (KL)", PALETTE[2], |r| r.faithfulness),
            ]
        })
    });
    let flip_series = Signal::derive(move || {
        history.with(|h| {
            let mut v = vec![Series {
                label: "β = +1".into(),
                color: PALETTE[0],
                points: h.iter().map(|r| (r.step as f64, r.flip_plus)).collect(),
            }];
            if h.iter().any(|r| r.flip_minus.is_some()) {
                v.push(Series {
                    label: "β = −1".into(),
                    color: PALETTE[1],
                    points: h
                        .iter()
                        .filter_map(|r| Some((r.step as f64, r.flip_minus?)))
                        .collect(),
                });
            }
            v
        })
    });
    let progress = move || {
        let total = state.options.with(|o| o.steps) as f64;
        history.with(|h| h.last().map(|r| r.step as f64 / total).unwrap_or(0.0))
    };

    view! {
        <section class="card" id="fit-panel">
            <h2>"Fit"</h2>
            <div class="row">
                <label>"Method "
                    <select id="method" prop:value=move || method.get().as_str()
                        on:change=move |ev| if let Ok(m) = Method::parse(&event_target_value(&ev)) { method.set(m) }>
                        <option value="activscalar">"ActivScalar — h·(1+βα)"</option>
                        <option value="steervec">"SteerVec — h+βv"</option>
                        <option value="dynscalar">"DynScalar — α = w·h + b"</option>
                    </select>
                </label>
                <NumberInput id="lambda-m" label="λ_M" value=lambda_m step=0.001 title="minimality weight (L1)"/>
                <NumberInput id="lambda-f" label="λ_F" value=lambda_f step=0.1 title="faithfulness weight (KL)"/>
                <NumberInput id="steps" label="steps" value=steps step=10.0/>
                <NumberInput id="lr" label="learning rate" value=lr step=0.01/>
                <NumberInput id="fit-seed" label="seed" value=seed step=1.0/>
            </div>
            <details>
                <summary>"More options"</summary>
                <div class="row">
                    <NumberInput id="margin" label="margin m" value=margin step=0.5/>
                    <NumberInput id="tau" label="active if >" value=tau step=0.005 title="threshold τ for active sites"/>
                    <NumberInput id="patience" label="early-stop patience" value=patience step=5.0/>
                    <NumberInput id="batch-size" label="batch (0 = all)" value=batch step=8.0/>
                    <label>"L1 as "
                        <select id="l1-mode" prop:value=move || l1.get() on:change=move |ev| l1.set(event_target_value(&ev))>
                            <option value="prox-adam">"proximal step in Adam's metric (default)"</option>
                            <option value="prox">"proximal step lr·λ_M"</option>
                            <option value="loss">"loss term"</option>
                        </select>
                    </label>
                    <label><input type="checkbox" prop:checked=move || swap.get() on:change=move |ev| swap.set(event_target_checked(&ev))/>" swap effectiveness"</label>
                    <label><input type="checkbox" prop:checked=move || plus_only.get() on:change=move |ev| plus_only.set(event_target_checked(&ev))/>" train β = +1 only"</label>
                </div>
            </details>
            <div class="row">
                <button id="run-fit" disabled=move || !state.idle() || state.model.with(|m| m.is_none()) on:click=move |_| run()>"Run"</button>
                <button id="stop-fit" class="secondary" disabled=move || !state.busy.get() on:click=move |_| stop.set(true)>"Stop"</button>
                <progress class="fit-progress" max="1" value=progress></progress>
                <span class="hint" id="fit-status">{move || history.with(|h| h.last().map(|r| format!(
                    "step {} · loss {:.4} · flips {} / {}", r.step, r.loss, pct(r.flip_plus),
                    r.flip_minus.map(pct).unwrap_or_else(|| "—".into()))).unwrap_or_default())}</span>
            </div>
            {move || message.get().map(|m| view! { <p class="notice" id="fit-message" role="status">{m}</p> })}
            <div class="charts">
                <LineChart id="loss-chart" title="Loss (train batch)".into() x_label="step" series=loss_series/>
                <LineChart id="flip-chart" title="Flip accuracy (train batch)".into() x_label="step" series=flip_series y_range=(0.0, 1.0)/>
            </div>
            {move || state.result.get().map(|(r, _)| result_table(&r))}
        </section>
    }
}

/// Runs a fit with the current task and options, publishing steps and the final result.
fn start_fit(
    state: AppState,
    history: RwSignal<Vec<StepReport>>,
    stop: RwSignal<bool>,
    message: RwSignal<Option<String>>,
) {
    let (Some(model), Some(engine)) = (state.model.get_untracked(), state.engine.get_untracked())
    else {
        return;
    };
    let spec = state.task.get_untracked();
    let opts = state.options.get_untracked();
    state.busy.set(true);
    stop.set(false);
    history.set(Vec::new());
    message.set(None);
    mark_body("data-fit", "running");
    spawn_local(async move {
        let out = fit_surviving_device_loss(state, model, engine, &spec, opts, history, stop).await;
        match out {
            Ok((r, recovered)) => {
                use activscalar_core::fit::StopReason::*;
                let ended = match &r.stop_reason {
                    NonFinite(why) => Some(format!(
                        "The fit stopped: {why}. The last parameters with a finite loss were kept."
                    )),
                    Stopped => Some(format!(
                        "Stopped after {} steps; the best parameters so far (step {}) are kept.",
                        r.steps_run, r.best_step
                    )),
                    _ => None,
                };
                let text: Vec<String> = recovered.into_iter().chain(ended).collect();
                message.set((!text.is_empty()).then(|| text.join(" ")));
                state.result.set(Some((Rc::new(r), Origin::Fit)));
                mark_body("data-fit", "done");
            }
            Err(e) => {
                message.set(Some(e));
                mark_body("data-fit", "error");
            }
        }
        state.busy.set(false);
    });
}

/// Runs the fit to its end. If the GPU device is lost on the way (driver reset, GPU removed),
/// moves to a new device (or the CPU), reloads the model and resumes from the best θ so far,
/// which each step keeps a host copy of. Returns the result and what happened on the way.
async fn fit_surviving_device_loss(
    state: AppState,
    mut model: Rc<LoadedModel>,
    mut engine: Rc<Engine>,
    spec: &TaskSpec,
    opts: FitOptions,
    history: RwSignal<Vec<StepReport>>,
    stop: RwSignal<bool>,
) -> Result<(FitResult, Vec<String>), String> {
    let task = prepare(spec, &model.tokenizer, opts.method.is_position_tied())
        .map_err(|e| e.to_string())?;
    let start = now_seconds();
    let mut notes = Vec::new();
    let mut snapshot = None;
    loop {
        let mut fitter = match snapshot.take() {
            Some(s) => Fitter::resume(&model.model, &task, opts.clone(), s),
            None => Fitter::new(&model.model, &task, opts.clone(), None),
        }
        .map_err(|e| e.to_string())?;
        let run: Result<(), String> = async {
            while let Some(r) = fitter.step().await.map_err(|e| e.to_string())? {
                history.update(|h| h.push(r));
                if stop.get_untracked() {
                    fitter.stop();
                }
                yield_now().await;
            }
            Ok(())
        }
        .await;
        match (run.clone(), device_lost(&engine, run.is_err()).await) {
            (Ok(()), None) => {
                let seconds = now_seconds() - start;
                let r = finish(&model, spec, &task, &fitter, engine.kind.as_str(), seconds)
                    .await
                    .map_err(|e| e.to_string())?;
                return Ok((r, notes));
            }
            (_, Some(why)) if notes.len() < MAX_RECOVERIES => {
                let snap = fitter.snapshot();
                drop(fitter);
                let at = snap.steps_run;
                let from = snap.best_step;
                snapshot = Some(snap);
                mark_body("data-device-lost", "recovering");
                (engine, model) = recover_from_device_loss(state).await.map_err(|e| {
                    format!("The GPU device was lost at step {at} ({why}) and the model could not be reloaded: {e}")
                })?;
                mark_body("data-device-lost", "recovered");
                notes.push(format!(
                    "The GPU device was lost at step {at} ({why}); the fit resumed on {} from the best parameters so far (step {from}), with Adam's moments restarted.",
                    match engine.kind {
                        BackendKind::WebGpu => "a new GPU device",
                        BackendKind::Cpu => "the CPU",
                    }
                ));
            }
            (_, Some(why)) => {
                return Err(format!(
                    "The GPU device was lost again ({why}); the fit gave up after {MAX_RECOVERIES} recoveries."
                ));
            }
            (Err(e), None) => return Err(e),
        }
    }
}

/// Why `engine`'s GPU device was lost, if it was. After a failed step the browser's `lost`
/// event may trail the failed read-back, so it is given a moment to arrive.
async fn device_lost(engine: &Engine, failed: bool) -> Option<String> {
    if failed && engine.gpu.is_some() {
        for _ in 0..10 {
            if engine.lost().is_some() {
                break;
            }
            sleep_ms(50).await;
        }
    }
    engine.lost()
}

/// Device losses one fit recovers from before it gives up.
const MAX_RECOVERIES: usize = 2;

/// Train and test metrics of a result.
fn result_table(r: &FitResult) -> impl IntoView + use<> {
    let row = |name: &'static str, m: &activscalar_core::metrics::SplitMetrics| {
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
    };
    let mn = &r.minimality;
    view! {
        <table id="result-table">
            <thead><tr><th>"split"</th><th class="num">"prompts"</th><th class="num">"base acc."</th>
                <th class="num">"flips β=+1"</th><th class="num">"flips β=−1"</th>
                <th class="num">"mean LD +1 / −1"</th><th class="num">"KL +1 / −1"</th></tr></thead>
            <tbody>{row("train", &r.train)}{row("test", &r.test)}</tbody>
        </table>
        <p class="hint" id="result-summary">
            {format!("{} · {} active of {} sites (τ = {}) · {} parameters · L1 {:.3} · {} steps ({}; θ of the lowest objective, step {}) · {:.1} s on {}, {} weights",
                r.options.method.as_str(), mn.active_sites, mn.n_sites, mn.tau, mn.n_params, mn.l1,
                r.steps_run, stop_text(&r.stop_reason), r.best_step, r.seconds, r.backend, r.weights)}
        </p>
    }
}

fn stop_text(s: &activscalar_core::fit::StopReason) -> String {
    use activscalar_core::fit::StopReason::*;
    match s {
        Budget => "step budget".into(),
        EarlyStop => "early stop".into(),
        Stopped => "stopped by you".into(),
        NonFinite(w) => format!("non-finite: {w}"),
    }
}
