//! Loading a model: the default one (downloaded with a progress bar), a `?model=` URL, or files
//! dropped / picked by the user (one .gguf, or config.json + tokenizer.json + *.safetensors).
//! Shows a model card once loaded.

use std::rc::Rc;

use activscalar_core::engine::{BackendKind, Engine};
use activscalar_core::fit::warm_up;
use activscalar_core::{LoadedModel, ModelFiles, NamedBytes, WeightPrecision, load_model_on};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::browser::{Source, fetch_cached, mark_body, query_param, read_file, yield_now};
use crate::state::{AppState, use_state};

/// Where the default model is served from (copied into dist/ by Trunk).
pub const DEFAULT_MODEL_URL: &str = "models/SmolLM2-135M-Instruct.Q4_1.gguf";
/// SHA-256 of the default model file (as checked by scripts/fetch-model.sh): a permalink made
/// on it loads it by itself.
pub const DEFAULT_MODEL_SHA256: &str =
    "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

/// What the loader is doing.
#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    Busy { what: String, fraction: Option<f64> },
    Ready,
    Failed(String),
}

/// The model panel's loading: no fit, sweep or benchmark starts while it runs, and it does not
/// start while one runs. Cheap to copy into event handlers.
#[derive(Clone, Copy)]
struct Loader {
    state: AppState,
    status: RwSignal<Status>,
    /// The precision the user asked for.
    precision: RwSignal<WeightPrecision>,
    /// The files of the last load that failed: ticking f16 retries them (a model too large in
    /// f32 for this GPU is told to load with f16 weights).
    refused: RwSignal<Option<Rc<Vec<NamedBytes>>>, LocalStorage>,
}

impl Loader {
    fn new(state: AppState) -> Self {
        Loader {
            state,
            status: RwSignal::new(Status::Idle),
            precision: RwSignal::new(WeightPrecision::F32),
            refused: RwSignal::new_local(None),
        }
    }

    /// Reads or downloads the files (`files`), then installs them in the chosen precision.
    async fn load(self, files: impl Future<Output = Result<Vec<NamedBytes>, String>>) {
        if self.state.busy.get_untracked() {
            self.fail(
                "a fit, sweep or benchmark is running: load the model when it has ended".into(),
            );
            return;
        }
        self.state.loading.set(true);
        let files = files.await.map(Rc::new);
        self.install(files, self.precision.get_untracked()).await;
        self.state.loading.set(false);
    }

    /// Reloads the model on display (or the files last refused) in `p`; if that fails, the
    /// model and the checkbox stay as they were.
    fn set_precision(self, p: WeightPrecision) {
        let previous = self.precision.get_untracked();
        self.precision.set(p);
        let files = self.refused.get_untracked();
        let Some(files) = files.or_else(|| self.state.model_files.get_untracked()) else {
            return;
        };
        self.state.loading.set(true);
        spawn_local(async move {
            if !self.install(Ok(files), p).await {
                self.precision.set(previous);
            }
            self.state.loading.set(false);
        });
    }

    /// Parses and uploads `files` with their matrices in `precision`, then publishes the
    /// model (or the error) to the page; whether it loaded.
    async fn install(
        self,
        files: Result<Rc<Vec<NamedBytes>>, String>,
        precision: WeightPrecision,
    ) -> bool {
        let Some(engine) = self.state.engine.get_untracked() else {
            self.fail("the compute engine is not ready yet".into());
            return false;
        };
        self.status.set(Status::Busy {
            what: "Decoding and uploading weights…".into(),
            fraction: None,
        });
        yield_now().await;
        let files = match files {
            Ok(files) => files,
            Err(e) => {
                self.fail(e);
                return false;
            }
        };
        match upload(&files, &engine, precision, self.status).await {
            Ok(m) => {
                self.state.model.set(Some(Rc::new(m)));
                self.state.model_files.set(Some(files));
                self.refused.set(None);
                self.status.set(Status::Ready);
                mark_body("data-model", "ready");
                true
            }
            Err(e) => {
                self.refused.set(Some(files));
                self.fail(e);
                false
            }
        }
    }

    /// Shows why a load failed; the previous model, if any, stays.
    fn fail(self, why: String) {
        self.status.set(Status::Failed(why));
        mark_body("data-model", "error");
    }
}

