use std::path::PathBuf;

use openhouse_ingest::{IngestError, IngestErrorKind};

/// Why a pipeline run failed. Records that break the rules are not errors; they are
/// rejections, counted in the report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting is out of its range; nothing was run.
    #[error("invalid setting {setting}: {message}")]
    Setting {
        /// The setting.
        setting: &'static str,
        /// What is wrong with its value.
        message: String,
    },
    /// The feed could not be opened.
    #[error("could not open the feed {path}")]
    OpenFeed {
        /// The feed's path.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The worker threads could not be started.
    #[error("could not start {threads} worker threads: {message}")]
    ThreadPool {
        /// How many were asked for.
        threads: usize,
        /// What rayon said.
        message: String,
    },
    /// Reading the feed failed.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// The kept records do not fit one table.
    #[error(transparent)]
    Table(#[from] openhouse_dedup::TableError),
    /// Writing or reading Parquet failed.
    #[error(transparent)]
    Storage(#[from] openhouse_parquet::Error),
    /// Writing an output file failed.
    #[error("writing {path}")]
    WriteOutput {
        /// The output.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The feed held no record, and the pipeline was not told to accept that.
    #[error("the feed holds no records (allow an empty feed to publish an empty table)")]
    EmptyFeed,
    /// More of the feed was rejected than the pipeline accepts, so nothing was published.
    #[error(
        "{rejected} of {read} records were rejected, more than the {max_share} allowed; nothing was written"
    )]
    TooManyRejected {
        /// Records rejected.
        rejected: u64,
        /// Records read.
        read: u64,
        /// The share allowed, 0 to 1.
        max_share: f64,
    },
}

/// What kind of failure an [`Error`] is, for exit codes and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The feed is at fault: malformed, not JSON, empty, too many rejected records.
    BadInput,
    /// A setting is out of range.
    Usage,
    /// Reading or writing failed for a reason outside the feed.
    Io,
    /// The run was cancelled.
    Cancelled,
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Setting { .. } => ErrorKind::Usage,
            Error::OpenFeed { .. } | Error::ThreadPool { .. } | Error::WriteOutput { .. } => {
                ErrorKind::Io
            }
            Error::Ingest(error) => match error.kind() {
                IngestErrorKind::BadInput => ErrorKind::BadInput,
                IngestErrorKind::Cancelled => ErrorKind::Cancelled,
                _ => ErrorKind::Io,
            },
            Error::Table(_) | Error::EmptyFeed | Error::TooManyRejected { .. } => ErrorKind::BadInput,
            Error::Storage(_) => ErrorKind::Io,
        }
    }
}
