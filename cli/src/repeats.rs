//! `activscalar repeats`: mean ± sd over saved results of the same fit on different split seeds
//! (e.g. repeats run one at a time, or on different machines).

use std::path::PathBuf;

use anyhow::{Result, bail};

use crate::options::with_seed;
use crate::report;

/// Arguments of `repeats`.
#[derive(clap::Args)]
pub struct Args {
    /// Results written by `fit` (one per split seed; `fit --split-seeds` also writes each
    /// repeat as `<out>.seed<k>.json`).
    #[arg(required = true)]
    results: Vec<PathBuf>,
}

/// Runs `repeats`.
pub fn run(args: Args) -> Result<()> {
    let results = args
        .results
        .iter()
        .map(|p| report::read_result(p))
        .collect::<Result<Vec<_>>>()?;
    let first = &results[0];
    for (r, path) in results.iter().zip(&args.results).skip(1) {
        let same = with_seed(&r.task, first.task.seed) == first.task
            && r.model == first.model
            && r.options == first.options;
        if !same {
            bail!(
                "{} is not a repeat of {}: method, task, model and options must match, only the split seed may differ",
                path.display(),
                args.results[0].display()
            );
        }
    }
    let seeds: Vec<u64> = results.iter().map(|r| r.task.seed).collect();
    let mut unique = seeds.clone();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != seeds.len() {
        bail!("split seeds {seeds:?} repeat a seed: each result must come from its own split");
    }
    report::print_repeats(&seeds, &results);
    Ok(())
}
