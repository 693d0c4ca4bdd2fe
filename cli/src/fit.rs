//! `activscalar fit`: learn an intervention on a task and write the result as JSON.

use std::path::PathBuf;

use activscalar_core::result::{FitResult, run_fit};
use anyhow::Result;

use crate::model_arg::ModelArgs;
use crate::options::{FitArgs, TaskArgs, split_seeds, with_seed};
use crate::report;

/// Arguments of `fit`.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    task: TaskArgs,
    #[command(flatten)]
    fit: FitArgs,
    /// Repeat the fit on these split seeds (e.g. `0,1,2`; overrides --task-seed) and report
    /// mean ± sd; the JSON then holds every repeat (and each is also written beside it as
    /// `<out>.seed<k>.json`).
    #[arg(long, value_delimiter = ',')]
    split_seeds: Vec<u64>,
    /// Where to write the result JSON.
    #[arg(long)]
    out: PathBuf,
}

/// The JSON `fit --split-seeds` writes: one result per split seed.
#[derive(serde::Serialize)]
struct Repeats<'a> {
    split_seeds: &'a [u64],
    repeats: &'a [FitResult],
}

/// Runs `fit`.
pub fn run(args: Args) -> Result<()> {
    let (engine, m) = args.model.load()?;
    let base = args.task.spec()?;
    let opts = args.fit.options()?;
    let seeds = split_seeds(&args.split_seeds, &base);
    let mut results = Vec::new();
    for &seed in &seeds {
        let spec = with_seed(&base, seed);
        let pb = report::bar(
            opts.steps,
            format!("{} {} seed {seed}", opts.method.as_str(), spec.name()),
        );
        let (result, task) = pollster::block_on(run_fit(
            &m,
            &spec,
            opts.clone(),
            engine.kind.as_str(),
            async |r| {
                report::on_step(&pb, r);
                false
            },
        ))?;
        pb.finish();
        eprintln!("task: {}", task.summary());
        report::print_result(&result);
        results.push(result);
    }
    let json = match results.as_slice() {
        [one] if args.split_seeds.len() <= 1 => serde_json::to_vec_pretty(one)?,
        all => {
            report::print_repeats(&seeds, all);
            // Each repeat also on its own, for `eval`, `export` and the page's import.
            for (seed, r) in seeds.iter().zip(all) {
                let path = args.out.with_extension(format!("seed{seed}.json"));
                std::fs::write(&path, serde_json::to_vec_pretty(r)?)?;
                eprintln!("wrote {}", path.display());
            }
            serde_json::to_vec_pretty(&Repeats {
                split_seeds: &seeds,
                repeats: all,
            })?
        }
    };
    std::fs::write(&args.out, json)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
