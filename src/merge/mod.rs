//! Merging a new batch of events into an existing table, without reprocessing its history
//! (docs/incremental.md).
//!
//! The batch goes through the whole pipeline on its own (validation, rejects, the latest
//! version of each key within the batch). Then each of its rows meets the table's row of the
//! same key, compared at the table's precision (microseconds): a key the table lacks is
//! inserted; a later `DateModified` updates; an earlier one changes nothing; an equal one
//! updates (the later batch wins) unless the two rows are equal in every column. The table
//! stays in (OpenHouseDate, OpenHouseKey) order. Two layouts:
//!
//! - **one Parquet file** ([`MergeTarget::ParquetFile`]): the base file is read and the whole
//!   table written to the output, through a temporary file renamed into place, so the output
//!   may be the base itself;
//! - **a Delta Lake table** (`MergeTarget::Delta`, with the `delta` feature), partitioned by
//!   month: only the months the batch touches are rewritten, in one commit that also records
//!   the batch's hash, so applying the same batch again changes nothing.

mod plan;
mod rewrite;
mod rule;
mod single_file;
mod winners;

#[cfg(feature = "delta")]
mod delta;

use std::path::PathBuf;

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use openhouse_ingest::{CancelFlag, IngestError, Input, Progress, Stopwatch};
use openhouse_insights::Tally;
use openhouse_model::{Zip5, date_from_days_since_epoch};
use openhouse_parquet::columns::{OPEN_HOUSE_DATE, ZIP5};

use crate::pipeline::{open_feed, publish_with_report};
use crate::publish::{self, OutputId, PublishPlan};
use crate::report::MergeReport;
use crate::{Error, FeedSource, Pipeline, RunReport};
use rule::KeyColumns;
use winners::BatchWinners;

/// The table a batch is merged into.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MergeTarget {
    /// One Parquet file: `base` (which must exist) is read, and the table after the merge is
    /// written to `output`, which may be `base` itself: the new file replaces it atomically
    /// once it is complete.
    ParquetFile {
        /// The table before the merge.
        base: PathBuf,
        /// Where the table after the merge goes.
        output: PathBuf,
    },
    /// A Delta Lake table in a folder, partitioned by month of OpenHouseDate; created by the
    /// first batch merged into it.
    #[cfg(feature = "delta")]
    Delta {
        /// The table's folder.
        table: PathBuf,
    },
}

/// Where a merge reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergePaths {
    /// The batch: a feed file or standard input.
    pub input: FeedSource,
    /// The table.
    pub target: MergeTarget,
    /// NDJSON, one of the batch's rejected records a line.
    pub rejects: Option<PathBuf>,
    /// The [`RunReport`] as JSON.
    pub report: Option<PathBuf>,
}

/// What a layout's merge did, and the counts of the table's insights after it.
pub(crate) struct MergeOutcome {
    pub report: MergeReport,
    pub tally: Tally,
}

