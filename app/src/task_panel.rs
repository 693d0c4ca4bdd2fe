//! The task: CCC, IOI or custom rows (pasted or from a CSV/JSONL file), the split, and a check
//! against the loaded tokenizer — rows kept and dropped (and why), a prompt's tokens, and the
//! base model's logit difference and accuracy.

use activscalar_core::metrics::{SplitMetrics, evaluate};
use activscalar_core::tasks::{CCC_CONFLICTS, PreparedTask, TaskSource, TaskSpec, custom, prepare};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::browser::{mark_body, read_file};
use crate::state::use_state;
use crate::widgets::{NumberInput, TokenChips};

/// What the check found.
#[derive(Clone)]
struct Checked {
    task: PreparedTask,
    tokens: Vec<String>,
    base: SplitMetrics,
}

const CUSTOM_EXAMPLE: &str = "prompt,correct,wrong\n\"Paris is the capital of Japan. Paris is in\", France, Japan\n\"Tokyo is the capital of Spain. Tokyo is in\", Japan, Spain";

/// The task panel.
#[component]
pub fn TaskPanel() -> impl IntoView {
    let state = use_state();
    let kind = RwSignal::new("ccc".to_string());
    let context_free = RwSignal::new(false);
    let conflicts = RwSignal::new(CCC_CONFLICTS as f64);
    let ioi_rows = RwSignal::new(120.0f64);
    let seed = RwSignal::new(0.0f64);
    let train_pct = RwSignal::new(50.0f64);
    let custom_text = RwSignal::new(CUSTOM_EXAMPLE.to_string());
    let checked = RwSignal::new_local(None::<Result<Checked, String>>);

    // The task definition follows the controls (custom text is parsed on the fly).
    let spec = Memo::new(move |_| -> Result<TaskSpec, String> {
        let source = match kind.get().as_str() {
            "ioi" => TaskSource::Ioi {
                n: ioi_rows.get().clamp(2.0, 2000.0) as usize,
            },
            "custom" => TaskSource::Custom {
                rows: custom::parse(&custom_text.get()).map_err(|e| e.to_string())?,
            },
            _ => TaskSource::Ccc {
                context_free: context_free.get(),
                conflicts: conflicts.get().clamp(1.0, 20.0) as usize,
            },
        };
        Ok(TaskSpec::new(
            source,
            seed.get().max(0.0) as u64,
            (train_pct.get() / 100.0).clamp(0.05, 0.95),
        ))
    });
    Effect::new(move |_| {
        if let Ok(s) = spec.get() {
            state.task.set(s);
        }
        checked.set(None);
    });
    // A result opened from a link or file brings its task along.
    Effect::new(move |_| {
        if let Some((r, _)) = state.result.get() {
            show_task(
                &r.task,
                Controls {
                    kind,
                    context_free,
                    conflicts,
                    ioi_rows,
                    seed,
                    train_pct,
                    custom_text,
                },
            );
        }
    });

    let check = move || {
        let (Some(model), Ok(spec)) = (state.model.get_untracked(), spec.get_untracked()) else {
            return;
        };
        let tied = state
            .options
            .with_untracked(|o| o.method.is_position_tied());
        spawn_local(async move {
            let out = async {
                let task = prepare(&spec, &model.tokenizer, tied).map_err(|e| e.to_string())?;
                let all: Vec<_> = task.train.iter().chain(&task.test).cloned().collect();
                let base = evaluate(&model.model, None, &all, 32)
                    .await
                    .map_err(|e| e.to_string())?;
                let tokens = all
                    .first()
                    .map(|e| {
                        e.ids
                            .iter()
                            .map(|&t| model.tokenizer.token_text(t))
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(Checked { task, tokens, base })
            }
            .await;
            mark_body("data-task", if out.is_ok() { "ready" } else { "error" });
            checked.set(Some(out));
        });
    };

    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
        if let Some(f) = input.files().and_then(|l| l.get(0)) {
            spawn_local(async move {
                match read_file(&f)
                    .await
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                {
                    Ok(text) => custom_text.set(text),
                    Err(e) => checked.set(Some(Err(format!("{}: {e}", f.name())))),
                }
            });
        }
    };

    view! {
        <section class="card" id="task-panel">
            <h2>"Task"</h2>
            <div class="row">
                <label>"Task "
                    <select id="task-kind" prop:value=move || kind.get()
                        on:change=move |ev| kind.set(event_target_value(&ev))>
                        <option value="ccc">"CCC — country–capital conflict"</option>
                        <option value="ioi">"IOI — indirect object identification"</option>
                        <option value="custom">"Custom rows"</option>
                    </select>
                </label>
                <Show when=move || kind.get() == "ccc">
                    <label><input type="checkbox" id="context-free" prop:checked=move || context_free.get()
                        on:change=move |ev| context_free.set(event_target_checked(&ev))/>
                        " context-free prompt “{capital} is in”"</label>
                    <NumberInput id="ccc-conflicts" label="conflicts per capital" value=conflicts step=1.0/>
                </Show>
                <Show when=move || kind.get() == "ioi">
                    <NumberInput id="ioi-rows" label="rows" value=ioi_rows step=10.0/>
                </Show>
                <NumberInput id="task-seed" label="seed" value=seed step=1.0/>
                <NumberInput id="train-pct" label="train %" value=train_pct step=5.0/>
            </div>
            <Show when=move || kind.get() == "custom">
                <p class="hint">"One row per line: CSV with header " <code>"prompt,correct,wrong"</code>
                    ", JSON lines with those keys, or " <code>"prompt | correct | wrong"</code>
                    ". Answers must be single tokens (usually with a leading space)."</p>
                <textarea id="custom-rows" rows="6" aria-label="Custom task rows"
                    prop:value=move || custom_text.get()
                    on:input=move |ev| custom_text.set(event_target_value(&ev))></textarea>
                <label class="button secondary">"Load CSV / JSONL…"
                    <input type="file" accept=".csv,.jsonl,.txt,.json" on:change=on_file/></label>
            </Show>
            <div class="row">
                <button id="check-task" class="secondary"
                    disabled=move || state.model.with(|m| m.is_none()) || spec.with(|s| s.is_err())
                    on:click=move |_| check()>"Check task on the model"</button>
                {move || spec.get().err().map(|e| view! { <span class="error" role="alert">{e}</span> })}
                <Show when=move || state.model.with(|m| m.is_none())>
                    <span class="hint">"Load a model to check the task."</span>
                </Show>
            </div>
            {move || checked.get().map(|c| match c {
                Ok(c) => checked_view(c).into_any(),
                Err(e) => view! { <p class="error" id="task-error" role="alert">{e}</p> }.into_any(),
            })}
        </section>
    }
}

/// The panel's controls.
#[derive(Clone, Copy)]
struct Controls {
    kind: RwSignal<String>,
    context_free: RwSignal<bool>,
    conflicts: RwSignal<f64>,
    ioi_rows: RwSignal<f64>,
    seed: RwSignal<f64>,
    train_pct: RwSignal<f64>,
    custom_text: RwSignal<String>,
}

/// Sets the controls to show `t`.
fn show_task(t: &TaskSpec, c: Controls) {
    match &t.source {
        TaskSource::Ccc {
            context_free: free,
            conflicts: k,
        } => {
            c.kind.set("ccc".into());
            c.context_free.set(*free);
            c.conflicts.set(*k as f64);
        }
        TaskSource::Ioi { n } => {
            c.kind.set("ioi".into());
            c.ioi_rows.set(*n as f64);
        }
        TaskSource::Custom { rows } => {
            c.kind.set("custom".into());
            c.custom_text.set(
                rows.iter()
                    .map(|r| serde_json::json!({"prompt": r.prompt, "correct": r.correct, "wrong": r.wrong}).to_string())
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
    }
    c.seed.set(t.seed as f64);
    c.train_pct.set((t.train_fraction * 100.0).round());
}

fn checked_view(c: Checked) -> impl IntoView {
    let dropped: Vec<_> = c.task.dropped.iter().take(8).cloned().collect();
    let n_dropped = c.task.dropped.len();
    view! {
        <div id="task-check">
            <p><strong>{c.task.summary()}</strong></p>
            <p>"Base model on all kept rows: mean LD "
                <strong id="base-ld">{format!("{:+.3}", c.base.base_mean_ld)}</strong>
                ", prefers the correct answer on "
                <strong id="base-acc">{format!("{:.1} %", 100.0 * c.base.base_accuracy)}</strong>"."</p>
            <p class="hint">"Tokens of the first prompt:"</p>
            <TokenChips tokens=c.tokens/>
            <Show when=move || n_dropped != 0>
                <details>
                    <summary>{format!("{n_dropped} rows dropped")}</summary>
                    <ul>{dropped.clone().into_iter().map(|(r, why)| view! {
                        <li><code>{r.prompt}</code>" → "{why}</li>
                    }).collect_view()}</ul>
                </details>
            </Show>
        </div>
    }
}
