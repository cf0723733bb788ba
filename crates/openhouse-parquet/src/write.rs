//! The table writer: open-house record batches to Parquet over any `Write`, each row group's
//! columns encoded in parallel. Where the bytes land (a file placed atomically, a buffer, a
//! Delta Lake table) is the caller's business.

use std::io::Write;

use arrow_array::cast::AsArray;
use arrow_array::types::Date32Type;
use arrow_array::{Array, RecordBatch, RecordBatchWriter};
use arrow_schema::{ArrowError, SchemaRef};
use openhouse_dedup::Table;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves,
};
use parquet::basic::{Compression, ZstdLevel};
use parquet::errors::ParquetError;
use parquet::file::metadata::SortingColumn;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;

use crate::batch::{COLUMNS, Encoding, column_index};
use crate::columns::{OPEN_HOUSE_DATE, OPEN_HOUSE_KEY};
use crate::{Error, record_batches, schema};

/// The zstd level the table is written with by default. On the real feed's shape level 1
/// writes a smaller file than level 3 (the keys are random hex digits, which no level finds
/// more in than their entropy) and in two thirds of the time.
pub const DEFAULT_ZSTD_LEVEL: i32 = 1;
/// Rows per row group by default, as DuckDB writes them: large enough that each column chunk
/// compresses well, small enough that a reader skips by date and that several row groups'
/// columns are encoded at once.
pub const DEFAULT_ROW_GROUP_ROWS: usize = 122_880;
/// The false-positive rate of the OpenHouseKey bloom filter, when one is written
/// ([`WriteOptions::bloom_filter_on_keys`]): the chance that a row group answers "maybe" for
/// one key it does not hold. A merge asks a file about every key of its batch, so a file
/// without any of them is read for nothing with a chance of about keys × rate: 10% for a
/// batch of 10,000 keys. It costs about 3 bytes per row.
pub const KEY_BLOOM_FILTER_FPP: f64 = 0.000_01;

/// How the Parquet file is laid out. `WriteOptions::default()` is zstd level
/// [`DEFAULT_ZSTD_LEVEL`], row groups of up to [`DEFAULT_ROW_GROUP_ROWS`] rows and no bloom
/// filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    zstd_level: ZstdLevel,
    row_group_rows: usize,
    bloom_filter_on_keys: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            zstd_level: ZstdLevel::try_new(DEFAULT_ZSTD_LEVEL).unwrap_or_default(),
            row_group_rows: DEFAULT_ROW_GROUP_ROWS,
            bloom_filter_on_keys: false,
        }
    }
}

impl WriteOptions {
    /// zstd level, 1 (fastest) to 22 (smallest); other levels are refused here, not at
    /// write time.
    pub fn zstd_level(mut self, level: i32) -> Result<Self, Error> {
        self.zstd_level = ZstdLevel::try_new(level)?;
        Ok(self)
    }

    /// Rows per row group at most (at least 1).
    pub fn row_group_rows(mut self, rows: usize) -> Self {
        self.row_group_rows = rows.max(1);
        self
    }

    /// The configured rows per row group.
    pub fn rows_per_row_group(&self) -> usize {
        self.row_group_rows
    }

    /// Whether each row group gets a bloom filter on OpenHouseKey (at
    /// [`KEY_BLOOM_FILTER_FPP`]), so that a reader can rule out a file for a set of keys from
    /// its footer and filters alone, as a merge into a Delta Lake table does. Off by default.
    pub fn bloom_filter_on_keys(mut self, enabled: bool) -> Self {
        self.bloom_filter_on_keys = enabled;
        self
    }

    /// Whether OpenHouseKey gets a bloom filter.
    pub fn has_bloom_filter_on_keys(&self) -> bool {
        self.bloom_filter_on_keys
    }

