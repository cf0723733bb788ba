//! Merging batches into an existing table (docs/incremental.md), in both layouts: what each
//! key's outcome is, the equal-instant rule at the table's precision, re-applied batches,
//! keys that move to another month, interrupted commits, and the insights and the dashboard
//! reading a Delta table through its log.

mod tables;

use std::path::{Path, PathBuf};

use openhouse::delta::{BatchHash, Month, Table as DeltaTable};
use openhouse::ingest::Input;
use openhouse::{MergeReport, MergeTarget, Pipeline, RunPaths, TableLayout};
use openhouse_dashboard::{DashboardQuery, TableDashboard};
use serde_json::Value;
use tables::{
    Row, delta_rows, event, full_run_rows, in_table_order, parquet_rows, permissive, write,
};

/// A table in one of the layouts, built batch by batch.
struct Built {
    layout: TableLayout,
    path: PathBuf,
    _folder: tempfile::TempDir,
}

impl Built {
    fn new(layout: TableLayout) -> Built {
        let folder = tempfile::tempdir().unwrap();
        let path = match layout {
            TableLayout::Delta => folder.path().join("openhouses"),
            _ => folder.path().join("openhouses.parquet"),
        };
        Built {
            layout,
            path,
            _folder: folder,
        }
    }

    /// Applies `batch`: the first batch of a single file is a full run, every other a merge
    /// of the file into itself; every batch of a Delta table is a merge.
    fn apply(&self, batch: &str) -> Option<MergeReport> {
        let pipeline = permissive();
        match self.layout {
            TableLayout::Parquet if !self.path.exists() => {
                let feed = write(self.path.parent().unwrap(), "first.ndjson", batch);
                let paths = RunPaths {
                    input: feed.into(),
                    output: self.path.clone(),
                    rejects: None,
                    report: None,
                };
                pipeline.run(&paths).unwrap();
                None
            }
            _ => Some(
                pipeline
                    .merge(Input::Bytes(batch.as_bytes()), &self.target())
                    .unwrap()
                    .merge
                    .unwrap(),
            ),
        }
    }

    fn target(&self) -> MergeTarget {
        match self.layout {
            TableLayout::Delta => MergeTarget::Delta {
                table: self.path.clone(),
            },
            _ => MergeTarget::ParquetFile {
                base: self.path.clone(),
                output: self.path.clone(),
            },
        }
    }

    fn rows(&self) -> Vec<Row> {
        match self.layout {
            TableLayout::Delta => delta_rows(&self.path),
            _ => parquet_rows(&self.path),
        }
    }
}

const LAYOUTS: [TableLayout; 2] = [TableLayout::Parquet, TableLayout::Delta];

fn counts(report: &MergeReport) -> (u64, u64, u64) {
    (
        report.keys_inserted,
        report.keys_updated,
        report.keys_unchanged,
    )
}

#[test]
fn new_keys_are_inserted_later_versions_update_and_the_table_stays_in_order() {
    for layout in LAYOUTS {
        let table = Built::new(layout);
        table.apply(
            &[
                event("B", "2024-05-04", "2024-05-01T10:00:00Z", "94521"),
                event("A", "2024-05-06", "2024-05-01T10:00:00Z", "94521"),
            ]
            .concat(),
        );
        let report = table
            .apply(
                &[
                    event("A", "2024-05-06", "2024-05-02T10:00:00Z", "10001"),
                    event("C", "2024-05-05", "2024-05-02T10:00:00Z", "94521"),
                    event("0", "2024-05-04", "2024-05-02T10:00:00Z", "94521"),
                ]
                .concat(),
            )
            .unwrap();
        assert_eq!(counts(&report), (2, 1, 0), "{layout:?}");
        assert_eq!(report.table_rows, 4);
        let rows = table.rows();
        let keys: Vec<&str> = rows.iter().map(|row| row.key.as_str()).collect();
        assert_eq!(keys, ["0", "B", "C", "A"], "{layout:?}");
        assert!(in_table_order(&rows));
        let a = rows.iter().find(|row| row.key == "A").unwrap();
        assert_eq!(a.zip5.as_deref(), Some("10001"), "{layout:?}");
    }
}

