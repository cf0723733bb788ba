//! Which Parquet files a source names: one file, a folder as Spark and DataFusion write
//! them (hive partitions included), a glob, or an explicit list.

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::Error;

/// The folder in which a Delta Lake table keeps its log.
const DELTA_LOG: &str = "_delta_log";

/// How Hive, Spark and pyarrow spell a null partition value in a folder name.
const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";

/// One Parquet file and the hive partition values that its folders give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParquetFile {
    path: PathBuf,
    partition_values: Vec<(String, Option<String>)>,
}

impl ParquetFile {
    /// A file with no partition values.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        ParquetFile {
            path: path.into(),
            partition_values: Vec::new(),
        }
    }

    /// Adds the value (`None` for null) that every row of the file has in `column`, as a
    /// partitioned table's folder names or a Delta Lake log's `partitionValues` say. It is
    /// used when the file itself has no such column.
    pub fn with_partition_value(
        mut self,
        column: impl Into<String>,
        value: Option<impl Into<String>>,
    ) -> Self {
        self.partition_values
            .push((column.into(), value.map(Into::into)));
        self
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The partition value of `column`: `None` if the file has none, `Some(None)` for null.
    pub fn partition_value(&self, column: &str) -> Option<Option<&str>> {
        self.partition_values
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, value)| value.as_deref())
    }
}

/// The Parquet files of a table, in a stable order (sorted by path when found on disk).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParquetFiles {
    files: Vec<ParquetFile>,
}

impl ParquetFiles {
    /// The files that `path` names:
    /// - a file: that file;
    /// - a folder: every file under it, recursively, except names starting with `_` or `.`
    ///   and `.crc` files (`_SUCCESS`, Spark's checksums, `_temporary`); folders named
    ///   `column=value` give their files that partition value;
    /// - anything else with `*`, `?` or `[` in it: a glob pattern; matching folders are read
    ///   as folders, and `column=value` folders below the pattern's first wildcard give
    ///   partition values.
    ///
    /// A folder with a `_delta_log` folder is a Delta Lake table, whose folder still holds
    /// the files that later versions removed: [`Error::DeltaTable`]; pass the files its log
    /// lists to [`ParquetFiles::from_files`] instead.
    pub fn locate(path: &Path) -> Result<Self, Error> {
        let mut files = Vec::new();
        match fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => collect_folder(path, path, &mut files)?,
            Ok(_) => files.push(ParquetFile::new(path)),
            Err(error) => match path.to_str().filter(|text| is_glob(text)) {
                Some(pattern) => collect_glob(pattern, &mut files)?,
                None => return Err(Error::io("opening", path)(error)),
            },
        }
        if files.is_empty() {
            return Err(Error::NoParquetFiles {
                path: path.to_path_buf(),
            });
        }
        Ok(ParquetFiles { files })
    }

    /// Whether `path` is a folder holding a Delta Lake table (it has a `_delta_log` folder),
    /// which [`ParquetFiles::locate`] refuses.
    pub fn is_delta_table(path: &Path) -> bool {
        path.join(DELTA_LOG).is_dir()
    }

    /// Exactly these files, in this order: for example the active files of a Delta Lake
    /// table's current version.
    pub fn from_files(files: impl IntoIterator<Item = ParquetFile>) -> Self {
        ParquetFiles {
            files: files.into_iter().collect(),
        }
    }

    /// The files, in reading order.
    pub fn files(&self) -> &[ParquetFile] {
        &self.files
    }
}

impl FromIterator<ParquetFile> for ParquetFiles {
    fn from_iter<I: IntoIterator<Item = ParquetFile>>(files: I) -> Self {
        ParquetFiles::from_files(files)
    }
}

fn is_glob(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// Spark's rule for files that are not data: hidden and underscore names (`_SUCCESS`,
/// `.part-0.crc`, `_temporary`, `_delta_log`), plus checksums in case a writer shows them.
fn is_data_name(name: &str) -> bool {
    !(name.starts_with('.') || name.starts_with('_') || name.ends_with(".crc"))
}

fn collect_folder(root: &Path, folder: &Path, files: &mut Vec<ParquetFile>) -> Result<(), Error> {
    if ParquetFiles::is_delta_table(folder) {
        return Err(Error::DeltaTable {
            path: folder.to_path_buf(),
        });
    }
    let mut entries = Vec::new();
    for entry in fs::read_dir(folder).map_err(Error::io("listing", folder))? {
        let entry = entry.map_err(Error::io("listing", folder))?;
        let name = entry.file_name();
        if name.to_str().is_some_and(is_data_name) {
            entries.push(entry.path());
        }
    }
    entries.sort();
    for path in entries {
        let metadata = fs::metadata(&path).map_err(Error::io("reading the type of", &path))?;
        if metadata.is_dir() {
            collect_folder(root, &path, files)?;
        } else {
            files.push(with_partitions(&path, root));
        }
    }
    Ok(())
}

fn collect_glob(pattern: &str, files: &mut Vec<ParquetFile>) -> Result<(), Error> {
    let matches = glob::glob(pattern).map_err(|source| Error::InvalidGlob {
        pattern: pattern.to_owned(),
        source,
    })?;
    let base = literal_prefix(Path::new(pattern));
    for found in matches {
        let path = found.map_err(|error| {
            let path = error.path().to_path_buf();
            Error::io("listing", path)(error.into())
        })?;
        let metadata = fs::metadata(&path).map_err(Error::io("reading the type of", &path))?;
        if metadata.is_dir() {
            collect_folder(&path, &path, files)?;
        } else if path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(is_data_name)
        {
            files.push(with_partitions(&path, &base));
        }
    }
    Ok(())
}

/// The folders of `pattern` before its first wildcard.
fn literal_prefix(pattern: &Path) -> PathBuf {
    pattern
        .components()
        .take_while(|component| !component.as_os_str().to_str().is_some_and(is_glob))
        .collect()
}

/// The file with the partition values of the `column=value` folders between `root` and it.
fn with_partitions(path: &Path, root: &Path) -> ParquetFile {
    let mut file = ParquetFile::new(path);
    let folders = path
        .parent()
        .and_then(|parent| parent.strip_prefix(root).ok())
        .map(Path::components)
        .into_iter()
        .flatten();
    for component in folders {
        let Component::Normal(name) = component else {
            continue;
        };
        if let Some((column, value)) = name.to_str().and_then(|name| name.split_once('=')) {
            let value = (value != HIVE_NULL).then_some(value);
            file = file.with_partition_value(column, value);
        }
    }
    file
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_bookkeeping_files_are_not_data() {
        for name in [
            "_SUCCESS",
            ".part-0.snappy.parquet.crc",
            "_temporary",
            "x.crc",
        ] {
            assert!(!is_data_name(name), "{name}");
        }
        assert!(is_data_name("part-00000-1d2c.c000.snappy.parquet"));
    }

    #[test]
    fn partition_values_come_from_folders_below_the_root() {
        let file = with_partitions(
            Path::new("/t/year=2024/month=2024-05/Zip5=__HIVE_DEFAULT_PARTITION__/p.parquet"),
            Path::new("/t/year=2024"),
        );
        assert_eq!(file.partition_value("month"), Some(Some("2024-05")));
        assert_eq!(file.partition_value("Zip5"), Some(None));
        assert_eq!(file.partition_value("year"), None);
    }

    #[test]
    fn a_glob_is_rooted_at_its_last_literal_folder() {
        assert_eq!(
            literal_prefix(Path::new("/t/month=*/part-*.parquet")),
            Path::new("/t")
        );
    }
}
