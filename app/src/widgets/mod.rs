//! Small reusable pieces of the page: charts and colour scales, labelled inputs, token chips.

pub mod charts;
mod inputs;

pub use inputs::{Checkbox, NumberInput, TokenChips, pct};