impl Pipeline {
    /// Merges a batch of events into an existing table and reports what it did
    /// ([`RunReport::merge`]). The batch's rejected records are counted, not kept; use
    /// [`Pipeline::merge_run`] for a rejects file.
    ///
    /// ```
    /// use openhouse::{MergeTarget, Pipeline, RunPaths, ingest::Input};
    ///
    /// // One event per line: the batch below is NDJSON.
    /// let event = |key: &str, modified: &str| format!(
    ///     "{{\"OpenHouseKey\": \"{key}\", \"OpenHouseDate\": \"2024-05-04\", \"Zipcode\": \"94521\", \
    ///       \"OpenHouseStartTime\": \"2024-05-04T17:00:00Z\", \
    ///       \"OpenHouseEndTime\": \"2024-05-04T19:00:00Z\", \"DateModified\": \"{modified}\"}}");
    /// let folder = tempfile::tempdir()?;
    /// let (feed, table) = (folder.path().join("feed.json"), folder.path().join("t.parquet"));
    /// std::fs::write(&feed, event("A", "2024-05-01T10:00:00Z"))?;
    /// let pipeline = Pipeline::builder().threads(2)?.build();
    /// pipeline.run(&RunPaths { input: feed.into(), output: table.clone(), rejects: None, report: None })?;
    ///
    /// // A newer version of A and a new B, merged into the table in place.
    /// let batch = [event("A", "2024-05-02T10:00:00Z"), event("B", "2024-05-02T10:00:00Z")].join("\n");
    /// let target = MergeTarget::ParquetFile { base: table.clone(), output: table.clone() };
    /// let merge = pipeline.merge(Input::Bytes(batch.as_bytes()), &target)?.merge.unwrap();
    /// assert_eq!((merge.keys_inserted, merge.keys_updated, merge.table_rows), (1, 1, 2));
    ///
    /// // An older version of A that arrives late changes nothing.
    /// let late = event("A", "2024-04-30T10:00:00Z");
    /// let merge = pipeline.merge(Input::Bytes(late.as_bytes()), &target)?.merge.unwrap();
    /// assert_eq!((merge.keys_unchanged, merge.table_rows), (1, 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn merge(&self, batch: Input<'_>, target: &MergeTarget) -> Result<RunReport, Error> {
        let paths = Outputs {
            feed: None,
            target,
            rejects: None,
            report: None,
        };
        self.in_pool(|| self.merge_here(batch, &paths, &CancelFlag::new(), &mut |_| {}))?
    }

    /// Merges the batch at `paths.input` into `paths.target`, writing the rejects file and the
    /// report beside it. The rejects file and the report are published together after the
    /// table: for the Delta layout, once the table's commit has landed.
    pub fn merge_run(&self, paths: &MergePaths) -> Result<RunReport, Error> {
        self.merge_run_with(paths, &CancelFlag::new(), &mut |_| {})
    }

    /// [`Pipeline::merge_run`], stopping when `cancel` is raised (before the table changes),
    /// and calling `progress` after every window of the batch.
    pub fn merge_run_with(
        &self,
        paths: &MergePaths,
        cancel: &CancelFlag,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<RunReport, Error> {
        let outputs = Outputs {
            feed: Some(&paths.input),
            target: &paths.target,
            rejects: paths.rejects.as_ref(),
            report: paths.report.as_ref(),
        };
        self.in_pool(|| {
            let batch = open_feed(&paths.input)?;
            self.merge_here(batch, &outputs, cancel, progress)
        })?
    }

    fn merge_here(
        &self,
        batch: Input<'_>,
        paths: &Outputs<'_>,
        cancel: &CancelFlag,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<RunReport, Error> {
        // Every path is checked, and the outputs locked and opened, before anything is read.
        let mut plan = PublishPlan::new();
        if let Some(feed) = paths.feed {
            plan.input("the feed", feed.publish_input());
        }
        // Only a Delta table recognises a batch applied before, by the hash of its bytes as
        // they are read.
        let (batch, target) = match paths.target {
            MergeTarget::ParquetFile { base, output } => {
                let output = plan.output("the table", output);
                // Read in full before the table is published over it.
                plan.input_replaced_by(
                    "the base table",
                    publish::Input::Path(base.clone()),
                    output,
                );
                (batch, Planned::ParquetFile { base, output })
            }
            #[cfg(feature = "delta")]
            MergeTarget::Delta { table } => {
                let (batch, hash) = hashed(batch);
                (batch, Planned::Delta { table, hash })
            }
        };
        let rejects_output = paths
            .rejects
            .map(|path| plan.output("the rejects file", path));
        let report_output = paths.report.map(|path| plan.output("the report", path));
        let mut publication = plan.prepare()?;

        let mut read = self.read_feed(
            batch,
            rejects_output.map(|id| publication.output(id)),
            cancel,
            progress,
        )?;
        let winners_time = Stopwatch::start();
        let winners = BatchWinners::new(&read.table)?;
        read.stages.sort += winners_time.stop();

        let merge = Stopwatch::start();
        let (outcome, written) = match target {
            Planned::ParquetFile { base, output } => {
                let (outcome, written) =
                    single_file::merge_into_file(self, base, &winners, publication.output(output))?;
                publication.output(output).sync_early();
                if cancel.is_cancelled() {
                    return Err(Error::Ingest(IngestError::Cancelled));
                }
                (outcome, Some(written))
            }
            #[cfg(feature = "delta")]
            Planned::Delta { table, hash } => {
                let hash = hash.finish()?;
                let outcome = delta::merge_into_delta(self, table, hash, &winners, cancel)?;
                (outcome, None)
            }
        };
        read.stages.encode = merge.stop();

        let mut report = read.into_report(self, |_| outcome.tally.insights(self.top_zipcodes()));
        report.table = written;
        report.merge = Some(outcome.report);
        publish_with_report(publication, report_output, report)
    }
}

/// The table of a merge, with its output planned.
enum Planned<'a> {
    ParquetFile {
        base: &'a PathBuf,
        output: OutputId,
    },
    #[cfg(feature = "delta")]
    Delta {
        table: &'a PathBuf,
        /// The batch's hash, known once the batch has been read.
        hash: BatchHashing,
    },
}

