//! A batch is applied once: its hash marks it in the log, a re-application is skipped, and a
//! batch that never reached the log leaves the table as it was.

mod support;

use std::path::Path;

use openhouse_delta::{
    BATCH_COUNTS_KEY, BATCH_HASH_KEY, BatchCommit, BatchHash, CommitOutcome, Error, Table,
};
use serde_json::{Value, json};
use support::{append, row, table_rows, write_files};

/// The actions of one commit file of the log, parsed as JSON.
fn log_actions(table: &Path, version: u64) -> Vec<Value> {
    let path = table.join(format!("_delta_log/{version:020}.json"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn a_committed_batch_is_recognised_by_its_hash() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    append(&mut table, "first", &[row("OH-1", "2024-05-04", 1)]);
    assert!(table.contains_batch(&BatchHash::of(b"first")).unwrap());
    assert!(!table.contains_batch(&BatchHash::of(b"second")).unwrap());
    let reopened = Table::open(folder.path()).unwrap();
    assert!(reopened.contains_batch(&BatchHash::of(b"first")).unwrap());
}

#[test]
fn the_commit_records_the_batch_hash_and_counts_and_a_txn_mark() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    append(
        &mut table,
        "first",
        &[row("OH-1", "2024-05-04", 1), row("OH-2", "2024-06-04", 1)],
    );
    let hash = BatchHash::of(b"second");
    let mut commit = BatchCommit::new(hash);
    commit.removed = table.active_files().unwrap()[..1].to_vec();
    commit.added = write_files(
        &table,
        &[row("OH-1", "2024-05-04", 2), row("OH-3", "2024-05-05", 2)],
    );
    commit.counts.insert("inserted".into(), 1);
    commit.counts.insert("updated".into(), 1);
    commit.counts.insert("rows_added".into(), 99); // the commit's own count takes precedence
    table.commit(commit).unwrap();

    let actions = log_actions(folder.path(), 2);
    let info = actions
        .iter()
        .find_map(|action| action.get("commitInfo"))
        .unwrap();
    assert_eq!(info["operation"], "MERGE");
    assert_eq!(info[BATCH_HASH_KEY], json!(hash.to_string()));
    assert_eq!(
        info[BATCH_COUNTS_KEY],
        json!({"files_added": 1, "files_removed": 1, "rows_added": 2, "rows_removed": 1,
               "inserted": 1, "updated": 1})
    );
    let txn = actions.iter().find_map(|action| action.get("txn")).unwrap();
    assert_eq!(txn["appId"], json!(hash.app_id()));
    assert_eq!(
        hash.app_id(),
        format!("openhouse.batch.{}", BatchHash::of(b"second"))
    );
}

#[test]
fn applying_a_batch_again_commits_nothing_and_deletes_its_new_files() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    append(&mut table, "first", &[row("OH-1", "2024-05-04", 1)]);

    let mut again = BatchCommit::new(BatchHash::of(b"first"));
    again.added = write_files(&table, &[row("OH-1", "2024-05-04", 1)]);
    let new_file = again.added[0].location().to_path_buf();
    assert_eq!(table.commit(again).unwrap(), CommitOutcome::AlreadyApplied);
    assert_eq!(table.version(), 1);
    assert_eq!(Table::open(folder.path()).unwrap().version(), 1);
    assert!(!new_file.exists());
    assert_eq!(table.active_files().unwrap().len(), 1);
}

#[test]
fn a_batch_is_recognised_after_a_checkpoint_and_log_cleanup() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    append(&mut table, "first", &[row("OH-1", "2024-05-04", 1)]);
    append(&mut table, "second", &[row("OH-2", "2024-05-05", 1)]);

    // What Delta's log cleanup leaves after a checkpoint at version 2: the checkpoint and the
    // commits from 2 on. The commitInfo of "first" (in commit 1) is gone with it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = deltalake::ensure_table_uri(folder.path().to_str().unwrap()).unwrap();
        let delta = deltalake::open_table(url).await.unwrap();
        deltalake::checkpoints::create_checkpoint(&delta, None)
            .await
            .unwrap();
    });
    let log = folder.path().join("_delta_log");
    for version in 0..2u64 {
        std::fs::remove_file(log.join(format!("{version:020}.json"))).unwrap();
    }
    assert!(log.join(format!("{:020}.checkpoint.parquet", 2)).is_file());

    let reopened = Table::open(folder.path()).unwrap();
    assert_eq!(reopened.version(), 2);
    assert!(reopened.contains_batch(&BatchHash::of(b"first")).unwrap());
    assert!(reopened.contains_batch(&BatchHash::of(b"second")).unwrap());
}

#[test]
fn a_batch_committed_meanwhile_by_another_writer_is_already_applied() {
    let folder = tempfile::tempdir().unwrap();
    let mut one = Table::open_or_create(folder.path()).unwrap();
    let mut other = Table::open(folder.path()).unwrap();
    append(&mut one, "first", &[row("OH-1", "2024-05-04", 1)]);

    // `other` is still at version 0 and applies the same batch.
    let mut same = BatchCommit::new(BatchHash::of(b"first"));
    same.added = write_files(&other, &[row("OH-1", "2024-05-04", 1)]);
    let new_file = same.added[0].location().to_path_buf();
    assert_eq!(other.commit(same).unwrap(), CommitOutcome::AlreadyApplied);
    assert!(!new_file.exists());
    assert_eq!(Table::open(folder.path()).unwrap().version(), 1);
}

