//! The handle a run writes one output through.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use tempfile::NamedTempFile;

use super::identity::FileId;
use super::target::{Route, Stream};
use super::{PublishError, temporary};

/// Bytes buffered before they reach the file: large enough that serializers writing a few
/// bytes at a time cost few system calls.
const BUFFER_BYTES: usize = 64 * 1024;

/// How an output reaches its path (see the [module documentation](super)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Nothing was there: the file is created at commit, mode 0666 less the umask.
    Create,
    /// A regular file is there: it is replaced whole at commit, and the new file keeps its
    /// permission bits.
    Replace,
    /// A character device, a FIFO, or this process's standard output or error: the bytes go
    /// to it as they are written, and it is never replaced.
    Stream,
}

/// One output of a [`Publication`](super::Publication): a buffered `Write + Send` handle on a
/// temporary file beside the target (for [`Placement::Create`] and [`Placement::Replace`])
/// or on the stream itself.
///
/// A failed write returns an [`io::Error`] of the same kind whose payload is a
/// [`PublishError`] naming the file (find it with [`PublishError::in_chain`]); the failure is
/// kept, every later write fails the same way, and the publication refuses to commit.
#[derive(Debug)]
pub struct OutputWriter {
    role: &'static str,
    path: PathBuf,
    placement: Placement,
    out: BufWriter<Channel>,
    written: u64,
    failure: Option<Failure>,
    /// A sync of the temporary file started before the commit, which [`finish`] waits for.
    ///
    /// [`finish`]: OutputWriter::finish
    early_sync: Option<JoinHandle<io::Result<()>>>,
}

// The pipeline writes outputs on worker threads: `OutputWriter` must stay `Write + Send`.
const _: fn() = || {
    fn write_and_send<T: Write + Send>() {}
    write_and_send::<OutputWriter>();
};

/// Where the buffered bytes go.
#[derive(Debug)]
enum Channel {
    /// A temporary file renamed over `file` at commit.
    Temporary {
        temporary: NamedTempFile,
        file: PathBuf,
    },
    Stream(File),
}

impl Write for Channel {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        match self {
            Channel::Temporary { temporary, .. } => temporary.write(bytes),
            Channel::Stream(file) => file.write(bytes),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Channel::Temporary { temporary, .. } => temporary.flush(),
            Channel::Stream(file) => file.flush(),
        }
    }
}

/// The first failed write, kept so that it can be reported again (an `io::Error` cannot be
/// cloned, but its kind and OS code are all it says).
#[derive(Debug, Clone, Copy)]
struct Failure {
    kind: io::ErrorKind,
    os_code: Option<i32>,
}

impl Failure {
    fn of(error: &io::Error) -> Failure {
        Failure {
            kind: error.kind(),
            os_code: error.raw_os_error(),
        }
    }

    fn recreate(self) -> io::Error {
        match self.os_code {
            Some(code) => io::Error::from_raw_os_error(code),
            None => io::Error::from(self.kind),
        }
    }
}

/// An output after its last byte: a temporary file flushed and synced, ready to be renamed,
/// or a stream flushed.
#[derive(Debug)]
pub(crate) enum Finished {
    File(StagedFile),
    Stream,
}

/// A complete temporary file and where it goes.
#[derive(Debug)]
pub(crate) struct StagedFile {
    pub(crate) role: &'static str,
    /// The output's path as given, for messages.
    pub(crate) path: PathBuf,
    /// The canonical path it replaces or creates.
    pub(crate) file: PathBuf,
    pub(crate) temporary: NamedTempFile,
    /// The temporary file's identity, which the target has once renamed.
    pub(crate) id: FileId,
}

impl OutputWriter {
    /// Opens the output's temporary file or stream.
    pub(crate) fn open(
        role: &'static str,
        path: &Path,
        route: Route,
    ) -> Result<OutputWriter, PublishError> {
        let (placement, channel) = match route {
            Route::Rename { file, mode } => {
                let folder = file.parent().unwrap_or(Path::new("/"));
                let temporary = temporary::create(folder, mode)
                    .map_err(PublishError::io("create a temporary file in", folder))?;
                let placement = match mode {
                    Some(_) => Placement::Replace,
                    None => Placement::Create,
                };
                (placement, Channel::Temporary { temporary, file })
            }
            Route::Stream(stream) => {
                let file = match stream {
                    Stream::Stdout => io::stdout().as_fd().try_clone_to_owned().map(File::from),
                    Stream::Stderr => io::stderr().as_fd().try_clone_to_owned().map(File::from),
                    // No create, no truncate: a device or FIFO has nothing to truncate, and
                    // one that vanished since it was classified must not become a file.
                    Stream::Device(device) => OpenOptions::new().write(true).open(device),
                }
                .map_err(PublishError::io("open", path))?;
                (Placement::Stream, Channel::Stream(file))
            }
        };
        Ok(OutputWriter {
            role,
            path: path.to_path_buf(),
            placement,
            out: BufWriter::with_capacity(BUFFER_BYTES, channel),
            written: 0,
            failure: None,
            early_sync: None,
        })
    }

