//! For the tests of incremental updates (and the interoperability tests' pipeline): events written by hand, pipelines that publish
//! whatever a batch holds, and the rows of a table in either layout read back through the
//! Rust readers.
#![allow(dead_code, reason = "each test file uses a part")]

use std::path::Path;

use openhouse::delta::Table as DeltaTable;
use openhouse::parquet::{TableFile, record_batch};
use openhouse::{Pipeline, Processed};

#[path = "../../crates/openhouse-delta/tests/support/rows.rs"]
pub mod rows;
pub use rows::{Row, rows_of};

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
