//! `activscalar`: the native command line over activscalar-core.

mod model_arg;
mod predict;

use clap::{Parser, Subcommand, ValueEnum};

/// Activation scaling for steering and interpreting language models.
#[derive(Parser)]
#[command(name = "activscalar", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Compute backend.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Backend {
    /// burn's pure-Rust CPU backend.
    Cpu,
    /// wgpu (Vulkan / Metal / DX12); falls back to the CPU with a notice.
    Wgpu,
}

#[derive(Subcommand)]
enum Command {
    /// Print the most likely next tokens after a prompt.
    Predict(predict::Args),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Predict(args) => predict::run(args),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
