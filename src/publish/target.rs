//! What an output path names, and so how the output reaches it: created or replaced whole
//! by renaming a temporary file, written as a stream, or refused before any work.

use std::fs::{self, File, FileType};
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::PublishError;
use super::identity::{FileId, Identity, final_target};

/// Permission bits a replaced file passes on: read, write and execute for owner, group and
/// others. Set-user-id, set-group-id and sticky are not carried to new contents.
const KEPT_MODE: u32 = 0o777;

/// An output path, classified.
#[derive(Debug)]
pub(crate) struct Target {
    /// The file the output lands in, for the same-file check.
    pub(crate) identity: Identity,
    /// How the output reaches it.
    pub(crate) route: Route,
}

/// How an output reaches its path.
#[derive(Debug)]
pub(crate) enum Route {
    /// A temporary file beside `file` renamed over it at commit.
    Rename {
        /// The canonical path of the file created or replaced (a symbolic link's final
        /// target).
        file: PathBuf,
        /// The permission bits of the file replaced; `None` when nothing is there.
        mode: Option<u32>,
    },
    /// Written as the bytes come, never replaced.
    Stream(Stream),
}

/// Where a stream output goes.
#[derive(Debug)]
pub(crate) enum Stream {
    /// The path names the file this process has as standard output (`/dev/stdout`, or the
    /// file the shell redirected it to): written to that descriptor, sharing its offset.
    Stdout,
    /// The same for standard error.
    Stderr,
    /// A character device or a FIFO, opened for writing.
    Device(PathBuf),
}

/// Classifies `path`, following symbolic links to the file they lead to.
pub(crate) fn classify(role: &'static str, path: &Path) -> Result<Target, PublishError> {
    let metadata = match fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            // Nothing there, or a dangling link: the file is created where the link leads.
            let file = final_target(path).map_err(PublishError::io("resolve", path))?;
            return Ok(Target {
                identity: Identity::planned(file.clone()),
                route: Route::Rename { file, mode: None },
            });
        }
        Err(error) => return Err(PublishError::io("inspect", path)(error)),
    };
    // `/dev/stdout` on a pipe resolves in the kernel but has no canonical name.
    let canonical = fs::canonicalize(path).ok();
    let identity = Identity::existing(canonical.clone(), &metadata);
    let id = FileId::of(&metadata);
    if descriptor_file(io::stdout().as_fd()) == Some(id) {
        return Ok(Target {
            identity,
            route: Route::Stream(Stream::Stdout),
        });
    }
    if descriptor_file(io::stderr().as_fd()) == Some(id) {
        return Ok(Target {
            identity,
            route: Route::Stream(Stream::Stderr),
        });
    }
    let file_type = metadata.file_type();
    let route = if file_type.is_file() {
        let file = match canonical {
            Some(file) => file,
            None => fs::canonicalize(path).map_err(PublishError::io("resolve", path))?,
        };
        Route::Rename {
            file,
            mode: Some(metadata.mode() & KEPT_MODE),
        }
    } else if file_type.is_char_device() || file_type.is_fifo() {
        Route::Stream(Stream::Device(path.to_path_buf()))
    } else if file_type.is_dir() {
        return Err(PublishError::Folder {
            role,
            path: path.to_path_buf(),
        });
    } else {
        return Err(PublishError::Unsupported {
            role,
            path: path.to_path_buf(),
            kind: kind_name(file_type),
        });
    };
    Ok(Target { identity, route })
}

/// What a file type is called in messages.
pub(crate) fn kind_name(file_type: FileType) -> &'static str {
    if file_type.is_file() {
        "regular file"
    } else if file_type.is_dir() {
        "folder"
    } else if file_type.is_symlink() {
        "symbolic link"
    } else if file_type.is_char_device() {
        "character device"
    } else if file_type.is_block_device() {
        "block device"
    } else if file_type.is_fifo() {
        "FIFO"
    } else if file_type.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

/// The file open on `descriptor`, if it is open.
fn descriptor_file(descriptor: BorrowedFd<'_>) -> Option<FileId> {
    let file = File::from(descriptor.try_clone_to_owned().ok()?);
    file.metadata().ok().map(|metadata| FileId::of(&metadata))
}