/// Decodes `files` onto `engine` with their matrices in `precision` (checked against its
/// GPU's features and limits first) and, on a GPU, compiles its kernels. The files' bytes are
/// shared with the parsers, not copied.
async fn upload(
    files: &[NamedBytes],
    engine: &Engine,
    precision: WeightPrecision,
    status: RwSignal<Status>,
) -> Result<LoadedModel, String> {
    let m = ModelFiles::from_named(files.to_vec())
        .and_then(|f| load_model_on(f, engine, precision))
        .map_err(|e| e.to_string())?;
    if engine.kind != BackendKind::WebGpu {
        return Ok(m);
    }
    // Kernel compilation blocks the page the first time (tens of seconds on a software GPU):
    // do it now, while the page says so, rather than at the first click.
    status.set(Status::Busy {
        what: "Compiling GPU kernels (first run only)…".into(),
        fraction: None,
    });
    yield_now().await;
    warm_up(&m.model)
        .await
        .map(|_| m)
        .map_err(|e| format!("the model loaded but could not run on this GPU: {e}"))
}

/// After the GPU device was lost: starts a new device (or the CPU), reloads the model from
/// its kept files in the same precision, and publishes both. Returns them for the fit that
/// was interrupted.
pub async fn recover_from_device_loss(
    state: AppState,
) -> Result<(Rc<Engine>, Rc<LoadedModel>), String> {
    let old = state
        .engine
        .get_untracked()
        .ok_or("the compute engine is not ready")?;
    let files = state
        .model_files
        .get_untracked()
        .ok_or("the model's files are no longer in memory: load the model again")?;
    let precision = state
        .model
        .with_untracked(|m| m.as_ref().map(|m| m.model.precision()))
        .unwrap_or_default();
    let engine = Rc::new(old.after_loss().await);
    // The same precision where the new engine runs it (a new GPU may lack shader-f16).
    let precision = if engine.supports(precision) {
        precision
    } else {
        WeightPrecision::F32
    };
    mark_body("data-backend", engine.kind.as_str());
    state.engine.set(Some(engine.clone()));
    let m = Rc::new(upload(&files, &engine, precision, RwSignal::new(Status::Idle)).await?);
    state.model.set(Some(m.clone()));
    Ok((engine, m))
}

/// Downloads the files of a model at `url`: a `.gguf`, or a folder with the Hugging Face files.
async fn fetch_model(url: String, status: RwSignal<Status>) -> Result<Vec<NamedBytes>, String> {
    let names: Vec<String> = if url.to_lowercase().ends_with(".gguf") {
        vec![url.clone()]
    } else {
        let base = url.trim_end_matches('/');
        ["config.json", "tokenizer.json", "model.safetensors"]
            .iter()
            .map(|f| format!("{base}/{f}"))
            .collect()
    };
    let mut files = Vec::new();
    for name in names {
        let short = name.rsplit('/').next().unwrap_or(&name).to_string();
        let (bytes, source) = fetch_cached(&name, |source, done, total| {
            let verb = match source {
                Source::Cache => "Reading from the browser cache",
                Source::Network => "Downloading",
            };
            status.set(Status::Busy {
                what: format!("{verb} {short}: {:.1} MB", done as f64 / 1e6),
                fraction: total.map(|t| done as f64 / t.max(1) as f64),
            })
        })
        .await?;
        mark_body(
            "data-model-source",
            if source == Source::Cache {
                "cache"
            } else {
                "network"
            },
        );
        files.push(NamedBytes::new(short, bytes));
    }
    Ok(files)
}

async fn read_files(list: web_sys::FileList) -> Result<Vec<NamedBytes>, String> {
    let mut files = Vec::new();
    for i in 0..list.length() {
        if let Some(f) = list.get(i) {
            files.push(NamedBytes::new(f.name(), read_file(&f).await?));
        }
    }
    Ok(files)
}

