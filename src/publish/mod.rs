//! Placing a run's output files safely: never over the input or each other, never over a
//! device or a folder, all of them or none, with no temporary file left behind.
//!
//! A run plans its files ([`PublishPlan`]), prepares them before it reads any input
//! ([`PublishPlan::prepare`]), writes each output through an [`OutputWriter`] (`Write +
//! Send`), and publishes them together ([`Publication::commit`]). Dropping the
//! [`Publication`] instead (an error, a cancelled run) removes every temporary file and leaves
//! every output path as it was.
//!
//! ```
//! use std::io::Write;
//! use openhouse::publish::{Input, PublishPlan};
//!
//! let folder = tempfile::tempdir()?;
//! let feed = folder.path().join("feed.json");
//! std::fs::write(&feed, "[]")?;
//!
//! let mut plan = PublishPlan::new();
//! plan.input("the feed", Input::Path(feed.clone()));
//! let table = plan.output("the table", folder.path().join("out/table.parquet"));
//! let report = plan.output("the report", folder.path().join("out/report.json"));
//! let mut publication = plan.prepare()?;
//! publication.output(table).write_all(b"PAR1...")?;
//! publication.output(report).write_all(b"{}\n")?;
//! publication.commit()?;
//! assert_eq!(std::fs::read(folder.path().join("out/report.json"))?, b"{}\n");
//!
//! // The feed cannot also be an output.
//! let mut plan = PublishPlan::new();
//! plan.input("the feed", Input::Path(feed.clone()));
//! plan.output("the table", &feed);
//! let refused = plan.prepare().unwrap_err();
//! assert_eq!(refused.class(), openhouse::publish::ErrorClass::Usage);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Preparation
//!
//! Before any input is read, in this order:
//!
//! 1. **What each output path names** ([`Placement`]):
//!
//!    | the path names | the output |
//!    | --- | --- |
//!    | nothing | created by renaming a temporary file at commit, mode 0666 less the umask |
//!    | a regular file | replaced whole by renaming a temporary file at commit; the new file keeps the old one's permission bits (`rwx` for owner, group, others; not set-id or sticky bits), is owned by the user running, and hard links to the old file keep the old contents |
//!    | a symbolic link | written through: what the link finally leads to is classified by these rules, and the link stays; a dangling link creates its target, as a shell's `>` does |
//!    | this process's standard output or error (`/dev/stdout`, `/dev/fd/2`, or the file the shell redirected it to) | written as a stream to that descriptor, whatever it is (terminal, pipe, file, socket); never replaced |
//!    | a character device (`/dev/null`, a terminal) or a FIFO | written as a stream as the bytes come; never replaced. Opening a FIFO waits for a reader, as any writer does |
//!    | a folder | refused: [`PublishError::Folder`] |
//!    | a socket, a block device, anything else | refused: [`PublishError::Unsupported`] |
//!
//!    Streams are outside the all-or-nothing guarantee below: their bytes are gone once
//!    written, and a run that fails after writing some has still written them. An input
//!    that is a folder is refused too ([`PublishError::Folder`]).
//! 2. **Same-file check.** No two of the run's files (inputs and outputs) may be one file.
//!    Two paths are one file when their canonical paths are equal (so `./t.json`,
//!    `out/../t.json` and a symbolic link count) or when they name the same (device, inode)
//!    (so hard links count). A path that does not exist yet compares by its canonical
//!    folder and name. An input read from standard input ([`Input::Stdin`]) is identified
//!    by its descriptor (`fstat` of fd 0), so `process - --output f.json < f.json` is
//!    refused too. Two exceptions: a **character device may serve several roles**
//!    (`--rejects /dev/null --report /dev/null`): it keeps nothing, so sharing it harms
//!    nothing. A FIFO or a regular file may not: two outputs would interleave or overwrite.
//!    And an input declared with [`PublishPlan::input_replaced_by`] may be the one output it
//!    names, when that output is a file replaced by renaming (a table merged in place:
//!    `process --base t.parquet --output t.parquet`): the run reads it before it publishes,
//!    and the commit renames the new file over it, so the input is read whole and the output
//!    lands whole. It may not be any other output, nor a stream (which would be written
//!    while it is read), and no other input may be that output.
//! 3. **Folders.** A missing folder of an output is created (with its parents); a run that
//!    publishes nothing removes the folders it created again.
//! 4. **Lock.** Each output folder is locked (`flock` on the folder itself; see below), in
//!    sorted order, so that two runs never interleave their outputs: the second fails at
//!    once with [`PublishError::Busy`] naming the folder, or waits up to
//!    [`PublishPlan::lock_wait`].
//! 5. **Recovery.** A commit journal left in an output folder by a run that died while
//!    committing is completed (or discarded, see below) and removed.
//! 6. **Stale temporary files.** Files named `.openhouse-<pid>-<random>.tmp` whose pid is
//!    not a live process are removed from the output folders. One whose pid is alive is
//!    kept: it may be another writer's (in another pid namespace, say), and if the pid was
//!    merely reused the file waits for a later run. The pid-less `.openhouse-<random>.tmp`
//!    files of earlier versions are left alone.
//! 7. **Open.** Each file output gets its temporary file beside its target (same folder,
//!    so the rename is atomic; hidden; the pid in the name); each stream is opened.
//!
//! Steps 1–2 only inspect: a refusal there touches nothing on disk. Every error names the
//! file once ([`EscapedPath`] escapes control characters) and has an [`ErrorClass`]: a
//! refusal of the paths given is [`ErrorClass::Usage`] (exit 2: fixed by changing the
//! arguments, like clap's own refusals); anything the file system did, including a busy
//! lock, is [`ErrorClass::Io`] (exit 3).
//!
//! # Commit
//!
//! [`Publication::commit`] runs these steps:
//!
//! 1. Flush every output; sync every temporary file (`fsync`). The pipeline starts this
//!    sync earlier, on a thread of its own, for an output it has finished (the rejects file
//!    after reading, the table after writing); the commit waits for that sync, and its
//!    failure is a failure of this step.
//! 2. Check that every target is still a regular file or nothing
//!    ([`PublishError::Changed`] otherwise).
//! 3. With two or more files: write the commit journal, `.openhouse-<pid>-<random>.journal`,
//!    in every folder the commit renames into (each copy written to a temporary file,
//!    synced, renamed), then sync those folders. It lists each temporary file, its target
//!    and the temporary file's (device, inode).
//! 4. Rename each temporary file over its target, in plan order.
//! 5. Sync every output folder, which makes the renames durable.
//! 6. Remove the journal copies.
//!
//! A failure in steps 1–3, or at the first rename, publishes nothing: the temporary files
//! and journal copies are removed and every output path is as it was. A rename that fails
//! after another succeeded ([`PublishError::Interrupted`], rare: the file system failed
//! between two renames in one folder) leaves the journal and the remaining temporary files
//! for the next preparation to complete. A folder that cannot be synced in step 5 keeps the
//! journal too: every output is new, but a power loss could undo a rename, which the next
//! run would redo.
//!
//! # What a crash leaves
//!
//! "Crash" means the process dies at any instant (SIGKILL, power loss); "the next run"
//! means the next [`PublishPlan::prepare`] on any of the same output folders.
//!
//! | the crash comes | on disk right after | after the next run's preparation |
//! | --- | --- | --- |
//! | before commit (while reading, processing, writing) | every output path as before; temporary files | as before; the temporary files removed (dead pid) |
//! | in commit steps 1–2 | the same | the same |
//! | in step 3, before every journal copy is written | every output path as before; temporary files; journal copies in some folders | a folder with a copy: the commit is completed (all its temporary files are complete, so the new set is published). A folder without: its temporary file is removed as stale; a later run on a folder with a copy then finds that file lost, nothing renamed, and discards the commit (the previous files stay) |
//! | in step 4, between two renames | the outputs renamed so far new, the rest as before: a mixed set; the journal in every folder | the remaining temporary files renamed: the new complete set |
//! | in steps 5–6 | every output new; journal copies may remain; after a power loss, renames not yet synced may be undone, but the journal and temporary files are durable | the new complete set (undone renames redone); journal copies removed |
//!
//! How the next run decides: every temporary file a journal names was complete and synced
//! before the journal was written, so a journal is rolled forward (each temporary file still
//! there is renamed over its target) unless one of its temporary files is gone without its
//! target being that file (same device and inode) while no other was renamed yet. Then
//! nothing of the commit was published, and it is discarded. Rolling forward and discarding
//! can both be repeated if the recovering run crashes in turn; the journal is removed last.
//! A journal that cannot be parsed stops the preparation with [`PublishError::Journal`]:
//! guessing could publish a mixed set.
//!
//! # The lock
//!
//! `flock(2)` on each output folder's own descriptor rather than a lock file: nothing is
//! left in the user's folder, and the kernel releases the lock when the holder's descriptor
//! closes, even when the process is killed, so a crashed run never leaves a stale lock. It
//! excludes other processes and other preparations in the same process. It is advisory (it
//! orders runs of this module, not other programs), and on network file systems `flock` may
//! be emulated or refused; a refusal is reported as an I/O error naming the folder. While
//! a run holds the lock, no other run of this module is writing in that folder, which is
//! why preparation may complete any journal it finds there.
//!
//! Unix only: identities, modes, `flock` and the pid check are POSIX.

