//! Open houses to Parquet and back, through apache arrow-rs.
//!
//! [`write_parquet`] writes the table crash-safely: to a temporary file in the target folder,
//! synced, then renamed into place, so a reader sees the old file or the new one and never a
//! part. The columns keep the feed's names ([`schema`]), so SQL written for the feed runs
//! unchanged in DuckDB, Spark, Polars or pyarrow. [`read_insight_rows`] reads back the
//! (`OpenHouseDate`, Zip5) rows that insights need, from this project's files or another
//! engine's with the same columns.
//!
//! ```
//! use openhouse_model::{OpenHouse, OpenHouseFields, Position, UtcTimestamp, parse_date};
//! use openhouse_parquet::{WriteOptions, read_insight_rows, write_parquet};
//!
//! let at = |text: &str| UtcTimestamp::parse(text).unwrap();
//! let open_house = OpenHouse::new(OpenHouseFields {
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
//! let folder = tempfile::tempdir()?;
//! let path = folder.path().join("openhouses.parquet");
//! let written = write_parquet(&path, &[open_house], &WriteOptions::default())?;
//! assert_eq!(written.rows, 1);
//!
//! let mut rows = Vec::new();
//! read_insight_rows(&path, |date, zip5| rows.push((date.to_string(), zip5.map(|z| z.to_string()))))?;
//! assert_eq!(rows, [("2024-05-04".to_string(), Some("94521".to_string()))]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod atomic;
mod batch;
mod error;
mod read;
mod write;

pub use atomic::write_atomically;
pub use batch::{record_batch, schema};
pub use error::Error;
pub use read::{ParquetFile, ParquetFiles, ReadSummary, fold_insight_rows, read_insight_rows};
pub use write::{WriteOptions, WriteSummary, write_parquet};

/// The column names, as the feed spells its fields, plus the derived `Zip5`.
pub mod columns {
    pub const OPEN_HOUSE_KEY: &str = "OpenHouseKey";
    pub const LISTING_KEY: &str = "ListingKey";
    pub const OPEN_HOUSE_METHOD: &str = "OpenHouseMethod";
    pub const OPEN_HOUSE_DATE: &str = "OpenHouseDate";
    pub const OPEN_HOUSE_START_TIME: &str = "OpenHouseStartTime";
    pub const OPEN_HOUSE_END_TIME: &str = "OpenHouseEndTime";
    pub const DATE_MODIFIED: &str = "DateModified";
    pub const STATE: &str = "State";
    pub const ZIPCODE: &str = "Zipcode";
    pub const ZIP5: &str = "Zip5";
}
