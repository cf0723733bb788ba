//! Rows, batches and tables for the tests, built straight from Arrow arrays so that the tests
//! depend on the table's schema only.
#![allow(dead_code)] // each test file uses a part

use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, Date32Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use openhouse_delta::{
    BatchCommit, BatchHash, CommitOutcome, Month, Table, WrittenFile, split_by_month,
};
use openhouse_model::{days_since_epoch, parse_date};

/// One open house as the table stores it; timestamps in microseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub date: i32,
    pub key: String,
    pub listing_key: Option<String>,
    pub method: Option<String>,
    pub start: i64,
    pub end: i64,
    pub modified: i64,
    pub state: Option<String>,
    pub zipcode: Option<String>,
    pub zip5: Option<String>,
}

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

/// The rows of batches of the table's schema.
pub fn rows_of(batches: impl IntoIterator<Item = RecordBatch>) -> Vec<Row> {
    let mut rows = Vec::new();
    for batch in batches {
        let text = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap()
                .clone()
        };
        let time = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_any()
                .downcast_ref::<TimestampMicrosecondArray>()
                .unwrap()
                .clone()
        };
        let dates = batch
            .column_by_name("OpenHouseDate")
            .unwrap()
            .as_any()
            .downcast_ref::<Date32Array>()
            .unwrap()
            .clone();
        let optional =
            |array: &StringArray, i: usize| array.is_valid(i).then(|| array.value(i).to_owned());
        let (keys, listings, methods, states, zipcodes, zip5s) = (
            text("OpenHouseKey"),
            text("ListingKey"),
            text("OpenHouseMethod"),
            text("State"),
            text("Zipcode"),
            text("Zip5"),
        );
        let (starts, ends, modifieds) = (
            time("OpenHouseStartTime"),
            time("OpenHouseEndTime"),
            time("DateModified"),
        );
        for i in 0..batch.num_rows() {
            rows.push(Row {
                date: dates.value(i),
                key: keys.value(i).to_owned(),
                listing_key: optional(&listings, i),
                method: optional(&methods, i),
                start: starts.value(i),
                end: ends.value(i),
                modified: modifieds.value(i),
                state: optional(&states, i),
                zipcode: optional(&zipcodes, i),
                zip5: optional(&zip5s, i),
            });
        }
    }
    rows
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
