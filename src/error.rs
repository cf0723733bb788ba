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
    #[error("could not open the feed {}", crate::publish::EscapedPath::new(.path))]
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
    /// An output could not be prepared, written or published; the message names the file.
    #[error(transparent)]
    Publish(#[from] crate::publish::PublishError),
    /// Writing an output failed in a way that names no file (an output writer names its
    /// file whenever it can; this is for what it cannot).
    #[error("writing an output failed")]
    WriteOutput {
        /// What failed.
        source: std::io::Error,
    },
    /// A file of the table being merged into lacks a usable OpenHouseKey, OpenHouseDate or
    /// Zip5 column (null values included), so its rows cannot be placed.
    #[error("the table's files have no usable {column} column: a merge needs it in every row")]
    MergeColumn {
        /// The column.
        column: &'static str,
    },
    /// The batch was not read to its end, so it has no hash to recognise it by.
    #[error("the batch was not read to its end")]
    BatchNotReadToEnd,
    /// The Delta Lake table could not be opened, read or committed to.
    #[cfg(feature = "delta")]
    #[error(transparent)]
    Delta(#[from] openhouse_delta::Error),
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
    /// The input is at fault: a feed malformed, not JSON, empty or with too many rejected
    /// records; a Parquet file that cannot be read as a table.
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
            Error::Publish(error) => match error.class() {
                crate::publish::ErrorClass::Usage => ErrorKind::Usage,
                _ => ErrorKind::Io,
            },
            Error::Ingest(error) => match error.kind() {
                IngestErrorKind::BadInput => ErrorKind::BadInput,
                IngestErrorKind::Cancelled => ErrorKind::Cancelled,
                _ => ErrorKind::Io,
            },
            Error::Table(_)
            | Error::EmptyFeed
            | Error::TooManyRejected { .. }
            | Error::MergeColumn { .. } => ErrorKind::BadInput,
            Error::Storage(openhouse_parquet::Error::Io { .. }) | Error::BatchNotReadToEnd => {
                ErrorKind::Io
            }
            // A Parquet file that cannot be read as a table (damaged, not Parquet, without
            // the columns insights need); a failed write is a `Publish` error.
            Error::Storage(_) => ErrorKind::BadInput,
            #[cfg(feature = "delta")]
            Error::Delta(error) => match error {
                // A path that holds no open-house table: fixed by giving another.
                openhouse_delta::Error::NotATable { .. }
                | openhouse_delta::Error::UnsupportedTable { .. } => ErrorKind::Usage,
                _ => ErrorKind::Io,
            },
        }
    }
}

impl Error {
    /// An error from writing an output: the output writer's own error, which names the
    /// file, when the `io::Error` carries one.
    pub(crate) fn from_output(error: std::io::Error) -> Error {
        let carries_publish_error = error
            .get_ref()
            .is_some_and(|inner| inner.is::<crate::publish::PublishError>());
        if !carries_publish_error {
            return Error::WriteOutput { source: error };
        }
        let kind = error.kind();
        match error
            .into_inner()
            .map(|inner| inner.downcast::<crate::publish::PublishError>())
        {
            Some(Ok(publish)) => Error::Publish(*publish),
            // Not reached: the payload was checked above.
            _ => Error::WriteOutput {
                source: std::io::Error::from(kind),
            },
        }
    }

    /// An error from the Parquet writer: the output's own error when the writer failed to
    /// write (so that a full disk is reported once, naming the file), otherwise the
    /// writer's.
    pub(crate) fn from_storage(error: openhouse_parquet::Error) -> Error {
        match error {
            openhouse_parquet::Error::Parquet(parquet::errors::ParquetError::External(inner))
                if inner.is::<std::io::Error>() =>
            {
                match inner.downcast::<std::io::Error>() {
                    Ok(io) => Error::from_output(*io),
                    Err(inner) => Error::Storage(openhouse_parquet::Error::Parquet(
                        parquet::errors::ParquetError::External(inner),
                    )),
                }
            }
            other => Error::Storage(other),
        }
    }
}
