//! The page's cards, one module each: set-up on the left (engine, model, task, fit, next
//! token, benchmark), the result's views on the right (share, heatmap, β dial, trade-off).
//! Panels read the store and call the controller; they never import each other.

pub mod bench;
pub mod engine;
pub mod fit;
pub mod heatmap;
pub mod model;
pub mod predict;
pub mod share;
pub mod steer;
pub mod sweep;
pub mod task;
