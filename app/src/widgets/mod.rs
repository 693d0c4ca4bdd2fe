//! Small reusable pieces of the page: charts and colour scales, labelled inputs, token chips.

pub mod charts;
mod checkbox;
mod number_input;
mod token_chips;

pub use checkbox::Checkbox;
pub use number_input::NumberInput;
pub use token_chips::TokenChips;

/// A percentage with one decimal.
pub fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}