    /// The role given in the plan ("the table").
    pub fn role(&self) -> &'static str {
        self.role
    }

    /// The output's path as given in the plan.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How the output reaches its path.
    pub fn placement(&self) -> Placement {
        self.placement
    }

    /// Bytes written so far (the size of the file once committed, for a file).
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// The first write that failed, as an error naming the file; `None` if none failed.
    pub fn failure(&self) -> Option<PublishError> {
        self.failure
            .map(|failure| self.write_error(failure.recreate()))
    }

    fn write_error(&self, source: io::Error) -> PublishError {
        PublishError::Io {
            action: "write",
            path: self.path.clone(),
            source,
        }
    }

    /// Keeps the first failure and returns an `io::Error` that names the file.
    fn failed(&mut self, error: io::Error) -> io::Error {
        if error.kind() == io::ErrorKind::Interrupted {
            return error; // retried by the caller, as `Write` expects
        }
        let failure = *self.failure.get_or_insert(Failure::of(&error));
        io::Error::new(failure.kind, self.write_error(error))
    }

    fn refuse_after_failure(&self) -> io::Result<()> {
        match self.failure {
            Some(failure) => Err(io::Error::new(
                failure.kind,
                self.write_error(failure.recreate()),
            )),
            None => Ok(()),
        }
    }

    /// Starts syncing what was written so far to disk on a thread of its own, for an output
    /// that is complete well before the commit: the disk then works while the run computes,
    /// and the commit's own sync finds little left to do. Only a temporary file is synced;
    /// when no thread can be started, the commit syncs everything as it always does.
    pub(crate) fn sync_early(&mut self) {
        if self.early_sync.is_some() || self.flush().is_err() {
            return;
        }
        let Channel::Temporary { temporary, .. } = self.out.get_ref() else {
            return;
        };
        let Ok(file) = temporary.as_file().try_clone() else {
            return;
        };
        #[cfg(test)]
        let injected = super::commit::failpoint::early_sync_fails();
        #[cfg(not(test))]
        let injected = false;
        self.early_sync = std::thread::Builder::new()
            .name("openhouse-sync".into())
            .spawn(move || match injected {
                true => Err(io::Error::other("injected failure")),
                false => file.sync_data(),
            })
            .ok();
    }

    /// Flushes the last bytes and, for a file, syncs the temporary file to disk.
    pub(crate) fn finish(mut self) -> Result<Finished, PublishError> {
        if let Some(error) = self.failure() {
            return Err(error);
        }
        // A failed early sync fails the commit: after a failed fsync, Linux may report the
        // next one as a success although the bytes never reached the disk.
        if let Some(early_sync) = self.early_sync.take() {
            early_sync
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the sync thread panicked")))
                .map_err(PublishError::io("sync", &self.path))?;
        }
        let channel = self.out.into_inner().map_err(|error| PublishError::Io {
            action: "write",
            path: self.path.clone(),
            source: error.into_error(),
        })?;
        match channel {
            Channel::Temporary { temporary, file } => {
                let synced = temporary.as_file().sync_all().and_then(|()| {
                    temporary
                        .as_file()
                        .metadata()
                        .map(|metadata| FileId::of(&metadata))
                });
                let id = synced.map_err(PublishError::io("sync", &self.path))?;
                Ok(Finished::File(StagedFile {
                    role: self.role,
                    path: self.path,
                    file,
                    temporary,
                    id,
                }))
            }
            // A device or a pipe keeps nothing to sync; the flush above delivered the bytes.
            Channel::Stream(_) => Ok(Finished::Stream),
        }
    }
}

impl Write for OutputWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.refuse_after_failure()?;
        match self.out.write(bytes) {
            Ok(written) => {
                self.written += written as u64;
                Ok(written)
            }
            Err(error) => Err(self.failed(error)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.refuse_after_failure()?;
        self.out.flush().map_err(|error| self.failed(error))
    }
}
