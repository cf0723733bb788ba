//! The table's life: creation, listing, reading, and batches that remove and add files.

mod support;

use openhouse_delta::{BatchCommit, BatchHash, CommitOutcome, Error, Table};
use support::{append, month, row, table_rows, write_files};

#[test]
fn opening_an_empty_folder_creates_an_empty_table_at_version_zero() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("table");
    let table = Table::open_or_create(&path).unwrap();
    assert_eq!(table.version(), 0);
    assert!(table.active_files().unwrap().is_empty());
    assert!(path.join("_delta_log/00000000000000000000.json").is_file());
}

#[test]
fn the_table_is_partitioned_by_month_with_delta_date_and_timestamp_columns() {
    let folder = tempfile::tempdir().unwrap();
    Table::open_or_create(folder.path()).unwrap();
    let log = std::fs::read_to_string(folder.path().join("_delta_log/00000000000000000000.json"))
        .unwrap();
    let metadata: serde_json::Value = log
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .find_map(|action| action.get("metaData").cloned())
        .unwrap();
    assert_eq!(metadata["partitionColumns"], serde_json::json!(["month"]));
    let schema: serde_json::Value =
        serde_json::from_str(metadata["schemaString"].as_str().unwrap()).unwrap();
    let types: Vec<(String, String)> = schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| {
            (
                field["name"].as_str().unwrap().to_owned(),
                field["type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("OpenHouseKey", "string"),
        ("ListingKey", "string"),
        ("OpenHouseMethod", "string"),
        ("OpenHouseDate", "date"),
        ("OpenHouseStartTime", "timestamp"),
        ("OpenHouseEndTime", "timestamp"),
        ("DateModified", "timestamp"),
        ("State", "string"),
        ("Zipcode", "string"),
        ("Zip5", "string"),
        ("month", "string"),
    ]
    .map(|(name, kind)| (name.to_owned(), kind.to_owned()));
    assert_eq!(types, expected);
}

#[test]
fn reopening_a_table_finds_its_latest_version() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    append(&mut table, "first", &[row("OH-1", "2024-05-04", 1)]);
    assert_eq!(Table::open(folder.path()).unwrap().version(), 1);
    assert_eq!(Table::open_or_create(folder.path()).unwrap().version(), 1);
}

#[test]
fn opening_a_folder_without_a_table_is_an_error() {
    let folder = tempfile::tempdir().unwrap();
    assert!(matches!(
        Table::open(folder.path()),
        Err(Error::NotATable { .. })
    ));
    assert!(matches!(
        Table::open(folder.path().join("absent")),
        Err(Error::NotATable { .. })
    ));
}

#[test]
fn a_delta_table_with_other_columns_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let log = folder.path().join("_delta_log");
    std::fs::create_dir_all(&log).unwrap();
    // A minimal Delta log written by hand: one column `id`, not partitioned.
    let schema =
        r#"{"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}}]}"#;
    let metadata = serde_json::json!({"metaData": {
        "id": "4c3a5e1b-0000-4000-8000-000000000000",
        "format": {"provider": "parquet", "options": {}},
        "schemaString": schema,
        "partitionColumns": [],
        "configuration": {},
        "createdTime": 0
    }});
    let protocol = r#"{"protocol":{"minReaderVersion":1,"minWriterVersion":2}}"#;
    std::fs::write(
        log.join("00000000000000000000.json"),
        format!("{protocol}\n{metadata}\n"),
    )
    .unwrap();
    assert!(matches!(
        Table::open_or_create(folder.path()),
        Err(Error::UnsupportedTable { .. })
    ));
}

#[test]
fn a_committed_file_is_active_with_its_month_size_and_row_count() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    let rows = [
        row("OH-1", "2024-05-04", 1),
        row("OH-2", "2024-05-31", 2),
        row("OH-3", "2024-06-01", 3),
    ];
    assert_eq!(
        append(&mut table, "batch", &rows),
        CommitOutcome::Committed { version: 1 }
    );
    let files = table.active_files().unwrap();
    let summary: Vec<_> = files
        .iter()
        .map(|file| (file.month(), file.rows()))
        .collect();
    assert_eq!(
        summary,
        [(month("2024-05"), Some(2)), (month("2024-06"), Some(1))]
    );
    for file in &files {
        assert!(
            file.path()
                .starts_with(&format!("month={}/part-", file.month()))
        );
        assert!(file.path().ends_with(".parquet"));
        let on_disk = std::fs::metadata(file.location()).unwrap().len();
        assert_eq!(file.size_bytes(), on_disk);
    }
}

#[test]
fn reading_the_active_files_gives_back_the_rows_written() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    let mut rows = vec![
        row("OH-2", "2024-05-31", 2),
        row("OH-1", "2024-05-04", 1),
        row("OH-3", "2024-06-01", 3),
    ];
    rows[1].listing_key = None;
    rows[2].zipcode = None;
    rows[2].zip5 = None;
    append(&mut table, "batch", &rows);
    rows.sort();
    assert_eq!(table_rows(&table), rows);
}

