//! The β dial: for a chosen test prompt, the answer probabilities and LD at any strength β in
//! [−2, 2] (recomputed as the slider moves, newest value wins), and a steered greedy
//! continuation next to the unsteered one.

use std::rc::Rc;

use activscalar_core::interventions::Intervention;
use activscalar_core::steer::{Probe, continuation, probe};
use activscalar_core::tasks::{Example, prepare};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::mark_body;
use crate::state::use_state;
use crate::widgets::pct;

/// What the dial works with: θ on the device and the result's test prompts.
struct Ready {
    iv: Intervention,
    examples: Vec<Example>,
}

/// The β dial panel (needs the result and the model it was learned on).
#[component]
pub fn SteerPanel() -> impl IntoView {
    let state = use_state();
    // θ uploaded and the test prompts prepared once per (result, model).
    let ready = RwSignal::new_local(None::<Result<Rc<Ready>, String>>);
    Effect::new(move |_| {
        let (Some((r, _)), Some(model)) = (state.result.get(), state.model.get()) else {
            ready.set(None);
            return;
        };
        if !state.model_matches(&r) {
            ready.set(Some(Err(
                "The loaded model is not the one this result was learned on: load the same model to use the β dial.".into(),
            )));
            return;
        }
        let made = (|| {
            let iv = r.intervention_for(&model).map_err(|e| e.to_string())?;
            let task = prepare(
                &r.task,
                &model.tokenizer,
                r.options.method.is_position_tied(),
            )
            .map_err(|e| e.to_string())?;
            let mut examples = task.test;
            examples.extend(task.train);
            Ok(Rc::new(Ready { iv, examples }))
        })();
        ready.set(Some(made));
    });
    let chosen = RwSignal::new(0usize);
    let beta = RwSignal::new(1.0f64);
    let shown = RwSignal::new(None::<(Probe, Probe)>);
    let in_flight = RwSignal::new(false);
    let text = RwSignal::new(None::<(String, String)>);

    // Recompute when β, the prompt or θ change; while one runs, the newest request waits.
    let refresh = move || {
        if in_flight.get_untracked() || state.busy.get_untracked() {
            return;
        }
        let (Some(Ok(ready)), Some(model)) = (ready.get_untracked(), state.model.get_untracked())
        else {
            return;
        };
        let Some(ex) = ready.examples.get(chosen.get_untracked()).cloned() else {
            return;
        };
        let b = beta.get_untracked();
        in_flight.set(true);
        spawn_local(async move {
            let base = probe(&model, None, &ex, 0.0).await;
            let steered = probe(&model, Some(&ready.iv), &ex, b).await;
            if let (Ok(base), Ok(steered)) = (base, steered) {
                shown.set(Some((base, steered)));
                mark_body("data-steer", &format!("{b:.2}"));
            }
            in_flight.set(false);
        });
    };
    Effect::new(move |_| {
        let _ = (beta.get(), chosen.get(), ready.get());
        refresh();
    });
    // A request that arrived while busy runs when the previous finishes.
    Effect::new(move |_| {
        if !in_flight.get()
            && shown.with(|s| s.is_some_and(|(_, p)| p.beta != beta.get_untracked()))
        {
            refresh();
        }
    });

    let generate = move || {
        let (Some(Ok(ready)), Some(model)) = (ready.get_untracked(), state.model.get_untracked())
        else {
            return;
        };
        let Some(ex) = ready.examples.get(chosen.get_untracked()).cloned() else {
            return;
        };
        let b = beta.get_untracked();
        text.set(None);
        spawn_local(async move {
            let plain = continuation(&model, None, &ex.ids, 0.0, 8).await;
            let steered = continuation(&model, Some(&ready.iv), &ex.ids, b, 8).await;
            if let (Ok(p), Ok(s)) = (plain, steered) {
                text.set(Some((
                    model.tokenizer.decode(&p),
                    model.tokenizer.decode(&s),
                )));
                mark_body("data-continuation", "ready");
            }
        });
    };

    view! {
        <Show when=move || ready.with(|r| r.is_some())>
            <section class="card" id="steer-panel">
                <h2>"The β dial"</h2>
                {move || match ready.get() {
                    Some(Err(e)) => view! { <p class="notice" role="status">{e}</p> }.into_any(),
                    Some(Ok(r)) => { let examples = r.examples.clone(); view! {
                        <div class="row">
                            <label class="grow">"Prompt "
                                <select id="steer-prompt" on:change=move |ev| chosen.set(event_target_value(&ev).parse().unwrap_or(0))>
                                    {r.examples.iter().enumerate().map(|(i, e)| view! {
                                        <option value=i selected=move || chosen.get() == i>{format!("{} → {:?} vs {:?}", e.row.prompt, e.row.correct, e.row.wrong)}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                        </div>
                        <div class="row">
                            <label for="beta">"β"</label>
                            <input id="beta" type="range" min="-2" max="2" step="0.1" class="grow"
                                prop:value=move || beta.get()
                                on:input=move |ev| beta.set(event_target_value(&ev).parse().unwrap_or(0.0))/>
                            <output id="beta-value">{move || format!("{:+.1}", beta.get())}</output>
                        </div>
                        {move || shown.get().map(|(base, s)| probe_view(&examples[chosen.get().min(examples.len() - 1)], base, s))}
                        <div class="row">
                            <button id="continue" class="secondary" on:click=move |_| generate()>"Continue 8 tokens at this β"</button>
                        </div>
                        {move || text.get().map(|(plain, steered)| view! {
                            <dl class="continuation" id="continuation">
                                <div><dt>"β = 0"</dt><dd>{plain}</dd></div>
                                <div><dt>{format!("β = {:+.1}", beta.get_untracked())}</dt><dd>{steered}</dd></div>
                            </dl>
                        })}
                    }.into_any() }
                    None => ().into_any(),
                }}
            </section>
        </Show>
    }
}

fn probe_view(ex: &Example, base: Probe, s: Probe) -> impl IntoView + use<> {
    let bar = |label: String, p: f32, p0: f32, id: &'static str| {
        view! {
            <div class="prob-row" id=id data-prob=p>
                <code class="prob-label">{label}</code>
                <span class="prob-bar"><span class="fill" style:width=format!("{:.1}%", 100.0 * p)></span>
                    <span class="base-mark" style:left=format!("{:.1}%", 100.0 * p0) title="β = 0"></span></span>
                <span class="num">{pct(f64::from(p))}</span>
            </div>
        }
    };
    view! {
        <div class="probes">
            {bar(format!("{:?}", ex.row.correct), s.p_correct, base.p_correct, "p-correct")}
            {bar(format!("{:?}", ex.row.wrong), s.p_wrong, base.p_wrong, "p-wrong")}
            <p>"LD = " <strong id="steer-ld">{format!("{:+.3}", s.ld)}</strong>
               {format!(" (β = 0: {:+.3}); the bar's tick marks β = 0.", base.ld)}</p>
        </div>
    }
}
