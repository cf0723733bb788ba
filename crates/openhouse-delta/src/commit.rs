//! One batch, one Delta transaction: removals and additions land together or not at all,
//! and the batch's hash marks it as applied.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::time::{SystemTime, UNIX_EPOCH};

use deltalake::DeltaTableError;
use deltalake::kernel::transaction::{CommitBuilder, CommitProperties};
use deltalake::kernel::{Action, Add, Remove, Transaction};
use deltalake::protocol::DeltaOperation;
use serde_json::{Value, json};

use crate::{ActiveFile, BatchHash, Error, MONTH_COLUMN, Table, WrittenFile};

/// The commitInfo key that holds the batch's hash in hexadecimal.
pub const BATCH_HASH_KEY: &str = "openhouse.batch_sha256";

/// The commitInfo key that holds the batch's counts, an object of names to numbers.
pub const BATCH_COUNTS_KEY: &str = "openhouse.counts";

/// What applying one batch changes: files that leave the table, files that join it, and
/// counts for the commit's metadata.
#[derive(Debug, Clone)]
pub struct BatchCommit {
    /// The batch's hash, recorded so that the batch is applied once.
    pub batch: BatchHash,
    /// Active files to remove (from [`Table::active_files`] at the table's current version).
    pub removed: Vec<ActiveFile>,
    /// Files written for this batch with [`Table::create_data_file`].
    pub added: Vec<WrittenFile>,
    /// Named counts to record in the commit's metadata (e.g. keys inserted and updated),
    /// beside the ones the commit computes: `files_added`, `files_removed`, `rows_added` and,
    /// when every removed file's row count is known, `rows_removed`, which take precedence
    /// over counts of the same names.
    pub counts: BTreeMap<String, u64>,
}

impl BatchCommit {
    /// A commit for `batch` that changes nothing yet.
    pub fn new(batch: BatchHash) -> BatchCommit {
        BatchCommit {
            batch,
            removed: Vec::new(),
            added: Vec::new(),
            counts: BTreeMap::new(),
        }
    }
}

/// What [`Table::commit`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    /// The batch's changes are the table's new version.
    Committed {
        /// The version the commit made.
        version: u64,
    },
    /// The table already holds this batch (applied before, or by a concurrent writer); nothing
    /// was committed and the commit's new files were deleted.
    AlreadyApplied,
}

impl Table {
    /// Whether the batch was committed to the table, as of this handle's version.
    ///
    /// The mark is the Delta `txn` action of each batch commit (application id
    /// [`BatchHash::app_id`]), which is part of the table state: it survives checkpoints and
    /// log cleanup, and Delta's conflict check refuses a concurrent commit of the same id.
    pub fn contains_batch(&self, batch: &BatchHash) -> Result<bool, Error> {
        let log_store = self.delta().log_store();
        let version = self.runtime().block_on(
            self.state()?
                .transaction_version(log_store.as_ref(), batch.app_id()),
        )??;
        Ok(version.is_some())
    }

    /// Commits `commit` as one Delta transaction on top of this handle's version: readers see
    /// every removal and addition of the batch, or none. A batch the table already holds is
    /// not committed again ([`CommitOutcome::AlreadyApplied`]).
    ///
    /// If another writer committed in between, delta-rs checks for conflicts: the commit is
    /// recorded as a merge that read the whole table, so any concurrent change of data fails
    /// it with a conflict error; the caller refreshes and applies the batch again. On an error
    /// the new files stay on disk unreferenced (VACUUM removes them).
    pub fn commit(&mut self, commit: BatchCommit) -> Result<CommitOutcome, Error> {
        if self.contains_batch(&commit.batch)? {
            discard(&commit.added)?;
            return Ok(CommitOutcome::AlreadyApplied);
        }
        let actions = self.actions(&commit)?;
        let properties = CommitProperties::default()
            .with_metadata(metadata(&commit))
            .with_application_transaction(Transaction::new_with_last_update(
                commit.batch.app_id(),
                0,
                Some(now_millis()),
            ));
        let operation = DeltaOperation::Merge {
            // No read predicate: finding a batch's keys reads every file's bloom filter, so
            // the commit conflicts with any concurrent data change.
            predicate: None,
            merge_predicate: Some("target.OpenHouseKey = source.OpenHouseKey".into()),
            matched_predicates: Vec::new(),
            not_matched_predicates: Vec::new(),
            not_matched_by_source_predicates: Vec::new(),
        };
        let landed = self.runtime().block_on(
            CommitBuilder::from(properties).with_actions(actions).build(
                Some(self.state()?),
                self.delta().log_store(),
                operation,
            ),
        )?;
        match landed {
            Ok(finalized) => {
                self.delta_mut().state = Some(finalized.snapshot);
                Ok(CommitOutcome::Committed {
                    version: self.version(),
                })
            }
            Err(error @ DeltaTableError::Transaction { .. }) => {
                // A conflict: if the winner applied this very batch, the batch is in.
                self.refresh()?;
                if self.contains_batch(&commit.batch)? {
                    discard(&commit.added)?;
                    return Ok(CommitOutcome::AlreadyApplied);
                }
                Err(error.into())
            }
            Err(error) => Err(error.into()),
        }
    }

