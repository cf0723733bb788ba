//! Reading the rows insights need from any Parquet file with the table's columns.

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Date64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use openhouse_model::{Date, Zip5, date_from_days_since_epoch};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::Error;
use crate::columns::{OPEN_HOUSE_DATE, ZIP5, ZIPCODE};

const MILLIS_PER_DAY: i64 = 86_400_000;

/// Calls `row` with the `OpenHouseDate` and Zip5 of every row of the Parquet file at `path`.
///
/// Reads only those columns. `OpenHouseDate` may be a date32 or date64 column; the zip comes
/// from a `Zip5` string column, or, in a file without one, is derived from `Zipcode`.
pub fn read_insight_rows(
    path: &Path,
    mut row: impl FnMut(Date, Option<Zip5>),
) -> Result<(), Error> {
    let file = File::open(path).map_err(Error::io("opening", path))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
    let arrow_schema = builder.schema().clone();
    let index_of = |name: &'static str| arrow_schema.index_of(name).ok();
    let date_index = index_of(OPEN_HOUSE_DATE).ok_or(Error::MissingColumn {
        column: OPEN_HOUSE_DATE,
    })?;
    let (zip_column, zip_index) = match index_of(ZIP5) {
        Some(index) => (ZIP5, index),
        None => (
            ZIPCODE,
            index_of(ZIPCODE).ok_or(Error::MissingColumn { column: ZIP5 })?,
        ),
    };
    let mask = ProjectionMask::roots(builder.parquet_schema(), [date_index, zip_index]);
    let reader = builder.with_projection(mask).build()?;
    let mut rows_seen = 0u64;
    for batch in reader {
        let batch = batch?;
        let days = epoch_days(&batch)?;
        let zips = zip5s(&batch, zip_column)?;
        for (offset, (days, zip5)) in days.into_iter().zip(zips).enumerate() {
            let row_number = rows_seen + offset as u64;
            let days = days.ok_or(Error::NullValue {
                column: OPEN_HOUSE_DATE,
                row: row_number,
            })?;
            let date = date_from_days_since_epoch(days).ok_or(Error::DateOutOfRange {
                column: OPEN_HOUSE_DATE,
                value: days,
            })?;
            row(date, zip5);
        }
        rows_seen += batch.num_rows() as u64;
    }
    Ok(())
}

/// `OpenHouseDate` as days since 1970-01-01, whichever Arrow date type holds it.
fn epoch_days(batch: &RecordBatch) -> Result<Vec<Option<i64>>, Error> {
    let column = batch
        .column_by_name(OPEN_HOUSE_DATE)
        .ok_or(Error::MissingColumn {
            column: OPEN_HOUSE_DATE,
        })?;
    match column.data_type() {
        DataType::Date32 => Ok(column
            .as_primitive::<Date32Type>()
            .iter()
            .map(|days| days.map(i64::from))
            .collect()),
        DataType::Date64 => Ok(column
            .as_primitive::<Date64Type>()
            .iter()
            .map(|millis| millis.map(|millis| millis.div_euclid(MILLIS_PER_DAY)))
            .collect()),
        other => Err(Error::UnsupportedColumnType {
            column: OPEN_HOUSE_DATE,
            found: other.clone(),
        }),
    }
}

fn zip5s(batch: &RecordBatch, name: &'static str) -> Result<Vec<Option<Zip5>>, Error> {
    let column = batch
        .column_by_name(name)
        .ok_or(Error::MissingColumn { column: name })?;
    let zip = |text: Option<&str>| text.and_then(Zip5::from_zipcode);
    match column.data_type() {
        DataType::Utf8 => Ok(column.as_string::<i32>().iter().map(zip).collect()),
        DataType::LargeUtf8 => Ok(column.as_string::<i64>().iter().map(zip).collect()),
        DataType::Utf8View => Ok(column.as_string_view().iter().map(zip).collect()),
        DataType::Null => Ok(vec![None; column.len()]),
        other => Err(Error::UnsupportedColumnType {
            column: name,
            found: other.clone(),
        }),
    }
}
