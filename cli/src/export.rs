//! `activscalar export`: a saved result as safetensors (TransformerLens hook names) or as a
//! permalink for the explorer page.

use std::path::PathBuf;

use activscalar_core::{export, permalink};
use anyhow::{Context, Result};
use clap::ValueEnum;

use crate::report;

/// Output formats.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// θ as safetensors, one tensor per hook (see docs/EXPORT.md).
    Safetensors,
    /// The fragment of a permalink: append `#r=<it>` to the page's URL.
    Link,
}

/// Arguments of `export`.
#[derive(clap::Args)]
pub struct Args {
    /// A result written by `fit`.
    #[arg(long)]
    result: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Safetensors)]
    format: Format,
    /// Output file (safetensors); the link is printed.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `export`.
pub fn run(args: Args) -> Result<()> {
    let r = report::read_result(&args.result)?;
    match args.format {
        Format::Safetensors => {
            let out = args.out.context("--out is needed for safetensors")?;
            std::fs::write(&out, export::to_safetensors(&r)?)
                .with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {}", out.display());
        }
        Format::Link => println!("#r={}", permalink::encode(&r)?),
    }
    Ok(())
}
