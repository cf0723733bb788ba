//! Independent readers of a Delta table built batch by batch: the `deltalake` package
//! (delta-rs's Python binding) and DuckDB's delta extension read it through its log
//! (`tests/interop/delta_readers.py`, in `.venv-delta` from `scripts/python-env-delta`), and
//! Spark reads the active files the log lists (`tests/interop/spark.py`, in `.venv` from
//! `scripts/python-env`). Each gives the rows and the three insights of the single file that
//! one full run over the same events writes, which DuckDB and Spark read too.

mod tables;

use std::path::{Path, PathBuf};
use std::process::Command;

use openhouse::delta::{Month, Table as DeltaTable};
use openhouse::ingest::Input;
use openhouse::model::date_from_days_since_epoch;
use openhouse::{MergeTarget, RunPaths};
use openhouse_generate::{Generator, Layout};
use serde_json::{Value, json};
use tables::{Row, delta_rows, event, parquet_rows, permissive, write};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The python of the venv that `script` (in scripts/) makes: the last line it prints.
fn python(script: &str) -> PathBuf {
    let output = Command::new(Path::new(ROOT).join("scripts").join(script))
        .output()
        .unwrap_or_else(|error| panic!("running scripts/{script}: {error}"));
    assert!(
        output.status.success(),
        "scripts/{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    PathBuf::from(stdout.lines().last().unwrap().trim())
}

fn python_json(venv: &str, script: &str, args: &[&std::ffi::OsStr]) -> Value {
    let output = Command::new(python(venv))
        .arg(Path::new(ROOT).join("tests/interop").join(script))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A row as the Python readers print it; `month` for a Delta table's readers.
fn as_json(row: &Row, with_month: bool) -> Value {
    let date = date_from_days_since_epoch(i64::from(row.date)).unwrap();
    let mut value = json!({
        "OpenHouseKey": row.key,
        "ListingKey": row.listing_key,
        "OpenHouseMethod": row.method,
        "OpenHouseDate": date.to_string(),
        "OpenHouseStartTime": row.start,
        "OpenHouseEndTime": row.end,
        "DateModified": row.modified,
        "State": row.state,
        "Zipcode": row.zipcode,
        "Zip5": row.zip5,
    });
    if with_month {
        value["month"] = json!(Month::of_days_since_epoch(row.date).unwrap().to_string());
    }
    value
}

#[test]
fn a_delta_table_built_batch_by_batch_reads_as_the_single_file_of_one_run_in_every_engine() {
    let folder = tempfile::tempdir().unwrap();
    let pipeline = permissive();
    let feed = Generator::new(808)
        .events(1_500)
        .invalid(0.01)
        .layout(Layout::Ndjson)
        .to_bytes();
    let lines: Vec<&[u8]> = feed.split_inclusive(|&byte| byte == b'\n').collect();
    let mut batches: Vec<Vec<u8>> = [0..400, 400..900, 900..1_000, 1_000..lines.len()]
        .into_iter()
        .map(|range| lines[range].concat())
        .collect();

    let table = folder.path().join("openhouses");
    let target = MergeTarget::Delta {
        table: table.clone(),
    };
    for batch in &batches {
        pipeline.merge(Input::Bytes(batch), &target).unwrap();
    }
    // One more batch moves a key to the next month, so its old file leaves the table.
    let moved = &delta_rows(&table)[0];
    let next_month = date_from_days_since_epoch(i64::from(moved.date) + 31).unwrap();
    batches.push(
        event(
            &moved.key,
            &next_month.to_string(),
            "2025-01-01T00:00:00.000Z",
            "94521",
        )
        .into_bytes(),
    );
    pipeline
        .merge(Input::Bytes(batches.last().unwrap()), &target)
        .unwrap();

    let all: Vec<u8> = batches.concat();
    let single = folder.path().join("openhouses.parquet");
    let report = pipeline
        .run(&RunPaths {
            input: write(
                folder.path(),
                "all.ndjson",
                &String::from_utf8(all).unwrap(),
            )
            .into(),
            output: single.clone(),
            rejects: None,
            report: None,
        })
        .unwrap();
    let rows = parquet_rows(&single);
    assert_eq!(delta_rows(&table), rows);
    let with_month: Vec<Value> = rows.iter().map(|row| as_json(row, true)).collect();
    let without_month: Vec<Value> = rows.iter().map(|row| as_json(row, false)).collect();
    let insights = serde_json::to_value(&report.insights).unwrap();

    // The folder holds more files than the table: removed ones, which readers must skip.
    let delta = DeltaTable::open(&table).unwrap();
    let active: Vec<PathBuf> = delta
        .active_files()
        .unwrap()
        .iter()
        .map(|file| file.location().to_path_buf())
        .collect();
    assert!(parquet_files_under(&table) > active.len());

    let readers = python_json(
        "python-env-delta",
        "delta_readers.py",
        &[table.as_os_str(), "--parquet".as_ref(), single.as_os_str()],
    );
    assert_eq!(readers["deltalake"]["version"], json!(delta.version()));
    for (reader, expected) in [
        ("deltalake", &with_month),
        ("duckdb", &with_month),
        ("duckdb_parquet", &without_month),
    ] {
        assert_eq!(&readers[reader]["rows"], &json!(expected), "{reader} rows");
        assert_eq!(readers[reader]["insights"], insights, "{reader} insights");
    }

    // One Spark session: the single file, then the Delta table's active files.
    let mut spark_args: Vec<&std::ffi::OsStr> = vec![
        "--rows".as_ref(),
        single.as_os_str(),
        "--table".as_ref(),
        table.as_os_str(),
    ];
    spark_args.extend(active.iter().map(|path| path.as_os_str()));
    let spark = python_json("python-env", "spark.py", &spark_args);
    for (read, expected) in [(&spark[0], &without_month), (&spark[1], &with_month)] {
        assert_eq!(read["rows"], json!(expected), "spark rows");
        assert_eq!(read["insights"], insights, "spark insights");
    }
    assert_eq!(spark[1]["schema"]["month"], "string");
}

/// How many Parquet files the folder holds, whatever the log says.
fn parquet_files_under(folder: &Path) -> usize {
    std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .map(|path| {
            if path.is_dir() {
                parquet_files_under(&path)
            } else {
                usize::from(path.extension().is_some_and(|ext| ext == "parquet"))
            }
        })
        .sum()
}

#[test]
fn another_engine_continues_the_table_with_the_same_merge_and_openhouse_carries_on_after_it() {
    let folder = tempfile::tempdir().unwrap();
    let pipeline = permissive();
    let feed = Generator::new(909)
        .events(1_200)
        .invalid(0.01)
        .layout(Layout::Ndjson)
        .to_bytes();
    let lines: Vec<&[u8]> = feed.split_inclusive(|&byte| byte == b'\n').collect();
    let batches: Vec<Vec<u8>> = [0..500, 500..900, 900..lines.len()]
        .into_iter()
        .map(|range| lines[range].concat())
        .collect();
    let table = folder.path().join("openhouses");
    let target = MergeTarget::Delta {
        table: table.clone(),
    };
    pipeline.merge(Input::Bytes(&batches[0]), &target).unwrap();

    // The second batch through delta-rs's own MERGE (the statement of docs/incremental.md),
    // which writes files of its own: nullable columns, no bloom filter, unsorted, several
    // per month.
    let second = write(
        folder.path(),
        "second.ndjson",
        std::str::from_utf8(&batches[1]).unwrap(),
    );
    let output = Command::new(python("python-env-delta"))
        .arg(Path::new(ROOT).join("benches/peers/delta_merge.py"))
        .arg(&table)
        .arg(&second)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "delta_merge.py failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let merged: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(merged["num_target_files_added"].as_u64().unwrap() > 0);

    let report = pipeline.merge(Input::Bytes(&batches[2]), &target).unwrap();
    assert_eq!(report.merge.unwrap().delta_version, Some(3));
    let mut rows = delta_rows(&table);
    rows.sort();
    assert_eq!(rows, tables::full_run_rows(&pipeline, &feed));
}