#[test]
fn a_projection_reads_only_the_named_columns_in_table_order() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    append(&mut table, "batch", &[row("OH-1", "2024-05-04", 1)]);
    let files = table.active_files().unwrap();
    let batch = table
        .read(&files, Some(&["DateModified", "OpenHouseKey"]))
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let names: Vec<&str> = batch
        .schema_ref()
        .fields()
        .iter()
        .map(|field| field.name().as_str())
        .collect();
    assert_eq!(names, ["OpenHouseKey", "DateModified"]);
    assert!(matches!(
        table.read(&files, Some(&["month"])),
        Err(Error::UnknownColumn { .. })
    ));
}

#[test]
fn removing_and_adding_files_is_one_new_version() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    append(
        &mut table,
        "first",
        &[row("OH-1", "2024-05-04", 1), row("OH-2", "2024-06-04", 1)],
    );
    let before = table.active_files().unwrap();
    let may = before
        .iter()
        .find(|f| f.month() == month("2024-05"))
        .unwrap();

    let replacement = [row("OH-1", "2024-05-04", 2), row("OH-4", "2024-07-01", 2)];
    let mut commit = BatchCommit::new(BatchHash::of(b"second"));
    commit.removed.push(may.clone());
    commit.added = write_files(&table, &replacement);
    assert_eq!(
        table.commit(commit).unwrap(),
        CommitOutcome::Committed { version: 2 }
    );

    let months: Vec<_> = table
        .active_files()
        .unwrap()
        .iter()
        .map(|file| file.month())
        .collect();
    assert_eq!(
        months,
        [month("2024-05"), month("2024-06"), month("2024-07")]
    );
    let mut expected = vec![
        row("OH-1", "2024-05-04", 2),
        row("OH-2", "2024-06-04", 1),
        row("OH-4", "2024-07-01", 2),
    ];
    expected.sort();
    assert_eq!(table_rows(&table), expected);
    assert_eq!(table_rows(&Table::open(folder.path()).unwrap()), expected);
}

#[test]
fn a_reader_at_the_previous_version_still_reads_its_rows_after_a_rewrite() {
    let folder = tempfile::tempdir().unwrap();
    let mut writer = Table::open_or_create(folder.path()).unwrap();
    append(&mut writer, "first", &[row("OH-1", "2024-05-04", 1)]);
    let reader = Table::open(folder.path()).unwrap();

    let mut commit = BatchCommit::new(BatchHash::of(b"second"));
    commit.removed = writer.active_files().unwrap();
    commit.added = write_files(&writer, &[row("OH-1", "2024-05-04", 2)]);
    writer.commit(commit).unwrap();

    // A removed file stays on disk until a VACUUM, so a reader that listed it keeps reading.
    assert_eq!(reader.version(), 1);
    assert_eq!(table_rows(&reader), [row("OH-1", "2024-05-04", 1)]);
    assert_eq!(table_rows(&writer), [row("OH-1", "2024-05-04", 2)]);
}

#[test]
fn removing_a_file_that_is_not_active_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    append(&mut table, "first", &[row("OH-1", "2024-05-04", 1)]);
    let gone = table.active_files().unwrap();
    let mut commit = BatchCommit::new(BatchHash::of(b"second"));
    commit.removed = gone.clone();
    table.commit(commit).unwrap();

    let mut again = BatchCommit::new(BatchHash::of(b"third"));
    again.removed = gone;
    assert!(matches!(
        table.commit(again),
        Err(Error::NotActive { version: 2, .. })
    ));
    assert_eq!(table.version(), 2);
}

#[test]
fn a_refresh_sees_another_writers_commit() {
    let folder = tempfile::tempdir().unwrap();
    let mut reader = Table::open_or_create(folder.path()).unwrap();
    let mut writer = Table::open(folder.path()).unwrap();
    append(&mut writer, "first", &[row("OH-1", "2024-05-04", 1)]);
    assert_eq!(reader.version(), 0);
    reader.refresh().unwrap();
    assert_eq!(reader.version(), 1);
    assert_eq!(table_rows(&reader), [row("OH-1", "2024-05-04", 1)]);
}

#[test]
fn calling_from_inside_an_async_runtime_is_an_error_not_a_panic() {
    let folder = tempfile::tempdir().unwrap();
    let table = Table::open_or_create(folder.path()).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async move {
        assert!(matches!(
            Table::open(folder.path()),
            Err(Error::InsideAsyncRuntime)
        ));
        assert!(matches!(
            table.contains_batch(&BatchHash::of(b"batch")),
            Err(Error::InsideAsyncRuntime)
        ));
        drop(table);
    });
}
