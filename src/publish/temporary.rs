//! The files this module leaves in an output folder while it works, their names, and the
//! removal of those a dead process left behind.
//!
//! Names: `.openhouse-<pid>-<random>.tmp` for a temporary file (an output being written, or
//! a journal being written) and `.openhouse-<pid>-<random>.journal` for a commit journal.
//! The pid says which process made the file, so a later run can tell whether its maker is
//! still alive.

use std::ffi::{OsStr, OsString};
use std::fs::{self, Permissions};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::PublishError;

const PREFIX: &str = ".openhouse-";
const TEMPORARY_SUFFIX: &str = ".tmp";
const JOURNAL_SUFFIX: &str = ".journal";
/// Random characters in a name: 62^8 names per pid and folder, so a collision (which
/// `O_EXCL` would catch anyway) is not a concern.
const RANDOM_CHARACTERS: usize = 8;

/// A file of this module found in an output folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leftover {
    /// `.openhouse-<pid>-<random>.tmp`
    Temporary { pid: u32 },
    /// `.openhouse-<pid>-<random>.journal`
    Journal,
}

impl Leftover {
    /// What `name` is, if it is one of this module's files.
    pub(crate) fn of(name: &OsStr) -> Option<Leftover> {
        let rest = name.as_bytes().strip_prefix(PREFIX.as_bytes())?;
        let dash = rest.iter().position(|&byte| byte == b'-')?;
        let (digits, tail) = (&rest[..dash], &rest[dash + 1..]);
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let pid: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
        let random = if let Some(random) = tail.strip_suffix(TEMPORARY_SUFFIX.as_bytes()) {
            (random, Leftover::Temporary { pid })
        } else {
            (
                tail.strip_suffix(JOURNAL_SUFFIX.as_bytes())?,
                Leftover::Journal,
            )
        };
        (!random.0.is_empty() && random.0.iter().all(u8::is_ascii_alphanumeric)).then_some(random.1)
    }
}

/// Creates a temporary file in `folder`. A new file gets mode 0666 less the umask, as any
/// file a program creates (the kernel applies the umask at creation); `mode` (the mode of
/// the file to be replaced) overrides it.
pub(crate) fn create(folder: &Path, mode: Option<u32>) -> io::Result<NamedTempFile> {
    let temporary = tempfile::Builder::new()
        .prefix(&format!("{PREFIX}{}-", std::process::id()))
        .suffix(TEMPORARY_SUFFIX)
        .rand_bytes(RANDOM_CHARACTERS)
        .permissions(Permissions::from_mode(0o666))
        .tempfile_in(folder)?;
    if let Some(mode) = mode {
        temporary
            .as_file()
            .set_permissions(Permissions::from_mode(mode))?;
    }
    Ok(temporary)
}

/// The journal name that goes with a temporary file's name: the same pid and random part.
pub(crate) fn journal_name(temporary: &Path) -> Option<OsString> {
    let name = temporary.file_name()?.as_bytes();
    let stem = name.strip_suffix(TEMPORARY_SUFFIX.as_bytes())?;
    let mut journal = stem.to_vec();
    journal.extend_from_slice(JOURNAL_SUFFIX.as_bytes());
    Some(OsStr::from_bytes(&journal).to_os_string())
}

/// This module's files in `folder`.
pub(crate) fn leftovers(folder: &Path) -> Result<Vec<(PathBuf, Leftover)>, PublishError> {
    let mut found = Vec::new();
    for entry in fs::read_dir(folder).map_err(PublishError::io("list the folder", folder))? {
        let entry = entry.map_err(PublishError::io("list the folder", folder))?;
        if let Some(leftover) = Leftover::of(&entry.file_name()) {
            found.push((entry.path(), leftover));
        }
    }
    found.sort_by(|(a, _), (b, _)| a.cmp(b));
    Ok(found)
}

/// Removes the temporary files in `folder` whose process is dead (killed, crashed) and
/// returns how many. One whose pid is alive is kept: it may belong to a writer this run
/// cannot see, and if the pid was merely reused the file waits for a later run.
pub(crate) fn remove_stale(folder: &Path) -> Result<usize, PublishError> {
    let mut removed = 0;
    for (path, leftover) in leftovers(folder)? {
        let Leftover::Temporary { pid } = leftover else {
            continue;
        };
        if is_alive(pid) {
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => removed += 1,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(PublishError::io("remove the stale temporary file", &path)(
                    error,
                ));
            }
        }
    }
    Ok(removed)
}

/// Whether a process with this pid exists (a zombie counts).
pub(crate) fn is_alive(pid: u32) -> bool {
    // pid 0 and negative pids address process groups in kill(2): never a file's maker.
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 sends nothing; kill only checks that the process exists and may be
    // signalled. It touches no memory of ours.
    let status = unsafe { libc::kill(pid, 0) };
    // EPERM: the process exists but belongs to another user.
    status == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftover(name: &str) -> Option<Leftover> {
        Leftover::of(OsStr::new(name))
    }

    #[test]
    fn names_of_this_module_are_recognised_with_their_pid() {
        assert_eq!(
            leftover(".openhouse-4242-aB3dE6fG.tmp"),
            Some(Leftover::Temporary { pid: 4242 })
        );
        assert_eq!(
            leftover(".openhouse-4242-aB3dE6fG.journal"),
            Some(Leftover::Journal)
        );
    }

    #[test]
    fn other_names_are_left_alone() {
        for name in [
            "openhouses.parquet",
            ".openhouse-aB3dE6.tmp", // the pid-less temporaries of earlier versions
            ".openhouse--abc.tmp",
            ".openhouse-12-.tmp",
            ".openhouse-12-abc.tmp.bak",
            ".openhouse-12-a/b.tmp",
            ".openhouse-99999999999-abc.tmp",
        ] {
            assert_eq!(leftover(name), None, "{name}");
        }
    }

    #[test]
    fn a_temporary_file_carries_this_process_pid_in_its_name() {
        let folder = tempfile::tempdir().unwrap();
        let temporary = create(folder.path(), None).unwrap();
        assert_eq!(
            Leftover::of(temporary.path().file_name().unwrap()),
            Some(Leftover::Temporary {
                pid: std::process::id()
            })
        );
        let journal = journal_name(temporary.path()).unwrap();
        assert_eq!(Leftover::of(&journal), Some(Leftover::Journal));
    }

    #[test]
    fn this_process_is_alive_and_a_reaped_child_is_not() {
        assert!(is_alive(std::process::id()));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!is_alive(pid));
    }
}
