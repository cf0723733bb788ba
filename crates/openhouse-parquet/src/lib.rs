//! The open-house table as Parquet, through apache arrow-rs, and back.
//!
//! [`TableWriter`] writes record batches of the table's [`schema`] to any `Write`, in row
//! groups whose columns are encoded in parallel; [`record_batch`] gathers rows of a
//! deduplicated [`openhouse_dedup::Table`] into such a batch, column by column in parallel;
//! [`write_table`] does both for a whole table. The columns keep the feed's names, so SQL
//! written for the feed runs unchanged in DuckDB, Spark, Polars or pyarrow. Where the bytes
//! land is the caller's business (the `openhouse` facade places files crash-safely).
//! [`read_insight_rows`] and [`fold_insight_rows`] read back the (`OpenHouseDate`, Zip5)
//! rows that insights need, from this project's files or any other engine's.
//!
//! ```
//! use openhouse_dedup::LatestByKey;
//! use openhouse_model::{OpenHouseFields, Position, UtcTimestamp, parse_date};
//! use openhouse_parquet::{WriteOptions, read_insight_rows, write_table};
//!
//! let at = |text: &str| UtcTimestamp::parse(text).unwrap();
//! let mut latest = LatestByKey::new();
//! latest.offer(&OpenHouseFields {
//!     key: "OH-1",
//!     listing_key: Some("L-1"),
//!     method: Some("In-Person"),
//!     date: parse_date("2024-05-04").unwrap(),
//!     start: at("2024-05-05T00:00:00Z"),
//!     end: at("2024-05-05T02:00:00Z"),
//!     modified: at("2024-05-01T09:30:00Z"),
//!     state: Some("CA"),
//!     zipcode: Some("94521-3711"),
//!     position: Position::default(),
//! });
//! let table = latest.into_table()?;
//! let (bytes, written) = write_table(Vec::new(), &table, &WriteOptions::default())?;
//! assert_eq!(written.rows, 1);
//!
//! let folder = tempfile::tempdir()?;
//! let path = folder.path().join("openhouses.parquet");
//! std::fs::write(&path, bytes)?;
//! let mut rows = Vec::new();
//! read_insight_rows(&path, |date, zip5| rows.push((date.to_string(), zip5.map(|z| z.to_string()))))?;
//! assert_eq!(rows, [("2024-05-04".to_string(), Some("94521".to_string()))]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod batch;
mod error;
mod read;
mod write;

pub use batch::{record_batch, record_batches, schema};
pub use error::Error;
pub use read::{
    ParquetFile, ParquetFiles, READ_BATCH_ROWS, ReadSummary, TableFile, fold_insight_rows,
    read_insight_rows,
};
pub use write::{
    DEFAULT_ROW_GROUP_ROWS, DEFAULT_ZSTD_LEVEL, KEY_BLOOM_FILTER_FPP, TableWriter, WriteOptions,
    WriteSummary, write_table,
};

/// The column names, as the feed spells its fields, plus the derived `Zip5`.
pub mod columns {
    /// `OpenHouseKey`: text, never null.
    pub const OPEN_HOUSE_KEY: &str = "OpenHouseKey";
    /// `ListingKey`: text.
    pub const LISTING_KEY: &str = "ListingKey";
    /// `OpenHouseMethod`: text.
    pub const OPEN_HOUSE_METHOD: &str = "OpenHouseMethod";
    /// `OpenHouseDate`: a date, never null.
    pub const OPEN_HOUSE_DATE: &str = "OpenHouseDate";
    /// `OpenHouseStartTime`: a UTC timestamp in microseconds, never null.
    pub const OPEN_HOUSE_START_TIME: &str = "OpenHouseStartTime";
    /// `OpenHouseEndTime`: a UTC timestamp in microseconds, never null.
    pub const OPEN_HOUSE_END_TIME: &str = "OpenHouseEndTime";
    /// `DateModified`: a UTC timestamp in microseconds, never null.
    pub const DATE_MODIFIED: &str = "DateModified";
    /// `State`: text.
    pub const STATE: &str = "State";
    /// `Zipcode`: text, as the feed gave it.
    pub const ZIPCODE: &str = "Zipcode";
    /// `Zip5`: the 5-digit ZIP of `Zipcode`, when it is `DDDDD` or `DDDDD-DDDD`.
    pub const ZIP5: &str = "Zip5";
}

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
