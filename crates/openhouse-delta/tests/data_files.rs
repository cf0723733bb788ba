//! New data files: where they go, how they are encoded, what they accept, and the statistics
//! and bloom filters that readers use to skip them.

mod support;

use std::fs::File;
use std::path::Path;

use openhouse_delta::{Error, Table, split_by_month};
use parquet::basic::Compression;
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use serde_json::Value;
use support::{append, batch, month, row};

fn footer(path: &Path) -> ParquetMetaData {
    ParquetMetaDataReader::new()
        .parse_and_finish(&File::open(path).unwrap())
        .unwrap()
}

/// The `stats` of the add actions in commit `version`, parsed.
fn logged_stats(table: &Path, version: u64) -> Vec<Value> {
    std::fs::read_to_string(table.join(format!("_delta_log/{version:020}.json")))
        .unwrap()
        .lines()
        .filter_map(|line| {
            let action: Value = serde_json::from_str(line).unwrap();
            let stats = action.get("add")?.get("stats")?.as_str()?.to_owned();
            Some(serde_json::from_str(&stats).unwrap())
        })
        .collect()
}

#[test]
fn a_data_file_is_zstd_sorted_by_date_and_key_with_a_bloom_filter_on_the_key_only() {
    let folder = tempfile::tempdir().unwrap();
    let table = Table::open_or_create(folder.path()).unwrap();
    let mut file = table.create_data_file(month("2024-05")).unwrap();
    file.write(&batch(&[row("OH-1", "2024-05-04", 1)])).unwrap();
    let written = file.finish().unwrap();

    let metadata = footer(written.location());
    let row_group = &metadata.row_groups()[0];
    let schema = metadata.file_metadata().schema_descr();
    let sorted: Vec<String> = row_group
        .sorting_columns()
        .unwrap()
        .iter()
        .map(|column| schema.column(column.column_idx as usize).name().to_owned())
        .collect();
    assert_eq!(sorted, ["OpenHouseDate", "OpenHouseKey"]);
    for column in row_group.columns() {
        assert!(matches!(column.compression(), Compression::ZSTD(_)));
        let has_filter = column.bloom_filter_offset().is_some();
        assert_eq!(has_filter, column.column_path().string() == "OpenHouseKey");
    }
    assert_eq!(written.rows(), 1);
    assert_eq!(
        written.size_bytes(),
        std::fs::metadata(written.location()).unwrap().len()
    );
}

#[test]
fn a_row_outside_the_month_of_the_file_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let table = Table::open_or_create(folder.path()).unwrap();
    let mut file = table.create_data_file(month("2024-05")).unwrap();
    let rows = [row("OH-1", "2024-05-31", 1), row("OH-2", "2024-06-01", 1)];
    assert!(matches!(
        file.write(&batch(&rows)),
        Err(Error::RowOutsideMonth { row: 1, .. })
    ));
}

#[test]
fn rows_out_of_table_order_are_refused_within_and_across_batches() {
    let folder = tempfile::tempdir().unwrap();
    let table = Table::open_or_create(folder.path()).unwrap();
    let mut file = table.create_data_file(month("2024-05")).unwrap();
    let unsorted = [row("OH-2", "2024-05-04", 1), row("OH-1", "2024-05-04", 1)];
    assert!(matches!(
        file.write(&batch(&unsorted)),
        Err(Error::NotSorted { row: 1 })
    ));

    let mut file = table.create_data_file(month("2024-05")).unwrap();
    file.write(&batch(&[row("OH-1", "2024-05-05", 1)])).unwrap();
    assert!(matches!(
        file.write(&batch(&[row("OH-9", "2024-05-04", 1)])),
        Err(Error::NotSorted { row: 1 })
    ));
    // Equal (date, key) pairs are in order: a file may hold them, the merge decides.
    file.write(&batch(&[row("OH-1", "2024-05-05", 2)])).unwrap();
}

#[test]
fn a_batch_of_another_schema_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let table = Table::open_or_create(folder.path()).unwrap();
    let mut file = table.create_data_file(month("2024-05")).unwrap();
    let rows = batch(&[row("OH-1", "2024-05-04", 1)]);
    let narrower = rows.project(&[0, 3]).unwrap();
    assert!(matches!(
        file.write(&narrower),
        Err(Error::SchemaMismatch { .. })
    ));
}

#[test]
fn a_data_file_dropped_before_it_is_finished_leaves_nothing_behind() {
    let folder = tempfile::tempdir().unwrap();
    let table = Table::open_or_create(folder.path()).unwrap();
    let mut file = table.create_data_file(month("2024-05")).unwrap();
    let location = folder.path().join(file.path());
    file.write(&batch(&[row("OH-1", "2024-05-04", 1)])).unwrap();
    assert!(location.is_file());
    drop(file);
    assert!(!location.exists());
}

