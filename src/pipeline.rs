//! The whole job: feed → validated records → latest version per key → table, rejects,
//! report and insights.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use openhouse_dedup::{SharedLatestByKey, Table};
use openhouse_ingest::{
    CancelFlag, IngestOptions, IngestSummary, Input, Progress, StageTime, Stopwatch, ingest_windows,
};
use openhouse_insights::{Insights, Tally};
use openhouse_model::{OpenHouse, Rejection};
use openhouse_parquet::{WriteOptions, WriteSummary};

use crate::chunk::ChunkSink;
use crate::publish::{self, OutputId, OutputWriter, Publication, PublishPlan};
use crate::rejects::write_rejects;
use crate::report::{RejectionCounts, StageTimes};
use crate::{Error, RunReport};

/// Zip-code ranks the insights keep, by default.
pub const DEFAULT_TOP_ZIPCODES: u64 = 5;
/// The most worker threads a pipeline starts per core: more only adds overhead.
pub const MAX_THREADS_PER_CORE: usize = 4;

/// The whole job, configured. `Pipeline::default()` is `Pipeline::builder().build()`: one
/// worker per core, the ingestion and Parquet defaults, the top
/// [`DEFAULT_TOP_ZIPCODES`] zip codes, a run that fails when every record is rejected or
/// the feed is empty.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    threads: usize,
    block_bytes: usize,
    chunk_bytes: usize,
    max_record_bytes: usize,
    write: WriteOptions,
    top_zipcodes: u64,
    max_rejected_share: Option<f64>,
    allow_empty: bool,
}

impl Default for Pipeline {
    fn default() -> Self {
        Pipeline {
            threads: 0,
            block_bytes: openhouse_ingest::DEFAULT_BLOCK_BYTES,
            chunk_bytes: openhouse_ingest::DEFAULT_CHUNK_BYTES,
            max_record_bytes: openhouse_ingest::DEFAULT_MAX_RECORD_BYTES,
            write: WriteOptions::default(),
            top_zipcodes: DEFAULT_TOP_ZIPCODES,
            max_rejected_share: None,
            allow_empty: false,
        }
    }
}

/// Settings of a [`Pipeline`]; none of them changes the table, the rejects or the insights,
/// except the policies that decide whether a run publishes at all. Settings out of range
/// are refused when set.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineBuilder {
    pipeline: Pipeline,
}

impl PipelineBuilder {
    /// Worker threads for every parallel stage; 0 (the default) means one per core. At most
    /// [`MAX_THREADS_PER_CORE`] per core.
    pub fn threads(mut self, threads: usize) -> Result<Self, Error> {
        let cores = std::thread::available_parallelism().map_or(1, |cores| cores.get());
        let max = MAX_THREADS_PER_CORE * cores;
        if threads > max {
            return Err(Error::Setting {
                setting: "threads",
                message: format!(
                    "{threads} is more than {max} ({MAX_THREADS_PER_CORE} for each of {cores} cores)"
                ),
            });
        }
        self.pipeline.threads = threads;
        Ok(self)
    }

    /// Bytes read from the feed at a time (see [`IngestOptions::block_bytes`]).
    pub fn block_bytes(mut self, bytes: usize) -> Self {
        self.pipeline.block_bytes = bytes.max(1);
        self
    }

    /// Bytes of records a worker takes at a time (see [`IngestOptions::chunk_bytes`]).
    pub fn chunk_bytes(mut self, bytes: usize) -> Self {
        self.pipeline.chunk_bytes = bytes.max(1);
        self
    }

    /// The longest one record may be; a longer one fails the run.
    pub fn max_record_bytes(mut self, bytes: usize) -> Self {
        self.pipeline.max_record_bytes = bytes.max(1);
        self
    }

    /// How many zip-code ranks the insights keep (default [`DEFAULT_TOP_ZIPCODES`]).
    pub fn top_zipcodes(mut self, top: u64) -> Self {
        self.pipeline.top_zipcodes = top;
        self
    }

