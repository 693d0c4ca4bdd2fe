//! `activscalar`: the native command line over activscalar-core.

mod bench;
mod eval;
mod export;
mod fit;
mod hub;
mod malloc;
mod model_arg;
mod options;
mod predict;
mod repeats;
mod report;
mod sweep;

use clap::{Parser, Subcommand, ValueEnum};

/// Activation scaling for steering and interpreting language models.
#[derive(Parser)]
#[command(name = "activscalar", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Compute backend, spelled as results and the page spell it (`BackendKind`).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Backend {
    /// burn's pure-Rust CPU backend.
    Cpu,
    /// wgpu (Vulkan / Metal / DX12); falls back to the CPU with a notice. `wgpu` is accepted
    /// too.
    #[value(name = "webgpu", alias = "wgpu")]
    WebGpu,
}

#[derive(Subcommand)]
enum Command {
    /// Print the most likely next tokens after a prompt.
    Predict(predict::Args),
    /// Learn an intervention on a task; write the result as JSON.
    Fit(fit::Args),
    /// Re-measure a saved result on the model it was learned on (checked by fingerprint).
    Eval(eval::Args),
    /// Sweep λ_M over a log grid: the minimality / sparsity trade-off.
    Sweep(sweep::Args),
    /// Mean ± sd over saved results of one fit on different split seeds.
    Repeats(repeats::Args),
    /// Export a saved result as safetensors or as a permalink.
    Export(export::Args),
    /// Time the benchmark workloads (see docs/BENCHMARKS.md). Models whose tokenizer cannot
    /// spell the CCC prompts, and gpt2-small-random, get random token ids of the same shapes.
    Bench(bench::Args),
}

fn main() {
    malloc::keep_freed_memory();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Predict(args) => predict::run(args),
        Command::Fit(args) => fit::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Repeats(args) => repeats::run(args),
        Command::Export(args) => export::run(args),
        Command::Bench(args) => bench::run(args),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
