//! The bench page's measurements in the worker: W1 (forward), W2 (fit step) and W4
//! (evaluation of a fitted result) on this engine, then on burn's CPU backend in the same
//! worker as the baseline.

use std::rc::Rc;

use activscalar_core::bench::{W4, W4_LABEL, Workloads, run_w1, w2_fitter};
use activscalar_core::{Device, LoadedModel, ModelFiles, load_model};

use super::{Session, post};
use crate::js::now_ms;
use crate::timers::yield_now;
use activscalar_types::protocol::{BenchRow, Event};

/// Runs `run` once (its time kept apart: a GPU compiles kernels for new shapes then), then
/// `reps` timed times, yielding before each.
async fn time_runs(
    workload: &str,
    backend: &str,
    reps: usize,
    mut run: impl AsyncFnMut() -> Result<(), String>,
) -> Result<BenchRow, String> {
    let mut row = BenchRow {
        workload: workload.into(),
        backend: backend.into(),
        first_ms: f64::NAN,
        ms: Vec::new(),
    };
    let short = workload.split(',').next().unwrap_or(workload);
    for i in 0..=reps {
        post(&Event::BenchStatus(format!(
            "{backend}: {short} run {i}/{reps}"
        )));
        yield_now().await;
        let t = now_ms();
        run().await?;
        if i > 0 {
            row.ms.push(now_ms() - t);
        } else {
            row.first_ms = now_ms() - t;
        }
    }
    Ok(row)
}

/// Times W1, W2 and W4 on `m`, posting each row.
async fn measure(m: &LoadedModel, w: &Workloads, backend: &str, reps: usize) -> Result<(), String> {
    let err = |e: activscalar_core::CoreError| e.to_string();
    let w1 = time_runs(&w.labels[0], backend, reps, async || {
        run_w1(m, w).await.map_err(err)
    })
    .await?;
    post(&Event::BenchRow(w1));
    let task = w.w2_task();
    let mut fitter = w2_fitter(m, w, &task).map_err(err)?;
    let w2 = time_runs(&w.labels[1], backend, reps, async || {
        fitter.step().await.map(drop).map_err(err)
    })
    .await?;
    post(&Event::BenchRow(w2));
    let w4_setup = W4::prepare(m, w).map_err(err)?;
    let w4 = time_runs(W4_LABEL, backend, reps, async || {
        w4_setup.run(m).await.map(drop).map_err(err)
    })
    .await?;
    post(&Event::BenchRow(w4));
    Ok(())
}

impl Session {
    /// The whole benchmark; returns the workloads' description.
    pub(super) async fn bench(self: Rc<Self>, reps: usize) -> Result<String, String> {
        let _job = self.job().await;
        let m = self.model()?;
        let engine = self.engine()?;
        let reps = reps.clamp(1, 100);
        let (w, ccc) = Workloads::for_model(&m).map_err(|e| e.to_string())?;
        let prompts = if ccc {
            "CCC prompts of the model's tokenizer"
        } else {
            "random token ids (the tokenizer cannot spell the CCC prompts)"
        };
        let weights = m.model.precision().as_str();
        measure(&m, &w, engine.kind.as_str(), reps).await?;
        if engine.gpu.is_none() {
            return Ok(format!("{prompts}; {weights} weights on the CPU"));
        }
        post(&Event::BenchStatus(
            "Loading the model on the CPU backend for the baseline…".into(),
        ));
        yield_now().await;
        // The loaded model's own files (kept by the worker; shared, not copied).
        let files = self
            .files
            .borrow()
            .clone()
            .ok_or("the model's files are gone")?;
        let cpu = ModelFiles::from_named(files.files.to_vec())
            .and_then(|f| load_model(f, &Device::flex()))
            .map_err(|e| e.to_string())?;
        measure(&cpu, &w, "cpu", reps).await?;
        Ok(format!(
            "{prompts}; {weights} weights on WebGPU, f32 on the CPU"
        ))
    }
}
