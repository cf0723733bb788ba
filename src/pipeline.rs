use std::num::NonZeroUsize;
use std::path::PathBuf;

use openhouse_dedup::LatestByKey;
use openhouse_ingest::{Feed, Format, IngestOptions, IngestSummary, ingest};
use openhouse_insights::{Insights, Tally};
use openhouse_model::{OpenHouse, Rejection, Sink};
use openhouse_parquet::{WriteOptions, WriteSummary, write_parquet};

use crate::outputs::{write_json_pretty, write_output, write_rejects};
use crate::{Error, RunReport};

/// The whole job: feed → validated records → latest version per key → Parquet, rejects,
/// report and insights. Build one with [`Pipeline::builder`].
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    threads: usize,
    ingest: IngestOptions,
    parquet: WriteOptions,
    top_zipcodes: u64,
}

/// Settings of a [`Pipeline`]; none of them changes the result.
#[derive(Debug, Clone)]
pub struct PipelineBuilder {
    pipeline: Pipeline,
}

impl PipelineBuilder {
    /// Worker threads for every parallel stage; 0 (the default) means one per core.
    pub fn threads(mut self, threads: usize) -> Self {
        self.pipeline.threads = threads;
        self
    }

    /// Records a worker parses at a time.
    pub fn chunk_records(mut self, records: usize) -> Self {
        self.pipeline.ingest = self.pipeline.ingest.chunk_records(records);
        self
    }

    /// How many zip-code ranks the insights keep (default 5).
    pub fn top_zipcodes(mut self, top: u64) -> Self {
        self.pipeline.top_zipcodes = top;
        self
    }

    pub fn zstd_level(mut self, level: i32) -> Self {
        self.pipeline.parquet = self.pipeline.parquet.zstd_level(level);
        self
    }

    pub fn row_group_rows(mut self, rows: NonZeroUsize) -> Self {
        self.pipeline.parquet = self.pipeline.parquet.row_group_rows(rows);
        self
    }

    pub fn build(self) -> Pipeline {
        self.pipeline
    }
}

/// Where a run reads and writes. Only `input` and `output` are required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunPaths {
    pub input: PathBuf,
    pub output: PathBuf,
    /// NDJSON, one rejected record a line.
    pub rejects: Option<PathBuf>,
    /// The [`RunReport`] as JSON.
    pub report: Option<PathBuf>,
}

/// A feed after validation and deduplication, before anything is written.
#[derive(Debug, Clone)]
pub struct Processed {
    pub format: Format,
    pub summary: IngestSummary,
    /// The latest version of each open house, sorted by (`OpenHouseDate`, `OpenHouseKey`).
    pub open_houses: Vec<OpenHouse>,
    /// Every dropped record, in input order.
    pub rejections: Vec<Rejection>,
}

impl Processed {
    pub fn insights(&self, top_zipcodes: u64) -> Insights {
        self.open_houses
            .iter()
            .collect::<Tally>()
            .insights(top_zipcodes)
    }
}

impl Pipeline {
    pub fn builder() -> PipelineBuilder {
        PipelineBuilder {
            pipeline: Pipeline {
                top_zipcodes: 5,
                ..Pipeline::default()
            },
        }
    }

    /// Validates and deduplicates a feed held in memory.
    pub fn process(&self, feed: &[u8]) -> Result<Processed, Error> {
        self.in_pool(|| self.process_here(feed))?
    }

    /// Runs the whole job on files. Nothing is written when the feed cannot be read as a
    /// whole (a malformed JSON array); each output file is written whole or not at all, the
    /// Parquet table first.
    pub fn run(&self, paths: &RunPaths) -> Result<(RunReport, WriteSummary), Error> {
        self.in_pool(|| self.run_here(paths))?
    }

    /// Runs `job` on a pool of the configured size, or on rayon's global pool.
    fn in_pool<T: Send>(&self, job: impl FnOnce() -> T + Send) -> Result<T, Error> {
        if self.threads == 0 {
            return Ok(job());
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads)
            .build()
            .map_err(|source| Error::ThreadPool {
                threads: self.threads,
                source,
            })?;
        Ok(pool.install(job))
    }

    fn process_here(&self, feed: &[u8]) -> Result<Processed, Error> {
        let feed = Feed::new(feed)?;
        let (collected, summary) = ingest(&feed, &self.ingest, Collected::default)?;
        let mut rejections = collected.rejections;
        rejections.sort_unstable_by_key(|rejection| rejection.position);
        Ok(Processed {
            format: feed.format(),
            summary,
            open_houses: collected.latest.into_sorted_vec(),
            rejections,
        })
    }

    fn run_here(&self, paths: &RunPaths) -> Result<(RunReport, WriteSummary), Error> {
        let bytes = std::fs::read(&paths.input).map_err(|source| Error::ReadFeed {
            path: paths.input.clone(),
            source,
        })?;
        let processed = self.process_here(&bytes)?;
        drop(bytes);
        let written = write_parquet(&paths.output, &processed.open_houses, &self.parquet)?;
        if let Some(rejects) = &paths.rejects {
            write_output(rejects, |out| write_rejects(out, &processed.rejections))?;
        }
        let report = self.report(&processed);
        if let Some(path) = &paths.report {
            write_output(path, |out| write_json_pretty(out, &report))?;
        }
        Ok((report, written))
    }

    pub fn report(&self, processed: &Processed) -> RunReport {
        RunReport::new(
            processed.format,
            processed.summary,
            processed.open_houses.len() as u64,
            &processed.rejections,
            processed.insights(self.top_zipcodes),
        )
    }
}

/// The pipeline's sink: the latest-by-key table and the rejections.
#[derive(Default)]
struct Collected {
    latest: LatestByKey,
    rejections: Vec<Rejection>,
}

impl Sink for Collected {
    type Error = std::convert::Infallible;

    fn open_house(&mut self, open_house: OpenHouse) -> Result<(), Self::Error> {
        self.latest.offer(open_house);
        Ok(())
    }

    fn rejection(&mut self, rejection: Rejection) -> Result<(), Self::Error> {
        self.rejections.push(rejection);
        Ok(())
    }

    fn merge(&mut self, other: Self) -> Result<(), Self::Error> {
        self.latest.merge(other.latest);
        self.rejections.extend(other.rejections);
        Ok(())
    }
}