#![warn(missing_docs)]

mod commit;
mod display;
mod error;
mod identity;
mod journal;
mod lock;
mod target;
mod temporary;
mod writer;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use display::EscapedPath;
pub use error::{ErrorClass, PublishError};
pub use writer::{OutputWriter, Placement};

use identity::Identity;
use lock::FolderLock;
use target::{Route, Target, classify};
use temporary::Leftover;

/// A file a run reads. It must not be one of the outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file, by path.
    Path(PathBuf),
    /// This process's standard input, identified by its descriptor.
    Stdin,
}

impl Input {
    /// The input a command-line argument means: `-` is standard input, anything else a path.
    pub fn from_argument(argument: impl Into<PathBuf>) -> Input {
        let path = argument.into();
        if path.as_os_str() == "-" {
            Input::Stdin
        } else {
            Input::Path(path)
        }
    }
}

/// Which output of a [`PublishPlan`] a handle is for; returned by [`PublishPlan::output`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OutputId(usize);

impl OutputId {
    /// The output's position in the plan, from 0.
    pub fn index(self) -> usize {
        self.0
    }
}

/// The files a run reads and the outputs it writes, to be prepared together.
#[derive(Debug, Clone, Default)]
pub struct PublishPlan {
    /// Each input with the output that may replace it, if any.
    inputs: Vec<(&'static str, Input, Option<OutputId>)>,
    outputs: Vec<(&'static str, PathBuf)>,
    lock_wait: Duration,
}

impl PublishPlan {
    /// An empty plan that does not wait for a busy folder.
    pub fn new() -> PublishPlan {
        PublishPlan::default()
    }

    /// Adds a file the run reads. `role` names it in messages ("the feed").
    pub fn input(&mut self, role: &'static str, input: Input) -> &mut PublishPlan {
        self.inputs.push((role, input, None));
        self
    }

    /// Adds a file the run reads in full before it publishes, which `output` (an output of
    /// this plan) may replace: the same-file check lets exactly this pair be one file. This is
    /// how a table is rewritten in place; the commit then renames the new file over it.
    pub fn input_replaced_by(
        &mut self,
        role: &'static str,
        input: Input,
        output: OutputId,
    ) -> &mut PublishPlan {
        self.inputs.push((role, input, Some(output)));
        self
    }

    /// Adds an output. `role` names it in messages ("the table", "the rejects file").
    pub fn output(&mut self, role: &'static str, path: impl Into<PathBuf>) -> OutputId {
        self.outputs.push((role, path.into()));
        OutputId(self.outputs.len() - 1)
    }

    /// How long preparation waits for another run to release an output folder before
    /// failing with [`PublishError::Busy`]; zero (the default) fails at once.
    pub fn lock_wait(&mut self, wait: Duration) -> &mut PublishPlan {
        self.lock_wait = wait;
        self
    }

    /// Checks, locks and opens every output, as the [module documentation](self) describes,
    /// before the run reads anything. The outputs are then written through
    /// [`Publication::output`] and published by [`Publication::commit`].
    pub fn prepare(&self) -> Result<Publication, PublishError> {
        let inputs = self
            .inputs
            .iter()
            .map(|(role, input, _)| identify_input(role, input))
            .collect::<Result<Vec<_>, _>>()?;
        let targets = self
            .outputs
            .iter()
            .map(|(role, path)| classify(role, path))
            .collect::<Result<Vec<_>, _>>()?;
        self.check_distinct(&inputs, &targets)?;

        let folders: BTreeSet<PathBuf> = targets
            .iter()
            .filter_map(|target| match &target.route {
                Route::Rename { file, .. } => file.parent().map(Path::to_path_buf),
                Route::Stream(_) => None,
            })
            .collect();
        let mut created = CreatedFolders::default();
        for folder in &folders {
            created.create(folder)?;
        }
        let locks = folders
            .iter()
            .map(|folder| FolderLock::acquire(folder, self.lock_wait))
            .collect::<Result<Vec<_>, _>>()?;
        let locked: Vec<PathBuf> = locks
            .iter()
            .map(|lock| lock.folder().to_path_buf())
            .collect();
        // Every journal first: a temporary file a journal names must not be taken for stale.
        for folder in &folders {
            recover_journals(folder, &locked)?;
        }
        for folder in &folders {
            temporary::remove_stale(folder)?;
        }

        let outputs = self
            .outputs
            .iter()
            .zip(targets)
            .map(|((role, path), target)| OutputWriter::open(role, path, target.route))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Publication {
            outputs,
            locks,
            created,
        })
    }

    /// Refuses two files of the run that are one file (see the module documentation).
    fn check_distinct(
        &self,
        inputs: &[Option<Identity>],
        targets: &[Target],
    ) -> Result<(), PublishError> {
        for (index, ((role, path), target)) in self.outputs.iter().zip(targets).enumerate() {
            let same = |other: &Identity| {
                other.is_same_file(&target.identity) && !target.identity.may_be_shared()
            };
            // Only a file replaced by renaming: a stream would be written while it is read.
            let replaced = matches!(target.route, Route::Rename { .. });
            for ((input_role, input, replaced_by), identity) in self.inputs.iter().zip(inputs) {
                if replaced && *replaced_by == Some(OutputId(index)) {
                    continue;
                }
                if identity.as_ref().is_some_and(same) {
                    return Err(PublishError::SameFile {
                        first: input_role,
                        first_path: match input {
                            Input::Path(path) => Some(path.clone()),
                            Input::Stdin => None,
                        },
                        second: role,
                        second_path: path.clone(),
                    });
                }
            }
            for ((earlier_role, earlier_path), earlier) in
                self.outputs.iter().zip(targets).take(index)
            {
                if same(&earlier.identity) {
                    return Err(PublishError::SameFile {
                        first: earlier_role,
                        first_path: Some(earlier_path.clone()),
                        second: role,
                        second_path: path.clone(),
                    });
                }
            }
        }
        Ok(())
    }
}

/// The identity of an input; `None` when there is nothing to compare (standard input
/// closed). A folder is refused: a run reads files.
fn identify_input(role: &'static str, input: &Input) -> Result<Option<Identity>, PublishError> {
    match input {
        Input::Path(path) if path.is_dir() => Err(PublishError::Folder {
            role,
            path: path.clone(),
        }),
        Input::Path(path) => Identity::of_path(path)
            .map(Some)
            .map_err(PublishError::io("inspect", path)),
        Input::Stdin => Ok(Identity::of_descriptor(io::stdin().as_fd()).ok()),
    }
}

/// Completes or discards every commit journal in `folder`.
fn recover_journals(folder: &Path, locked: &[PathBuf]) -> Result<(), PublishError> {
    for (path, leftover) in temporary::leftovers(folder)? {
        if leftover == Leftover::Journal && path.exists() {
            journal::recover(&path, locked)?;
        }
    }
    Ok(())
}

/// Syncs a folder, so that renames and removals in it are durable.
fn sync_folder(folder: &Path) -> Result<(), PublishError> {
    File::open(folder)
        .and_then(|descriptor| descriptor.sync_all())
        .map_err(PublishError::io("sync the folder", folder))
}

/// A run's outputs, prepared: the folders locked, a temporary file or stream open for each
/// output. Write each through [`output`](Publication::output), then
/// [`commit`](Publication::commit); dropping it instead removes every temporary file and
/// leaves every output path as it was.
#[derive(Debug)]
pub struct Publication {
    // Declared first so that it is dropped first: the temporary files go while the folders
    // are still locked, so the next run never sees them.
    outputs: Vec<OutputWriter>,
    locks: Vec<FolderLock>,
    /// Dropped last: folders this run created, removed again if it publishes nothing.
    created: CreatedFolders,
}

/// The folders a preparation created for its outputs: a run that publishes nothing leaves
/// none behind (only those still empty are removed, innermost first).
#[derive(Debug, Default)]
struct CreatedFolders {
    folders: Vec<PathBuf>,
}

impl CreatedFolders {
    /// Creates `folder` and its missing parents, remembering which were created.
    fn create(&mut self, folder: &Path) -> Result<(), PublishError> {
        let missing: Vec<PathBuf> = folder
            .ancestors()
            .take_while(|ancestor| !ancestor.as_os_str().is_empty() && !ancestor.exists())
            .map(Path::to_path_buf)
            .collect();
        fs::create_dir_all(folder).map_err(PublishError::io("create the folder", folder))?;
        self.folders.extend(missing);
        Ok(())
    }