#[test]
fn a_batch_built_on_a_stale_version_conflicts_with_another_writers_data() {
    let folder = tempfile::tempdir().unwrap();
    let mut one = Table::open_or_create(folder.path()).unwrap();
    let mut other = Table::open(folder.path()).unwrap();
    append(&mut one, "first", &[row("OH-1", "2024-05-04", 1)]);

    // `other` decided what to write without seeing version 1, which may hold its keys.
    let mut stale = BatchCommit::new(BatchHash::of(b"second"));
    stale.added = write_files(&other, &[row("OH-1", "2024-05-04", 2)]);
    assert!(matches!(
        other.commit(stale),
        Err(Error::Delta(deltalake::DeltaTableError::Transaction { .. }))
    ));
    assert_eq!(Table::open(folder.path()).unwrap().version(), 1);
    assert!(!other.contains_batch(&BatchHash::of(b"second")).unwrap());
}

#[test]
fn a_batch_whose_commit_never_happened_leaves_the_previous_version_and_rows() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    append(&mut table, "first", &[row("OH-1", "2024-05-04", 1)]);

    // The process stops after writing the batch's files and before committing them.
    let mut interrupted = BatchCommit::new(BatchHash::of(b"second"));
    interrupted.removed = table.active_files().unwrap();
    interrupted.added = write_files(&table, &[row("OH-1", "2024-05-04", 2)]);
    let orphan = interrupted.added[0].location().to_path_buf();
    drop(interrupted);
    drop(table);

    let table = Table::open(folder.path()).unwrap();
    assert_eq!(table.version(), 1);
    assert_eq!(table_rows(&table), [row("OH-1", "2024-05-04", 1)]);
    assert!(
        orphan.is_file(),
        "the written file is on disk, unreferenced"
    );
    assert!(
        table
            .active_files()
            .unwrap()
            .iter()
            .all(|file| file.location() != orphan)
    );
    assert!(!table.contains_batch(&BatchHash::of(b"second")).unwrap());
}

#[test]
fn a_commit_torn_by_a_crash_is_ignored_by_readers() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    append(&mut table, "first", &[row("OH-1", "2024-05-04", 1)]);

    // The local store writes a commit to `<version>.json#<n>` and links it into place; a crash
    // in between leaves a partial file under the temporary name.
    let mut next = BatchCommit::new(BatchHash::of(b"second"));
    next.removed = table.active_files().unwrap();
    next.added = write_files(&table, &[row("OH-1", "2024-05-04", 2)]);
    let partial = format!(
        "{{\"commitInfo\":{{\"operation\":\"MERGE\"}}}}\n{{\"remove\":{{\"path\":\"{}\",\"dataChange\":tr",
        next.removed[0].path()
    );
    std::fs::write(
        folder.path().join("_delta_log/00000000000000000002.json#1"),
        partial,
    )
    .unwrap();

    let reader = Table::open(folder.path()).unwrap();
    assert_eq!(reader.version(), 1);
    assert_eq!(table_rows(&reader), [row("OH-1", "2024-05-04", 1)]);
}

#[test]
fn a_commit_after_a_torn_one_lands() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path()).unwrap();
    append(&mut table, "first", &[row("OH-1", "2024-05-04", 1)]);
    std::fs::write(
        folder.path().join("_delta_log/00000000000000000002.json#1"),
        "{\"commitInfo\":{",
    )
    .unwrap();

    let mut next = BatchCommit::new(BatchHash::of(b"second"));
    next.removed = table.active_files().unwrap();
    next.added = write_files(&table, &[row("OH-1", "2024-05-04", 2)]);
    assert_eq!(
        table.commit(next).unwrap(),
        CommitOutcome::Committed { version: 2 }
    );
    assert_eq!(
        table_rows(&Table::open(folder.path()).unwrap()),
        [row("OH-1", "2024-05-04", 2)]
    );
}

#[test]
fn a_file_added_twice_or_written_for_another_table_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let mut table = Table::open_or_create(folder.path().join("one")).unwrap();
    let other = Table::open_or_create(folder.path().join("other")).unwrap();

    let mut twice = BatchCommit::new(BatchHash::of(b"twice"));
    twice.added = write_files(&table, &[row("OH-1", "2024-05-04", 1)]);
    twice.added.push(twice.added[0].clone());
    assert!(matches!(
        table.commit(twice),
        Err(Error::InvalidCommit { .. })
    ));

    let mut foreign = BatchCommit::new(BatchHash::of(b"foreign"));
    foreign.added = write_files(&other, &[row("OH-1", "2024-05-04", 1)]);
    assert!(matches!(
        table.commit(foreign),
        Err(Error::InvalidCommit { .. })
    ));
    assert_eq!(table.version(), 0);
}
