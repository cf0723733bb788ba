//! Commits cut short: faults injected between renames, and what the next preparation makes
//! of what they leave. (The behaviour seen through the public API is in tests/publish.rs.)

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::commit::failpoint::{self, Failure};
use super::{ErrorClass, Publication, PublishError, PublishPlan};

/// The names in `folder`, sorted.
fn names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Two outputs with old contents, and a plan that writes both.
struct Outputs {
    _root: tempfile::TempDir,
    first: PathBuf,
    second: PathBuf,
}

impl Outputs {
    /// Both outputs in one folder, or each in its own.
    fn new(separate_folders: bool) -> Outputs {
        let root = tempfile::tempdir().unwrap();
        let first = root.path().join("a/table.parquet");
        let second = if separate_folders {
            root.path().join("b/rejects.ndjson")
        } else {
            root.path().join("a/rejects.ndjson")
        };
        for path in [&first, &second] {
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, b"old").unwrap();
        }
        Outputs {
            _root: root,
            first,
            second,
        }
    }

    fn plan(&self) -> PublishPlan {
        let mut plan = PublishPlan::new();
        plan.output("the table", &self.first);
        plan.output("the rejects file", &self.second);
        plan
    }

    /// A publication of the plan with "new" written to both outputs.
    fn written(&self) -> Publication {
        let mut publication = self.plan().prepare().unwrap();
        for output in publication.outputs_mut() {
            output.write_all(b"new").unwrap();
        }
        publication
    }

    /// Writes "new" to both outputs and commits, with `failure` injected before rename
    /// number `at`.
    fn commit_failing(&self, at: usize, failure: Failure) -> PublishError {
        let publication = self.written();
        failpoint::set(at, failure);
        publication.commit().unwrap_err()
    }

    fn contents(&self) -> (Vec<u8>, Vec<u8>) {
        (
            fs::read(&self.first).unwrap(),
            fs::read(&self.second).unwrap(),
        )
    }

    fn folders(&self) -> Vec<&Path> {
        let mut folders = vec![self.first.parent().unwrap(), self.second.parent().unwrap()];
        folders.dedup();
        folders
    }

    /// Whether any folder still holds a temporary file or a journal.
    fn leftovers(&self) -> Vec<String> {
        self.folders()
            .into_iter()
            .flat_map(names)
            .filter(|name| name.starts_with(".openhouse-"))
            .collect()
    }
}

#[test]
fn a_crash_between_renames_leaves_a_mixed_set_that_the_next_preparation_completes() {
    let outputs = Outputs::new(false);
    outputs.commit_failing(1, Failure::Crash);
    assert_eq!(outputs.contents(), (b"new".to_vec(), b"old".to_vec()));
    assert!(
        outputs
            .leftovers()
            .iter()
            .any(|name| name.ends_with(".journal")),
        "{:?}",
        outputs.leftovers()
    );

    drop(outputs.plan().prepare().unwrap());
    assert_eq!(outputs.contents(), (b"new".to_vec(), b"new".to_vec()));
    assert_eq!(outputs.leftovers(), Vec::<String>::new());
}

#[test]
fn a_crash_before_the_first_rename_is_completed_by_the_next_preparation() {
    // The journal is written, so every temporary file was complete: publishing is safe.
    let outputs = Outputs::new(false);
    outputs.commit_failing(0, Failure::Crash);
    assert_eq!(outputs.contents(), (b"old".to_vec(), b"old".to_vec()));

    drop(outputs.plan().prepare().unwrap());
    assert_eq!(outputs.contents(), (b"new".to_vec(), b"new".to_vec()));
    assert_eq!(outputs.leftovers(), Vec::<String>::new());
}

#[test]
fn a_lost_temporary_file_before_any_rename_makes_the_next_preparation_discard_the_commit() {
    let outputs = Outputs::new(true);
    outputs.commit_failing(0, Failure::Crash);
    // What a run on the second folder alone does when that folder has no journal copy
    // (the crash came while the copies were being written): it removes the stale
    // temporary file.
    let second_folder = outputs.second.parent().unwrap();
    for name in names(second_folder) {
        if name.starts_with(".openhouse-") {
            fs::remove_file(second_folder.join(name)).unwrap();
        }
    }

    drop(outputs.plan().prepare().unwrap());
    assert_eq!(outputs.contents(), (b"old".to_vec(), b"old".to_vec()));
    assert_eq!(outputs.leftovers(), Vec::<String>::new());
}