    /// The zstd level of the table, 1 to 22.
    pub fn zstd_level(mut self, level: i32) -> Result<Self, Error> {
        self.pipeline.write = self.pipeline.write.zstd_level(level)?;
        Ok(self)
    }

    /// Rows per row group of the table at most.
    pub fn row_group_rows(mut self, rows: usize) -> Self {
        self.pipeline.write = self.pipeline.write.row_group_rows(rows);
        self
    }

    /// The share of records (0 to 1) that may be rejected before a run refuses to publish.
    /// Without it, a run refuses only when every record is rejected.
    pub fn max_rejected_share(mut self, share: f64) -> Result<Self, Error> {
        if !(0.0..=1.0).contains(&share) {
            return Err(Error::Setting {
                setting: "max rejected share",
                message: format!("{share} is not between 0 and 1"),
            });
        }
        self.pipeline.max_rejected_share = Some(share);
        Ok(self)
    }

    /// Whether a feed with no records may publish an empty table (default: no).
    pub fn allow_empty(mut self, allow: bool) -> Self {
        self.pipeline.allow_empty = allow;
        self
    }

    /// The pipeline.
    pub fn build(self) -> Pipeline {
        self.pipeline
    }
}

/// The input of a run: a file, or standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedSource {
    /// A file, read in blocks.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

impl FeedSource {
    /// `-` means standard input; anything else a file.
    pub fn from_arg(arg: impl Into<PathBuf>) -> FeedSource {
        let path = arg.into();
        if path.as_os_str() == "-" {
            FeedSource::Stdin
        } else {
            FeedSource::File(path)
        }
    }
}

impl FeedSource {
    /// The feed as a file the publish module keeps the outputs apart from.
    pub(crate) fn publish_input(&self) -> publish::Input {
        match self {
            FeedSource::File(path) => publish::Input::Path(path.clone()),
            FeedSource::Stdin => publish::Input::Stdin,
        }
    }
}

impl From<PathBuf> for FeedSource {
    fn from(path: PathBuf) -> Self {
        FeedSource::File(path)
    }
}

impl From<&str> for FeedSource {
    fn from(path: &str) -> Self {
        FeedSource::from_arg(path)
    }
}

/// Where a run reads and writes. Only `input` and `output` are required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPaths {
    /// The feed.
    pub input: FeedSource,
    /// The Parquet table.
    pub output: PathBuf,
    /// NDJSON, one rejected record a line.
    pub rejects: Option<PathBuf>,
    /// The [`RunReport`] as JSON.
    pub report: Option<PathBuf>,
}

/// A feed after validation and deduplication, held in memory.
#[derive(Debug, Clone)]
pub struct Processed {
    /// What was read and what became of it.
    pub summary: IngestSummary,
    /// The latest version of each open house, in the table's order.
    pub table: Table,
    /// Every dropped record, in input order.
    pub rejections: Vec<Rejection>,
}

impl Processed {
    /// The three insights of the table, keeping zip codes ranked `top_zipcodes` or better.
    pub fn insights(&self, top_zipcodes: u64) -> Insights {
        tally(&self.table).insights(top_zipcodes)
    }

    /// The table's rows as owned records, in the table's order.
    pub fn open_houses(&self) -> Vec<OpenHouse> {
        self.table.to_open_houses()
    }
}

/// Counts the table's rows by date and zip, partitions in parallel.
pub(crate) fn tally(table: &Table) -> Tally {
    table
        .par_fold_rows(Tally::default, |mut tally, row| {
            tally.add(row.date(), row.zip5());
            tally
        })
        .into_iter()
        .fold(Tally::default(), |mut all, part| {
            all.merge(part);
            all
        })
}

/// The insights' counts of Parquet files, read in parallel on the current rayon pool, and
/// what the reading found.
pub(crate) fn tally_files(
    files: &openhouse_parquet::ParquetFiles,
) -> Result<(Tally, openhouse_parquet::ReadSummary), Error> {
    Ok(openhouse_parquet::fold_insight_rows(
        files,
        Tally::default,
        Tally::add,
        |mut left, right| {
            left.merge(right);
            left
        },
    )?)
}

