//! Reading the rows insights need, (`OpenHouseDate`, Zip5), from any engine's Parquet.
//!
//! A source is one file, a folder, a glob or an explicit list ([`ParquetFiles`]); its row
//! groups are read in parallel on the caller's rayon pool ([`fold_insight_rows`]), or in
//! order on the calling thread ([`read_insight_rows`]). Only the two columns are decoded.
//! Whole rows of the table's own files come back as record batches through [`TableFile`].

mod columns;
mod files;
mod guard;
mod metadata;
mod rows;

use std::fs::File;
use std::path::Path;

use openhouse_model::{Date, Zip5};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use rayon::prelude::*;

pub use files::{ParquetFile, ParquetFiles};
pub use rows::{READ_BATCH_ROWS, TableFile};

use crate::Error;
use crate::columns::{OPEN_HOUSE_DATE, ZIP5, ZIPCODE};
use columns::{DecodeError, ZipValue};

/// What reading a source found. Rows with a null `OpenHouseDate` are skipped (they belong to
/// no day or week); rows without a usable zip are counted by date but rank no zip code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadSummary {
    /// Parquet files read.
    pub files: u64,
    /// Row groups read, across all files.
    pub row_groups: u64,
    /// Rows in the files, skipped ones included.
    pub rows: u64,
    /// Rows skipped because `OpenHouseDate` is null.
    pub null_dates: u64,
    /// Rows (with a date) whose zip code is null.
    pub null_zipcodes: u64,
    /// Rows (with a date) whose zip code is not `DDDDD` or `DDDDD-DDDD`.
    pub unrecognised_zipcodes: u64,
}

impl ReadSummary {
    /// Rows passed on: those with a date.
    pub fn rows_with_date(&self) -> u64 {
        self.rows - self.null_dates
    }

    fn merge(mut self, other: ReadSummary) -> ReadSummary {
        self.files += other.files;
        self.row_groups += other.row_groups;
        self.rows += other.rows;
        self.null_dates += other.null_dates;
        self.null_zipcodes += other.null_zipcodes;
        self.unrecognised_zipcodes += other.unrecognised_zipcodes;
        self
    }
}

/// Calls `row` with the `OpenHouseDate` and Zip5 of every row with a date, in file and row
/// order, from the files that `path` names ([`ParquetFiles::locate`]).
///
/// `OpenHouseDate` may be a date, a timestamp of any unit (with or without a zone; its date
/// as stored) or `YYYY-MM-DD` text; the zip comes from `Zip5`, or in a file without one
/// from `Zipcode`, as text of any Arrow string type or a dictionary of it.
pub fn read_insight_rows(
    path: &Path,
    mut row: impl FnMut(Date, Option<Zip5>),
) -> Result<ReadSummary, Error> {
    let files = ParquetFiles::locate(path)?;
    let mut summary = ReadSummary::default();
    for file in files.files() {
        let plan = FilePlan::open(file)?;
        for row_group in 0..plan.row_group_count() {
            summary = summary.merge(plan.read_row_group(row_group, &mut row)?);
        }
        summary.files += 1;
    }
    Ok(summary)
}

/// Folds every row with a date of `files` into a `T`, reading row groups in parallel on the
/// current rayon pool: each task starts from `identity()`, `add`s its rows, and the partial
/// results are `merge`d (earlier rows on the left). Types are read as [`read_insight_rows`]
/// describes.
pub fn fold_insight_rows<T, Identity, Add, Merge>(
    files: &ParquetFiles,
    identity: Identity,
    add: Add,
    merge: Merge,
) -> Result<(T, ReadSummary), Error>
where
    T: Send,
    Identity: Fn() -> T + Sync + Send,
    Add: Fn(&mut T, Date, Option<Zip5>) + Sync + Send,
    Merge: Fn(T, T) -> T + Sync + Send,
{
    let plans = files
        .files()
        .par_iter()
        .map(FilePlan::open)
        .collect::<Result<Vec<_>, _>>()?;
    let tasks: Vec<(&FilePlan, usize)> = plans
        .iter()
        .flat_map(|plan| (0..plan.row_group_count()).map(move |row_group| (plan, row_group)))
        .collect();
    let start = || (identity(), ReadSummary::default());
    let (folded, summary) = tasks
        .into_par_iter()
        .try_fold(start, |(mut folded, summary), (plan, row_group)| {
            let read =
                plan.read_row_group(row_group, &mut |date, zip5| add(&mut folded, date, zip5))?;
            Ok::<_, Error>((folded, summary.merge(read)))
        })
        .try_reduce(start, |(left, left_summary), (right, right_summary)| {
            Ok((merge(left, right), left_summary.merge(right_summary)))
        })?;
    let summary = ReadSummary {
        files: plans.len() as u64,
        ..summary
    };
    Ok((folded, summary))
}

/// Where a file's dates come from.
enum DateSource {
    Column,
    /// A hive partition value: every row has it.
    Partition(Option<Date>),
}

/// Where a file's zip codes come from.
enum ZipSource {
    Column(&'static str),
    Partition(ZipValue),
}

/// One file's footer, read once, and how to find its two values.
struct FilePlan<'a> {
    file: &'a ParquetFile,
    metadata: ArrowReaderMetadata,
    projection: ProjectionMask,
    date: DateSource,
    zip: ZipSource,
    /// The index of each row group's first row in the file, for error messages.
    row_group_starts: Vec<u64>,
}

