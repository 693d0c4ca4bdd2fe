//! `activscalar fit`: learn an intervention on a task and write the result as JSON.

use std::path::PathBuf;

use activscalar_core::result::run_fit;
use anyhow::Result;

use crate::model_arg::ModelArgs;
use crate::options::{FitArgs, TaskArgs};
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
    /// Where to write the result JSON.
    #[arg(long)]
    out: PathBuf,
}

/// Runs `fit`.
pub fn run(args: Args) -> Result<()> {
    let (engine, m) = args.model.load()?;
    let spec = args.task.spec()?;
    let opts = args.fit.options()?;
    let pb = report::bar(
        opts.steps,
        format!("{} {}", opts.method.as_str(), spec.name()),
    );
    let (result, task) =
        pollster::block_on(run_fit(&m, &spec, opts, engine.kind.as_str(), async |r| {
            report::on_step(&pb, r);
            false
        }))?;
    pb.finish();
    eprintln!("task: {}", task.summary());
    report::print_result(&result);
    std::fs::write(&args.out, serde_json::to_vec_pretty(&result)?)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
