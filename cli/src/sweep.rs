//! `activscalar sweep`: the λ_M trade-off curve and per-component drop-out order.

use std::path::PathBuf;

use activscalar_core::sweep::{log_grid, run_sweep};
use anyhow::Result;

use crate::model_arg::ModelArgs;
use crate::options::{FitArgs, TaskArgs};
use crate::report;

/// Arguments of `sweep`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    task: TaskArgs,
    #[command(flatten)]
    fit: FitArgs,
    /// Smallest λ_M.
    #[arg(long, default_value_t = 1e-4)]
    grid_min: f64,
    /// Largest λ_M.
    #[arg(long, default_value_t = 1.0)]
    grid_max: f64,
    /// Grid points (log-spaced).
    #[arg(long, default_value_t = 9)]
    points: usize,
    /// Where to write the sweep JSON.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `sweep`.
pub fn run(args: Args) -> Result<()> {
    let (engine, m) = args.model.load()?;
    let spec = args.task.spec()?;
    let opts = args.fit.options()?;
    let grid = log_grid(args.grid_min, args.grid_max, args.points);
    let mut bars: Vec<_> = Vec::new();
    let sweep = pollster::block_on(run_sweep(
        &m,
        &spec,
        opts.clone(),
        &grid,
        engine.kind.as_str(),
        async |i, r| {
            while bars.len() <= i {
                if let Some(b) = bars.last() {
                    indicatif::ProgressBar::finish(b);
                }
                bars.push(report::bar(
                    opts.steps,
                    format!("λ_M={:.1e}", grid[bars.len()]),
                ));
            }
            report::on_step(&bars[i], r);
            false
        },
    ))?;
    if let Some(b) = bars.last() {
        b.finish();
    }
    println!(
        "\n{:>9} {:>7} {:>10} {:>10} {:>8} {:>8}",
        "λ_M", "active", "test flip+", "test flip−", "KL+", "KL−"
    );
    for p in &sweep.points {
        let t = &p.test;
        println!(
            "{:>9.1e} {:>7} {:>9.1}% {:>9.1}% {:>8.4} {:>8.4}",
            p.options.lambda_m,
            p.minimality.active_sites,
            100.0 * t.plus.flip_accuracy,
            100.0 * t.minus.flip_accuracy,
            t.plus.kl,
            t.minus.kl
        );
    }
    println!("\ncomponents, most persistent first (largest λ_M still active):");
    for c in sweep.components.iter().take(10) {
        println!(
            "  {:<24} {}",
            c.hook,
            c.last_active_lambda
                .map(|l| format!("{l:.1e}"))
                .unwrap_or_else(|| "never".into())
        );
    }
    std::fs::write(&args.out, serde_json::to_vec_pretty(&sweep)?)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