impl<'a> FilePlan<'a> {
    fn open(file: &'a ParquetFile) -> Result<Self, Error> {
        let path = file.path();
        let reader = File::open(path).map_err(Error::io("opening", path))?;
        let metadata = guard::decoding(path, || metadata::load(&reader, OPEN_HOUSE_DATE))??;
        let schema = metadata.schema();
        let has = |column: &str| schema.index_of(column).ok();
        let mut roots = Vec::new();
        let date = match (has(OPEN_HOUSE_DATE), file.partition_value(OPEN_HOUSE_DATE)) {
            (Some(index), _) => {
                roots.push(index);
                DateSource::Column
            }
            (None, Some(value)) => DateSource::Partition(partition_date(file, value)?),
            (None, None) => return Err(missing(path, OPEN_HOUSE_DATE)),
        };
        let zip = match (has(ZIP5), file.partition_value(ZIP5), has(ZIPCODE)) {
            (Some(index), _, _) => {
                roots.push(index);
                ZipSource::Column(ZIP5)
            }
            (None, Some(value), _) => ZipSource::Partition(ZipValue::of(value)),
            (None, None, Some(index)) => {
                roots.push(index);
                ZipSource::Column(ZIPCODE)
            }
            (None, None, None) => match file.partition_value(ZIPCODE) {
                Some(value) => ZipSource::Partition(ZipValue::of(value)),
                None => return Err(missing(path, ZIP5)),
            },
        };
        let projection = ProjectionMask::roots(metadata.parquet_schema(), roots);
        let row_group_starts = metadata
            .metadata()
            .row_groups()
            .iter()
            .scan(0u64, |start, row_group| {
                let this = *start;
                *start += row_group.num_rows().max(0) as u64;
                Some(this)
            })
            .collect();
        Ok(FilePlan {
            file,
            metadata,
            projection,
            date,
            zip,
            row_group_starts,
        })
    }

    fn row_group_count(&self) -> usize {
        self.row_group_starts.len()
    }

    fn read_row_group(
        &self,
        row_group: usize,
        row: &mut impl FnMut(Date, Option<Zip5>),
    ) -> Result<ReadSummary, Error> {
        let mut summary = ReadSummary {
            row_groups: 1,
            ..ReadSummary::default()
        };
        let mut emit = |date: Option<Date>, zip: ZipValue| {
            summary.rows += 1;
            let Some(date) = date else {
                summary.null_dates += 1;
                return;
            };
            let zip5 = match zip {
                ZipValue::Null => {
                    summary.null_zipcodes += 1;
                    None
                }
                ZipValue::Unrecognised => {
                    summary.unrecognised_zipcodes += 1;
                    None
                }
                ZipValue::Zip5(zip5) => Some(zip5),
            };
            row(date, zip5);
        };
        if let (DateSource::Partition(date), ZipSource::Partition(zip)) = (&self.date, &self.zip) {
            // Both values come from folder names: no column to decode, only rows to count.
            let rows = self.metadata.metadata().row_group(row_group).num_rows();
            for _ in 0..rows {
                emit(*date, *zip);
            }
            return Ok(summary);
        }
        let path = self.file.path();
        let reader = File::open(path).map_err(Error::io("opening", path))?;
        let mut batches = guard::decoding(path, || {
            ParquetRecordBatchReaderBuilder::new_with_metadata(
                guard::FileChunks::new(reader),
                self.metadata.clone(),
            )
            .with_projection(self.projection.clone())
            .with_row_groups(vec![row_group])
            .build()
        })??;
        let mut first_row = self.row_group_starts[row_group];
        while let Some(batch) = guard::decoding(path, || batches.next())? {
            let batch = batch?;
            let column = |name: &'static str| {
                batch
                    .column_by_name(name)
                    .ok_or_else(|| missing(path, name))
            };
            let dates = match self.date {
                DateSource::Column => columns::dates(column(OPEN_HOUSE_DATE)?.as_ref())
                    .map_err(|error| self.decode_error(OPEN_HOUSE_DATE, first_row, error))?,
                DateSource::Partition(date) => vec![date; batch.num_rows()],
            };
            let zips = match self.zip {
                ZipSource::Column(name) => columns::zips(column(name)?.as_ref())
                    .map_err(|error| self.decode_error(name, first_row, error))?,
                ZipSource::Partition(zip) => vec![zip; batch.num_rows()],
            };
            for (date, zip) in dates.into_iter().zip(zips) {
                emit(date, zip);
            }
            first_row += batch.num_rows() as u64;
        }
        Ok(summary)
    }

    fn decode_error(&self, column: &'static str, first_row: u64, error: DecodeError) -> Error {
        let path = self.file.path().to_path_buf();
        match error {
            DecodeError::Unsupported(found) => Error::UnsupportedColumnType {
                path,
                column,
                found,
            },
            DecodeError::OutOfRange { days } => Error::DateOutOfRange { path, column, days },
            DecodeError::Invalid { index, value } => Error::InvalidDate {
                path,
                column,
                row: first_row + index as u64,
                value,
            },
        }
    }
}

fn missing(path: &Path, column: &'static str) -> Error {
    Error::MissingColumn {
        path: path.to_path_buf(),
        column,
    }
}

/// A hive partition's date: `YYYY-MM-DD`, as Spark and pyarrow name date partitions.
fn partition_date(file: &ParquetFile, value: Option<&str>) -> Result<Option<Date>, Error> {
    value
        .map(|text| {
            columns::date_of_text(text).ok_or_else(|| Error::InvalidDate {
                path: file.path().to_path_buf(),
                column: OPEN_HOUSE_DATE,
                row: 0,
                value: text.to_owned(),
            })
        })
        .transpose()
}
