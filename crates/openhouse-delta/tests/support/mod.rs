//! Rows, batches and tables for the tests, built straight from Arrow arrays so that the tests
//! depend on the table's schema only.
#![allow(dead_code)] // each test file uses a part

use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use openhouse_delta::{
    BatchCommit, BatchHash, CommitOutcome, Month, Table, WrittenFile, split_by_month,
};
use openhouse_model::{days_since_epoch, parse_date};

pub mod rows;
pub use rows::{Row, rows_of};

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub fn day(text: &str) -> i32 {
    days_since_epoch(parse_date(text).unwrap())
}

pub fn month(text: &str) -> Month {
    text.parse().unwrap()
}

/// A row on `date` with `key`, modified at `modified` microseconds; the other fields derived.
pub fn row(key: &str, date: &str, modified: i64) -> Row {
    let start = i64::from(day(date)) * 86_400_000_000 + 36_000_000_000;
    Row {
        date: day(date),
        key: key.into(),
        listing_key: Some(format!("L-{key}")),
        method: Some("In-Person".into()),
        start,
        end: start + 7_200_000_000,
        modified,
        state: Some("CA".into()),
        zipcode: Some("94521-3711".into()),
        zip5: Some("94521".into()),
    }
}

/// The rows as one batch of the table's schema, in the order given.
pub fn batch(rows: &[Row]) -> RecordBatch {
    let text = |value: fn(&Row) -> Option<&str>| -> ArrayRef {
        Arc::new(rows.iter().map(value).collect::<StringArray>())
    };
    let time = |value: fn(&Row) -> i64| -> ArrayRef {
        Arc::new(
            TimestampMicrosecondArray::from(rows.iter().map(value).collect::<Vec<_>>())
                .with_timezone("UTC"),
        )
    };
    RecordBatch::try_new(
        openhouse_parquet::schema(),
        vec![
            text(|r| Some(&r.key)),
            text(|r| r.listing_key.as_deref()),
            text(|r| r.method.as_deref()),
            Arc::new(Date32Array::from(
                rows.iter().map(|r| r.date).collect::<Vec<_>>(),
            )),
            time(|r| r.start),
            time(|r| r.end),
            time(|r| r.modified),
            text(|r| r.state.as_deref()),
            text(|r| r.zipcode.as_deref()),
            text(|r| r.zip5.as_deref()),
        ],
    )
    .unwrap()
}

/// Every row of the table at its version, in table order.
pub fn table_rows(table: &Table) -> Vec<Row> {
    let files = table.active_files().unwrap();
    let batches: Vec<RecordBatch> = table
        .read(&files, None)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut rows = rows_of(batches);
    rows.sort();
    rows
}

/// Writes `rows` (sorted here into table order) as one data file per month.
pub fn write_files(table: &Table, rows: &[Row]) -> Vec<WrittenFile> {
    let mut rows = rows.to_vec();
    rows.sort();
    split_by_month(&batch(&rows))
        .unwrap()
        .into_iter()
        .map(|(month, part)| {
            let mut file = table.create_data_file(month).unwrap();
            file.write(&part).unwrap();
            file.finish().unwrap()
        })
        .collect()
}

/// Commits `rows` as new files for the batch named `name`, removing nothing.
pub fn append(table: &mut Table, name: &str, rows: &[Row]) -> CommitOutcome {
    let mut commit = BatchCommit::new(BatchHash::of(name.as_bytes()));
    commit.added = write_files(table, rows);
    table.commit(commit).unwrap()
}
