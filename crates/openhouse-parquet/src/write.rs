//! Crash-safe Parquet writing.

use std::num::NonZeroUsize;
use std::path::Path;

use arrow_array::ArrayRef;
use arrow_schema::Field;
use openhouse_model::OpenHouse;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowColumnWriter, compute_leaves};
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::metadata::SortingColumn;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;

use crate::batch::{COLUMNS, column_index};
use crate::columns::{OPEN_HOUSE_DATE, OPEN_HOUSE_KEY};
use crate::{Error, schema, write_atomically};

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
        let sorted_by = [OPEN_HOUSE_DATE, OPEN_HOUSE_KEY].map(|name| SortingColumn {
            column_idx: column_index(name) as i32,
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
        .position(|pair| pair[0].cmp_table_order(&pair[1]).is_gt())
    {
        return Err(Error::NotSorted { row: row + 1 });
    }
    let schema = schema();
    let properties = options.properties()?;
    let (metadata, bytes) = write_atomically(path, |out| {
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(properties))?;
        // The arrow writer sets up the file (schema, metadata); each row group's columns are
        // then built and encoded in parallel, one task a column.
        let (mut file, row_groups) = writer.into_serialized_writer()?;
        for (index, rows) in open_houses.chunks(options.row_group_rows.get()).enumerate() {
            let chunks: Vec<ArrowColumnChunk> = row_groups
                .create_column_writers(index)?
                .into_par_iter()
                .zip(COLUMNS.par_iter().zip(schema.fields().par_iter()))
                .map(|(writer, (column, field))| encode(writer, field, (column.build)(rows)))
                .collect::<Result<_, _>>()?;
            let mut row_group = file.next_row_group()?;
            for chunk in chunks {
                chunk.append_to_row_group(&mut row_group)?;
            }
            row_group.close()?;
        }
        Ok(file.close()?)
    })?;
    Ok(WriteSummary {
        rows: open_houses.len() as u64,
        row_groups: metadata.num_row_groups(),
        bytes,
    })
}

fn encode(
    mut writer: ArrowColumnWriter,
    field: &Field,
    array: ArrayRef,
) -> Result<ArrowColumnChunk, ParquetError> {
    for leaf in compute_leaves(field, &array)? {
        writer.write(&leaf)?;
    }
    writer.close()
}
