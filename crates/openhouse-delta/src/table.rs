//! The table handle: a local folder holding a Delta table of open houses.

use std::fs;
use std::path::{Path, PathBuf};

use deltalake::DeltaTable;
use deltalake::protocol::SaveMode;
use deltalake::table::state::DeltaTableState;

use crate::runtime::BlockingRuntime;
use crate::schema::{check_table, delta_schema};
use crate::{Error, MONTH_COLUMN, Month};

/// The table's name in its Delta metadata.
const TABLE_NAME: &str = "openhouses";

/// A Delta table of open houses in a local folder, at one version of its log.
///
/// Every answer (active files, batches committed) is as of [`version`](Table::version): the
/// version loaded when the table was opened, after the last [`refresh`](Table::refresh), or
/// made by this handle's last commit. Other writers' commits appear after a refresh.
pub struct Table {
    root: PathBuf,
    delta: DeltaTable,
    runtime: BlockingRuntime,
}

/// A data file that is part of the table at its current version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveFile {
    pub(crate) path: String,
    pub(crate) location: PathBuf,
    pub(crate) month: Month,
    pub(crate) size_bytes: u64,
    pub(crate) rows: Option<u64>,
}

impl ActiveFile {
    /// The file's path relative to the table folder, as the log names it
    /// (`month=YYYY-MM/part-<uuid>.parquet` for files this crate writes).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Where the file is on disk.
    pub fn location(&self) -> &Path {
        &self.location
    }

    /// The partition the file belongs to.
    pub fn month(&self) -> Month {
        self.month
    }

    /// The file's size in bytes, as the log records it.
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// The file's row count from the log's statistics (`numRecords`); `None` when the writer
    /// of the file recorded none.
    pub fn rows(&self) -> Option<u64> {
        self.rows
    }
}

impl Table {
    /// Opens the table in `path`, creating the folder and an empty table (version 0) if there
    /// is no table yet.
    pub fn open_or_create(path: impl AsRef<Path>) -> Result<Table, Error> {
        let path = path.as_ref();
        fs::create_dir_all(path).map_err(Error::io("creating", path))?;
        let mut table = Table::load(path)?;
        if table.delta.version().is_none() {
            let created = table.runtime.block_on(
                table
                    .delta
                    .create()
                    .with_table_name(TABLE_NAME)
                    .with_columns(delta_schema()?.into_fields())
                    .with_partition_columns([MONTH_COLUMN])
                    .with_save_mode(SaveMode::ErrorIfExists),
            )?;
            table.delta = created?;
        }
        table.check()?;
        Ok(table)
    }

    /// Opens the existing table in `path`; [`Error::NotATable`] if there is none.
    pub fn open(path: impl AsRef<Path>) -> Result<Table, Error> {
        let path = path.as_ref();
        if !path.is_dir() {
            return Err(Error::NotATable { path: path.into() });
        }
        let table = Table::load(path)?;
        if table.delta.version().is_none() {
            return Err(Error::NotATable { path: path.into() });
        }
        table.check()?;
        Ok(table)
    }

    /// The handle on the folder, with the latest version loaded if there is a table.
    fn load(path: &Path) -> Result<Table, Error> {
        let root = fs::canonicalize(path).map_err(Error::io("resolving", path))?;
        let text = root
            .to_str()
            .ok_or_else(|| Error::PathNotUtf8 { path: root.clone() })?;
        let url = deltalake::ensure_table_uri(text)?;
        let runtime = BlockingRuntime::new()?;
        let delta = runtime.block_on(DeltaTable::try_from_url(url))??;
        Ok(Table {
            root,
            delta,
            runtime,
        })
    }

    fn check(&self) -> Result<(), Error> {
        check_table(&self.root, self.state()?)
    }

    /// The table's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The version of the log this handle is at.
    pub fn version(&self) -> u64 {
        self.delta.version().unwrap_or_default()
    }

    /// Moves to the latest version of the log.
    pub fn refresh(&mut self) -> Result<(), Error> {
        self.runtime.block_on(self.delta.update_state())??;
        self.check()
    }

    /// The data files of the table at this version, by month then path.
    pub fn active_files(&self) -> Result<Vec<ActiveFile>, Error> {
        let mut files = self
            .state()?
            .log_data()
            .iter()
            .map(|file| {
                let path = file.path().into_owned();
                let value = file.partition_values_map().remove(MONTH_COLUMN).flatten();
                let month = value
                    .as_deref()
                    .and_then(|value| value.parse::<Month>().ok())
                    .ok_or_else(|| Error::BadPartitionValue {
                        path: path.clone(),
                        value,
                    })?;
                Ok(ActiveFile {
                    location: self.root.join(&path),
                    path,
                    month,
                    size_bytes: u64::try_from(file.size()).unwrap_or_default(),
                    rows: file.num_records().map(|rows| rows as u64),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        files.sort_by(|a, b| (a.month, &a.path).cmp(&(b.month, &b.path)));
        Ok(files)
    }

    pub(crate) fn state(&self) -> Result<&DeltaTableState, Error> {
        Ok(self.delta.snapshot()?)
    }

    pub(crate) fn delta(&self) -> &DeltaTable {
        &self.delta
    }

    pub(crate) fn delta_mut(&mut self) -> &mut DeltaTable {
        &mut self.delta
    }

    pub(crate) fn runtime(&self) -> &BlockingRuntime {
        &self.runtime
    }
}
