//! Reading active files back as Arrow record batches.

use std::fs::File;
use std::path::PathBuf;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};

use crate::{ActiveFile, Error, Table};

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
        let projection = match columns {
            None => None,
            Some(names) => {
                let mut indices = names
                    .iter()
                    .map(|name| {
                        schema.index_of(name).map_err(|_| Error::UnknownColumn {
                            column: (*name).to_owned(),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                indices.sort_unstable();
                indices.dedup();
                Some(indices)
            }
        };
        Ok(TableBatches {
            files: files
                .iter()
                .map(|file| file.location().to_path_buf())
                .collect::<Vec<_>>()
                .into_iter(),
            schema,
            projection,
            current: None,
        })
    }
}

/// Record batches of a set of data files; see [`Table::read`].
pub struct TableBatches {
    files: std::vec::IntoIter<PathBuf>,
    schema: SchemaRef,
    projection: Option<Vec<usize>>,
    current: Option<ParquetRecordBatchReader>,
}

impl TableBatches {
    fn open(&self, location: PathBuf) -> Result<ParquetRecordBatchReader, Error> {
        let file = File::open(&location).map_err(Error::io("opening", &location))?;
        // The table's schema is imposed on the file, so that every batch has the same types
        // (time zone included) whichever engine wrote the file.
        let options = ArrowReaderOptions::new().with_schema(self.schema.clone());
        let mut builder = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options)?;
        if let Some(indices) = &self.projection {
            let mask = ProjectionMask::roots(builder.parquet_schema(), indices.iter().copied());
            builder = builder.with_projection(mask);
        }
        Ok(builder.build()?)
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
