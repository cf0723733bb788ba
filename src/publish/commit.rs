//! Publishing a run's outputs together: every file or none.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::journal::{Entry, Journal};
use super::target::kind_name;
use super::writer::{Finished, OutputWriter, StagedFile};
use super::{PublishError, sync_folder, temporary};

/// Finishes every output, then renames every temporary file over its target (see the
/// [module documentation](super) for the steps and what a crash at each leaves).
pub(crate) fn commit(outputs: Vec<OutputWriter>) -> Result<(), PublishError> {
    let mut staged = Vec::new();
    for output in outputs {
        if let Finished::File(file) = output.finish()? {
            staged.push(file);
        }
    }
    for file in &staged {
        check_still_replaceable(file)?;
    }
    // One rename is atomic by itself; a journal is needed only to tie several together.
    let journal = if staged.len() > 1 {
        let entries: Vec<Entry> = staged
            .iter()
            .map(|file| Entry {
                temporary: file.temporary.path().to_path_buf(),
                target: file.file.clone(),
                temporary_id: file.id,
            })
            .collect();
        let name = temporary::journal_name(staged[0].temporary.path()).ok_or_else(|| {
            PublishError::io("name the commit journal for", &staged[0].file)(io::Error::from(
                io::ErrorKind::InvalidFilename,
            ))
        })?;
        Some(Journal::write(&entries, &name)?)
    } else {
        None
    };
    let folders: BTreeSet<PathBuf> = staged
        .iter()
        .map(|file| folder_of(&file.file).to_path_buf())
        .collect();
    if let Err(failure) = rename_all(staged, journal.is_some()) {
        if let Some(journal) = journal {
            if failure.keep_journal {
                journal.keep();
            } else {
                // Nothing was published: the journal goes, and the temporary files with it.
                journal.remove();
            }
        }
        return Err(failure.error);
    }
    for folder in &folders {
        if let Err(error) = sync_folder(folder) {
            // Every rename happened but may not be durable: the journal lets the next run
            // redo any that a power loss undoes.
            if let Some(journal) = journal {
                journal.keep();
            }
            return Err(error);
        }
    }
    if let Some(journal) = journal {
        journal.remove();
    }
    Ok(())
}

/// A rename that failed, and whether the journal must stay for the next run to complete
/// the commit (once a rename happened).
struct RenameFailure {
    error: PublishError,
    keep_journal: bool,
}

fn rename_all(staged: Vec<StagedFile>, journaled: bool) -> Result<(), RenameFailure> {
    let mut pending = staged.into_iter().enumerate();
    while let Some((renamed, file)) = pending.next() {
        #[cfg(test)]
        if let Some(injected) = failpoint::before_rename(renamed) {
            if injected == failpoint::Failure::Crash {
                // What SIGKILL leaves: every file on disk as it is, nothing cleaned up.
                let _ = file.temporary.keep();
                for (_, file) in pending {
                    let _ = file.temporary.keep();
                }
                return Err(RenameFailure {
                    error: PublishError::Interrupted {
                        path: file.path,
                        source: io::Error::other("simulated crash"),
                    },
                    keep_journal: true,
                });
            }
            return Err(failed_rename(
                renamed,
                file,
                io::Error::other("injected failure"),
                pending,
                journaled,
            ));
        }
        if let Err(error) = file.temporary.persist(&file.file) {
            let file = StagedFile {
                temporary: error.file,
                ..file
            };
            return Err(failed_rename(
                renamed,
                file,
                error.error,
                pending,
                journaled,
            ));
        }
    }
    Ok(())
}

/// The error for a rename that failed after `renamed` others. Once one rename happened, the
/// remaining temporary files stay for the next run to complete the commit.
fn failed_rename(
    renamed: usize,
    file: StagedFile,
    source: io::Error,
    pending: impl Iterator<Item = (usize, StagedFile)>,
    journaled: bool,
) -> RenameFailure {
    if renamed == 0 || !journaled {
        return RenameFailure {
            error: PublishError::io("move the new file into place at", &file.path)(source),
            keep_journal: false,
        };
    }
    let _ = file.temporary.keep();
    for (_, file) in pending {
        let _ = file.temporary.keep();
    }
    RenameFailure {
        error: PublishError::Interrupted {
            path: file.path,
            source,
        },
        keep_journal: true,
    }
}

/// Refuses to rename over anything but a regular file or nothing, in case the target changed
/// since it was classified (a folder made there while the run was writing).
fn check_still_replaceable(file: &StagedFile) -> Result<(), PublishError> {
    match fs::symlink_metadata(&file.file) {
        Ok(metadata) if metadata.is_file() => Ok(()),
        Ok(metadata) => Err(PublishError::Changed {
            role: file.role,
            path: file.path.clone(),
            now: kind_name(metadata.file_type()),
        }),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(PublishError::io("inspect", &file.file)(error)),
    }
}

fn folder_of(file: &Path) -> &Path {
    file.parent().unwrap_or(Path::new("/"))
}

/// Faults injected into a commit by the unit tests.
#[cfg(test)]
pub(crate) mod failpoint {
    use std::cell::Cell;

    /// What happens before the chosen rename.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Failure {
        /// The rename fails as a file system would fail it.
        Error,
        /// The process dies: nothing after this point runs, nothing is cleaned up.
        Crash,
    }

    thread_local! {
        static BEFORE_RENAME: Cell<Option<(usize, Failure)>> = const { Cell::new(None) };
        static EARLY_SYNC_FAILS: Cell<bool> = const { Cell::new(false) };
    }

    /// Makes the next early sync started on this thread fail.
    pub(crate) fn fail_early_sync() {
        EARLY_SYNC_FAILS.with(|cell| cell.set(true));
    }

    pub(in crate::publish) fn early_sync_fails() -> bool {
        EARLY_SYNC_FAILS.with(|cell| cell.replace(false))
    }

    /// Makes the next commit on this thread fail before its rename number `index` (0-based).
    pub(crate) fn set(index: usize, failure: Failure) {
        BEFORE_RENAME.with(|cell| cell.set(Some((index, failure))));
    }

    pub(super) fn before_rename(index: usize) -> Option<Failure> {
        BEFORE_RENAME.with(|cell| match cell.get() {
            Some((at, failure)) if at == index => {
                cell.set(None);
                Some(failure)
            }
            _ => None,
        })
    }
}