    /// Keeps the folders: the run published into them.
    fn keep(mut self) {
        self.folders.clear();
    }
}

impl Drop for CreatedFolders {
    fn drop(&mut self) {
        // `remove_dir` only removes an empty folder; innermost were listed first.
        for folder in &self.folders {
            let _ = fs::remove_dir(folder);
        }
    }
}

impl Publication {
    /// The writer of one output.
    ///
    /// # Panics
    /// If `id` comes from another plan with more outputs than this one's.
    pub fn output(&mut self, id: OutputId) -> &mut OutputWriter {
        &mut self.outputs[id.0]
    }

    /// Every output's writer, in plan order, for writing several at once (split the slice,
    /// or use [`slice::get_disjoint_mut`]).
    pub fn outputs_mut(&mut self) -> &mut [OutputWriter] {
        &mut self.outputs
    }

    /// Publishes every output together, as the [module documentation](self) describes: all
    /// of them or, on an error, none (except after [`PublishError::Interrupted`], which the
    /// next preparation completes). A writer that failed earlier stops the commit with that
    /// failure.
    pub fn commit(self) -> Result<(), PublishError> {
        let Publication {
            outputs,
            locks,
            created,
        } = self;
        let committed = commit::commit(outputs);
        drop(locks);
        if committed.is_ok() {
            created.keep();
        }
        committed
    }
}