    fn properties(&self) -> WriterProperties {
        let sorted_by = [OPEN_HOUSE_DATE, OPEN_HOUSE_KEY].map(|name| SortingColumn {
            column_idx: column_index(name) as i32,
            descending: false,
            nulls_first: false,
        });
        let mut builder = WriterProperties::builder()
            .set_compression(Compression::ZSTD(self.zstd_level))
            .set_max_row_group_row_count(Some(self.row_group_rows))
            .set_sorting_columns(Some(sorted_by.to_vec()))
            // Chunk statistics let readers skip row groups by date; page-level ones would cost
            // time on every page of keys for little gain.
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_created_by(concat!("openhouse ", env!("CARGO_PKG_VERSION")).to_owned());
        for column in &COLUMNS {
            let path = || ColumnPath::from(column.name);
            builder = match column.encoding {
                Encoding::Dictionary => builder.set_column_dictionary_enabled(path(), true),
                Encoding::DeltaLength => builder
                    .set_column_dictionary_enabled(path(), false)
                    .set_column_encoding(path(), parquet::basic::Encoding::DELTA_LENGTH_BYTE_ARRAY),
                Encoding::Delta => builder
                    .set_column_dictionary_enabled(path(), false)
                    .set_column_encoding(path(), parquet::basic::Encoding::DELTA_BINARY_PACKED),
            };
        }
        if self.bloom_filter_on_keys {
            // Sized for a full row group, then folded down to the keys written.
            let key = ColumnPath::from(OPEN_HOUSE_KEY);
            builder = builder
                .set_column_bloom_filter_fpp(key.clone(), KEY_BLOOM_FILTER_FPP)
                .set_column_bloom_filter_max_ndv(key, self.row_group_rows as u64);
        }
        builder.build()
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct WriteSummary {
    /// Rows written.
    pub rows: u64,
    /// Row groups written.
    pub row_groups: usize,
    /// Bytes of the file.
    pub bytes: u64,
}

/// Writes the open-house table as Parquet to any `Write`: record batches of [`schema`] in
/// the table's order, buffered into row groups of [`WriteOptions::row_group_rows`] rows
/// whose columns are encoded in parallel on the current rayon pool.
///
/// The file declares that it is sorted by (`OpenHouseDate`, `OpenHouseKey`), so the writer
/// refuses rows out of that order. Call [`TableWriter::finish`] (or `close`) to write the
/// footer; without it the output is not a Parquet file.
pub struct TableWriter<W: Write + Send> {
    file: SerializedFileWriter<Counted<W>>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    row_group_rows: usize,
    /// The row group being filled: its column writers and rows so far.
    open: Option<(Vec<ArrowColumnWriter>, usize)>,
    /// Row groups encoded but not yet written, each its column chunks in order.
    encoded: Vec<Vec<ArrowColumnChunk>>,
    /// Row groups written.
    row_groups: usize,
    rows: u64,
    /// The (date, key) of the last row written, to check the order across batches.
    last: Option<(i32, String)>,
}

impl<W: Write + Send> TableWriter<W> {
    /// Starts a file on `out`.
    pub fn try_new(out: W, options: &WriteOptions) -> Result<Self, Error> {
        let schema = schema();
        let out = Counted {
            inner: Some(out),
            bytes: 0,
        };
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(options.properties()))?;
        let (file, factory) = writer.into_serialized_writer()?;
        Ok(TableWriter {
            file,
            factory,
            schema,
            row_group_rows: options.row_group_rows,
            open: None,
            encoded: Vec::new(),
            row_groups: 0,
            rows: 0,
            last: None,
        })
    }

    /// Writes a batch of rows; a row group is written out whenever it is full.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), Error> {
        if batch.schema().fields() != self.schema.fields() {
            return Err(Error::WrongSchema {
                found: batch.schema(),
            });
        }
        self.check_order(batch)?;
        let row_group_rows = self.row_group_rows;
        let mut offset = 0;
        while offset < batch.num_rows() {
            if self.open.is_none() {
                let index = self.row_groups + self.encoded.len();
                let writers = self.factory.create_column_writers(index)?;
                self.open = Some((writers, 0));
            }
            let Some((writers, buffered)) = self.open.as_mut() else {
                break;
            };
            let take = (row_group_rows - *buffered).min(batch.num_rows() - offset);
            let slice = batch.slice(offset, take);
            writers
                .par_iter_mut()
                .zip(
                    slice
                        .columns()
                        .par_iter()
                        .zip(self.schema.fields().par_iter()),
                )
                .try_for_each(|(writer, (array, field))| {
                    compute_leaves(field, array)?
                        .iter()
                        .try_for_each(|leaf| writer.write(leaf))
                })?;
            *buffered += take;
            let full = *buffered == row_group_rows;
            offset += take;
            self.rows += take as u64;
            if full {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Writes whole row groups, each given as the batches that together hold its rows (at
    /// most [`WriteOptions::row_group_rows`] rows each), encoding every column of every row
    /// group in parallel: more tasks than one row group's columns, so that all cores stay
    /// busy whatever the columns cost. A row group being filled by [`TableWriter::write`] is
    /// closed first, so that it lands before them.
    ///
    /// The encoded row groups reach the `Write` while the next call's are encoded (or at
    /// [`TableWriter::flush`] and [`TableWriter::finish`]), so that writing them, which is
    /// sequential, does not leave the other cores idle; an error in writing them is
    /// returned by that next call.
    pub fn write_row_groups(&mut self, row_groups: &[Vec<RecordBatch>]) -> Result<(), Error> {
        self.close_open()?;
        for batch in row_groups.iter().flatten() {
            if batch.schema().fields() != self.schema.fields() {
                return Err(Error::WrongSchema {
                    found: batch.schema(),
                });
            }
            self.check_order(batch)?;
        }
        let pending = std::mem::take(&mut self.encoded);
        let first_index = self.row_groups + pending.len();
        let (file, row_groups_written) = (&mut self.file, &mut self.row_groups);
        let (factory, fields) = (&self.factory, self.schema.fields());
        let (appended, encoded) = rayon::join(
            || append_row_groups(file, pending, row_groups_written),
            || encode_row_groups(factory, fields, first_index, row_groups),
        );
        appended?;
        self.encoded = encoded?;
        self.rows += row_groups
            .iter()
            .flatten()
            .map(|batch| batch.num_rows() as u64)
            .sum::<u64>();
        Ok(())
    }

    /// Writes out every row group encoded or being filled: memory control for callers that
    /// write few large batches.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.close_open()?;
        let pending = std::mem::take(&mut self.encoded);
        append_row_groups(&mut self.file, pending, &mut self.row_groups)
    }

    /// Closes the row group being filled, if any, into the encoded ones.
    fn close_open(&mut self) -> Result<(), Error> {
        let Some((writers, _)) = self.open.take() else {
            return Ok(());
        };
        let chunks: Vec<ArrowColumnChunk> = writers
            .into_par_iter()
            .map(ArrowColumnWriter::close)
            .collect::<Result<_, _>>()?;
        self.encoded.push(chunks);
        Ok(())
    }

    /// Rows buffered in the row group being filled.
    pub fn in_progress_rows(&self) -> usize {
        self.open.as_ref().map_or(0, |(_, rows)| *rows)
    }

    /// Writes the last row group and the footer; the file is complete.
    pub fn finish(&mut self) -> Result<WriteSummary, Error> {
        self.flush()?;
        self.file.finish()?;
        Ok(WriteSummary {
            rows: self.rows,
            row_groups: self.row_groups,
            bytes: self.file.bytes_written() as u64,
        })
    }

    /// Finishes the file and hands back the `Write` it went to.
    pub fn into_inner(mut self) -> Result<(W, WriteSummary), Error> {
        // `finish` reports a failed last write with the `Write`'s own error (a full disk,
        // naming the file); parquet's `into_inner` would flush that write itself and keep
        // only the error's text.
        let summary = self.finish()?;
        let out = self.file.inner_mut().inner.take().ok_or_else(|| {
            Error::Parquet(parquet::errors::ParquetError::General(
                "the output was already taken".to_owned(),
            ))
        })?;
        Ok((out, summary))
    }

    /// Refuses rows out of the table's order, within the batch (checked in parallel) and
    /// against the last row written before it.
    fn check_order(&mut self, batch: &RecordBatch) -> Result<(), Error> {
        let (Some(dates), Some(keys)) = (
            batch.column_by_name(OPEN_HOUSE_DATE),
            batch.column_by_name(OPEN_HOUSE_KEY),
        ) else {
            return Ok(());
        };
        let (dates, keys) = (dates.as_primitive::<Date32Type>(), keys.as_string::<i32>());
        let row = |index: usize| (dates.value(index), keys.value(index));
        let first_out_of_order = (1..batch.num_rows())
            .into_par_iter()
            .find_first(|&index| row(index - 1) > row(index));
        if let Some(index) = first_out_of_order {
            return Err(Error::NotSorted {
                row: self.rows as usize + index,
            });
        }
        if batch.num_rows() == 0 || dates.null_count() > 0 || keys.null_count() > 0 {
            return Ok(());
        }
        if let Some((date, key)) = &self.last
            && (*date, key.as_str()) > row(0)
        {
            return Err(Error::NotSorted {
                row: self.rows as usize,
            });
        }
        let (date, key) = row(batch.num_rows() - 1);
        self.last = Some((date, key.to_owned()));
        Ok(())
    }
}

impl<W: Write + Send> RecordBatchWriter for TableWriter<W> {
    fn write(&mut self, batch: &RecordBatch) -> Result<(), ArrowError> {
        TableWriter::write(self, batch).map_err(|error| ArrowError::ExternalError(Box::new(error)))
    }

    fn close(mut self) -> Result<(), ArrowError> {
        self.finish()
            .map(drop)
            .map_err(|error| ArrowError::ExternalError(Box::new(error)))
    }
}

/// Encodes every column of every row group in parallel (one task per column of each row
/// group, so that all cores stay busy whatever the columns cost), the first being row group
/// `first_index` of the file; the chunks come back row group by row group, columns in order.
fn encode_row_groups(
    factory: &ArrowRowGroupWriterFactory,
    fields: &arrow_schema::Fields,
    first_index: usize,
    row_groups: &[Vec<RecordBatch>],
) -> Result<Vec<Vec<ArrowColumnChunk>>, Error> {
    row_groups
        .par_iter()
        .enumerate()
        .map(|(offset, batches)| {
            let writers = factory.create_column_writers(first_index + offset)?;
            writers
                .into_par_iter()
                .enumerate()
                .map(|(column, mut writer)| {
                    for batch in batches {
                        for leaf in compute_leaves(&fields[column], batch.column(column))? {
                            writer.write(&leaf)?;
                        }
                    }
                    writer.close()
                })
                .collect::<Result<Vec<_>, ParquetError>>()
        })
        .collect::<Result<_, ParquetError>>()
        .map_err(Error::from)
}

/// Writes encoded row groups to the file, in order.
fn append_row_groups<W: Write + Send>(
    file: &mut SerializedFileWriter<Counted<W>>,
    row_groups: Vec<Vec<ArrowColumnChunk>>,
    written: &mut usize,
) -> Result<(), Error> {
    for chunks in row_groups {
        let mut row_group = file.next_row_group()?;
        for chunk in chunks {
            chunk.append_to_row_group(&mut row_group)?;
        }
        row_group.close()?;
        *written += 1;
    }
    Ok(())
}

/// Counts the bytes that reach the caller's `Write`, which [`TableWriter::into_inner`] takes
/// back out once the file is finished.
struct Counted<W> {
    inner: Option<W>,
    bytes: u64,
}

impl<W: Write> Counted<W> {
    fn inner(&mut self) -> std::io::Result<&mut W> {
        self.inner
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the table's output was already taken"))
    }
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner()?.write(buf)?;
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner()?.flush()
    }
}

/// Writes all of `table` to `out`, row group by row group, each gathered and encoded in
/// parallel, and hands back `out`.
pub fn write_table<W: Write + Send>(
    out: W,
    table: &Table,
    options: &WriteOptions,
) -> Result<(W, WriteSummary), Error> {
    let mut writer = TableWriter::try_new(out, options)?;
    // A few row groups at a time: their columns are encoded together, in parallel.
    let wave = rayon::current_num_threads().max(2);
    let mut row_groups = Vec::with_capacity(wave);
    for pieces in record_batches(table, options.row_group_rows) {
        row_groups.push(pieces?);
        if row_groups.len() == wave {
            writer.write_row_groups(&row_groups)?;
            row_groups.clear();
        }
    }
    writer.write_row_groups(&row_groups)?;
    writer.into_inner()
}