#[test]
fn a_crash_is_completed_by_a_run_on_just_one_of_its_folders() {
    let outputs = Outputs::new(true);
    outputs.commit_failing(1, Failure::Crash);
    assert_eq!(outputs.contents(), (b"new".to_vec(), b"old".to_vec()));

    let mut second_only = PublishPlan::new();
    second_only.output("the rejects file", &outputs.second);
    drop(second_only.prepare().unwrap());
    assert_eq!(outputs.contents(), (b"new".to_vec(), b"new".to_vec()));
    assert_eq!(outputs.leftovers(), Vec::<String>::new());
}

#[test]
fn a_recovery_that_crashes_in_turn_is_completed_by_the_next_one() {
    let outputs = Outputs::new(false);
    outputs.commit_failing(1, Failure::Crash);
    // A recovery that renamed the pending file and died before removing the journal leaves
    // every target renamed and the journal: the next one only removes the journal.
    let folder = outputs.first.parent().unwrap();
    let pending: Vec<String> = names(folder)
        .into_iter()
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert_eq!(pending.len(), 1, "{pending:?}");
    fs::rename(folder.join(&pending[0]), &outputs.second).unwrap();

    drop(outputs.plan().prepare().unwrap());
    assert_eq!(outputs.contents(), (b"new".to_vec(), b"new".to_vec()));
    assert_eq!(outputs.leftovers(), Vec::<String>::new());
}

#[test]
fn a_rename_that_fails_after_another_leaves_the_commit_for_the_next_preparation() {
    let outputs = Outputs::new(false);
    let error = outputs.commit_failing(1, Failure::Error);
    assert!(
        matches!(error, PublishError::Interrupted { .. }),
        "{error:?}"
    );
    assert_eq!(error.class(), ErrorClass::Io);
    assert!(error.to_string().contains("rejects.ndjson"), "{error}");

    drop(outputs.plan().prepare().unwrap());
    assert_eq!(outputs.contents(), (b"new".to_vec(), b"new".to_vec()));
    assert_eq!(outputs.leftovers(), Vec::<String>::new());
}

#[test]
fn a_first_rename_that_fails_publishes_nothing_and_leaves_nothing() {
    let outputs = Outputs::new(true);
    let error = outputs.commit_failing(0, Failure::Error);
    assert!(matches!(error, PublishError::Io { .. }), "{error:?}");
    assert_eq!(outputs.contents(), (b"old".to_vec(), b"old".to_vec()));
    assert_eq!(outputs.leftovers(), Vec::<String>::new());
}

#[test]
fn an_unreadable_journal_stops_preparation_and_is_kept() {
    let outputs = Outputs::new(false);
    let journal = outputs.first.with_file_name(".openhouse-1-garbled.journal");
    fs::write(&journal, b"openhouse commit journal 1\nentry 2f").unwrap();
    let error = outputs.plan().prepare().unwrap_err();
    assert!(matches!(error, PublishError::Journal { .. }), "{error:?}");
    assert!(journal.exists());
}

#[test]
fn an_output_synced_early_keeps_what_is_written_after_and_commits() {
    let outputs = Outputs::new(false);
    let mut publication = outputs.plan().prepare().unwrap();
    for output in publication.outputs_mut() {
        output.write_all(b"ne").unwrap();
        output.sync_early();
        output.write_all(b"w").unwrap();
    }
    publication.commit().unwrap();
    assert_eq!(outputs.contents(), (b"new".to_vec(), b"new".to_vec()));
    assert_eq!(outputs.leftovers(), Vec::<String>::new());
}

#[test]
fn a_failed_early_sync_fails_the_commit_and_publishes_nothing() {
    let outputs = Outputs::new(false);
    let mut publication = outputs.written();
    failpoint::fail_early_sync();
    publication.outputs_mut()[1].sync_early();
    let error = publication.commit().unwrap_err();
    assert!(
        matches!(error, PublishError::Io { action: "sync", .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("rejects.ndjson"), "{error}");
    assert_eq!(outputs.contents(), (b"old".to_vec(), b"old".to_vec()));
    assert_eq!(outputs.leftovers(), Vec::<String>::new());
}
