//! Replacing a file whole or not at all.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::Error;

/// Writes `path` through `write` so that a reader sees the old file or the new one, never a
/// part of one, even across a crash.
///
/// The bytes go to a temporary file in `path`'s folder (created if needed), which is synced
/// and renamed over `path`; then the folder is synced so that the rename itself is durable.
/// On any error the temporary file is removed and `path` is left as it was. Returns what
/// `write` returned and the size of the file written.
pub fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&File>) -> Result<T, Error>,
) -> Result<(T, u64), Error> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(folder).map_err(Error::io("creating", folder))?;
    let temporary = tempfile::Builder::new()
        .prefix(".openhouse-")
        .suffix(".tmp")
        .tempfile_in(folder)
        .map_err(Error::io("creating a temporary file in", folder))?;

    let mut out = BufWriter::new(temporary.as_file());
    let written = write(&mut out)?;
    out.flush()
        .map_err(Error::io("writing", temporary.path()))?;
    drop(out);
    let file = temporary.as_file();
    file.sync_all()
        .map_err(Error::io("syncing", temporary.path()))?;
    let bytes = file
        .metadata()
        .map_err(Error::io("reading the size of", temporary.path()))?
        .len();
    temporary.persist(path).map_err(|error| Error::Io {
        action: "renaming into",
        path: path.into(),
        source: error.error,
    })?;
    sync_folder(folder)?;
    Ok((written, bytes))
}

fn sync_folder(folder: &Path) -> Result<(), Error> {
    if cfg!(unix) {
        File::open(folder)
            .and_then(|dir| dir.sync_all())
            .map_err(Error::io("syncing", folder))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_new_file_replaces_the_old_whole() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("nested/out.txt");
        let (answer, bytes) = write_atomically(&path, |out| {
            out.write_all(b"first")
                .map_err(Error::io("writing", "test"))?;
            Ok(42)
        })
        .unwrap();
        assert_eq!((answer, bytes), (42, 5));
        write_atomically(&path, |out| {
            out.write_all(b"second!")
                .map_err(Error::io("writing", "test"))
        })
        .unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second!");
        assert_eq!(names(&folder.path().join("nested")), ["out.txt"]);
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("out.txt");
        fs::write(&path, b"old").unwrap();
        let failed = write_atomically(&path, |out| -> Result<(), Error> {
            out.write_all(b"half of the new")
                .map_err(Error::io("writing", "test"))?;
            Err(Error::NotSorted { row: 1 })
        });
        assert!(matches!(failed, Err(Error::NotSorted { row: 1 })));
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(names(folder.path()), ["out.txt"]);
    }
}