#[test]
fn splitting_by_month_gives_one_slice_per_month_in_order() {
    let rows = [
        row("OH-1", "2024-04-30", 1),
        row("OH-2", "2024-05-01", 1),
        row("OH-3", "2024-05-31", 1),
        row("OH-4", "2024-07-01", 1),
    ];
    let parts: Vec<_> = split_by_month(&batch(&rows))
        .unwrap()
        .into_iter()
        .map(|(month, part)| (month.to_string(), part.num_rows()))
        .collect();
    assert_eq!(
        parts,
        [
            ("2024-04".to_owned(), 1),
            ("2024-05".to_owned(), 2),
            ("2024-07".to_owned(), 1)
        ]
    );
}

#[test]
fn the_log_records_row_counts_bounds_and_null_counts_for_every_column() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    let mut early = row("OH-A", "2024-05-02", 1_714_555_800_000_000); // 2024-05-01T09:30:00Z
    early.start = 1_714_644_000_000_001; // 2024-05-02T10:00:00.000001Z
    early.listing_key = None;
    let mut late = row("OH-B", "2024-05-30", 1_714_555_800_123_400); // …09:30:00.1234Z
    late.start = 1_717_063_200_000_999; // 2024-05-30T10:00:00.000999Z
    append(&mut table, "batch", &[early, late]);

    let stats = logged_stats(folder.path(), 1);
    assert_eq!(stats.len(), 1);
    let stats = &stats[0];
    assert_eq!(stats["numRecords"], 2);
    assert_eq!(stats["minValues"]["OpenHouseKey"], "OH-A");
    assert_eq!(stats["maxValues"]["OpenHouseKey"], "OH-B");
    assert_eq!(stats["minValues"]["OpenHouseDate"], "2024-05-02");
    assert_eq!(stats["maxValues"]["OpenHouseDate"], "2024-05-30");
    // Milliseconds, rounded outward: the minimum down, the maximum up.
    assert_eq!(
        stats["minValues"]["OpenHouseStartTime"],
        "2024-05-02T10:00:00.000Z"
    );
    assert_eq!(
        stats["maxValues"]["OpenHouseStartTime"],
        "2024-05-30T10:00:00.001Z"
    );
    assert_eq!(
        stats["minValues"]["DateModified"],
        "2024-05-01T09:30:00.000Z"
    );
    assert_eq!(
        stats["maxValues"]["DateModified"],
        "2024-05-01T09:30:00.124Z"
    );
    assert_eq!(stats["nullCount"]["ListingKey"], 1);
    assert_eq!(stats["nullCount"]["OpenHouseKey"], 0);
    let columns = |kind: &str| {
        let mut names: Vec<String> = stats[kind].as_object().unwrap().keys().cloned().collect();
        names.sort();
        names
    };
    let mut all: Vec<String> = openhouse_parquet::schema()
        .fields()
        .iter()
        .map(|field| field.name().clone())
        .collect();
    all.sort();
    assert_eq!(columns("minValues"), all);
    assert_eq!(columns("maxValues"), all);
    assert_eq!(columns("nullCount"), all);
    assert_eq!(stats["minValues"].get("month"), None::<&Value>);
}

#[test]
fn a_file_may_contain_every_key_it_holds() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    let keys: Vec<String> = (0..500).map(|i| format!("OH-{i:04}")).collect();
    let rows: Vec<_> = keys.iter().map(|key| row(key, "2024-05-04", 1)).collect();
    append(&mut table, "batch", &rows);
    let file = &table.active_files().unwrap()[0];
    for key in &keys {
        assert!(table.file_may_contain_any(file, &[key]).unwrap(), "{key}");
    }
    assert!(!table.file_may_contain_any(file, &[] as &[&str]).unwrap());
}

#[test]
fn a_file_rules_out_most_keys_it_does_not_hold() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    let rows: Vec<_> = (0..500)
        .map(|i| row(&format!("OH-{i:04}"), "2024-05-04", 1))
        .collect();
    append(&mut table, "batch", &rows);
    let file = &table.active_files().unwrap()[0];
    let maybe = (0..1000)
        .filter(|i| {
            let absent = format!("ABSENT-{i}");
            table.file_may_contain_any(file, &[absent]).unwrap()
        })
        .count();
    // The filter is built for a 5% false-positive rate.
    assert!(
        maybe < 100,
        "{maybe} of 1000 absent keys reported as possible"
    );
}
