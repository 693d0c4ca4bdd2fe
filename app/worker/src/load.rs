//! Starting the engine and loading models in the worker: from a URL (the default model, a
//! `?model=` link) or from files the page posted; reloading in another precision; moving to a
//! new device after the GPU device was lost.

use std::rc::Rc;

use activscalar_core::engine::{self, BackendKind, Engine};
use activscalar_core::fit::warm_up;
use activscalar_core::{
    LoadedModel, ModelFiles, ModelOrigin, NamedBytes, WeightPrecision, load_model_on,
};

use super::fetch::{MAX_FILE_BYTES, Source, fetch_cached, read_file};
use super::{Kept, Session, post};
use crate::js::now_ms;
use crate::timers::yield_now;
use activscalar_types::hub::{self, FetchError, HubModel};
use activscalar_types::protocol::{EngineReport, Event, LoadedReport, ModelCard};

/// Reports a load's progress to the page.
fn loading(what: impl Into<String>, fraction: Option<f64>) {
    post(&Event::Loading {
        what: what.into(),
        fraction,
    });
}

/// Why the worker's entry script (`www/worker.js`) kept it off WebGPU — the user's choice, or a
/// software adapter — when it did.
fn chosen_cpu_reason() -> Option<String> {
    js_sys::Reflect::get(&js_sys::global(), &"activscalarCpuReason".into())
        .ok()?
        .as_string()
}

/// The page's view of a loaded model.
pub fn card(m: &LoadedModel, engine: &Engine) -> ModelCard {
    ModelCard {
        info: m.info.clone(),
        precision: m.model.precision(),
        backend: engine.kind,
    }
}

impl Session {
    /// The page's view of an engine (the self-test is run by [`Session::start`]).
    fn engine_report(
        &self,
        e: &Engine,
        self_test: Result<engine::SelfTest, String>,
    ) -> EngineReport {
        EngineReport {
            kind: e.kind,
            cpu_threads: self.cpu_threads.get(),
            fallback_reason: e.fallback_reason.clone(),
            limits: e.gpu.as_ref().map(|g| g.limits.clone()),
            f16: e.supports(WeightPrecision::F16),
            self_test,
        }
    }

    /// Starts WebGPU (else the CPU) and runs the autodiff + Adam self-test on it.
    pub(super) async fn start(self: Rc<Self>) {
        let mut engine = Engine::gpu_or_cpu().await;
        if engine.kind == BackendKind::Cpu
            && let Some(why) = chosen_cpu_reason()
        {
            engine.fallback_reason = Some(why);
        }
        let test = engine::self_test(&engine.device).await;
        post(&Event::Engine(self.engine_report(&engine, test)));
        *self.engine.borrow_mut() = Some(Rc::new(engine));
    }

    /// Downloads a model (a `.gguf`, or a folder's Hugging Face files) and installs it.
    pub(super) async fn load_url(self: Rc<Self>, url: String, precision: WeightPrecision) {
        let job = self.job().await;
        let files: Vec<(String, String)> = if url.to_lowercase().ends_with(".gguf") {
            let short = url.rsplit('/').next().unwrap_or(&url).to_string();
            vec![(url.clone(), short)]
        } else {
            let base = url.trim_end_matches('/');
            [hub::CONFIG, hub::TOKENIZER, hub::WEIGHTS]
                .iter()
                .map(|f| (format!("{base}/{f}"), f.to_string()))
                .collect()
        };
        let t = now_ms();
        let fetched = download(&files).await;
        self.install_downloaded(fetched, None, t, precision, job)
            .await;
    }

    /// Downloads a model from the Hub at `base` — its `.gguf` file, or `config.json`,
    /// `tokenizer.json` and `model.safetensors` (or the shards its index names) — and
    /// installs it. The architecture is checked before the weights are downloaded.
    pub(super) async fn load_hub(
        self: Rc<Self>,
        base: String,
        model: HubModel,
        precision: WeightPrecision,
    ) {
        let job = self.job().await;
        let t = now_ms();
        let fetched = hub_files(&base, &model).await;
        self.install_downloaded(fetched, Some(model), t, precision, job)
            .await;
    }

