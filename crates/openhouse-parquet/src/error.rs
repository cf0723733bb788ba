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
    #[error("the file has no {column} column")]
    MissingColumn { column: &'static str },
    #[error("column {column} has type {found}, which insights cannot read")]
    UnsupportedColumnType {
        column: &'static str,
        found: DataType,
    },
    #[error("column {column} is null at row {row}")]
    NullValue { column: &'static str, row: u64 },
    #[error("column {column} holds {value}, outside the range of dates")]
    DateOutOfRange { column: &'static str, value: i64 },
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
