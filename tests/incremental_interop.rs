//! Independent readers of a Delta table built batch by batch: the `deltalake` package
//! (delta-rs's Python binding) and DuckDB's delta extension read it through its log
//! (`tests/interop/delta_readers.py`, in `.venv-delta` from `scripts/python-env-delta`), and
//! Spark reads the active files the log lists (`tests/interop/spark.py`, in `.venv` from
//! `scripts/python-env`). Each gives the rows and the three insights of the single file that
//! one full run over the same events writes, which DuckDB and Spark read too.

mod python;
mod tables;

use std::path::{Path, PathBuf};
use std::process::Command;

use openhouse::delta::Table as DeltaTable;
use openhouse::ingest::Input;
use openhouse::model::date_from_days_since_epoch;
use openhouse::{MergeTarget, RunPaths};
use openhouse_generate::{Generator, Layout};
use serde_json::{Value, json};
use tables::rows::as_json;
use tables::{delta_rows, event, parquet_rows, permissive, write};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn python_json(setup: &str, script: &str, args: &[&std::ffi::OsStr]) -> Value {
    python::output_json(
        Command::new(python::python(setup))
            .arg(Path::new(ROOT).join("tests/interop").join(script))
            .args(args),
    )
}

/// A generated NDJSON feed of `events` (1% invalid), and the batches it makes when cut
/// before each line index of `cuts`.
fn feed_in_batches(seed: u64, events: usize, cuts: &[usize]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let feed = Generator::new(seed)
        .events(events)
        .invalid(0.01)
        .layout(Layout::Ndjson)
        .to_bytes();
    let lines: Vec<&[u8]> = feed.split_inclusive(|&byte| byte == b'\n').collect();
    let bounds: Vec<usize> = [0]
        .into_iter()
        .chain(cuts.iter().copied())
        .chain([lines.len()])
        .collect();
    let batches = bounds
        .windows(2)
        .map(|pair| lines[pair[0]..pair[1]].concat())
        .collect();
    (feed, batches)
}

#[test]
fn a_delta_table_built_batch_by_batch_reads_as_the_single_file_of_one_run_in_every_engine() {
    let folder = tempfile::tempdir().unwrap();
    let pipeline = permissive();
    let (_, mut batches) = feed_in_batches(808, 1_500, &[400, 900, 1_000]);

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
    let (feed, batches) = feed_in_batches(909, 1_200, &[500, 900]);
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
    let merged = python::output_json(
        Command::new(python::python("python-env-delta"))
            .arg(Path::new(ROOT).join("benches/peers/delta_merge.py"))
            .arg(&table)
            .arg(&second),
    );
    assert!(merged["num_target_files_added"].as_u64().unwrap() > 0);

    let report = pipeline.merge(Input::Bytes(&batches[2]), &target).unwrap();
    assert_eq!(report.merge.unwrap().delta_version, Some(3));
    let mut rows = delta_rows(&table);
    rows.sort();
    assert_eq!(rows, tables::full_run_rows(&pipeline, &feed));
}
