//! Reading active files back: as Arrow record batches, or as the file list that
//! `openhouse-parquet`'s readers (the insights, the dashboard) take.

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use openhouse_parquet::{ParquetFile, ParquetFiles, TableFile};
use parquet::arrow::arrow_reader::ParquetRecordBatchReader;

use crate::{ActiveFile, Error, MONTH_COLUMN, Table};

impl Table {
    /// The rows of `files`, file by file, as batches of [`openhouse_parquet::schema`] (the
    /// partition column is not in the files), or of the named `columns` only, kept in the
    /// table's column order. Files are opened one at a time as the batches are consumed.
    pub fn read(
        &self,
        files: &[ActiveFile],
        columns: Option<&[&str]>,
    ) -> Result<TableBatches, Error> {
        let schema = openhouse_parquet::schema();
        let columns = columns
            .map(|names| {
                names
                    .iter()
                    .map(|name| match schema.index_of(name) {
                        Ok(_) => Ok((*name).to_owned()),
                        Err(_) => Err(Error::UnknownColumn {
                            column: (*name).to_owned(),
                        }),
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?;
        Ok(TableBatches {
            files: files
                .iter()
                .map(|file| file.location().to_path_buf())
                .collect::<Vec<_>>()
                .into_iter(),
            columns,
            current: None,
        })
    }

    /// The active files as `openhouse-parquet` sources, each with its `month` partition value,
    /// in [`Table::active_files`] order: what the insights and the dashboard read. Only the
    /// files of this version: the folder also holds files that later versions removed and
    /// files of commits that never happened, until VACUUM.
    pub fn parquet_files(&self) -> Result<ParquetFiles, Error> {
        Ok(self
            .active_files()?
            .into_iter()
            .map(|file| {
                ParquetFile::new(file.location())
                    .with_partition_value(MONTH_COLUMN, Some(file.month().to_string()))
            })
            .collect())
    }
}

/// The Parquet files of the open-house table at `path`, in either layout: a Delta Lake table
/// (a folder with a `_delta_log` folder) through its log's active files
/// ([`Table::parquet_files`]), never by listing the folder; anything else (a file, a folder, a
/// glob) as [`ParquetFiles::locate`] finds it.
pub fn locate_table_files(path: &Path) -> Result<ParquetFiles, Error> {
    if ParquetFiles::is_delta_table(path) {
        Table::open(path)?.parquet_files()
    } else {
        Ok(ParquetFiles::locate(path)?)
    }
}

/// Record batches of a set of data files; see [`Table::read`].
pub struct TableBatches {
    files: std::vec::IntoIter<PathBuf>,
    columns: Option<Vec<String>>,
    current: Option<ParquetRecordBatchReader>,
}

impl TableBatches {
    fn open(&self, location: PathBuf) -> Result<ParquetRecordBatchReader, Error> {
        let columns: Option<Vec<&str>> = self
            .columns
            .as_ref()
            .map(|names| names.iter().map(String::as_str).collect());
        Ok(TableFile::open(&location, columns.as_deref())?.read(None)?)
    }
}

impl Iterator for TableBatches {
    type Item = Result<RecordBatch, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(reader) = &mut self.current {
                match reader.next() {
                    Some(batch) => return Some(batch.map_err(Error::from)),
                    None => self.current = None,
                }
            }
            let location = self.files.next()?;
            match self.open(location) {
                Ok(reader) => self.current = Some(reader),
                Err(error) => return Some(Err(error)),
            }
        }
    }
}
