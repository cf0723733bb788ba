//! The open-house record model of `openhouse`: what a feed's JSON object says
//! ([`RawRecord`], borrowed from the parse buffer), the rules that make it a valid open
//! house ([`validate`], yielding the borrowed [`OpenHouseFields`]), why a record is dropped
//! ([`Problem`], [`Reason`], [`Rejection`]), which version of an open house wins
//! ([`Version`]), the table's order ([`cmp_table_order`]), and the [`Sink`] that ingestion
//! pushes records into. No I/O happens here, and validating a record allocates nothing.
//!
//! ```
//! use openhouse_model::{Field, Position, RawRecord, RawValue, Reason, validate};
//!
//! let raw = RawRecord::from_fields([
//!     (Field::OpenHouseKey, RawValue::Str("OH-1")),
//!     (Field::OpenHouseDate, RawValue::Str("2024-05-04")),
//!     (Field::OpenHouseStartTime, RawValue::Str("2024-05-05T00:00:00Z")),
//!     (Field::OpenHouseEndTime, RawValue::Str("20:00")),
//!     (Field::DateModified, RawValue::Str("2024-05-01T09:30:00.250+00:00")),
//! ]);
//! let problems = validate(&raw, Position::default()).unwrap_err();
//! assert_eq!(problems.len(), 1);
//! assert_eq!(problems[0].field, Some(Field::OpenHouseEndTime));
//! assert_eq!(problems[0].reason, Reason::Malformed);
//! ```
#![warn(missing_docs)]

mod field;
mod raw;
mod record;
mod rejection;
mod sink;
mod timestamp;
mod validate;

pub use field::Field;
pub use raw::{JsonType, RawRecord, RawValue};
pub use record::{OpenHouse, OpenHouseFields, Position, Version, Zip5, cmp_table_order};
pub use rejection::{Problem, Problems, Reason, RejectedRecord, Rejection};
pub use sink::{Collect, Sink};
pub use time::{Date, Month};
pub use timestamp::{
    TemporalError, UtcTimestamp, date_from_days_since_epoch, days_since_epoch, parse_date,
};
pub use validate::{FIRST_OPEN_HOUSE_DATE, LAST_OPEN_HOUSE_DATE, validate};

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
