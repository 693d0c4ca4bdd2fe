//! `activscalar bench`: times the benchmark workloads (W1 forward, W2 fit step, W4 evaluation)
//! on one backend
//! and prints median / min / max and the peak resident memory; `--workloads` writes the token ids
//! for the PyTorch baseline (scripts/bench.sh runs both and prints the ratios).

use std::path::PathBuf;
use std::time::Instant;

use activscalar_core::bench::{W4, W4_LABEL, Workloads, run_w1, w2_fitter};
use anyhow::Result;
use serde::Serialize;

use crate::model_arg::ModelArgs;
use crate::report;

/// Arguments of `bench`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArgs,
    /// Timed repetitions per workload (after one untimed warm-up).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Write the workloads' token ids here (input of the Python baseline).
    #[arg(long)]
    workloads: Option<PathBuf>,
    /// Write the timings as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Timings of one workload, in seconds.
#[derive(Serialize)]
struct Timing {
    workload: String,
    median: f64,
    min: f64,
    max: f64,
    reps: usize,
}

fn summarise(workload: &str, mut t: Vec<f64>) -> Timing {
    t.sort_by(f64::total_cmp);
    Timing {
        workload: workload.to_string(),
        median: t[t.len() / 2],
        min: t[0],
        max: t[t.len() - 1],
        reps: t.len(),
    }
}

/// Peak resident set size of this process (Linux), in MB.
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Runs `bench`.
pub fn run(args: Args) -> Result<()> {
    let (engine, m) = args.model.load()?;
    let (w, ccc) = Workloads::for_model(&m)?;
    if !ccc {
        // The default model spells them: a fallback there would be a bug.
        anyhow::ensure!(
            args.model.model != "default",
            "the default model's tokenizer should spell the CCC prompts"
        );
        eprintln!(
            "note: this model's tokenizer cannot spell the CCC prompts; random token ids of the same shapes"
        );
    }
    if let Some(path) = &args.workloads {
        std::fs::write(path, serde_json::to_vec(&w)?)?;
    }
    let reps = args.reps.max(1);
    let bar = report::bar(3 * (reps + 1), "bench".into());
    let mut w1 = Vec::new();
    for i in 0..=reps {
        let t = Instant::now();
        pollster::block_on(run_w1(&m, &w))?;
        if i > 0 {
            w1.push(t.elapsed().as_secs_f64());
        }
        bar.inc(1);
    }
    let task = w.w2_task();
    let mut fitter = w2_fitter(&m, &w, &task)?;
    let mut w2 = Vec::new();
    for i in 0..=reps {
        let t = Instant::now();
        pollster::block_on(fitter.step())?;
        if i > 0 {
            w2.push(t.elapsed().as_secs_f64());
        }
        bar.inc(1);
    }
    let w4_setup = W4::prepare(&m, &w)?;
    let mut w4 = Vec::new();
    for i in 0..=reps {
        let t = Instant::now();
        pollster::block_on(w4_setup.run(&m))?;
        if i > 0 {
            w4.push(t.elapsed().as_secs_f64());
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let [l1, l2] = &w.labels;
    let timings = [
        summarise(l1, w1),
        summarise(l2, w2),
        summarise(W4_LABEL, w4),
    ];
    let peak = peak_rss_mb();
    let weights = m.model.precision().as_str();
    println!(
        "{} on {}, {weights} weights ({} reps after a warm-up)",
        m.info.source,
        engine.kind.as_str(),
        reps
    );
    println!(
        "{:<34} {:>9} {:>9} {:>9}",
        "workload", "median s", "min s", "max s"
    );
    for t in &timings {
        println!(
            "{:<34} {:>9.3} {:>9.3} {:>9.3}",
            t.workload, t.median, t.min, t.max
        );
    }
    println!(
        "W4 / W2 (median): {:.2}",
        timings[2].median / timings[1].median
    );
    if let Some(p) = peak {
        println!("peak resident memory: {p:.0} MB");
    }
    if let Some(path) = &args.json {
        let out = serde_json::json!({
            "backend": engine.kind.as_str(),
            "model": m.info.source,
            "weights": weights,
            "timings": timings,
            "peak_rss_mb": peak,
        });
        std::fs::write(path, serde_json::to_vec_pretty(&out)?)?;
    }
    Ok(())
}
