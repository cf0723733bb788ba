//! An x axis whose labels stand at chosen points: calendar days, or the centres of bars.
//!
//! plotters' own `with_key_points` decorator has no label formatter for `f64` axes, so this
//! is the small custom coordinate that plotters' `Ranged` trait is the extension point for.

use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;

/// A linear `f64` axis with bold key points (grid lines and labels) at `ticks` only.
pub(crate) struct KeyedAxis {
    linear: RangedCoordf64,
    ticks: Vec<f64>,
}

impl KeyedAxis {
    pub(crate) fn new(range: Range<f64>, ticks: Vec<f64>) -> Self {
        KeyedAxis {
            linear: range.into(),
            ticks,
        }
    }
}

impl Ranged for KeyedAxis {
    // Labels come from each chart's `x_label_formatter`.
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.linear.range()
    }
}
