use std::path::PathBuf;

use arrow_schema::{DataType, SchemaRef};

/// Why Parquet could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{action} {path}")]
    Io {
        /// What was being done, such as "reading".
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The parquet crate reported an error (a malformed file, an unsupported encoding).
    #[error(transparent)]
    Parquet(#[from] parquet::errors::ParquetError),
    /// An Arrow array or schema could not be built.
    #[error(transparent)]
    Arrow(#[from] arrow_schema::ArrowError),
    /// The table must be sorted by (OpenHouseDate, OpenHouseKey); it is not at this row.
    #[error("open houses are not sorted by (OpenHouseDate, OpenHouseKey) at row {row}")]
    NotSorted {
        /// The first row out of order.
        row: usize,
    },
    /// One batch's text column would hold more than 2 GiB, beyond a string column's reach.
    #[error("a batch of the table holds more than 2 GiB of text in one column")]
    TextTooLong,
    /// A batch handed to the table writer does not have the table's schema.
    #[error("the batch's columns are not the open-house table's: {found:?}")]
    WrongSchema {
        /// The batch's schema.
        found: SchemaRef,
    },
    /// A Parquet file lacks a column that insights need (and no hive partition supplies it).
    #[error("{path} has no {column} column")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column it lacks.
        column: &'static str,
    },
    /// A column insights need has a type they cannot read as its values.
    #[error("column {column} of {path} has type {found}, which insights cannot read")]
    UnsupportedColumnType {
        /// The file.
        path: PathBuf,
        /// The column.
        column: &'static str,
        /// The column's type in the file.
        found: DataType,
    },
    /// A date stored as days, milliseconds or a timestamp beyond the calendar's years.
    #[error(
        "column {column} of {path} holds a value {days} days from 1970-01-01, outside the range of dates"
    )]
    DateOutOfRange {
        /// The file.
        path: PathBuf,
        /// The column.
        column: &'static str,
        /// The value, in days from 1970-01-01.
        days: i64,
    },
    /// A date stored as text that is not a real `YYYY-MM-DD` date.
    #[error(
        "column {column} of {path} holds {value:?} at row {row}, which is not a YYYY-MM-DD date"
    )]
    InvalidDate {
        /// The file.
        path: PathBuf,
        /// The column.
        column: &'static str,
        /// The row within the file, from 0.
        row: u64,
        /// The text found.
        value: String,
    },
    /// The folder is a Delta Lake table: its Parquet files include ones the log has removed,
    /// so it must be read through the log's list of files ([`crate::ParquetFiles::from_files`]).
    #[error(
        "{path} is a Delta Lake table (it has a _delta_log folder); read the files its log lists"
    )]
    DeltaTable {
        /// The table's folder.
        path: PathBuf,
    },
    /// A projection named a column the open-house table does not have.
    #[error("the open-house table has no column {column}")]
    UnknownColumn {
        /// The name asked for.
        column: String,
    },
    /// The parquet crate failed on a damaged file without reporting an error (it panicked,
    /// which some damaged pages and footers make it do); the file cannot be read.
    #[error("{path} is damaged: the Parquet decoder failed on it ({message})")]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What the decoder said as it failed.
        message: String,
    },
    /// A folder or glob that names no Parquet file.
    #[error("{path} holds no Parquet files")]
    NoParquetFiles {
        /// The folder or pattern.
        path: PathBuf,
    },
    /// A source that is not a valid glob pattern.
    #[error("{pattern:?} is not a valid glob pattern")]
    InvalidGlob {
        /// The pattern given.
        pattern: String,
        /// Why it is not valid.
        source: glob::PatternError,
    },
}

impl Error {
    /// A closure that wraps an I/O error with what was being done to which path.
    pub fn io(
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
