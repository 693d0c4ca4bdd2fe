//! The data of ActivScalar Explorer, free of any tensor library: fit options, task definitions,
//! results, sweeps, model facts and what the page and its model worker say to each other —
//! everything the page, the worker, the command line and saved files share. The page's thread
//! links this crate and not the compute core, so it starts fast and never computes.

pub mod config;
pub mod engine;
pub use activscalar_formats::error;
pub mod export;
pub mod fuzzing;
pub mod hub;
pub mod method;
pub mod metrics;
pub mod model;
pub mod options;
pub mod permalink;
pub mod protocol;
pub mod readouts;
pub mod result;
pub mod rng;
pub mod site;
pub mod sweep;
pub mod tasks;
pub mod validate;