    /// Installs downloaded files (or reports why there are none) and answers the page.
    async fn install_downloaded(
        &self,
        fetched: Result<(Vec<NamedBytes>, bool), String>,
        hub: Option<HubModel>,
        started: f64,
        precision: WeightPrecision,
        job: super::Job,
    ) {
        let (files, cached) = match fetched {
            Ok(f) => f,
            Err(e) => return post(&Event::Loaded(Err(e))),
        };
        let read = if cached {
            "read from the browser cache"
        } else {
            "download"
        };
        let phases = vec![(read.to_string(), (now_ms() - started) / 1000.0)];
        let out = self
            .install(Rc::new(Kept { files, hub }), precision, phases)
            .await;
        drop(job);
        post(&Event::Loaded(out.map(|(card, phases)| LoadedReport {
            card,
            from_cache: Some(cached),
            phases,
        })));
    }

    /// Reads the files the page posted and installs them.
    pub(super) async fn load_files(
        self: Rc<Self>,
        posted: Vec<web_sys::File>,
        precision: WeightPrecision,
    ) {
        let job = self.job().await;
        loading("Reading files…", None);
        let t = now_ms();
        let mut files = Vec::new();
        for f in &posted {
            match read_file(f).await {
                Ok(named) => files.push(named),
                Err(e) => return post(&Event::Loaded(Err(e))),
            }
        }
        let phases = vec![("read files".to_string(), (now_ms() - t) / 1000.0)];
        let kept = Kept { files, hub: None };
        let out = self.install(Rc::new(kept), precision, phases).await;
        drop(job);
        post(&Event::Loaded(out.map(|(card, phases)| LoadedReport {
            card,
            from_cache: None,
            phases,
        })));
    }

    /// Reloads the model on display (or the files last refused) in `precision`. On failure the
    /// model stays as it was.
    pub(super) async fn set_precision(self: Rc<Self>, precision: WeightPrecision) {
        let job = self.job().await;
        let files = self.refused.borrow().clone();
        let Some(files) = files.or_else(|| self.files.borrow().clone()) else {
            return post(&Event::Loaded(Err("no model to reload".into())));
        };
        let out = self.install(files, precision, Vec::new()).await;
        drop(job);
        post(&Event::Loaded(out.map(|(card, phases)| LoadedReport {
            card,
            from_cache: None,
            phases,
        })));
    }

    /// Parses and uploads `files` with their matrices in `precision`, then makes the model the
    /// session's (the one before stays when this fails). Returns its card and the load's
    /// `phases` with those of the upload added.
    async fn install(
        &self,
        files: Rc<Kept>,
        precision: WeightPrecision,
        mut phases: Vec<(String, f64)>,
    ) -> Result<(ModelCard, Vec<(String, f64)>), String> {
        let engine = self.engine()?;
        loading("Decoding and uploading weights…", None);
        yield_now().await;
        match upload(&files, &engine, precision, &mut phases).await {
            Ok(m) => {
                let card = card(&m, &engine);
                *self.model.borrow_mut() = Some(Rc::new(m));
                *self.files.borrow_mut() = Some(files);
                *self.refused.borrow_mut() = None;
                *self.dial.borrow_mut() = None;
                Ok((card, phases))
            }
            Err(e) => {
                *self.refused.borrow_mut() = Some(files);
                Err(e)
            }
        }
    }

    /// After the GPU device was lost: starts a new device (or the CPU), reloads the model from
    /// its kept files in the same precision where the new engine runs it, and reports both to
    /// the page.
    pub(super) async fn recover(&self) -> Result<(Rc<Engine>, Rc<LoadedModel>), String> {
        let old = self.engine()?;
        let files = self
            .files
            .borrow()
            .clone()
            .ok_or("the model's files are no longer in memory: load the model again")?;
        let precision = self
            .model
            .borrow()
            .as_ref()
            .map(|m| m.model.precision())
            .unwrap_or_default();
        let engine = Rc::new(old.after_loss().await);
        let precision = if engine.supports(precision) {
            precision
        } else {
            WeightPrecision::F32
        };
        let test = engine::self_test(&engine.device).await;
        post(&Event::Engine(self.engine_report(&engine, test)));
        *self.engine.borrow_mut() = Some(engine.clone());
        let mut phases = Vec::new();
        let m = Rc::new(upload(&files, &engine, precision, &mut phases).await?);
        *self.model.borrow_mut() = Some(m.clone());
        *self.dial.borrow_mut() = None;
        post(&Event::Loaded(Ok(LoadedReport {
            card: card(&m, &engine),
            from_cache: None,
            phases,
        })));
        Ok((engine, m))
    }
}

