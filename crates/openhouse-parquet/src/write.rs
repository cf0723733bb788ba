//! Crash-safe Parquet writing.

use std::fs::{self, File};
use std::io::BufWriter;
use std::num::NonZeroUsize;
use std::path::Path;

use openhouse_model::OpenHouse;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::SortingColumn;
use parquet::file::properties::WriterProperties;

use crate::{Error, record_batch, schema};

/// How the Parquet file is laid out. Defaults: zstd level 3, row groups of up to 1,048,576 rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    zstd_level: i32,
    row_group_rows: NonZeroUsize,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            zstd_level: 3,
            row_group_rows: NonZeroUsize::new(1 << 20).unwrap_or(NonZeroUsize::MIN),
        }
    }
}

impl WriteOptions {
    /// zstd level, 1 (fastest) to 22 (smallest).
    pub fn zstd_level(mut self, level: i32) -> Self {
        self.zstd_level = level;
        self
    }

    /// Rows per row group at most.
    pub fn row_group_rows(mut self, rows: NonZeroUsize) -> Self {
        self.row_group_rows = rows;
        self
    }

    fn properties(&self) -> Result<WriterProperties, Error> {
        // Column indexes 3 and 0 are OpenHouseDate and OpenHouseKey in `schema()`.
        let sorted_by = [3, 0].map(|column_idx| SortingColumn {
            column_idx,
            descending: false,
            nulls_first: false,
        });
        Ok(WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(self.zstd_level)?))
            .set_max_row_group_row_count(Some(self.row_group_rows.get()))
            .set_sorting_columns(Some(sorted_by.to_vec()))
            .set_created_by(concat!("openhouse ", env!("CARGO_PKG_VERSION")).to_owned())
            .build())
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteSummary {
    pub rows: u64,
    pub row_groups: usize,
    pub bytes: u64,
}

/// Writes `open_houses`, which must be sorted by (OpenHouseDate, OpenHouseKey), to `path`.
///
/// Parent folders are created. The file appears whole or not at all: it is written to a
/// temporary file beside `path`, synced, and renamed over it; on any error the temporary
/// file is removed and an existing file at `path` is left as it was.
pub fn write_parquet(
    path: &Path,
    open_houses: &[OpenHouse],
    options: &WriteOptions,
) -> Result<WriteSummary, Error> {
    if let Some(row) = open_houses
        .windows(2)
        .position(|pair| (pair[0].date, &pair[0].key) > (pair[1].date, &pair[1].key))
    {
        return Err(Error::NotSorted { row: row + 1 });
    }
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(folder).map_err(Error::io("creating", folder))?;
    let temporary = tempfile::Builder::new()
        .prefix(".openhouse-")
        .suffix(".parquet.tmp")
        .tempfile_in(folder)
        .map_err(Error::io("creating a temporary file in", folder))?;

    let mut writer = ArrowWriter::try_new(
        BufWriter::new(temporary.as_file()),
        schema(),
        Some(options.properties()?),
    )?;
    for rows in open_houses.chunks(options.row_group_rows.get()) {
        writer.write(&record_batch(rows)?)?;
    }
    let metadata = writer.close()?;
    temporary
        .as_file()
        .sync_all()
        .map_err(Error::io("syncing", temporary.path()))?;
    let file = temporary.persist(path).map_err(|error| Error::Io {
        action: "renaming into",
        path: path.into(),
        source: error.error,
    })?;
    let bytes = file
        .metadata()
        .map_err(Error::io("reading the size of", path))?
        .len();
    sync_folder(folder)?;
    Ok(WriteSummary {
        rows: open_houses.len() as u64,
        row_groups: metadata.num_row_groups(),
        bytes,
    })
}

/// Makes the rename itself durable.
fn sync_folder(folder: &Path) -> Result<(), Error> {
    if cfg!(unix) {
        File::open(folder)
            .and_then(|dir| dir.sync_all())
            .map_err(Error::io("syncing", folder))?;
    }
    Ok(())
}