/// The model panel.
#[component]
pub fn ModelPanel() -> impl IntoView {
    let state = use_state();
    let loader = Loader::new(state);
    let status = loader.status;
    let dragging = RwSignal::new(false);
    let busy = move || {
        matches!(status.get(), Status::Busy { .. })
            || !state.idle()
            || state.engine.with(|e| e.is_none())
    };

    let load_url = move |url: String| spawn_local(loader.load(fetch_model(url, status)));
    // `?model=<url>` (or a permalink of the default model) loads as soon as the engine is up.
    if let Some(url) = query_param("model") {
        state.load_request.set(Some(if url == "default" {
            DEFAULT_MODEL_URL.to_string()
        } else {
            url
        }));
    }
    Effect::new(move |_| {
        if state.engine.with(|e| e.is_some())
            && let Some(url) = state.load_request.get()
        {
            state.load_request.set(None);
            load_url(url);
        }
    });
    let on_files = move |list: Option<web_sys::FileList>| {
        if let Some(list) = list.filter(|l| l.length() > 0) {
            status.set(Status::Busy {
                what: "Reading files…".into(),
                fraction: None,
            });
            spawn_local(loader.load(read_files(list)));
        }
    };
    view! {
        <section class="card" id="model-panel">
            <h2>"Model"</h2>
            <div
                class="dropzone"
                class:dragging=move || dragging.get()
                on:dragover=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    dragging.set(true);
                }
                on:dragleave=move |_| dragging.set(false)
                on:drop=move |ev: web_sys::DragEvent| {
                    ev.prevent_default();
                    dragging.set(false);
                    on_files(ev.data_transfer().and_then(|d| d.files()));
                }
            >
                <p>
                    "Drop a " <code>".gguf"</code> " (Llama family) or a Hugging Face model's "
                    <code>"config.json"</code> ", " <code>"tokenizer.json"</code> " and "
                    <code>"*.safetensors"</code> " here (GPT-2, Pythia/GPT-NeoX, Llama)."
                </p>
                <div class="row">
                    <button
                        id="load-default"
                        disabled=busy
                        on:click=move |_| load_url(DEFAULT_MODEL_URL.to_string())
                    >
                        "Load default model (SmolLM2-135M, 98 MB)"
                    </button>
                    <label class="button secondary">
                        "Choose files…"
                        <input
                            id="model-files"
                            type="file"
                            multiple
                            accept=".gguf,.json,.safetensors"
                            disabled=busy
                            on:change=move |ev| {
                                let input: web_sys::HtmlInputElement = ev.target().unwrap().unchecked_into();
                                on_files(input.files());
                            }
                        />
                    </label>
                </div>
                <PrecisionToggle loader busy />
            </div>
            {move || match status.get() {
                Status::Idle => ().into_any(),
                Status::Busy { what, fraction } => view! {
                    <div class="progress" role="status">
                        <span>{what}</span>
                        {match fraction {
                            Some(f) => view! { <progress max="1" value=f></progress> }.into_any(),
                            None => view! { <progress></progress> }.into_any(),
                        }}
                    </div>
                }
                .into_any(),
                Status::Ready => ().into_any(),
                Status::Failed(e) => view! { <p class="error" id="model-error" role="alert">{e}</p> }.into_any(),
            }}
            {move || state.model.get().map(|m| model_card(&m, state))}
        </section>
    }
}

/// The f16-weights checkbox: disabled (with the reason) where the engine cannot run f16, and
/// while a model loads or a fit runs.
#[component]
fn PrecisionToggle(
    loader: Loader,
    busy: impl Fn() -> bool + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let (state, precision) = (loader.state, loader.precision);
    let supported = move || {
        state
            .engine
            .with(|e| e.as_ref().is_some_and(|e| e.supports(WeightPrecision::F16)))
    };
    let hint = move || {
        state.engine.with(|e| match e.as_ref() {
            None => "",
            Some(e) if !e.supports(WeightPrecision::F16) => {
                "this GPU lacks shader-f16, so weights stay f32"
            }
            Some(e) if e.kind == BackendKind::Cpu => {
                "half the memory; slower on the CPU, which has no f16 arithmetic"
            }
            Some(_) => "half the GPU memory and upload; products in f16, top-5 logits within 0.04",
        })
    };
    view! {
        <label id="precision" title=hint>
            <input
                id="half-weights"
                type="checkbox"
                prop:checked=move || precision.get() == WeightPrecision::F16
                disabled=move || busy() || !supported()
                on:change=move |ev| {
                    loader.set_precision(if event_target_checked(&ev) {
                        WeightPrecision::F16
                    } else {
                        WeightPrecision::F32
                    })
                }
            />
            " f16 weights "
            <span class="hint">{hint}</span>
        </label>
    }
}

fn model_card(m: &LoadedModel, state: AppState) -> impl IntoView + use<> {
    let info = &m.info;
    let c = &info.config;
    let precision = m.model.precision();
    let backend = state
        .engine
        .with_untracked(|e| e.as_ref().map(|e| e.kind.as_str()).unwrap_or("?"));
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
                megabytes(c.weight_bytes(precision) as f64),
                precision.as_str()
            ),
        ),
        ("Backend", backend.to_string()),
        ("Weights SHA-256", info.weights_sha256[..16].to_string()),
    ];
    view! {
        <dl
            class="model-card"
            id="model-card"
            data-arch=c.arch.as_str()
            data-weights=precision.as_str()
        >
            {rows
                .into_iter()
                .map(|(k, v)| view! { <div><dt>{k}</dt><dd>{v}</dd></div> })
                .collect_view()}
        </dl>
    }
}

fn megabytes(bytes: f64) -> String {
    match bytes / 1e6 {
        mb if mb < 10.0 => format!("{mb:.1} MB"),
        mb => format!("{mb:.0} MB"),
    }
}
