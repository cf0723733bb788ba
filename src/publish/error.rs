//! Why outputs could not be prepared or published, and how a command line should classify it.

use std::error::Error as StdError;
use std::io;
use std::path::{Path, PathBuf};

use super::EscapedPath;

/// What kind of failure a [`PublishError`] is, for a command line's exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The paths given cannot be used as asked (two of them are one file, an output is a
    /// folder, a socket or a block device). Found before anything is read or written, and
    /// fixed by changing the arguments: a usage error (exit 2).
    Usage,
    /// The file system failed or refused: a folder that cannot be created or written, a
    /// full disk, a lock held by another run, a journal that cannot be completed. An I/O
    /// failure (exit 3).
    Io,
}

/// Why a run's outputs could not be prepared, written or published. Each message names the
/// file once (escaped with [`EscapedPath`]); an operating-system error is the
/// [`source`](std::error::Error::source), never repeated in the message.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// Two of the run's files (input or outputs) are one file, through the same path, a
    /// different spelling, a hard link, a symbolic link or a redirected standard input.
    #[error(
        "{first} ({}) and {second} ({}) are the same file",
        shown_or_stdin(.first_path.as_deref()),
        EscapedPath::new(.second_path)
    )]
    SameFile {
        /// The role of the first file ("the feed").
        first: &'static str,
        /// Its path as given; `None` for standard input.
        first_path: Option<PathBuf>,
        /// The role of the second file ("the table").
        second: &'static str,
        /// Its path as given.
        second_path: PathBuf,
    },
    /// An input or output path names a folder.
    #[error("{role} {} is a folder; give the path of a file", EscapedPath::new(.path))]
    Folder {
        /// The file's role.
        role: &'static str,
        /// The path as given.
        path: PathBuf,
    },
    /// An output path names something that can neither be replaced nor written as a
    /// stream: a socket, a block device.
    #[error(
        "{role} {} is a {kind}; an output must be a regular file, a character device (such as /dev/null) or a FIFO",
        EscapedPath::new(.path)
    )]
    Unsupported {
        /// The output's role.
        role: &'static str,
        /// The path as given.
        path: PathBuf,
        /// What the path names ("socket", "block device").
        kind: &'static str,
    },
    /// Something other than a regular file appeared at an output's target while the run was
    /// writing; nothing was replaced.
    #[error(
        "{role} {} became a {now} while the run was writing; nothing was replaced",
        EscapedPath::new(.path)
    )]
    Changed {
        /// The output's role.
        role: &'static str,
        /// The file that would have been replaced.
        path: PathBuf,
        /// What is there now.
        now: &'static str,
    },
    /// Another run holds the lock of an output folder.
    #[error(
        "another run is writing outputs in the folder {}; try again when it has finished",
        EscapedPath::new(.folder)
    )]
    Busy {
        /// The locked folder.
        folder: PathBuf,
    },
    /// A file-system operation failed.
    #[error("could not {action} {}", EscapedPath::new(.path))]
    Io {
        /// What was being done, completing "could not …" ("write", "create the folder").
        action: &'static str,
        /// The file or folder it was done to.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// Renaming a new output into place failed after others may have been renamed; the
    /// commit journal stays, and the next preparation on these outputs completes the commit.
    #[error(
        "could not move the new file into place at {}; the outputs stay part new, part old until the next run on them completes this commit",
        EscapedPath::new(.path)
    )]
    Interrupted {
        /// The file that was being replaced.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// A commit journal left by an interrupted run cannot be read, so its commit can be
    /// neither completed nor discarded safely.
    #[error(
        "the commit journal {} left by an interrupted run is unreadable; check the outputs in its folder, then remove it",
        EscapedPath::new(.path)
    )]
    Journal {
        /// The journal.
        path: PathBuf,
    },
}

impl PublishError {
    /// How a command line should report this error (see [`ErrorClass`]).
    pub fn class(&self) -> ErrorClass {
        match self {
            PublishError::SameFile { .. }
            | PublishError::Folder { .. }
            | PublishError::Unsupported { .. } => ErrorClass::Usage,
            PublishError::Changed { .. }
            | PublishError::Busy { .. }
            | PublishError::Io { .. }
            | PublishError::Interrupted { .. }
            | PublishError::Journal { .. } => ErrorClass::Io,
        }
    }

    /// The first `PublishError` in `error`'s chain of sources, including one carried inside
    /// an [`io::Error`]: an [`OutputWriter`](super::OutputWriter) reports a failed write as
    /// an `io::Error` whose payload is a `PublishError` naming the file, so a library that
    /// wraps the `io::Error` (a Parquet writer) still lets the caller find which file failed.
    pub fn in_chain<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a PublishError> {
        let mut next = Some(error);
        while let Some(error) = next {
            if let Some(found) = error.downcast_ref::<PublishError>() {
                return Some(found);
            }
            let carried = error
                .downcast_ref::<io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<PublishError>());
            if carried.is_some() {
                return carried;
            }
            next = error.source();
        }
        None
    }

    /// A closure wrapping an [`io::Error`] with what was being done to which path.
    pub(crate) fn io(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> PublishError {
        let path = path.to_path_buf();
        move |source| PublishError::Io {
            action,
            path,
            source,
        }
    }
}

fn shown_or_stdin(path: Option<&Path>) -> String {
    match path {
        Some(path) => EscapedPath::new(path).to_string(),
        None => "standard input".to_owned(),
    }
}
