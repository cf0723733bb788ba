//! The open-house table as a Delta Lake table, through delta-rs.
//!
//! A [`Table`] is a local folder holding a Delta table with the columns of
//! [`openhouse_parquet::schema`] plus the partition column `month` (`YYYY-MM` of
//! OpenHouseDate), so Spark, Databricks, Trino, DuckDB and Polars read it as it is. The crate
//! gives what a batch merge needs and nothing of the merge itself (which rows win is the
//! pipeline's rule):
//!
//! - the active files, with their month, size and row count ([`Table::active_files`]), their
//!   rows as Arrow batches ([`Table::read`]), and the list that `openhouse-parquet`'s readers
//!   (the insights, the dashboard) take ([`Table::parquet_files`], [`locate_table_files`]);
//! - whether a file may hold any of a batch's keys, from its bloom filter
//!   ([`Table::file_may_contain_any`]);
//! - new data files in their partition folder, encoded by `openhouse-parquet`'s table writer
//!   with a bloom filter on OpenHouseKey, with Delta statistics ([`Table::create_data_file`]);
//! - one atomic transaction per batch that removes and adds files and records the batch's
//!   hash, so that a batch is applied once ([`Table::commit`], [`Table::contains_batch`]); the
//!   hash of a batch read from a stream is computed as it is read ([`BatchHash::reading`]).
//!
//! delta-rs is async; a current-thread runtime inside each [`Table`] runs it, so the API is
//! synchronous (and must not be called from inside an async runtime).
//!
//! ```
//! use openhouse_delta::{BatchCommit, BatchHash, CommitOutcome, Month, Table, split_by_month};
//! # use std::sync::Arc;
//! # use arrow_array::{ArrayRef, Date32Array, RecordBatch, StringArray, TimestampMicrosecondArray};
//! # fn batch() -> RecordBatch {
//! #     let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
//! #     let time = |v: i64| Arc::new(TimestampMicrosecondArray::from(vec![v]).with_timezone("UTC")) as ArrayRef;
//! #     RecordBatch::try_new(openhouse_parquet::schema(), vec![
//! #         text("OH-1"), text("L-1"), text("In-Person"),
//! #         Arc::new(Date32Array::from(vec![19847])), // 2024-05-04
//! #         time(1_714_867_200_000_000), time(1_714_874_400_000_000), time(1_714_555_800_000_000),
//! #         text("CA"), text("94521-3711"), text("94521"),
//! #     ]).unwrap()
//! # }
//! let folder = tempfile::tempdir()?;
//! let mut table = Table::open_or_create(folder.path().join("openhouses"))?;
//! assert_eq!(table.version(), 0);
//!
//! // One batch: its rows (a RecordBatch of openhouse_parquet::schema(), in table order),
//! // one data file per month, then one commit.
//! let rows: RecordBatch = batch();
//! let feed = br#"[{"OpenHouseKey": "OH-1"}]"#; // the batch's input, whose hash identifies it
//! let mut commit = BatchCommit::new(BatchHash::of(feed));
//! for (month, part) in split_by_month(&rows)? {
//!     let mut file = table.create_data_file(month)?;
//!     file.write(&part)?;
//!     commit.added.push(file.finish()?);
//! }
//! assert_eq!(table.commit(commit.clone())?, CommitOutcome::Committed { version: 1 });
//!
//! let files = table.active_files()?;
//! assert_eq!(files[0].month(), Month::new(2024, 5).unwrap());
//! assert_eq!(files[0].rows(), Some(1));
//! assert!(table.file_may_contain_any(&files[0], &["OH-1"])?);
//! let read: usize = table.read(&files, Some(&["OpenHouseKey"]))?.map(|b| b.map(|b| b.num_rows())).sum::<Result<_, _>>()?;
//! assert_eq!(read, 1);
//!
//! // The same batch again is recognised and not committed twice.
//! assert!(table.contains_batch(&commit.batch)?);
//! commit.added.clear();
//! assert_eq!(table.commit(commit)?, CommitOutcome::AlreadyApplied);
//! assert_eq!(table.version(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod bloom;
mod commit;
mod data_file;
mod error;
mod hash;
mod month;
mod read;
mod runtime;
mod schema;
mod stats;
mod table;

pub use commit::{BATCH_COUNTS_KEY, BATCH_HASH_KEY, BatchCommit, CommitOutcome};
pub use data_file::{DataFileWriter, WrittenFile, split_by_month};
pub use error::Error;
pub use hash::{BATCH_APP_ID_PREFIX, BatchHash, HashingReader, PendingBatchHash};
pub use month::{MONTH_COLUMN, Month, MonthParseError};
pub use read::{TableBatches, locate_table_files};
pub use table::{ActiveFile, Table};

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
