//! `openhouse`: from raw MLS open-house event feeds to a validated, deduplicated Parquet
//! table and the insights a dashboard shows.
//!
//! This crate composes the workspace's crates into one [`Pipeline`]: [`ingest`] (the feed
//! read in bounded windows, split and parsed with simd-json on every core, each record
//! validated) → [`dedup`] (the latest version of each open house, kept by every worker as
//! records are parsed, then merged and sorted into the table's order) → [`parquet`] (a zstd table, columns encoded in parallel) and
//! [`insights`] (the busiest week, the top zip codes, the daily cumulative total). Every
//! record that breaks a rule is kept as a [`Rejection`] and can be written to a rejects
//! file ([`RejectsLine`]).
//!
//! ```
//! use openhouse::Pipeline;
//!
//! let feed = br#"[
//!   {"OpenHouseKey": "A", "OpenHouseDate": "2024-05-04", "Zipcode": "94521-3711",
//!    "OpenHouseStartTime": "2024-05-05T00:00:00Z", "OpenHouseEndTime": "2024-05-05T02:00:00Z",
//!    "DateModified": "2024-05-01T10:00:00Z"},
//!   {"OpenHouseKey": "A", "OpenHouseDate": "2024-05-04", "Zipcode": "94521",
//!    "OpenHouseStartTime": "2024-05-04T20:00:00Z", "OpenHouseEndTime": "2024-05-04T22:00:00Z",
//!    "DateModified": "2024-05-02T10:00:00+00:00"},
//!   {"OpenHouseKey": null}
//! ]"#;
//! let processed = Pipeline::builder().threads(2)?.build().process(feed)?;
//! assert_eq!(processed.summary.records_read, 3);
//! assert_eq!(processed.table.len(), 1);
//! assert_eq!(processed.table.row(0).record(), 1);
//! assert_eq!(processed.rejections.len(), 1);
//! assert_eq!(processed.insights(5).top_zipcodes[0].zipcode.as_str(), "94521");
//! # Ok::<(), openhouse::Error>(())
//! ```
#![warn(missing_docs)]

mod chunk;
mod error;
mod merge;
mod pipeline;
pub mod publish;
mod rejects;
mod report;

pub use error::{Error, ErrorKind};
pub use merge::{MergePaths, MergeTarget};
pub use pipeline::{
    DEFAULT_TOP_ZIPCODES, FeedSource, MAX_THREADS_PER_CORE, Pipeline, PipelineBuilder, Processed,
    RunPaths,
};
pub use rejects::RejectsLine;
pub use report::{MergeReport, RunReport, StageTimes, TableLayout};

pub use openhouse_dedup as dedup;
#[cfg(feature = "delta")]
pub use openhouse_delta as delta;
pub use openhouse_ingest as ingest;
pub use openhouse_insights as insights;
pub use openhouse_model as model;
pub use openhouse_parquet as parquet;

pub use openhouse_ingest::{CancelFlag, Progress};
pub use openhouse_insights::{Insights, Tally};
pub use openhouse_model::{OpenHouse, Position, Rejection};

/// The insights of a Parquet table written by this project, or by another engine with the
/// same `OpenHouseDate` and `Zip5` (or `Zipcode`) columns: `path` is a file, a folder of
/// files (hive partitions included) or a glob, read in parallel on the current rayon pool
/// (see [`openhouse_parquet::ParquetFiles::locate`]). With the `delta` feature, `path` may
/// also be a Delta Lake table, whose log's active files are read (never the folder's other
/// files). Rows with a null `OpenHouseDate` are skipped.
pub fn insights_from_parquet(path: &std::path::Path, top_zipcodes: u64) -> Result<Insights, Error> {
    #[cfg(feature = "delta")]
    let files = openhouse_delta::locate_table_files(path)?;
    #[cfg(not(feature = "delta"))]
    let files = openhouse_parquet::ParquetFiles::locate(path)?;
    let (tally, _) = pipeline::tally_files(&files)?;
    Ok(tally.insights(top_zipcodes))
}
