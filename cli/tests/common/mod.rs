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
