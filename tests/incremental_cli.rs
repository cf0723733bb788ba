//! `process` merging batches into a table: `--base` for a Parquet file (in place too),
//! `--layout delta` for a Delta Lake table, and what they print and exit with.

mod example_binaries;
mod tables;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use example_binaries::example;
use serde_json::Value;
use tables::{delta_rows, event, full_run_rows, parquet_rows, permissive, write};

fn process() -> Command {
    example("process")
}

/// `process BATCH -o OUTPUT --rejects REJECTS`, to which a test adds what it needs.
fn process_batch(batch: &Path, output: &Path, rejects: &Path) -> Command {
    let mut command = process();
    command
        .arg(batch)
        .arg("-o")
        .arg(output)
        .arg("--rejects")
        .arg(rejects);
    command
}

/// The same, merging the batch into the table `base`.
fn merge_batch(batch: &Path, base: &Path, output: &Path, rejects: &Path) -> Command {
    let mut command = process_batch(batch, output, rejects);
    command.arg("--base").arg(base);
    command
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Three batches: a first one, one that updates, inserts and brings a late older version, and
/// one that moves a key to another month.
fn batches(folder: &Path) -> Vec<PathBuf> {
    [
        [
            event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521"),
            event("B", "2024-05-07", "2024-05-02T10:00:00Z", "94521"),
        ]
        .concat(),
        [
            event("A", "2024-05-06", "2024-05-03T10:00:00Z", "10001"),
            event("B", "2024-05-07", "2024-05-01T10:00:00Z", "10001"),
            event("C", "2024-06-01", "2024-05-03T10:00:00Z", "10001"),
        ]
        .concat(),
        event("B", "2024-07-07", "2024-05-04T10:00:00Z", "94521"),
    ]
    .iter()
    .enumerate()
    .map(|(index, batch)| write(folder, &format!("batch-{index}.ndjson"), batch))
    .collect()
}

fn all_events(batches: &[PathBuf]) -> Vec<u8> {
    batches
        .iter()
        .flat_map(|path| std::fs::read(path).unwrap())
        .collect()
}

#[test]
fn merging_into_the_base_file_in_place_rewrites_it_with_the_merged_table() {
    let folder = tempfile::tempdir().unwrap();
    let batches = batches(folder.path());
    let table = folder.path().join("openhouses.parquet");
    let rejects = folder.path().join("rejects.ndjson");
    let report_path = folder.path().join("report.json");
    run(process_batch(&batches[0], &table, &rejects).arg("-q"));
    let output = run(merge_batch(&batches[1], &table, &table, &rejects)
        .arg("--report")
        .arg(&report_path));
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains("merge: 1 keys inserted, 1 updated, 1 unchanged; the table has 3 rows"),
        "{printed}"
    );
    let merge = &report(&report_path)["merge"];
    assert_eq!(merge["layout"], "parquet");
    assert_eq!(merge["partitions_rewritten"], serde_json::json!([]));
    run(merge_batch(&batches[2], &table, &table, &rejects).arg("-q"));
    assert_eq!(
        parquet_rows(&table),
        full_run_rows(&permissive(), &all_events(&batches))
    );
    // No temporary file is left beside the table.
    let names: Vec<String> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn merging_into_a_base_file_writes_a_new_file_and_leaves_the_base() {
    let folder = tempfile::tempdir().unwrap();
    let batches = batches(folder.path());
    let base = folder.path().join("base.parquet");
    let rejects = folder.path().join("rejects.ndjson");
    run(process_batch(&batches[0], &base, &rejects).arg("-q"));
    let before = std::fs::read(&base).unwrap();
    let merged = folder.path().join("merged.parquet");
    run(merge_batch(&batches[1], &base, &merged, &rejects).arg("-q"));
    assert_eq!(std::fs::read(&base).unwrap(), before);
    assert_eq!(parquet_rows(&merged).len(), 3);
}

#[test]
fn the_batch_may_not_be_the_output() {
    let folder = tempfile::tempdir().unwrap();
    let batches = batches(folder.path());
    let base = folder.path().join("base.parquet");
    let rejects = folder.path().join("rejects.ndjson");
    run(process_batch(&batches[0], &base, &rejects).arg("-q"));
    let batch = std::fs::read(&batches[1]).unwrap();
    let output = merge_batch(&batches[1], &base, &batches[1], &rejects)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(message.contains("are the same file"), "{message}");
    assert_eq!(std::fs::read(&batches[1]).unwrap(), batch);
}

#[test]
fn a_delta_table_is_created_by_the_first_batch_and_merged_into_by_the_next() {
    let folder = tempfile::tempdir().unwrap();
    let batches = batches(folder.path());
    let table = folder.path().join("openhouses");
    let rejects = folder.path().join("rejects.ndjson");
    let report_path = folder.path().join("report.json");
    let apply = |batch: &Path| {
        run(process_batch(batch, &table, &rejects)
            .args(["--layout", "delta", "--summary", "json", "--report"])
            .arg(&report_path))
    };
    let first = apply(&batches[0]);
    assert!(
        String::from_utf8_lossy(&first.stderr).contains("committed version 1"),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    apply(&batches[1]);
    let third = apply(&batches[2]);
    let printed: Value = serde_json::from_slice(&third.stdout).unwrap();
    assert_eq!(printed["merge"], report(&report_path)["merge"]);
    let merge = &printed["merge"];
    assert_eq!(merge["layout"], "delta");
    assert_eq!(merge["delta_version"], 3);
    assert_eq!(merge["keys_updated"], 1);
    assert_eq!(
        merge["partitions_rewritten"],
        serde_json::json!(["2024-05", "2024-07"])
    );
    assert_eq!(
        delta_rows(&table),
        full_run_rows(&permissive(), &all_events(&batches))
    );

    let again = apply(&batches[2]);
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already holds this batch (version 3)"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let printed: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(printed["merge"]["already_applied"], true);
}

#[test]
fn base_and_the_delta_layout_do_not_go_together() {
    let folder = tempfile::tempdir().unwrap();
    let batches = batches(folder.path());
    let output = process()
        .arg(&batches[0])
        .args(["--layout", "delta", "--base"])
        .arg(folder.path().join("t.parquet"))
        .arg("-o")
        .arg(folder.path().join("table"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(!folder.path().join("table").exists());
}

#[test]
fn insights_reads_a_delta_table_made_by_process() {
    let folder = tempfile::tempdir().unwrap();
    let batches = batches(folder.path());
    let table = folder.path().join("openhouses");
    for batch in &batches {
        run(
            process_batch(batch, &table, &folder.path().join("rejects.ndjson"))
                .args(["--layout", "delta", "-q"]),
        );
    }
    let insights = example("insights")
        .args(["--format", "json", "--input"])
        .arg(&table)
        .output()
        .unwrap();
    assert!(
        insights.status.success(),
        "{}",
        String::from_utf8_lossy(&insights.stderr)
    );
    let insights: Value = serde_json::from_slice(&insights.stdout).unwrap();
    assert_eq!(insights["total_open_houses"], 3);
}
