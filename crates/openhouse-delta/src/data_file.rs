//! New data files: written into their partition folder, described for the log.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use arrow_array::{Array, Date32Array, RecordBatch, RecordBatchWriter, StringArray};
use arrow_schema::SchemaRef;
use openhouse_model::date_from_days_since_epoch;
use openhouse_parquet::columns::{OPEN_HOUSE_DATE, OPEN_HOUSE_KEY};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::{ParquetMetaDataReader, SortingColumn};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use crate::stats::delta_stats;
use crate::{Error, MONTH_COLUMN, Month, Table};

/// The Parquet encoder behind every new data file.
///
/// This type and [`encoder`] are the one place to swap for the table writer of the streaming
/// core (`TableWriter<W: Write + Send>`, a `RecordBatchWriter`); [`DataFileWriter`] only calls
/// `RecordBatchWriter::write` and `close` on it. Whatever replaces it must keep the bloom filter
/// on OpenHouseKey, which [`Table::file_may_contain_any`] reads.
type Encoder = ArrowWriter<BufWriter<File>>;

fn encoder(out: BufWriter<File>, schema: SchemaRef) -> Result<Encoder, Error> {
    let properties = writer_properties(&schema)?;
    Ok(ArrowWriter::try_new(out, schema, Some(properties))?)
}