/// The files of a merge besides the table's own.
struct Outputs<'a> {
    feed: Option<&'a FeedSource>,
    target: &'a MergeTarget,
    rejects: Option<&'a PathBuf>,
    report: Option<&'a PathBuf>,
}

/// The SHA-256 of the batch's bytes as read, known once the batch has been read to its end:
/// what a Delta table recognises an applied batch by.
#[cfg(feature = "delta")]
enum BatchHashing {
    Known(openhouse_delta::BatchHash),
    Pending(openhouse_delta::PendingBatchHash),
}

#[cfg(feature = "delta")]
impl BatchHashing {
    fn finish(&self) -> Result<openhouse_delta::BatchHash, Error> {
        match self {
            BatchHashing::Known(hash) => Ok(*hash),
            BatchHashing::Pending(pending) => pending.finish().ok_or(Error::BatchNotReadToEnd),
        }
    }
}

/// The batch, wrapped so that its bytes are hashed as they are read.
#[cfg(feature = "delta")]
fn hashed(batch: Input<'_>) -> (Input<'_>, BatchHashing) {
    use openhouse_delta::BatchHash;
    match batch {
        Input::Bytes(bytes) => (
            Input::Bytes(bytes),
            BatchHashing::Known(BatchHash::of(bytes)),
        ),
        Input::Reader(reader) => {
            let (reader, pending) = BatchHash::reading(reader);
            (
                Input::Reader(Box::new(reader)),
                BatchHashing::Pending(pending),
            )
        }
    }
}

/// Counts rows of the table's schema into `tally`, as the insights do: by OpenHouseDate, and
/// by the Zip5 re-derived from the Zip5 column's text.
pub(crate) fn tally_rows(rows: &RecordBatch, tally: &mut Tally) -> Result<(), Error> {
    let columns = KeyColumns::of(rows)?;
    let zips = rows
        .column_by_name(ZIP5)
        .and_then(|zips| zips.as_string_opt::<i32>())
        .ok_or(Error::MergeColumn { column: ZIP5 })?;
    for row in 0..rows.num_rows() {
        let date = date_from_days_since_epoch(i64::from(columns.dates.value(row))).ok_or(
            Error::MergeColumn {
                column: OPEN_HOUSE_DATE,
            },
        )?;
        let zip5 = zips
            .is_valid(row)
            .then(|| Zip5::from_zipcode(zips.value(row)))
            .flatten();
        tally.add(date, zip5);
    }
    Ok(())
}
