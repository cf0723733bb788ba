//! Which file a path or a descriptor names, so that two spellings of one file compare equal:
//! the (device, inode) pair of a file that exists, and the canonical path of a file that
//! exists or of where one not there yet would be created.

use std::fs::{self, File, FileType, Metadata};
use std::io;
use std::os::fd::BorrowedFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

/// How many symbolic links are followed before giving up, as Linux does (`ELOOP`).
const MAX_LINKS: usize = 40;

/// The (device, inode) pair that is one file however it is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileId {
    device: u64,
    inode: u64,
}

impl FileId {
    pub(crate) fn of(metadata: &Metadata) -> FileId {
        FileId {
            device: metadata.dev(),
            inode: metadata.ino(),
        }
    }

    pub(crate) fn new(device: u64, inode: u64) -> FileId {
        FileId { device, inode }
    }

    pub(crate) fn device(self) -> u64 {
        self.device
    }

    pub(crate) fn inode(self) -> u64 {
        self.inode
    }
}

/// What one of a run's files is, for the same-file check.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    /// The canonical path, or where a file not there yet would be created; `None` for a
    /// descriptor, or a path that the kernel resolves but that has no name (`/dev/stdout` on
    /// a pipe).
    path: Option<PathBuf>,
    /// The file, when it exists.
    existing: Option<(FileId, FileType)>,
}

impl Identity {
    /// The identity of what `path` names, following symbolic links.
    pub(crate) fn of_path(path: &Path) -> io::Result<Identity> {
        match fs::metadata(path) {
            Ok(metadata) => Ok(Identity {
                path: fs::canonicalize(path).ok(),
                existing: Some((FileId::of(&metadata), metadata.file_type())),
            }),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Identity {
                path: Some(final_target(path)?),
                existing: None,
            }),
            Err(error) => Err(error),
        }
    }

    /// The identity of the file open on `descriptor` (standard input, for a feed read from
    /// `-`).
    pub(crate) fn of_descriptor(descriptor: BorrowedFd<'_>) -> io::Result<Identity> {
        let metadata = File::from(descriptor.try_clone_to_owned()?).metadata()?;
        Ok(Identity {
            path: None,
            existing: Some((FileId::of(&metadata), metadata.file_type())),
        })
    }

    /// The identity of a file known from its metadata (a classified output).
    pub(crate) fn existing(path: Option<PathBuf>, metadata: &Metadata) -> Identity {
        Identity {
            path,
            existing: Some((FileId::of(metadata), metadata.file_type())),
        }
    }

    /// The identity of a file that will be created at `path` (canonical).
    pub(crate) fn planned(path: PathBuf) -> Identity {
        Identity {
            path: Some(path),
            existing: None,
        }
    }

    /// Whether the two name one file.
    pub(crate) fn is_same_file(&self, other: &Identity) -> bool {
        let same_id = match (self.existing, other.existing) {
            (Some((mine, _)), Some((theirs, _))) => mine == theirs,
            _ => false,
        };
        let same_path = self.path.is_some() && self.path == other.path;
        same_id || same_path
    }

    /// Whether several of a run's files may be this one: a character device (`/dev/null`, a
    /// terminal) takes each output as a stream and keeps nothing, so sharing it is harmless.
    pub(crate) fn may_be_shared(&self) -> bool {
        self.existing
            .is_some_and(|(_, file_type)| file_type.is_char_device())
    }
}

/// The canonical path of the file that writing to `path` would create or replace: symbolic
/// links are followed to their final target, even a target that does not exist yet.
pub(crate) fn final_target(path: &Path) -> io::Result<PathBuf> {
    let mut current = std::path::absolute(path)?;
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                // A relative link is relative to the folder that holds it; joining an
                // absolute one replaces the whole path.
                current = match current.parent() {
                    Some(folder) => folder.join(link),
                    None => link,
                };
            }
            Ok(_) => return fs::canonicalize(&current),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return canonical_to_be(&current);
            }
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::from_raw_os_error(libc::ELOOP))
}

/// The canonical path `path` (absolute) will have once created: its deepest existing
/// ancestor canonicalized, then the missing components, with `..` taken lexically (the
/// folders it steps out of do not exist yet, so none of them is a link).
fn canonical_to_be(path: &Path) -> io::Result<PathBuf> {
    let components: Vec<Component<'_>> = path.components().collect();
    for existing in (1..=components.len()).rev() {
        let ancestor: PathBuf = components[..existing].iter().collect();
        match fs::canonicalize(&ancestor) {
            Ok(mut resolved) => {
                for component in &components[existing..] {
                    match component {
                        Component::ParentDir => {
                            resolved.pop();
                        }
                        Component::Normal(name) => resolved.push(name),
                        Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
                    }
                }
                return Ok(resolved);
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::NotFound,
        "no ancestor of the path exists",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn a_missing_file_in_missing_folders_has_one_canonical_path_for_every_spelling() {
        let folder = tempfile::tempdir().unwrap();
        let plain = final_target(&folder.path().join("new/t.json")).unwrap();
        let dotted = final_target(&folder.path().join("new/./x/../t.json")).unwrap();
        assert_eq!(plain, dotted);
        assert_eq!(
            plain,
            fs::canonicalize(folder.path()).unwrap().join("new/t.json")
        );
    }

    #[test]
    fn a_dangling_link_leads_to_where_its_target_would_be() {
        let folder = tempfile::tempdir().unwrap();
        let link = folder.path().join("link");
        std::os::unix::fs::symlink("sub/target.json", &link).unwrap();
        let expected = fs::canonicalize(folder.path())
            .unwrap()
            .join("sub/target.json");
        assert_eq!(final_target(&link).unwrap(), expected);
    }

    #[test]
    fn a_descriptor_open_on_a_file_is_that_file() {
        // Standard input redirected from the output (`process - --output f.json < f.json`)
        // reaches the check through this function, with fd 0 as the descriptor.
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("f.json");
        fs::write(&path, b"[]").unwrap();
        let opened = File::open(&path).unwrap();
        let by_descriptor = Identity::of_descriptor(opened.as_fd()).unwrap();
        let by_path = Identity::of_path(&folder.path().join("./f.json")).unwrap();
        assert!(by_descriptor.is_same_file(&by_path));
        let other = folder.path().join("g.json");
        fs::write(&other, b"[]").unwrap();
        assert!(!by_descriptor.is_same_file(&Identity::of_path(&other).unwrap()));
    }
}
