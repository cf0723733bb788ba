//! The commit journal: which temporary file goes to which target, written before the first
//! rename so that a commit cut short by a crash can be completed by the next run.
//!
//! A copy is written in every folder the commit renames into, so a later run on any one of
//! those folders finds it before it touches anything. Each copy is written to a temporary
//! file, synced and renamed, so a journal that exists is complete. The format is text, one
//! entry a line, paths in hexadecimal (a path may be any bytes):
//!
//! ```text
//! openhouse commit journal 1
//! entry <temporary file, hex> <target, hex> <device> <inode>
//! end
//! ```
//!
//! `device` and `inode` identify the temporary file, which the target has once renamed.

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::identity::FileId;
use super::lock::FolderLock;
use super::{PublishError, sync_folder, temporary};

const HEADER: &str = "openhouse commit journal 1";
const FOOTER: &str = "end";

/// One rename of a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) temporary: PathBuf,
    pub(crate) target: PathBuf,
    pub(crate) temporary_id: FileId,
}

impl Entry {
    fn folder(&self) -> &Path {
        self.target.parent().unwrap_or(Path::new("/"))
    }
}

/// The journal copies of a commit in progress.
#[derive(Debug)]
pub(crate) struct Journal {
    copies: Vec<PathBuf>,
}

impl Journal {
    /// Writes a copy named `name` in every folder of `entries` and syncs those folders, so
    /// that every copy is durable before the first rename. On failure nothing of it remains.
    pub(crate) fn write(entries: &[Entry], name: &OsStr) -> Result<Journal, PublishError> {
        let text = encode(entries);
        let mut journal = Journal { copies: Vec::new() };
        for folder in folders(entries) {
            let copy = folder.join(name);
            write_copy(&folder, &copy, &text)?;
            journal.copies.push(copy);
        }
        for copy in &journal.copies {
            sync_folder(copy.parent().unwrap_or(Path::new("/")))?;
        }
        Ok(journal)
    }

    /// Leaves every copy for the next run (a commit cut short after its first rename).
    pub(crate) fn keep(mut self) {
        self.copies.clear();
    }

    /// Removes every copy: the commit is complete and durable, or never started.
    pub(crate) fn remove(mut self) {
        for copy in self.copies.drain(..) {
            // A copy that cannot be removed is harmless: the next run finds every target
            // renamed and removes it.
            let _ = fs::remove_file(copy);
        }
    }
}

impl Drop for Journal {
    /// A journal dropped without `keep` was written by a commit that failed before its first
    /// rename: its copies would only make the next run complete a commit this run gave up.
    fn drop(&mut self) {
        for copy in self.copies.drain(..) {
            let _ = fs::remove_file(copy);
        }
    }
}

fn write_copy(folder: &Path, copy: &Path, text: &[u8]) -> Result<(), PublishError> {
    let mut file = temporary::create(folder, None)
        .map_err(PublishError::io("create a temporary file in", folder))?;
    file.write_all(text)
        .and_then(|()| file.as_file().sync_all())
        .map_err(PublishError::io("write the commit journal", copy))?;
    file.persist(copy)
        .map_err(|error| PublishError::io("write the commit journal", copy)(error.error))?;
    Ok(())
}

/// The distinct folders of `entries`, sorted.
fn folders(entries: &[Entry]) -> BTreeSet<PathBuf> {
    entries
        .iter()
        .map(|entry| entry.folder().to_path_buf())
        .collect()
}

fn encode(entries: &[Entry]) -> Vec<u8> {
    let mut text = format!("{HEADER}\n");
    for entry in entries {
        text.push_str(&format!(
            "entry {} {} {} {}\n",
            hex(entry.temporary.as_os_str()),
            hex(entry.target.as_os_str()),
            entry.temporary_id.device(),
            entry.temporary_id.inode(),
        ));
    }
    text.push_str(FOOTER);
    text.push('\n');
    text.into_bytes()
}

fn decode(text: &[u8]) -> Option<Vec<Entry>> {
    let text = std::str::from_utf8(text).ok()?;
    let mut lines = text.lines();
    if lines.next()? != HEADER {
        return None;
    }
    let mut entries = Vec::new();
    for line in lines.by_ref() {
        if line == FOOTER {
            return lines.next().is_none().then_some(entries);
        }
        let mut fields = line.strip_prefix("entry ")?.split(' ');
        let temporary = unhex(fields.next()?)?;
        let target = unhex(fields.next()?)?;
        let device = fields.next()?.parse().ok()?;
        let inode = fields.next()?.parse().ok()?;
        if fields.next().is_some() || !temporary.is_absolute() || !target.is_absolute() {
            return None;
        }
        entries.push(Entry {
            temporary,
            target,
            temporary_id: FileId::new(device, inode),
        });
    }
    None
}