/// Decodes `files` onto `engine` with their matrices in `precision` (checked against its GPU's
/// features and limits first) and, on a GPU, compiles its kernels; adds the time of each to
/// `phases`. The files' bytes are shared with the parsers, not copied.
async fn upload(
    kept: &Kept,
    engine: &Engine,
    precision: WeightPrecision,
    phases: &mut Vec<(String, f64)>,
) -> Result<LoadedModel, String> {
    let t = now_ms();
    let mut m = ModelFiles::from_named(kept.files.to_vec())
        .and_then(|f| load_model_on(f, engine, precision))
        .map_err(|e| e.to_string())?;
    if let Some(hub) = &kept.hub {
        m.info.origin = ModelOrigin::Hub(hub.clone());
    }
    phases.push(("decode and upload".into(), (now_ms() - t) / 1000.0));
    if engine.kind != BackendKind::WebGpu {
        return Ok(m);
    }
    // The first run of each kernel compiles it: do that now, while the page says so, rather
    // than at the first click. A second, warm run tells compilation from execution.
    loading("Compiling GPU kernels (first run only)…", None);
    yield_now().await;
    let failed = |e: activscalar_core::CoreError| {
        format!("the model loaded but could not run on this GPU: {e}")
    };
    let t = now_ms();
    warm_up(&m.model).await.map_err(failed)?;
    let first = now_ms() - t;
    let t = now_ms();
    warm_up(&m.model).await.map_err(failed)?;
    let warm = now_ms() - t;
    phases.push((
        "compile kernels (first training step − a warm one)".into(),
        (first - warm).max(0.0) / 1000.0,
    ));
    phases.push(("a warm training step (2 prompts)".into(), warm / 1000.0));
    Ok(m)
}

/// Downloads each `(url, name)` with progress (`name (i of n): … MB`). Returns the files and
/// whether all of them came from the browser's cache.
async fn download(files: &[(String, String)]) -> Result<(Vec<NamedBytes>, bool), String> {
    let mut out = Vec::new();
    let mut cached = true;
    for (i, (url, name)) in files.iter().enumerate() {
        let of = if files.len() > 1 {
            format!(" ({} of {})", i + 1, files.len())
        } else {
            String::new()
        };
        let (bytes, source) = fetch_cached(url, |source, done, total| {
            loading(
                progress_line(source, name, &of, done),
                fraction(done, total),
            );
        })
        .await
        .map_err(|e| e.describe(url))?;
        cached &= source == Source::Cache;
        out.push(NamedBytes::new(name.clone(), bytes));
    }
    Ok((out, cached))
}

/// The files of `model` on the Hub at `base` (see [`Session::load_hub`]), with progress, and
/// whether all of them came from the browser's cache.
async fn hub_files(base: &str, model: &HubModel) -> Result<(Vec<NamedBytes>, bool), String> {
    let cached = std::cell::Cell::new(true);
    let total = std::cell::Cell::new(0u64);
    let files = hub::fetch_files(base, model, Some(MAX_FILE_BYTES), |url, name| {
        let (cached, total) = (&cached, &total);
        async move {
            let (bytes, source) = fetch_cached(&url, |source, done, total| {
                loading(
                    progress_line(source, &name, "", done),
                    fraction(done, total),
                );
            })
            .await?;
            cached.set(cached.get() && source == Source::Cache);
            total.set(total.get() + bytes.len() as u64);
            if total.get() > MAX_FILE_BYTES {
                return Err(FetchError::Read(format!(
                    "the model's files come to more than the page can hold ({:.1} GB)",
                    MAX_FILE_BYTES as f64 / 1e9
                )));
            }
            Ok(bytes)
        }
    })
    .await?;
    let files = files
        .into_iter()
        .map(|(name, bytes)| NamedBytes::new(name, bytes))
        .collect();
    Ok((files, cached.get()))
}

/// "Downloading model.safetensors (2 of 3): 12.3 MB".
fn progress_line(source: Source, name: &str, of: &str, done: u64) -> String {
    let verb = match source {
        Source::Cache => "Reading from the browser cache",
        Source::Network => "Downloading",
    };
    format!("{verb} {name}{of}: {:.1} MB", done as f64 / 1e6)
}

/// The share downloaded, when the size is known.
fn fraction(done: u64, total: Option<u64>) -> Option<f64> {
    total.map(|t| done as f64 / t.max(1) as f64)
}
