//! Helpers shared by the CLI's integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs the `activscalar` binary with `args` from the repository's root.
pub fn activscalar(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_activscalar"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

/// Fits on the tiny fixture and its planted task with `options`, writing the result to `out`.
pub fn fit_tiny(out: &Path, options: &[&str]) {
    let mut args = vec![
        "fit",
        "--model",
        "models/fixtures/tiny-llama",
        "--task",
        "models/fixtures/tiny-llama-planted.jsonl",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(options);
    let o = activscalar(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