impl Pipeline {
    /// A builder, starting from the defaults.
    pub fn builder() -> PipelineBuilder {
        PipelineBuilder {
            pipeline: Pipeline::default(),
        }
    }

    /// Zip-code ranks the insights keep.
    pub fn top_zipcodes(&self) -> u64 {
        self.top_zipcodes
    }

    fn ingest_options(&self, cancel: Option<&CancelFlag>) -> IngestOptions {
        let options = IngestOptions::default()
            .block_bytes(self.block_bytes)
            .chunk_bytes(self.chunk_bytes)
            .max_record_bytes(self.max_record_bytes);
        match cancel {
            Some(cancel) => options.cancel_flag(cancel.clone()),
            None => options,
        }
    }

    /// Validates and deduplicates a feed held in memory (plain, gzip or zstd).
    pub fn process(&self, feed: &[u8]) -> Result<Processed, Error> {
        self.process_input(Input::Bytes(feed))
    }

    /// Validates and deduplicates a feed from any input, keeping every rejection in memory.
    pub fn process_input(&self, input: Input<'_>) -> Result<Processed, Error> {
        self.in_pool(|| {
            let latest = SharedLatestByKey::new();
            let mut rejections = Vec::new();
            let summary = ingest_windows(
                input,
                &self.ingest_options(None),
                || ChunkSink::new(&latest),
                |sinks: Vec<ChunkSink>, _| {
                    rejections.extend(sinks.into_iter().flat_map(|sink| sink.rejections));
                    Ok(true)
                },
            )?;
            Ok(Processed {
                summary,
                table: latest.into_latest().into_table()?,
                rejections,
            })
        })?
    }

    /// Runs the whole job on files: the table, the rejects file and the report are written
    /// to temporaries as the run goes, and put in place together only when it succeeds.
    pub fn run(&self, paths: &RunPaths) -> Result<RunReport, Error> {
        self.run_with(paths, &CancelFlag::new(), &mut |_| {})
    }

