use std::path::PathBuf;

/// Why a pipeline run failed. Records that break the rules are not errors; they are
/// rejections, counted in the report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("could not read the feed {path}")]
    ReadFeed {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not start {threads} worker threads")]
    ThreadPool {
        threads: usize,
        source: rayon::ThreadPoolBuildError,
    },
    #[error(transparent)]
    Ingest(#[from] openhouse_ingest::IngestError),
    /// Reading or writing a file: the Parquet table, the rejects file, the report.
    #[error(transparent)]
    Storage(#[from] openhouse_parquet::Error),
}
