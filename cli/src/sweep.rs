//! `activscalar sweep`: the λ_M trade-off curve and per-component drop-out order.

use std::path::PathBuf;

use activscalar_core::result::FitResult;
use activscalar_core::sweep::{Sweep, log_grid, run_sweep};
use activscalar_core::tasks::TaskSpec;
use anyhow::Result;

use crate::model_arg::ModelArgs;
use crate::options::{FitArgs, TaskArgs, split_seeds, with_seed};
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
    /// Repeat the sweep on these split seeds (e.g. `0,1,2`; overrides --task-seed) and report
    /// each point's mean ± sd; the JSON then holds every sweep.
    #[arg(long, value_delimiter = ',')]
    split_seeds: Vec<u64>,
    /// Where to write the sweep JSON.
    #[arg(long)]
    out: PathBuf,
}

/// The JSON `sweep --split-seeds` writes: one sweep per split seed.
#[derive(serde::Serialize)]
struct Repeats<'a> {
    split_seeds: &'a [u64],
    sweeps: &'a [Sweep],
}

/// Runs `sweep`.
pub fn run(args: Args) -> Result<()> {
    let (engine, m) = args.model.load()?;
    let base = args.task.spec()?;
    let opts = args.fit.options()?;
    let grid = log_grid(args.grid_min, args.grid_max, args.points);
    let seeds = split_seeds(&args.split_seeds, &base);
    let mut sweeps = Vec::new();
    for &seed in &seeds {
        let spec = with_seed(&base, seed);
        eprintln!("split seed {seed}:");
        let sweep = one(&engine, &m, &spec, &opts, &grid)?;
        print_sweep(&sweep);
        sweeps.push(sweep);
    }
    let json = match sweeps.as_slice() {
        [one] if args.split_seeds.len() <= 1 => serde_json::to_vec_pretty(one)?,
        all => {
            print_means(&seeds, all);
            serde_json::to_vec_pretty(&Repeats {
                split_seeds: &seeds,
                sweeps: all,
            })?
        }
    };
    std::fs::write(&args.out, json)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// Each grid point's mean ± sd over the split seeds.
fn print_means(seeds: &[u64], sweeps: &[Sweep]) {
    println!(
        "\nmean ± sd over split seeds {seeds:?}:\n{:>9} {:>13} {:>15} {:>15} {:>15}",
        "λ_M", "active", "val flip−", "test flip+", "test flip−"
    );
    let n = sweeps.iter().map(|s| s.points.len()).min().unwrap_or(0);
    for i in 0..n {
        let col = |f: &dyn Fn(&FitResult) -> f64| {
            report::mean_sd(&sweeps.iter().map(|s| f(&s.points[i])).collect::<Vec<_>>())
        };
        let pct = |(m, sd): (f64, f64)| format!("{:.1} ± {:.1}%", 100.0 * m, 100.0 * sd);
        let (a, asd) = col(&|p| p.minimality.active_sites as f64);
        println!(
            "{:>9.1e} {:>13} {:>15} {:>15} {:>15}",
            sweeps[0].points[i].options.lambda_m,
            format!("{a:.1} ± {asd:.1}"),
            pct(col(&|p| p
                .validation
                .as_ref()
                .map_or(f64::NAN, |v| v.minus.flip_accuracy))),
            pct(col(&|p| p.test.plus.flip_accuracy)),
            pct(col(&|p| p.test.minus.flip_accuracy)),
        );
    }
}

/// One sweep with a progress bar per grid point.
fn one(
    engine: &activscalar_core::engine::Engine,
    m: &activscalar_core::LoadedModel,
    spec: &TaskSpec,
    opts: &activscalar_core::fit::FitOptions,
    grid: &[f64],
) -> Result<Sweep> {
    let mut bars: Vec<_> = Vec::new();
    let sweep = pollster::block_on(run_sweep(
        m,
        spec,
        opts.clone(),
        grid,
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
    Ok(sweep)
}

/// The sweep's table, the point chosen on validation, and the drop-out order.
fn print_sweep(sweep: &Sweep) {
    let chosen = sweep.chosen();
    println!(
        "\n  {:>9} {:>7} {:>9} {:>9} {:>10} {:>10} {:>8} {:>8}",
        "λ_M", "active", "val flip+", "val flip−", "test flip+", "test flip−", "KL+", "KL−"
    );
    let pct = |x: Option<f64>| x.map_or("—".to_string(), |x| format!("{:.1}%", 100.0 * x));
    for (i, p) in sweep.points.iter().enumerate() {
        let (t, v) = (&p.test, p.validation.as_ref());
        println!(
            "{} {:>9.1e} {:>7} {:>9} {:>9} {:>9.1}% {:>9.1}% {:>8.4} {:>8.4}",
            if chosen == Some(i) { "*" } else { " " },
            p.options.lambda_m,
            p.minimality.active_sites,
            pct(v.map(|v| v.plus.flip_accuracy)),
            pct(v.map(|v| v.minus.flip_accuracy)),
            100.0 * t.plus.flip_accuracy,
            100.0 * t.minus.flip_accuracy,
            t.plus.kl,
            t.minus.kl
        );
    }
    match chosen {
        Some(i) => println!(
            "* chosen on validation: the sparsest point with ≥ {:.0}% validation flips in both directions (λ_M = {:.1e}); test base accuracy {:.1}%",
            100.0 * activscalar_core::sweep::SELECTION_BAR,
            sweep.points[i].options.lambda_m,
            100.0 * sweep.points[i].test.base_accuracy
        ),
        None => println!(
            "no point reaches {:.0}% validation flips in both directions",
            100.0 * activscalar_core::sweep::SELECTION_BAR
        ),
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
}