fn hex(bytes: &OsStr) -> String {
    bytes
        .as_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn unhex(text: &str) -> Option<PathBuf> {
    if text.is_empty() || !text.len().is_multiple_of(2) {
        return None;
    }
    let bytes = (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    Some(PathBuf::from(OsString::from_vec(bytes)))
}

/// Where one rename of an interrupted commit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Progress {
    /// The temporary file is still there.
    Pending,
    /// The temporary file is gone and the target is it.
    Renamed,
    /// The temporary file is gone and the target is something else.
    Lost,
}

fn progress(entry: &Entry) -> Result<Progress, PublishError> {
    match fs::symlink_metadata(&entry.temporary) {
        Ok(_) => return Ok(Progress::Pending),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(PublishError::io("inspect", &entry.temporary)(error)),
    }
    match fs::symlink_metadata(&entry.target) {
        Ok(metadata) if FileId::of(&metadata) == entry.temporary_id => Ok(Progress::Renamed),
        Ok(_) => Ok(Progress::Lost),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Progress::Lost),
        Err(error) => Err(PublishError::io("inspect", &entry.target)(error)),
    }
}

/// Completes or discards the commit that `journal` records, then removes every copy of it.
///
/// The caller holds the locks of `locked` folders; any other folder the journal names is
/// locked here without waiting (its run is busy; this one fails and can be retried).
///
/// Every temporary file a journal names was complete and synced before the journal was
/// written. So the commit is rolled forward (every pending temporary renamed) unless one
/// temporary file is lost and none was renamed yet: that happens only when the crash came
/// while the journal copies were being written and a run on another folder then removed
/// that folder's temporary file as stale. Nothing of the commit was published, so it is
/// discarded, and the previous files stay.
pub(crate) fn recover(journal: &Path, locked: &[PathBuf]) -> Result<(), PublishError> {
    let text = fs::read(journal).map_err(PublishError::io("read the commit journal", journal))?;
    let entries = decode(&text).ok_or_else(|| PublishError::Journal {
        path: journal.to_path_buf(),
    })?;
    let folders = folders(&entries);
    let mut extra_locks = Vec::new();
    for folder in folders.iter().filter(|folder| !locked.contains(folder)) {
        match FolderLock::acquire(folder, Duration::ZERO) {
            Ok(lock) => extra_locks.push(lock),
            // A folder that is gone holds no target to complete.
            Err(PublishError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    let progress = entries
        .iter()
        .map(progress)
        .collect::<Result<Vec<_>, _>>()?;
    let renamed = progress.contains(&Progress::Renamed);
    let lost = progress.contains(&Progress::Lost);
    for (entry, progress) in entries.iter().zip(&progress) {
        if *progress != Progress::Pending {
            continue;
        }
        if lost && !renamed {
            fs::remove_file(&entry.temporary).map_err(PublishError::io(
                "remove the stale temporary file",
                &entry.temporary,
            ))?;
        } else {
            fs::rename(&entry.temporary, &entry.target).map_err(PublishError::io(
                "finish an interrupted run's replacement of",
                &entry.target,
            ))?;
        }
    }
    let name = journal.file_name().unwrap_or_default();
    for folder in folders.iter().filter(|folder| folder.exists()) {
        sync_folder(folder)?;
    }
    for folder in &folders {
        match fs::remove_file(folder.join(name)) {
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(PublishError::io(
                    "remove the commit journal",
                    &folder.join(name),
                )(error));
            }
        }
    }
    match fs::remove_file(journal) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(PublishError::io("remove the commit journal", journal)(
            error,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_journal_reads_back_what_was_written_even_for_paths_that_are_not_utf8() {
        let entries = vec![
            Entry {
                temporary: PathBuf::from("/out/.openhouse-1-abc.tmp"),
                target: PathBuf::from(OsStr::from_bytes(b"/out/t\xff \n.parquet")),
                temporary_id: FileId::new(2049, 77),
            },
            Entry {
                temporary: PathBuf::from("/r/.openhouse-1-def.tmp"),
                target: PathBuf::from("/r/rejects.ndjson"),
                temporary_id: FileId::new(2049, 78),
            },
        ];
        assert_eq!(decode(&encode(&entries)), Some(entries));
    }

    #[test]
    fn a_journal_without_its_last_line_is_unreadable() {
        let entries = vec![Entry {
            temporary: PathBuf::from("/out/.openhouse-1-abc.tmp"),
            target: PathBuf::from("/out/t.parquet"),
            temporary_id: FileId::new(1, 2),
        }];
        let text = encode(&entries);
        let cut = &text[..text.len() - "end\n".len()];
        assert_eq!(decode(cut), None);
        assert_eq!(decode(b""), None);
        assert_eq!(
            decode(b"openhouse commit journal 1\nentry zz 00 1 2\nend\n"),
            None
        );
    }
}
