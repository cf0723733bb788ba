//! The lock that keeps two runs from writing outputs in one folder at once.
//!
//! The lock is `flock(2)` on the folder itself, not on a lock file: nothing is left in the
//! user's folder, and the kernel releases the lock when the holder's descriptor closes,
//! including when the process is killed, so a crash never leaves a stale lock behind. It is
//! exclusive between processes and between two preparations in one process (each opens its
//! own descriptor). `flock` is advisory: it orders runs of this module, not other programs.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use super::PublishError;

/// How often a waiting run tries the lock again.
const RETRY: Duration = Duration::from_millis(25);

/// An exclusive lock on an output folder, held until dropped.
#[derive(Debug)]
pub(crate) struct FolderLock {
    folder: PathBuf,
    _descriptor: File,
}

impl FolderLock {
    /// Locks `folder`, waiting up to `wait` for another run to release it.
    pub(crate) fn acquire(folder: &Path, wait: Duration) -> Result<FolderLock, PublishError> {
        let descriptor = File::open(folder).map_err(PublishError::io("open the folder", folder))?;
        let deadline = Instant::now() + wait;
        loop {
            match descriptor.try_lock() {
                Ok(()) => {
                    return Ok(FolderLock {
                        folder: folder.to_path_buf(),
                        _descriptor: descriptor,
                    });
                }
                Err(TryLockError::WouldBlock) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(PublishError::Busy {
                            folder: folder.to_path_buf(),
                        });
                    }
                    thread::sleep(RETRY.min(deadline - now));
                }
                Err(TryLockError::Error(error)) => {
                    return Err(PublishError::io("lock the folder", folder)(error));
                }
            }
        }
    }

    /// The locked folder.
    pub(crate) fn folder(&self) -> &Path {
        &self.folder
    }
}