    /// [`Pipeline::run`], stopping when `cancel` is raised, and calling `progress` after
    /// every window of input.
    pub fn run_with(
        &self,
        paths: &RunPaths,
        cancel: &CancelFlag,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<RunReport, Error> {
        self.in_pool(|| self.run_here(paths, cancel, progress))?
    }

    /// The worker threads a run uses, asked from inside its pool.
    pub(crate) fn threads_in_pool(&self) -> usize {
        if self.threads == 0 {
            rayon::current_num_threads()
        } else {
            self.threads
        }
    }

    /// How the table's Parquet is written.
    pub(crate) fn write_options(&self) -> &WriteOptions {
        &self.write
    }

    fn run_here(
        &self,
        paths: &RunPaths,
        cancel: &CancelFlag,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<RunReport, Error> {
        // Every path is checked, and the outputs locked and opened, before the feed is read.
        let mut plan = PublishPlan::new();
        plan.input("the feed", paths.input.publish_input());
        let table_output = plan.output("the table", &paths.output);
        let rejects_output = paths
            .rejects
            .as_ref()
            .map(|path| plan.output("the rejects file", path));
        let report_output = paths
            .report
            .as_ref()
            .map(|path| plan.output("the report", path));
        let mut publication = plan.prepare()?;
        let input = open_feed(&paths.input)?;
        let mut read = self.read_feed(
            input,
            rejects_output.map(|id| publication.output(id)),
            cancel,
            progress,
        )?;

        let encode = Stopwatch::start();
        let (written, write_wall) =
            write_table(publication.output(table_output), &read.table, &self.write)?;
        publication.output(table_output).sync_early();
        let (encode, write) = encode_and_write(encode.stop(), write_wall);
        read.stages.encode = encode;
        read.stages.write += write;

        let mut report = read.into_report(self, |table| tally(table).insights(self.top_zipcodes));
        report.table = Some(written);
        if cancel.is_cancelled() {
            return Err(Error::Ingest(openhouse_ingest::IngestError::Cancelled));
        }
        publish_with_report(publication, report_output, report)
    }

    /// Reads a feed: every record validated, each rejection counted and written to `rejects`
    /// as the windows go, the latest version of each open house kept; then the run's policy
    /// on empty and rejected feeds is applied. `progress` is called after every window;
    /// `cancel` stops the reading.
    pub(crate) fn read_feed(
        &self,
        input: Input<'_>,
        mut rejects: Option<&mut OutputWriter>,
        cancel: &CancelFlag,
        progress: &mut (dyn FnMut(&Progress) + Send),
    ) -> Result<FeedRead, Error> {
        let latest = SharedLatestByKey::new();
        let mut counts = RejectionCounts::default();
        let mut rejects_failure = None;
        let summary = ingest_windows(
            input,
            &self.ingest_options(Some(cancel)),
            || ChunkSink::new(&latest),
            |sinks: Vec<ChunkSink>, window_progress| {
                let rejections: Vec<_> =
                    sinks.into_iter().flat_map(|sink| sink.rejections).collect();
                for rejection in &rejections {
                    counts.add(rejection);
                }
                if let Some(out) = rejects.as_deref_mut()
                    && let Err(error) = write_rejects(out, &rejections)
                {
                    rejects_failure = Some(error);
                    return Ok(false);
                }
                progress(window_progress);
                Ok(true)
            },
        )?;
        if let Some(error) = rejects_failure {
            return Err(Error::from_output(error));
        }
        if let Some(out) = rejects {
            // Complete: the disk takes it while the table is built.
            out.sync_early();
        }
        self.check_policy(&summary)?;
        let dedup = Stopwatch::start();
        let latest = latest.into_latest();
        let dedup = dedup.stop();
        let sort = Stopwatch::start();
        let table = latest.into_table()?;
        let stages = StageTimes {
            read: summary.times.read,
            split: summary.times.split,
            parse: summary.times.parse,
            dedup,
            sort: sort.stop(),
            // What ingestion timed of writing the rejects and reporting progress between
            // windows.
            write: summary.times.consume,
            ..StageTimes::default()
        };
        Ok(FeedRead {
            summary,
            table,
            counts,
            stages,
        })
    }

    /// Refuses to publish an empty feed or one whose rejections pass the limit.
    fn check_policy(&self, summary: &IngestSummary) -> Result<(), Error> {
        if summary.records_read == 0 {
            return if self.allow_empty {
                Ok(())
            } else {
                Err(Error::EmptyFeed)
            };
        }
        let (rejected, read) = (summary.records_rejected, summary.records_read);
        let too_many = match self.max_rejected_share {
            None => rejected == read,
            Some(share) => rejected as f64 > share * read as f64,
        };
        if too_many {
            return Err(Error::TooManyRejected {
                rejected,
                read,
                max_share: self.max_rejected_share.unwrap_or(1.0),
            });
        }
        Ok(())
    }

    /// Runs `job` on a pool of the configured size, or on the current one.
    pub(crate) fn in_pool<T: Send>(&self, job: impl FnOnce() -> T + Send) -> Result<T, Error> {
        if self.threads == 0 {
            return Ok(job());
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads)
            .build()
            .map_err(|error| Error::ThreadPool {
                threads: self.threads,
                message: error.to_string(),
            })?;
        Ok(pool.install(job))
    }
}

/// What reading a feed kept: see [`Pipeline::read_feed`].
pub(crate) struct FeedRead {
    pub summary: IngestSummary,
    /// The latest version of each open house, in the table's order.
    pub table: Table,
    pub counts: RejectionCounts,
    /// The times of reading the feed, deduplicating and sorting it and writing its rejects.
    pub stages: StageTimes,
}

impl FeedRead {
    /// The run's report, with the insights `insights` computes (timed) and the pool's
    /// thread count; the caller adds what it wrote.
    pub(crate) fn into_report(
        self,
        pipeline: &Pipeline,
        insights: impl FnOnce(&Table) -> Insights,
    ) -> RunReport {
        let FeedRead {
            summary,
            table,
            counts,
            mut stages,
        } = self;
        let insights_time = Stopwatch::start();
        let insights = insights(&table);
        stages.insights = insights_time.stop();
        let mut report = RunReport::new(&summary, table.len() as u64, counts, insights);
        report.stages = stages;
        report.threads = pipeline.threads_in_pool();
        report
    }
}

/// The feed of a run, opened: a file or standard input, read on the reader thread.
pub(crate) fn open_feed(source: &FeedSource) -> Result<Input<'static>, Error> {
    Ok(match source {
        FeedSource::Stdin => Input::Reader(Box::new(std::io::stdin())),
        FeedSource::File(path) => Input::Reader(Box::new(File::open(path).map_err(|source| {
            Error::OpenFeed {
                path: path.clone(),
                source,
            }
        })?)),
    })
}

/// Splits the encode stage's time into encoding and the time spent in `write` calls.
fn encode_and_write(total: StageTime, write_wall: Duration) -> (StageTime, StageTime) {
    let write = StageTime {
        wall: write_wall,
        cpu: write_wall,
        ..StageTime::default()
    };
    let encode = StageTime {
        wall: total.wall.saturating_sub(write_wall),
        cpu: total.cpu.saturating_sub(write_wall),
        ..StageTime::default()
    };
    (encode, write)
}

/// Writes the table through `out`, and returns what was written and the time spent in
/// `write` calls.
fn write_table(
    out: &mut OutputWriter,
    table: &Table,
    options: &WriteOptions,
) -> Result<(WriteSummary, Duration), Error> {
    let (out, summary) = openhouse_parquet::write_table(TimedWrite::new(out), table, options)
        .map_err(Error::from_storage)?;
    Ok((summary, out.spent))
}

/// Writes the report (when it is one of the outputs) and publishes every output together;
/// the report's publish time is what it took until the report was written.
pub(crate) fn publish_with_report(
    mut publication: Publication,
    report_output: Option<OutputId>,
    mut report: RunReport,
) -> Result<RunReport, Error> {
    let publish = Stopwatch::start();
    if let Some(id) = report_output {
        report.stages.publish = publish.stop();
        write_report(publication.output(id), &report)?;
    }
    publication.commit()?;
    report.stages.publish = publish.stop();
    Ok(report)
}

/// Writes the report as pretty JSON, one object and a newline.
fn write_report(out: &mut OutputWriter, report: &RunReport) -> Result<(), Error> {
    serde_json::to_writer_pretty(&mut *out, report)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .map_err(Error::from_output)
}

/// Measures the time spent writing the encoded table.
struct TimedWrite<W> {
    inner: W,
    spent: Duration,
}

impl<W> TimedWrite<W> {
    fn new(inner: W) -> Self {
        TimedWrite {
            inner,
            spent: Duration::ZERO,
        }
    }
}

impl<W: Write> Write for TimedWrite<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let started = Instant::now();
        let written = self.inner.write(buf);
        self.spent += started.elapsed();
        written
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let started = Instant::now();
        let flushed = self.inner.flush();
        self.spent += started.elapsed();
        flushed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_pipeline_is_the_builders() {
        assert_eq!(Pipeline::default(), Pipeline::builder().build());
        assert_eq!(Pipeline::default().top_zipcodes(), DEFAULT_TOP_ZIPCODES);
    }

    #[test]
    fn settings_out_of_range_are_refused_when_set() {
        assert!(Pipeline::builder().zstd_level(99).is_err());
        assert!(Pipeline::builder().max_rejected_share(1.5).is_err());
        assert!(Pipeline::builder().threads(1_000_000).is_err());
        assert!(Pipeline::builder().threads(1).is_ok());
    }
}
