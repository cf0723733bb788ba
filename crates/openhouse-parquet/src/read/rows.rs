//! Reading whole rows of the open-house table back as record batches of [`schema`], for
//! what rewrites the table (a merge of a new batch of events into it).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_schema::{Field, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};

use super::guard;
use crate::{Error, schema};

/// Rows a reader hands over at a time: large enough that per-batch costs vanish, small enough
/// that a batch of the table's ten columns stays a few megabytes.
pub const READ_BATCH_ROWS: usize = 1 << 16;

/// One Parquet file of the open-house table, opened for reading whole rows: its footer read
/// once, the table's [`schema`] imposed (so every batch has the same types, time zone
/// included, whichever engine wrote the file; only nullability stays the file's), and
/// optionally only some columns.
///
/// ```
/// # use openhouse_dedup::LatestByKey;
/// # use openhouse_model::{OpenHouseFields, Position, UtcTimestamp, parse_date};
/// use openhouse_parquet::{TableFile, WriteOptions, write_table};
/// # let at = |text: &str| UtcTimestamp::parse(text).unwrap();
/// # let mut latest = LatestByKey::new();
/// # latest.offer(&OpenHouseFields { key: "OH-1", listing_key: None, method: None,
/// #     date: parse_date("2024-05-04").unwrap(), start: at("2024-05-05T00:00:00Z"),
/// #     end: at("2024-05-05T02:00:00Z"), modified: at("2024-05-01T09:30:00Z"), state: None,
/// #     zipcode: Some("94521"), position: Position::default() });
/// # let table = latest.into_table()?;
/// let folder = tempfile::tempdir()?;
/// let path = folder.path().join("openhouses.parquet");
/// write_table(std::fs::File::create(&path)?, &table, &WriteOptions::default())?;
///
/// let file = TableFile::open(&path, Some(&["OpenHouseKey", "DateModified"]))?;
/// assert_eq!((file.rows(), file.row_groups()), (1, 1));
/// let batch = file.read(None)?.next().unwrap()?;
/// assert_eq!(batch.num_columns(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TableFile {
    path: PathBuf,
    metadata: ArrowReaderMetadata,
    projection: ProjectionMask,
}

impl TableFile {
    /// Opens `path` and reads its footer. `columns` names the columns to read (kept in the
    /// table's column order, whatever order they are named in); `None` reads them all.
    pub fn open(path: &Path, columns: Option<&[&str]>) -> Result<TableFile, Error> {
        let reader = File::open(path).map_err(Error::io("opening", path))?;
        // Other engines' files are read here too (a Delta table's), so with the same guards
        // as the insights reader: the embedded Arrow schema is never decoded (the types are
        // the table's own), and a panic of the decoder is an error.
        let found = guard::decoding(path, || {
            ArrowReaderMetadata::load(
                &reader,
                ArrowReaderOptions::new().with_skip_arrow_metadata(true),
            )
        })??;
        // The table's types, with the file's nullability: other writers (delta-rs's MERGE,
        // Spark) declare every column nullable, and a supplied schema must agree on that.
        let imposed: Vec<Field> = schema()
            .fields()
            .iter()
            .map(|field| {
                let nullable = found
                    .schema()
                    .field_with_name(field.name())
                    .map_or(field.is_nullable(), |found| found.is_nullable());
                field.as_ref().clone().with_nullable(nullable)
            })
            .collect();
        let options = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(imposed)));
        let metadata = ArrowReaderMetadata::try_new(Arc::clone(found.metadata()), options)?;
        let projection = match columns {
            None => ProjectionMask::all(),
            Some(names) => {
                let table = schema();
                let indices = names
                    .iter()
                    .map(|name| {
                        table.index_of(name).map_err(|_| Error::UnknownColumn {
                            column: (*name).to_owned(),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                ProjectionMask::roots(metadata.parquet_schema(), indices)
            }
        };
        Ok(TableFile {
            path: path.to_path_buf(),
            metadata,
            projection,
        })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rows in the file, from its footer.
    pub fn rows(&self) -> u64 {
        self.metadata.metadata().file_metadata().num_rows().max(0) as u64
    }

    /// Row groups in the file.
    pub fn row_groups(&self) -> usize {
        self.metadata.metadata().num_row_groups()
    }

    /// Rows in each row group, in file order.
    pub fn row_group_rows(&self) -> Vec<u64> {
        self.metadata
            .metadata()
            .row_groups()
            .iter()
            .map(|row_group| row_group.num_rows().max(0) as u64)
            .collect()
    }

    /// The rows of the file, or of the given row groups only, in file order, in batches of up
    /// to [`READ_BATCH_ROWS`] rows.
    pub fn read(&self, row_groups: Option<Vec<usize>>) -> Result<ParquetRecordBatchReader, Error> {
        let reader = File::open(&self.path).map_err(Error::io("opening", &self.path))?;
        let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(
            guard::FileChunks::new(reader),
            self.metadata.clone(),
        )
        .with_projection(self.projection.clone())
        .with_batch_size(READ_BATCH_ROWS);
        if let Some(row_groups) = row_groups {
            builder = builder.with_row_groups(row_groups);
        }
        Ok(builder.build()?)
    }
}
