use std::path::PathBuf;

use crate::Month;

/// Why a Delta table could not be opened, read or committed to.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or folder operation failed.
    #[error("{action} {path}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// To which path.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// delta-rs failed (log, snapshot or commit).
    #[error(transparent)]
    Delta(#[from] deltalake::DeltaTableError),
    /// A data file could not be written or read.
    #[error(transparent)]
    Parquet(#[from] parquet::errors::ParquetError),
    /// The table's Parquet files could not be written or read (openhouse-parquet).
    #[error(transparent)]
    Files(#[from] openhouse_parquet::Error),
    /// A record batch could not be built or encoded.
    #[error(transparent)]
    Arrow(#[from] arrow_schema::ArrowError),
    /// [`Table::open`](crate::Table::open) found no Delta log at the path.
    #[error("{path} holds no Delta table")]
    NotATable {
        /// The folder that was opened.
        path: PathBuf,
    },
    /// The folder holds a Delta table that is not an open-house table this crate can read
    /// file by file (another schema, another partitioning, or reader features such as
    /// deletion vectors or column mapping).
    #[error("{path} is not an open-house Delta table: {reason}")]
    UnsupportedTable {
        /// The table's folder.
        path: PathBuf,
        /// What differs.
        reason: String,
    },
    /// The table path is not valid UTF-8, which a Delta table location must be.
    #[error("the table path {path} is not valid UTF-8")]
    PathNotUtf8 {
        /// The path.
        path: PathBuf,
    },
    /// The crate's synchronous API was called on a thread that is running an async runtime,
    /// where blocking would stall it; call it from `spawn_blocking` or a plain thread.
    #[error(
        "openhouse-delta was called from inside an async runtime; call it from a blocking thread"
    )]
    InsideAsyncRuntime,
    /// A batch given to a data file does not have the table's columns and types.
    #[error("the record batch does not have the table's schema: {found}")]
    SchemaMismatch {
        /// The batch's schema, as text.
        found: String,
    },
    /// A row's OpenHouseDate is not in the month of the partition being written.
    #[error("row {row} has OpenHouseDate {date}, outside the partition month {month}")]
    RowOutsideMonth {
        /// The partition month.
        month: Month,
        /// The row, counted from the data file's first row.
        row: u64,
        /// The row's date.
        date: String,
    },
    /// A row's OpenHouseDate is outside the years 0000 to 9999, so it has no partition month.
    #[error("OpenHouseDate {date} is outside the years 0000 to 9999")]
    DateOutOfRange {
        /// The date.
        date: String,
    },
    /// Rows of a data file must be in table order (OpenHouseDate, OpenHouseKey); this one is not.
    #[error("row {row} of the data file is not in (OpenHouseDate, OpenHouseKey) order")]
    NotSorted {
        /// The row, counted from the data file's first row.
        row: u64,
    },
    /// A projection named a column the table does not have.
    #[error("the table has no column {column}")]
    UnknownColumn {
        /// The name asked for.
        column: String,
    },
    /// An active file's `month` partition value is missing or not `YYYY-MM`.
    #[error("file {path} has the partition value {value:?} for month, which is not YYYY-MM")]
    BadPartitionValue {
        /// The file's path in the log.
        path: String,
        /// The value found.
        value: Option<String>,
    },
    /// A commit removes a file that is not active in the table version it was built on.
    #[error("file {path} is not active in the table at version {version}")]
    NotActive {
        /// The file's path in the log.
        path: String,
        /// The version of the table the commit was built on.
        version: u64,
    },
    /// A commit lists a file twice, or adds a file that is already active or that was written
    /// for another table.
    #[error("file {path} cannot be committed: {reason}")]
    InvalidCommit {
        /// The file's path in the log.
        path: String,
        /// Why.
        reason: &'static str,
    },
    /// Text that should be a SHA-256 digest in hex is not.
    #[error("{text:?} is not a SHA-256 digest in hexadecimal")]
    BadBatchHash {
        /// The text.
        text: String,
    },
}

impl Error {
    /// A closure that wraps an I/O error with what was being done to which path.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }
}
