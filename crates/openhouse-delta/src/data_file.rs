//! New data files: written into their partition folder, described for the log.

use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use arrow_array::{Array, Date32Array, RecordBatch, StringArray};
use openhouse_model::date_from_days_since_epoch;
use openhouse_parquet::columns::{OPEN_HOUSE_DATE, OPEN_HOUSE_KEY};
use openhouse_parquet::{TableWriter, WriteOptions};
use parquet::file::metadata::ParquetMetaDataReader;

use crate::stats::delta_stats;
use crate::{Error, MONTH_COLUMN, Month, Table};

/// The encoder behind every data file: the table writer of `openhouse-parquet`, so that the
/// files of a Delta table are encoded as the single-file table is (zstd, sorted by
/// OpenHouseDate then OpenHouseKey, the same `created_by`), plus the bloom filter on
/// OpenHouseKey that [`Table::file_may_contain_any`] reads.
type Encoder = TableWriter<BufWriter<File>>;

impl Table {
    /// Starts a new data file for `month`, at `month=YYYY-MM/part-<uuid>.parquet` under the
    /// table folder, written with `WriteOptions::default()`. The file is not part of the table
    /// until a commit adds it.
    pub fn create_data_file(&self, month: Month) -> Result<DataFileWriter, Error> {
        self.create_data_file_with(month, &WriteOptions::default())
    }

    /// [`Table::create_data_file`] with the zstd level and row group size of `options`; the
    /// bloom filter on OpenHouseKey is always written.
    pub fn create_data_file_with(
        &self,
        month: Month,
        options: &WriteOptions,
    ) -> Result<DataFileWriter, Error> {
        DataFileWriter::create(self.root(), month, &options.bloom_filter_on_keys(true))
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
    rows: u64,
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
    fn create(root: &Path, month: Month, options: &WriteOptions) -> Result<DataFileWriter, Error> {
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
        Ok(DataFileWriter {
            encoder: TableWriter::try_new(BufWriter::new(out), options).map_err(from_writer)?,
            file,
            rows: 0,
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

    /// Appends `batch`, after checking that it has the table's schema, that its rows are in
    /// the file's month and (the table writer checks) that they continue the table order.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), Error> {
        if batch.schema().fields() != openhouse_parquet::schema().fields() {
            return Err(Error::SchemaMismatch {
                found: batch.schema().to_string(),
            });
        }
        self.check_month(batch)?;
        self.encoder.write(batch).map_err(from_writer)?;
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    fn check_month(&self, batch: &RecordBatch) -> Result<(), Error> {
        let (dates, _) = dates_and_keys(batch)?;
        let days = self.file.month.days_since_epoch();
        match (0..batch.num_rows()).find(|&row| !days.contains(&dates.value(row))) {
            Some(row) => Err(Error::RowOutsideMonth {
                month: self.file.month,
                row: self.rows + row as u64,
                date: date_text(dates.value(row)),
            }),
            None => Ok(()),
        }
    }

    /// Closes the file, syncs it to disk, and describes it for the commit that will add it:
    /// size, row count and Delta statistics, read back from the file's own footer.
    pub fn finish(self) -> Result<WrittenFile, Error> {
        let DataFileWriter {
            encoder, mut file, ..
        } = self;
        let (out, _) = encoder.into_inner().map_err(from_writer)?;
        let location = &file.location;
        let written = out
            .into_inner()
            .map_err(|error| Error::io("writing", location)(error.into_error()))?;
        // The log will point at this file, so it must be on disk before the commit is: the
        // file, its month folder, and the table folder that holds a new month folder.
        written.sync_all().map_err(Error::io("syncing", location))?;
        drop(written);
        let out = File::open(location).map_err(Error::io("opening", location))?;
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

/// The table writer's refusals in this crate's terms; its other failures as they are.
fn from_writer(error: openhouse_parquet::Error) -> Error {
    match error {
        openhouse_parquet::Error::NotSorted { row } => Error::NotSorted { row: row as u64 },
        openhouse_parquet::Error::WrongSchema { found } => Error::SchemaMismatch {
            found: found.to_string(),
        },
        other => Error::Files(other),
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
