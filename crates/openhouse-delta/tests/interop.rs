//! Independent readers of a table built batch by batch: the `deltalake` Python package
//! (delta-rs's own binding) and DuckDB's delta extension see exactly the committed rows, the
//! partitioning, the types, the statistics and the batch marks. They run from
//! `tests/interop/delta_readers.py` in the venv that `scripts/python-env-delta` makes
//! (`.ci/run` runs it first).

#[path = "../../../tests/python/mod.rs"]
mod python;
mod support;

use std::path::Path;
use std::process::Command;

use openhouse_delta::{BatchCommit, BatchHash, CommitOutcome, Month, Table};
use serde_json::{Value, json};
use support::rows::as_json;
use support::{Row, append, row, table_rows, write_files};

fn delta_readers(table: &Path, app_ids: &[String]) -> Value {
    let mut command = Command::new(python::python("python-env-delta"));
    command
        .arg(python::root().join("tests/interop/delta_readers.py"))
        .arg(table);
    for app_id in app_ids {
        command.arg("--app-id").arg(app_id);
    }
    python::output_json(&mut command)
}

#[test]
fn independent_readers_see_the_rows_of_the_committed_batches_only() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("openhouses");
    let mut table = Table::open_or_create(&path).unwrap();

    // Batch A: two months.
    let mut without_listing = row("OH-2", "2024-05-20", 1_714_555_800_000_000);
    without_listing.listing_key = None;
    let first = [
        row("OH-1", "2024-05-04", 1_714_555_800_000_000),
        without_listing,
        row("OH-3", "2024-06-02", 1_714_555_800_000_000),
    ];
    append(&mut table, "batch A", &first);

    // Batch B: June rewritten (OH-3 newer, OH-4 new) and July added, in one commit.
    let june = table
        .active_files()
        .unwrap()
        .into_iter()
        .filter(|file| file.month() == support::month("2024-06"))
        .collect();
    let second = [
        row("OH-3", "2024-06-02", 1_717_000_000_123_456),
        row("OH-4", "2024-06-15", 1_717_000_000_000_000),
        row("OH-5", "2024-07-01", 1_717_000_000_000_000),
    ];
    let mut commit = BatchCommit::new(BatchHash::of(b"batch B"));
    commit.removed = june;
    commit.added = write_files(&table, &second);
    commit.counts.insert("inserted".into(), 2);
    commit.counts.insert("updated".into(), 1);
    assert_eq!(
        table.commit(commit).unwrap(),
        CommitOutcome::Committed { version: 2 }
    );

    // Batch A again: skipped. Batch C: written, never committed.
    assert_eq!(
        append(&mut table, "batch A", &first),
        CommitOutcome::AlreadyApplied
    );
    let never = write_files(&table, &[row("OH-6", "2024-05-05", 1)]);
    assert!(never[0].location().is_file());

    let mut expected: Vec<Row> = vec![first[0].clone(), first[1].clone()];
    expected.extend(second.iter().cloned());
    expected.sort();
    assert_eq!(table_rows(&table), expected);
    let expected_rows: Vec<Value> = expected.iter().map(|row| as_json(row, true)).collect();

    let hashes = ["batch A", "batch B", "batch C"].map(|name| BatchHash::of(name.as_bytes()));
    let app_ids: Vec<String> = hashes.iter().map(BatchHash::app_id).collect();
    let readers = delta_readers(&path, &app_ids);
    let delta = &readers["deltalake"];

    assert_eq!(delta["version"], 2);
    assert_eq!(
        delta["protocol"],
        json!({"min_reader_version": 1, "min_writer_version": 2})
    );
    assert_eq!(delta["partition_columns"], json!(["month"]));
    for (column, arrow_type) in [
        ("OpenHouseKey", "string"),
        ("OpenHouseDate", "date32[day]"),
        ("OpenHouseStartTime", "timestamp[us, tz=UTC]"),
        ("DateModified", "timestamp[us, tz=UTC]"),
        ("month", "string"),
    ] {
        assert_eq!(delta["schema"][column], arrow_type, "deltalake: {column}");
    }
    assert_eq!(delta["rows"], json!(expected_rows), "deltalake rows");

    // The log's files, their partitions and statistics as delta-rs's binding reads them.
    let active = table.active_files().unwrap();
    let files = delta["files"].as_array().unwrap();
    let mut active_paths: Vec<&str> = active.iter().map(|file| file.path()).collect();
    active_paths.sort();
    let listed: Vec<&str> = files
        .iter()
        .map(|file| file["path"].as_str().unwrap())
        .collect();
    assert_eq!(listed, active_paths);
    for file in files {
        let month = file["partition.month"].as_str().unwrap();
        let rows: Vec<&Row> = expected
            .iter()
            .filter(|row| Month::of_days_since_epoch(row.date).unwrap().to_string() == month)
            .collect();
        assert_eq!(file["num_records"], json!(rows.len()), "{month}");
        let date = |row: &Row| as_json(row, true)["OpenHouseDate"].clone();
        assert_eq!(file["min.OpenHouseDate"], date(rows[0]), "{month}");
        assert_eq!(
            file["max.OpenHouseDate"],
            date(rows[rows.len() - 1]),
            "{month}"
        );
        let nulls = rows.iter().filter(|row| row.listing_key.is_none()).count();
        assert_eq!(file["null_count.ListingKey"], json!(nulls), "{month}");
    }
    let june = files
        .iter()
        .find(|file| file["partition.month"] == "2024-06")
        .unwrap();
    // Milliseconds in the log: the maximum rounded up from …00.123456.
    assert_eq!(june["max.DateModified"], json!(1_717_000_000_124_000_i64));

    assert_eq!(
        delta["transactions"],
        json!({&app_ids[0]: 0, &app_ids[1]: 0, &app_ids[2]: null})
    );
    assert_eq!(
        delta["history"],
        json!([
            {"version": 1, "operation": "MERGE", "batch_sha256": hashes[0].to_string(),
             "counts": {"files_added": 2, "files_removed": 0, "rows_added": 3, "rows_removed": 0}},
            {"version": 2, "operation": "MERGE", "batch_sha256": hashes[1].to_string(),
             "counts": {"files_added": 2, "files_removed": 1, "rows_added": 3, "rows_removed": 1,
                        "inserted": 2, "updated": 1}},
        ])
    );

    let duck = &readers["duckdb"];
    for (column, duck_type) in [
        ("OpenHouseKey", "VARCHAR"),
        ("OpenHouseDate", "DATE"),
        ("OpenHouseStartTime", "TIMESTAMP WITH TIME ZONE"),
        ("DateModified", "TIMESTAMP WITH TIME ZONE"),
        ("month", "VARCHAR"),
    ] {
        assert_eq!(duck["schema"][column], duck_type, "duckdb: {column}");
    }
    assert_eq!(duck["rows"], json!(expected_rows), "duckdb rows");
}