/// The properties of `openhouse_parquet::WriteOptions::default()` (zstd level 3, sorted by
/// OpenHouseDate then OpenHouseKey, the same `created_by`), plus a bloom filter on
/// OpenHouseKey. A second copy of those settings, because openhouse-parquet keeps them
/// private; it goes when [`encoder`] is swapped for the streaming core's writer.
fn writer_properties(schema: &SchemaRef) -> Result<WriterProperties, Error> {
    let sorted_by = [OPEN_HOUSE_DATE, OPEN_HOUSE_KEY]
        .into_iter()
        .map(|name| {
            Ok(SortingColumn {
                column_idx: schema.index_of(name)? as i32,
                descending: false,
                nulls_first: false,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    // The bloom filter is sized for a full row group and folded down to the values written,
    // at parquet's default false-positive rate of 5%.
    Ok(WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_sorting_columns(Some(sorted_by))
        .set_column_bloom_filter_enabled(ColumnPath::from(OPEN_HOUSE_KEY), true)
        .set_created_by(concat!("openhouse ", env!("CARGO_PKG_VERSION")).to_owned())
        .build())
}

impl Table {
    /// Starts a new data file for `month`, at `month=YYYY-MM/part-<uuid>.parquet` under the
    /// table folder. The file is not part of the table until a commit adds it.
    pub fn create_data_file(&self, month: Month) -> Result<DataFileWriter, Error> {
        DataFileWriter::create(self.root(), month)
    }
}

/// A data file being written: batches of the table's schema (see
/// [`openhouse_parquet::schema`]), all rows in the file's month, in table order
/// (OpenHouseDate, then OpenHouseKey) across the whole file, as its `sorting_columns`
/// metadata states.
///
/// Dropping it before [`finish`](DataFileWriter::finish) succeeds removes the partial file.
pub struct DataFileWriter {
    encoder: Encoder,
    file: UnfinishedFile,
    schema: SchemaRef,
    rows: u64,
    last: Option<(i32, String)>,
}

/// A data file on disk that nothing refers to until it is finished; removed if dropped before.
struct UnfinishedFile {
    month: Month,
    path: String,
    location: PathBuf,
    finished: bool,
}

impl Drop for UnfinishedFile {
    fn drop(&mut self) {
        if !self.finished {
            // A failure to remove it leaves an unreferenced file, which VACUUM removes.
            let _ = fs::remove_file(&self.location);
        }
    }
}

impl DataFileWriter {
    fn create(root: &Path, month: Month) -> Result<DataFileWriter, Error> {
        let folder = format!("{MONTH_COLUMN}={month}");
        let path = format!("{folder}/part-{}.parquet", uuid::Uuid::new_v4());
        let location = root.join(&path);
        let folder = root.join(folder);
        fs::create_dir_all(&folder).map_err(Error::io("creating", &folder))?;
        let out = File::create_new(&location).map_err(Error::io("creating", &location))?;
        let file = UnfinishedFile {
            month,
            path,
            location,
            finished: false,
        };
        let schema = openhouse_parquet::schema();
        Ok(DataFileWriter {
            encoder: encoder(BufWriter::new(out), schema.clone())?,
            file,
            schema,
            rows: 0,
            last: None,
        })
    }

    /// The partition this file belongs to.
    pub fn month(&self) -> Month {
        self.file.month
    }

    /// The file's path relative to the table folder.
    pub fn path(&self) -> &str {
        &self.file.path
    }

    /// Appends `batch`, after checking its schema, that its rows are in the file's month, and
    /// that they continue the table order.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), Error> {
        if batch.schema().fields() != self.schema.fields() {
            return Err(Error::SchemaMismatch {
                found: batch.schema().to_string(),
            });
        }
        self.check_rows(batch)?;
        RecordBatchWriter::write(&mut self.encoder, batch)?;
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    fn check_rows(&mut self, batch: &RecordBatch) -> Result<(), Error> {
        let (dates, keys) = dates_and_keys(batch)?;
        let days = self.file.month.days_since_epoch();
        for row in 0..batch.num_rows() {
            let (date, key) = (dates.value(row), keys.value(row));
            let at = self.rows + row as u64;
            if !days.contains(&date) {
                return Err(Error::RowOutsideMonth {
                    month: self.file.month,
                    row: at,
                    date: date_text(date),
                });
            }
            let previous = match row {
                0 => self.last.as_ref().map(|(date, key)| (*date, key.as_str())),
                _ => Some((dates.value(row - 1), keys.value(row - 1))),
            };
            if previous.is_some_and(|previous| previous > (date, key)) {
                return Err(Error::NotSorted { row: at });
            }
        }
        if let Some(row) = batch.num_rows().checked_sub(1) {
            self.last = Some((dates.value(row), keys.value(row).to_owned()));
        }
        Ok(())
    }

    /// Closes the file, syncs it to disk, and describes it for the commit that will add it:
    /// size, row count and Delta statistics, read back from the file's own footer.
    pub fn finish(self) -> Result<WrittenFile, Error> {
        let DataFileWriter {
            encoder, mut file, ..
        } = self;
        RecordBatchWriter::close(encoder)?;
        let location = &file.location;
        let out = File::open(location).map_err(Error::io("opening", location))?;
        // The log will point at this file, so it must be on disk before the commit is: the
        // file, its month folder, and the table folder that holds a new month folder.
        out.sync_all().map_err(Error::io("syncing", location))?;
        for folder in location.ancestors().skip(1).take(2) {
            sync_folder(folder)?;
        }
        let metadata = ParquetMetaDataReader::new().parse_and_finish(&out)?;
        let size_bytes = out
            .metadata()
            .map_err(Error::io("reading the size of", location))?
            .len();
        file.finished = true;
        Ok(WrittenFile {
            path: std::mem::take(&mut file.path),
            location: std::mem::take(&mut file.location),
            month: file.month,
            size_bytes,
            rows: u64::try_from(metadata.file_metadata().num_rows()).unwrap_or_default(),
            stats: delta_stats(&metadata).to_string(),
        })
    }
}

fn sync_folder(folder: &Path) -> Result<(), Error> {
    if cfg!(unix) {
        File::open(folder)
            .and_then(|dir| dir.sync_all())
            .map_err(Error::io("syncing", folder))?;
    }
    Ok(())
}

/// A data file written and synced, not yet part of the table: give it to a
/// [`BatchCommit`](crate::BatchCommit) to add it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    path: String,
    location: PathBuf,
    month: Month,
    size_bytes: u64,
    rows: u64,
    stats: String,
}

impl WrittenFile {
    /// The file's path relative to the table folder.
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

    /// The file's size in bytes.
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// The number of rows in the file.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The Delta statistics the commit records for the file (`numRecords`, `minValues`,
    /// `maxValues`, `nullCount`), as JSON.
    pub fn stats_json(&self) -> &str {
        &self.stats
    }
}

/// Splits a batch in table order into one slice per month of OpenHouseDate (no copying), so
/// that each slice can go to that month's data file.
pub fn split_by_month(batch: &RecordBatch) -> Result<Vec<(Month, RecordBatch)>, Error> {
    let (dates, _) = dates_and_keys(batch)?;
    let mut parts: Vec<(Month, RecordBatch)> = Vec::new();
    let mut start = 0;
    while start < batch.num_rows() {
        let month = month_of(dates.value(start))?;
        let days = month.days_since_epoch();
        let end = (start..batch.num_rows())
            .find(|&row| !days.contains(&dates.value(row)))
            .unwrap_or(batch.num_rows());
        parts.push((month, batch.slice(start, end - start)));
        start = end;
    }
    Ok(parts)
}

fn month_of(date: i32) -> Result<Month, Error> {
    Month::of_days_since_epoch(date).ok_or_else(|| Error::DateOutOfRange {
        date: date_text(date),
    })
}

fn dates_and_keys(batch: &RecordBatch) -> Result<(&Date32Array, &StringArray), Error> {
    let mismatch = || Error::SchemaMismatch {
        found: batch.schema().to_string(),
    };
    let column = |name: &str| batch.column_by_name(name).ok_or_else(mismatch);
    let dates = column(OPEN_HOUSE_DATE)?
        .as_any()
        .downcast_ref::<Date32Array>()
        .ok_or_else(mismatch)?;
    let keys = column(OPEN_HOUSE_KEY)?
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(mismatch)?;
    if dates.null_count() > 0 || keys.null_count() > 0 {
        return Err(mismatch());
    }
    Ok((dates, keys))
}

fn date_text(days: i32) -> String {
    date_from_days_since_epoch(i64::from(days))
        .map(|date| date.to_string())
        .unwrap_or_else(|| format!("day {days} after 1970-01-01"))
}