#[test]
fn a_late_older_version_never_overwrites_a_newer_one() {
    for layout in LAYOUTS {
        let table = Built::new(layout);
        table.apply(&event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521"));
        let before = table.rows();
        let late = event("A", "2024-05-06", "2024-05-01T10:00:00Z", "10001");
        let report = table.apply(&late).unwrap();
        assert_eq!(counts(&report), (0, 0, 1), "{layout:?}");
        assert_eq!(table.rows(), before, "{layout:?}");
    }
}

#[test]
fn on_an_equal_instant_the_later_batch_wins() {
    for layout in LAYOUTS {
        let table = Built::new(layout);
        table.apply(&event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521"));
        let same_instant = event("A", "2024-05-06", "2024-05-02T10:00:00.000+00:00", "10001");
        let report = table.apply(&same_instant).unwrap();
        assert_eq!(counts(&report), (0, 1, 0), "{layout:?}");
        assert_eq!(table.rows()[0].zip5.as_deref(), Some("10001"));
    }
}

#[test]
fn an_equal_instant_with_equal_values_leaves_the_key_unchanged() {
    for layout in LAYOUTS {
        let table = Built::new(layout);
        table.apply(&event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521"));
        // Another text of the same instant: another batch, the same row.
        let resent = event("A", "2024-05-06", "2024-05-02T10:00:00.000+00:00", "94521");
        let report = table.apply(&resent).unwrap();
        assert_eq!(counts(&report), (0, 0, 1), "{layout:?}");
        assert!(!report.already_applied);
    }
}

#[test]
fn instants_are_compared_at_the_tables_microseconds() {
    for layout in LAYOUTS {
        let table = Built::new(layout);
        table.apply(&event(
            "A",
            "2024-05-06",
            "2024-05-02T10:00:00.0000019Z",
            "94521",
        ));
        // 1.9 µs and 1.1 µs are both 1 µs in the table: an equal instant, so the later batch
        // wins although its nanoseconds are fewer.
        let fewer_nanos = event("A", "2024-05-06", "2024-05-02T10:00:00.0000011Z", "10001");
        let report = table.apply(&fewer_nanos).unwrap();
        assert_eq!(counts(&report), (0, 1, 0), "{layout:?}");
        assert_eq!(table.rows()[0].modified, 1_714_644_000_000_001);
        // Within one batch, nanoseconds decide: the later record loses here.
        let within = [
            event("B", "2024-05-06", "2024-05-02T10:00:00.0000019Z", "94521"),
            event("B", "2024-05-06", "2024-05-02T10:00:00.0000011Z", "10001"),
        ]
        .concat();
        table.apply(&within);
        let b = table.rows().into_iter().find(|row| row.key == "B").unwrap();
        assert_eq!(b.zip5.as_deref(), Some("94521"), "{layout:?}");
    }
}

#[test]
fn a_batch_applied_twice_changes_nothing() {
    let first = [
        event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521"),
        event("B", "2024-06-06", "2024-05-02T10:00:00Z", "94521"),
    ]
    .concat();
    let second = [
        event("A", "2024-05-06", "2024-05-03T10:00:00Z", "10001"),
        event("C", "2024-07-06", "2024-05-03T10:00:00Z", "10001"),
    ]
    .concat();

    let file = Built::new(TableLayout::Parquet);
    file.apply(&first);
    file.apply(&second);
    let once = file.rows();
    let again = file.apply(&second).unwrap();
    assert_eq!(counts(&again), (0, 0, 2));
    assert_eq!(file.rows(), once);

    let delta = Built::new(TableLayout::Delta);
    delta.apply(&first);
    let applied = delta.apply(&second).unwrap();
    assert_eq!(applied.delta_version, Some(2));
    let log = std::fs::read_dir(delta.path.join("_delta_log"))
        .unwrap()
        .count();
    let again = delta.apply(&second).unwrap();
    assert!(again.already_applied);
    assert_eq!(counts(&again), (0, 0, 0));
    assert_eq!(again.delta_version, Some(2));
    assert_eq!(again.table_rows, 3);
    assert_eq!(DeltaTable::open(&delta.path).unwrap().version(), 2);
    assert_eq!(
        std::fs::read_dir(delta.path.join("_delta_log"))
            .unwrap()
            .count(),
        log
    );
    assert_eq!(delta.rows(), once);
}

/// The paths the commit of `version` removes and adds.
fn commit_files(table: &Path, version: u64) -> (Vec<String>, Vec<String>) {
    let text =
        std::fs::read_to_string(table.join(format!("_delta_log/{version:020}.json"))).unwrap();
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    for line in text.lines() {
        let action: Value = serde_json::from_str(line).unwrap();
        if let Some(path) = action.pointer("/remove/path").and_then(Value::as_str) {
            removed.push(path.to_owned());
        }
        if let Some(path) = action.pointer("/add/path").and_then(Value::as_str) {
            added.push(path.to_owned());
        }
    }
    (removed, added)
}

#[test]
fn a_key_that_moves_to_another_month_leaves_its_old_partition_in_the_same_commit() {
    let delta = Built::new(TableLayout::Delta);
    delta.apply(
        &[
            event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521"),
            event("B", "2024-05-07", "2024-05-02T10:00:00Z", "94521"),
            event("C", "2024-07-01", "2024-05-02T10:00:00Z", "94521"),
        ]
        .concat(),
    );
    let may = |path: &str| path.starts_with("month=2024-05/");
    let june = |path: &str| path.starts_with("month=2024-06/");
    let report = delta
        .apply(&event("A", "2024-06-03", "2024-05-03T10:00:00Z", "94521"))
        .unwrap();
    assert_eq!(counts(&report), (0, 1, 0));
    assert_eq!(report.partitions_rewritten, ["2024-05", "2024-06"]);
    let (removed, added) = commit_files(&delta.path, 2);
    assert!(removed.len() == 1 && may(&removed[0]), "{removed:?}");
    assert_eq!(added.len(), 2, "{added:?}");
    assert!(added.iter().any(|path| may(path)) && added.iter().any(|path| june(path)));

    let rows = delta.rows();
    let keys: Vec<(&str, i32)> = rows
        .iter()
        .map(|row| (row.key.as_str(), row.date))
        .collect();
    assert_eq!(keys.len(), 3);
    assert_eq!(rows.iter().filter(|row| row.key == "A").count(), 1);
    let a = rows.iter().find(|row| row.key == "A").unwrap();
    assert_eq!(Month::of_days_since_epoch(a.date), Month::new(2024, 6));
    // July was not touched.
    assert!(
        !removed
            .iter()
            .chain(&added)
            .any(|path| path.contains("2024-07"))
    );
}

#[test]
fn a_month_whose_last_key_moves_away_has_no_file_left() {
    let delta = Built::new(TableLayout::Delta);
    delta.apply(&event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521"));
    delta.apply(&event("A", "2024-06-03", "2024-05-03T10:00:00Z", "94521"));
    let table = DeltaTable::open(&delta.path).unwrap();
    let months: Vec<String> = table
        .active_files()
        .unwrap()
        .iter()
        .map(|file| file.month().to_string())
        .collect();
    assert_eq!(months, ["2024-06"]);
}

#[test]
fn a_batch_rewrites_only_the_months_it_touches() {
    let delta = Built::new(TableLayout::Delta);
    delta.apply(
        &[
            event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521"),
            event("B", "2024-06-07", "2024-05-02T10:00:00Z", "94521"),
            event("C", "2024-07-01", "2024-05-02T10:00:00Z", "94521"),
        ]
        .concat(),
    );
    let before = DeltaTable::open(&delta.path)
        .unwrap()
        .active_files()
        .unwrap();
    let report = delta
        .apply(
            &[
                event("B", "2024-06-07", "2024-05-03T10:00:00Z", "10001"),
                // Older than the table's A: May stays as it is.
                event("A", "2024-05-06", "2024-05-01T10:00:00Z", "10001"),
            ]
            .concat(),
        )
        .unwrap();
    assert_eq!(counts(&report), (0, 1, 1));
    assert_eq!(report.partitions_rewritten, ["2024-06"]);
    let after = DeltaTable::open(&delta.path)
        .unwrap()
        .active_files()
        .unwrap();
    for month in ["2024-05", "2024-07"] {
        let path = |files: &[openhouse::delta::ActiveFile]| {
            files
                .iter()
                .find(|file| file.month().to_string() == month)
                .map(|file| file.path().to_owned())
        };
        assert_eq!(path(&before), path(&after), "{month}");
    }
}

#[test]
fn a_commit_interrupted_after_its_files_were_written_leaves_the_previous_version() {
    let delta = Built::new(TableLayout::Delta);
    let first = event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521");
    let second = [
        event("A", "2024-05-06", "2024-05-03T10:00:00Z", "10001"),
        event("B", "2024-05-07", "2024-05-03T10:00:00Z", "10001"),
    ]
    .concat();
    delta.apply(&first);
    let before = delta.rows();
    delta.apply(&second);
    let after = delta.rows();

    // What a crash between the data files and the commit leaves: the batch's files on disk,
    // no commit naming them.
    let log = delta.path.join("_delta_log");
    for entry in std::fs::read_dir(&log).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with(&format!("{:020}.", 2)) {
            std::fs::remove_file(path).unwrap();
        }
    }
    let table = DeltaTable::open(&delta.path).unwrap();
    assert_eq!(table.version(), 1);
    assert!(
        !table
            .contains_batch(&BatchHash::of(second.as_bytes()))
            .unwrap()
    );
    assert_eq!(delta.rows(), before);
    assert_eq!(
        openhouse::insights_from_parquet(&delta.path, 5)
            .unwrap()
            .total_open_houses,
        1
    );

    // The batch sent again lands, and the files the crash left stay unreferenced.
    let report = delta.apply(&second).unwrap();
    assert_eq!(
        (report.delta_version, counts(&report)),
        (Some(2), (1, 1, 0))
    );
    assert_eq!(delta.rows(), after);
}

#[test]
fn a_delta_table_and_a_single_file_built_batch_by_batch_equal_one_full_run() {
    let batches = [
        [
            event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521"),
            event("B", "2024-06-07", "2024-05-02T10:00:00.5Z", "94521-1234"),
        ]
        .concat(),
        [
            event("A", "2024-07-06", "2024-05-03T10:00:00Z", "10001"),
            "{\"OpenHouseKey\": null}\n".to_owned(),
            event("B", "2024-06-07", "2024-05-01T10:00:00Z", "10001"),
        ]
        .concat(),
        [
            event("C", "2024-03-01", "2024-05-03T10:00:00Z", "n/a"),
            event("A", "2024-07-06", "2024-05-03T10:00:00Z", "94521"),
        ]
        .concat(),
    ];
    let full = full_run_rows(&permissive(), batches.concat().as_bytes());
    for layout in LAYOUTS {
        let table = Built::new(layout);
        for batch in &batches {
            table.apply(batch);
        }
        assert_eq!(table.rows(), full, "{layout:?}");
    }
}

#[test]
fn the_report_counts_the_batch_and_gives_the_insights_of_the_whole_table() {
    let delta = Built::new(TableLayout::Delta);
    delta.apply(&event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521"));
    let batch = [
        event("B", "2024-05-06", "2024-05-02T10:00:00Z", "94521"),
        event("B", "2024-05-06", "2024-05-01T10:00:00Z", "94521"),
        "not json\n".to_owned(),
    ]
    .concat();
    let report = permissive()
        .merge(Input::Bytes(batch.as_bytes()), &delta.target())
        .unwrap();
    assert_eq!(
        (
            report.records_read,
            report.records_rejected,
            report.versions_superseded,
            report.open_houses
        ),
        (3, 1, 1, 1)
    );
    assert_eq!(report.insights.total_open_houses, 2);
    assert_eq!(report.insights.top_zipcodes[0].open_houses, 2);
    let merge = report.merge.unwrap();
    assert_eq!((merge.layout, merge.table_rows), (TableLayout::Delta, 2));
    let json = serde_json::to_value(&report.insights).unwrap();
    let again =
        serde_json::to_value(openhouse::insights_from_parquet(&delta.path, 5).unwrap()).unwrap();
    assert_eq!(json, again);
}

#[test]
fn a_batch_read_from_a_file_is_recognised_by_the_hash_of_its_bytes() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("openhouses");
    let batch = event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521");
    let feed = write(folder.path(), "batch.ndjson", &batch);
    let paths = openhouse::MergePaths {
        input: feed.into(),
        target: MergeTarget::Delta {
            table: table.clone(),
        },
        rejects: None,
        report: None,
    };
    permissive().merge_run(&paths).unwrap();
    let table = DeltaTable::open(&table).unwrap();
    assert!(
        table
            .contains_batch(&BatchHash::of(batch.as_bytes()))
            .unwrap()
    );
    let report = permissive().merge_run(&paths).unwrap();
    assert!(report.merge.unwrap().already_applied);
}

#[test]
fn the_insights_and_the_dashboard_read_a_delta_table_through_its_log() {
    let delta = Built::new(TableLayout::Delta);
    delta.apply(&event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521"));
    delta.apply(&event("A", "2024-05-06", "2024-05-03T10:00:00Z", "10001"));
    // The first version's file is still on disk, removed by the log only.
    let files = walk(&delta.path);
    assert_eq!(files.len(), 2, "{files:?}");

    let insights = openhouse::insights_from_parquet(&delta.path, 5).unwrap();
    assert_eq!(insights.total_open_houses, 1);
    assert_eq!(insights.top_zipcodes[0].zipcode.as_str(), "10001");

    let mut dashboard = TableDashboard::load(&delta.path, None).unwrap();
    assert_eq!(dashboard.summary().rows, 1);
    let page = dashboard.render(&DashboardQuery::default(), false).unwrap();
    assert!(page.contains(r#"data-zipcode="10001""#));
    assert!(!page.contains(r#"data-zipcode="94521""#));

    // A new commit changes the list of active files, which the dashboard notices.
    assert!(!dashboard.refresh().unwrap());
    delta.apply(&event("B", "2024-05-07", "2024-05-03T10:00:00Z", "94521"));
    assert!(dashboard.refresh().unwrap());
    assert_eq!(dashboard.summary().rows, 2);
}

/// Every Parquet file under `folder`, whatever the log says.
fn walk(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else if path
            .extension()
            .is_some_and(|extension| extension == "parquet")
        {
            found.push(path);
        }
    }
    found
}

#[test]
fn a_parquet_merge_needs_an_existing_base_table() {
    let folder = tempfile::tempdir().unwrap();
    let target = MergeTarget::ParquetFile {
        base: folder.path().join("missing.parquet"),
        output: folder.path().join("out.parquet"),
    };
    let batch = event("A", "2024-05-06", "2024-05-02T10:00:00Z", "94521");
    let error = Pipeline::default()
        .merge(Input::Bytes(batch.as_bytes()), &target)
        .unwrap_err();
    assert_eq!(error.kind(), openhouse::ErrorKind::Io, "{error}");
    assert!(!folder.path().join("out.parquet").exists());
}
