//! For the tests of incremental updates (and the interoperability tests' pipeline): events written by hand, pipelines that publish
//! whatever a batch holds, and the rows of a table in either layout read back through the
//! Rust readers.
#![allow(dead_code, reason = "each test file uses a part")]

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use openhouse::delta::Table as DeltaTable;
use openhouse::parquet::{TableFile, record_batch};
use openhouse::{Pipeline, Processed};

/// One row of the table, every column at the table's precision: OpenHouseDate as days since
/// 1970-01-01 first and OpenHouseKey second, so that sorting rows puts them in table order.
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

/// The rows of batches of the table's schema, in their order.
pub fn rows_of(batches: impl IntoIterator<Item = RecordBatch>) -> Vec<Row> {
    let mut rows = Vec::new();
    for batch in batches {
        let text = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_string::<i32>()
                .clone()
        };
        let time = |name: &str| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_primitive::<TimestampMicrosecondType>()
                .clone()
        };
        let optional = |array: &arrow_array::StringArray, row: usize| {
            array.is_valid(row).then(|| array.value(row).to_owned())
        };
        let dates = batch
            .column_by_name("OpenHouseDate")
            .unwrap()
            .as_primitive::<Date32Type>()
            .clone();
        let (keys, listings, methods) = (
            text("OpenHouseKey"),
            text("ListingKey"),
            text("OpenHouseMethod"),
        );
        let (states, zipcodes, zip5s) = (text("State"), text("Zipcode"), text("Zip5"));
        let (starts, ends, modifieds) = (
            time("OpenHouseStartTime"),
            time("OpenHouseEndTime"),
            time("DateModified"),
        );
        for row in 0..batch.num_rows() {
            rows.push(Row {
                date: dates.value(row),
                key: keys.value(row).to_owned(),
                listing_key: optional(&listings, row),
                method: optional(&methods, row),
                start: starts.value(row),
                end: ends.value(row),
                modified: modifieds.value(row),
                state: optional(&states, row),
                zipcode: optional(&zipcodes, row),
                zip5: optional(&zip5s, row),
            });
        }
    }
    rows
}

/// The rows of the table that one run over `feed` keeps, in table order.
pub fn full_run_rows(pipeline: &Pipeline, feed: &[u8]) -> Vec<Row> {
    let Processed { table, .. } = pipeline.process(feed).unwrap();
    rows_of([record_batch(&table, 0..table.len()).unwrap()])
}

/// The rows of a single-file table, in file order.
pub fn parquet_rows(path: &Path) -> Vec<Row> {
    let batches = TableFile::open(path, None).unwrap().read(None).unwrap();
    rows_of(batches.map(Result::unwrap))
}

/// The rows of a Delta table at its latest version, month by month, in file order.
pub fn delta_rows(path: &Path) -> Vec<Row> {
    let table = DeltaTable::open(path).unwrap();
    let files = table.active_files().unwrap();
    rows_of(table.read(&files, None).unwrap().map(Result::unwrap))
}

/// Whether `rows` are in table order, one row per key.
pub fn in_table_order(rows: &[Row]) -> bool {
    rows.windows(2)
        .all(|pair| (pair[0].date, &pair[0].key) < (pair[1].date, &pair[1].key))
}

/// A pipeline that publishes whatever a batch holds (no rows, every record rejected), as a
/// merge of many small batches must, on two threads with small windows.
pub fn permissive() -> Pipeline {
    Pipeline::builder()
        .threads(2)
        .unwrap()
        .block_bytes(4096)
        .chunk_bytes(1000)
        .allow_empty(true)
        .max_rejected_share(1.0)
        .unwrap()
        .build()
}

/// One event as an NDJSON line: the open house on `date` (10:00 to 12:00 UTC) with `key`,
/// modified at `modified` (an RFC 3339 text), in `zipcode`.
pub fn event(key: &str, date: &str, modified: &str, zipcode: &str) -> String {
    format!(
        concat!(
            r#"{{"OpenHouseKey": "{key}", "ListingKey": "L-{key}", "OpenHouseMethod": "In-Person", "#,
            r#""OpenHouseDate": "{date}", "OpenHouseStartTime": "{date}T10:00:00Z", "#,
            r#""OpenHouseEndTime": "{date}T12:00:00Z", "State": "CA", "Zipcode": "{zipcode}", "#,
            r#""DateModified": "{modified}"}}"#,
            "\n"
        ),
        key = key,
        date = date,
        modified = modified,
        zipcode = zipcode
    )
}

/// Writes `text` to `name` in `folder` and returns the path.
pub fn write(folder: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = folder.join(name);
    std::fs::write(&path, text).unwrap();
    path
}
