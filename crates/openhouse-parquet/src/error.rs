use std::path::PathBuf;

use arrow_schema::{DataType, SchemaRef};

/// Why Parquet could not be written or read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{action} {path}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error(transparent)]
    Arrow(#[from] arrow_schema::ArrowError),
    /// The table must be sorted by (OpenHouseDate, OpenHouseKey); it is not at this row.
    #[error("open houses are not sorted by (OpenHouseDate, OpenHouseKey) at row {row}")]
    NotSorted {
        /// The first row out of order.
        row: usize,
    },
    /// A batch handed to the table writer does not have the table's schema.
    #[error("the batch's columns are not the open-house table's: {found:?}")]
    WrongSchema {
        /// The batch's schema.
        found: SchemaRef,
    },
    /// A Parquet file lacks a column that insights need (and no hive partition supplies it).
    #[error("{path} has no {column} column")]
    MissingColumn { path: PathBuf, column: &'static str },
    #[error("column {column} of {path} has type {found}, which insights cannot read")]
    UnsupportedColumnType {
        path: PathBuf,
        column: &'static str,
        found: DataType,
    },
    /// A date stored as days, milliseconds or a timestamp beyond the calendar's years.
    #[error(
        "column {column} of {path} holds a value {days} days from 1970-01-01, outside the range of dates"
    )]
    DateOutOfRange {
        path: PathBuf,
        column: &'static str,
        days: i64,
    },
    /// A date stored as text that is not a real `YYYY-MM-DD` date.
    #[error(
        "column {column} of {path} holds {value:?} at row {row}, which is not a YYYY-MM-DD date"
    )]
    InvalidDate {
        path: PathBuf,
        column: &'static str,
        row: u64,
        value: String,
    },
    /// The folder is a Delta Lake table: its Parquet files include ones the log has removed,
    /// so it must be read through the log's list of files ([`crate::ParquetFiles::from_files`]).
    #[error(
        "{path} is a Delta Lake table (it has a _delta_log folder); read the files its log lists"
    )]
    DeltaTable { path: PathBuf },
    /// A projection named a column the open-house table does not have.
    #[error("the open-house table has no column {column}")]
    UnknownColumn { column: String },
    /// The parquet crate failed on a damaged file without reporting an error (it panicked,
    /// which some damaged pages and footers make it do); the file cannot be read.
    #[error("{path} is damaged: the Parquet decoder failed on it ({message})")]
    Damaged { path: PathBuf, message: String },
    /// A folder or glob that names no Parquet file.
    #[error("{path} holds no Parquet files")]
    NoParquetFiles { path: PathBuf },
    #[error("{pattern:?} is not a valid glob pattern")]
    InvalidGlob {
        pattern: String,
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
