//! The open-house record model of `openhouse`: what a feed's JSON object says
//! ([`RawRecord`], borrowed from the parse buffer), the rules that make it a typed
//! [`OpenHouse`] ([`validate`]), why a record is dropped ([`Rejection`]), and the [`Sink`]
//! that ingestion pushes both into. No I/O happens here.
//!
//! ```
//! use openhouse_model::{Field, Position, RawRecord, RawValue, Reason, validate};
//!
//! let text = |s: &'static str| RawValue::Str(s.into());
//! let raw = RawRecord::from_fields([
//!     (Field::OpenHouseKey, text("OH-1")),
//!     (Field::OpenHouseDate, text("2024-05-04")),
//!     (Field::OpenHouseStartTime, text("2024-05-05T00:00:00Z")),
//!     (Field::OpenHouseEndTime, text("20:00")),
//!     (Field::DateModified, text("2024-05-01T09:30:00.250+00:00")),
//! ]);
//! let problems = validate(&raw, Position::default()).unwrap_err();
//! assert_eq!(problems.len(), 1);
//! assert_eq!(problems[0].field, Some(Field::OpenHouseEndTime));
//! assert_eq!(problems[0].reason, Reason::Malformed);
//! ```

mod field;
mod raw;
mod record;
mod rejection;
mod sink;
mod timestamp;
mod validate;

pub use field::Field;
pub use raw::{JsonType, RawDocument, RawRecord, RawValue};
pub use record::{OpenHouse, OpenHouseFields, Position, Zip5};
pub use rejection::{Problem, Reason, Rejection};
pub use sink::{Collect, Sink};
pub use time::Date;
pub use timestamp::{
    TemporalError, UtcTimestamp, date_from_days_since_epoch, days_since_epoch, parse_date,
};
pub use validate::validate;
