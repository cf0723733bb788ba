//! Keeps the latest version of each open house, row by row in arenas, and puts the kept
//! records in the table's order.
//!
//! [`LatestByKey`] holds, per `OpenHouseKey` (exact string match), the record with the
//! greatest [`openhouse_model::Version`]: the latest `DateModified` instant, and on equal
//! instants the record later in the input. Each key is hashed once; the hash picks one of
//! the table's partitions and the key's slot in that partition's index. Ingestion offers
//! each valid record as it is parsed to [`SharedLatestByKey`], which keeps one table per
//! worker thread, appends each record to its key's partition, and looks the appended rows
//! up later, a partition at a time, in parallel, as it merges the tables at the end. Memory
//! follows the number of distinct open houses: a partition keeps only each key's winning
//! row (besides a fixed budget of rows appended and not yet looked up), and real feeds'
//! 32-hex-digit keys are held as the 16 bytes they encode. [`LatestByKey::into_table`] sorts
//! the kept rows by (`OpenHouseDate`, `OpenHouseKey`) in parallel.
//!
//! ```
//! use openhouse_dedup::LatestByKey;
//! use openhouse_model::{OpenHouseFields, Position, UtcTimestamp, parse_date};
//!
//! let at = |text: &str| UtcTimestamp::parse(text).unwrap();
//! let version = |modified: &str, record: u64| OpenHouseFields {
//!     key: "OH-1",
//!     listing_key: None,
//!     method: None,
//!     date: parse_date("2024-05-04").unwrap(),
//!     start: at("2024-05-04T17:00:00Z"),
//!     end: at("2024-05-04T19:00:00Z"),
//!     modified: at(modified),
//!     state: None,
//!     zipcode: None,
//!     position: Position { record, ..Position::default() },
//! };
//! let mut latest = LatestByKey::default();
//! latest.offer(&version("2024-05-02T00:00:00Z", 2));
//! latest.offer(&version("2024-05-03T00:00:00.5Z", 0));
//! latest.offer(&version("2024-05-03T00:00:00.500+00:00", 1));
//! let table = latest.into_table()?;
//! assert_eq!(table.len(), 1);
//! assert_eq!(table.row(0).record(), 1);
//! # Ok::<(), openhouse_dedup::TableError>(())
//! ```
#![warn(missing_docs)]

mod hex;
mod index;
mod key;
mod latest;
mod packed;
mod rows;
mod shared;
mod table;

pub use latest::LatestByKey;
pub use packed::{MAX_HEX_DIGITS, Text, TextBuffer};
pub use rows::TextField;
pub use shared::{Offers, SharedLatestByKey};
pub use table::{Table, TableError, TableRow, zip5_of};

/// Asks the processor to start loading the cache line of `byte`: for memory visited in an
/// order the processor cannot guess. A hint only; it changes no result.
#[cfg(target_arch = "x86_64")]
pub(crate) fn prefetch(byte: *const u8) {
    use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
    // SAFETY: a prefetch only hints the cache and never faults; callers pass addresses in
    // live allocations.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(byte.cast()) };
}

#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn prefetch(_: *const u8) {}

#[cfg(test)]
mod tests;

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