    fn actions(&self, commit: &BatchCommit) -> Result<Vec<Action>, Error> {
        self.check_files(commit)?;
        let now = now_millis();
        let partition = |month: crate::Month| {
            HashMap::from([(MONTH_COLUMN.to_owned(), Some(month.to_string()))])
        };
        let mut actions = Vec::with_capacity(commit.removed.len() + commit.added.len());
        for file in &commit.removed {
            actions.push(Action::Remove(Remove {
                path: file.path().to_owned(),
                data_change: true,
                deletion_timestamp: Some(now),
                extended_file_metadata: Some(true),
                partition_values: Some(partition(file.month())),
                size: i64::try_from(file.size_bytes()).ok(),
                tags: None,
                deletion_vector: None,
                base_row_id: None,
                default_row_commit_version: None,
            }));
        }
        for file in &commit.added {
            actions.push(Action::Add(Add {
                path: file.path().to_owned(),
                partition_values: partition(file.month()),
                size: i64::try_from(file.size_bytes()).unwrap_or(i64::MAX),
                modification_time: now,
                data_change: true,
                stats: Some(file.stats_json().to_owned()),
                tags: None,
                deletion_vector: None,
                base_row_id: None,
                default_row_commit_version: None,
                clustering_provider: None,
            }));
        }
        Ok(actions)
    }

    /// Each removed file active and named once; each added file new, named once, and written
    /// into this table's folder.
    fn check_files(&self, commit: &BatchCommit) -> Result<(), Error> {
        let active: HashSet<String> = self
            .active_files()?
            .into_iter()
            .map(|file| file.path().to_owned())
            .collect();
        let invalid = |path: &str, reason| Error::InvalidCommit {
            path: path.to_owned(),
            reason,
        };
        let mut named = HashSet::new();
        for file in &commit.removed {
            if !active.contains(file.path()) {
                return Err(Error::NotActive {
                    path: file.path().to_owned(),
                    version: self.version(),
                });
            }
            if !named.insert(file.path()) {
                return Err(invalid(file.path(), "it is removed twice"));
            }
        }
        for file in &commit.added {
            if active.contains(file.path()) || !named.insert(file.path()) {
                return Err(invalid(file.path(), "it is added twice"));
            }
            if file.location() != self.root().join(file.path()) {
                return Err(invalid(file.path(), "it was written for another table"));
            }
        }
        Ok(())
    }
}

/// The commitInfo entries of a batch commit: its hash and its counts.
fn metadata(commit: &BatchCommit) -> Vec<(String, Value)> {
    let mut counts: BTreeMap<&str, u64> = commit
        .counts
        .iter()
        .map(|(name, count)| (name.as_str(), *count))
        .collect();
    counts.insert("files_added", commit.added.len() as u64);
    counts.insert("files_removed", commit.removed.len() as u64);
    counts.insert(
        "rows_added",
        commit.added.iter().map(WrittenFile::rows).sum(),
    );
    let rows_removed: Option<u64> = commit.removed.iter().map(ActiveFile::rows).sum();
    match rows_removed {
        Some(rows) => counts.insert("rows_removed", rows),
        None => counts.remove("rows_removed"),
    };
    vec![
        (BATCH_HASH_KEY.to_owned(), json!(commit.batch.to_string())),
        (BATCH_COUNTS_KEY.to_owned(), json!(counts)),
    ]
}

/// Deletes files that no commit refers to.
fn discard(files: &[WrittenFile]) -> Result<(), Error> {
    for file in files {
        fs::remove_file(file.location()).map_err(Error::io("removing", file.location()))?;
    }
    Ok(())
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis() as i64)
        .unwrap_or_default()
}
