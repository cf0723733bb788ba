//! The table's columns: their names, types, and how each is gathered from the table's rows.

use std::ops::Range;
use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_buffer::{Buffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use openhouse_dedup::{Table, TableRow, TextField, zip5_of};
use rayon::prelude::*;

use crate::Error;
use crate::columns::*;

/// One column of the table.
pub(crate) struct Column {
    pub name: &'static str,
    kind: Kind,
    nullable: bool,
    source: Source,
    pub encoding: Encoding,
}

/// How a column's values are encoded before compression: chosen per column by encoding a
/// generated feed's row groups every way (smallest output, then least time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// A dictionary of distinct values: for columns with few of them, and for the start
    /// and end instants, which repeat across open houses on the same afternoon.
    Dictionary,
    /// Lengths delta-packed apart from the concatenated bytes: for keys, which are nearly
    /// all distinct. Keeping the 4-byte lengths out of the text lets zstd compress the hex
    /// digits three times faster, and smaller, than plain encoding.
    DeltaLength,
    /// Deltas of consecutive values, bit-packed: for `DateModified`, whose values are all
    /// distinct but close together; a fifth smaller than plain.
    Delta,
}

enum Kind {
    Text,
    Date,
    Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Text(TextField),
    Date,
    Start,
    End,
    Modified,
    Zip5,
}

/// The columns in file order: the feed's names, typed, plus `Zip5`; only `OpenHouseKey` and
/// the validated date and timestamps are required.
pub(crate) const COLUMNS: [Column; 10] = [
    Column {
        name: OPEN_HOUSE_KEY,
        kind: Kind::Text,
        nullable: false,
        source: Source::Text(TextField::OpenHouseKey),
        encoding: Encoding::DeltaLength,
    },
    Column {
        name: LISTING_KEY,
        kind: Kind::Text,
        nullable: true,
        source: Source::Text(TextField::ListingKey),
        encoding: Encoding::DeltaLength,
    },
    Column {
        name: OPEN_HOUSE_METHOD,
        kind: Kind::Text,
        nullable: true,
        source: Source::Text(TextField::OpenHouseMethod),
        encoding: Encoding::Dictionary,
    },
    Column {
        name: OPEN_HOUSE_DATE,
        kind: Kind::Date,
        nullable: false,
        source: Source::Date,
        encoding: Encoding::Dictionary,
    },
    Column {
        name: OPEN_HOUSE_START_TIME,
        kind: Kind::Timestamp,
        nullable: false,
        source: Source::Start,
        encoding: Encoding::Dictionary,
    },
    Column {
        name: OPEN_HOUSE_END_TIME,
        kind: Kind::Timestamp,
        nullable: false,
        source: Source::End,
        encoding: Encoding::Dictionary,
    },
    Column {
        name: DATE_MODIFIED,
        kind: Kind::Timestamp,
        nullable: false,
        source: Source::Modified,
        encoding: Encoding::Delta,
    },
    Column {
        name: STATE,
        kind: Kind::Text,
        nullable: true,
        source: Source::Text(TextField::State),
        encoding: Encoding::Dictionary,
    },
    Column {
        name: ZIPCODE,
        kind: Kind::Text,
        nullable: true,
        source: Source::Text(TextField::Zipcode),
        encoding: Encoding::Dictionary,
    },
    Column {
        name: ZIP5,
        kind: Kind::Text,
        nullable: true,
        source: Source::Zip5,
        encoding: Encoding::Dictionary,
    },
];

/// The index of a column in [`COLUMNS`] and the file.
pub(crate) fn column_index(name: &str) -> usize {
    COLUMNS
        .iter()
        .position(|column| column.name == name)
        .unwrap_or(0)
}

/// The table's Arrow schema: the feed's field names, plus `Zip5`.
pub fn schema() -> SchemaRef {
    let fields: Vec<Field> = COLUMNS
        .iter()
        .map(|column| {
            let data_type = match column.kind {
                Kind::Text => DataType::Utf8,
                Kind::Date => DataType::Date32,
                Kind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            };
            Field::new(column.name, data_type, column.nullable)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// Rows `rows` of `table`, in the table's order, as one batch of [`schema`].
///
/// Each row is visited once for all its columns: the rows of a table sit wherever
/// deduplication kept them, so one visit per row, not one per column, is what keeps the
/// gathering cache-friendly. [`record_batches`] gathers many batches in parallel.
pub fn record_batch(table: &Table, rows: Range<usize>) -> Result<RecordBatch, Error> {
    let rows = rows.start.min(table.len())..rows.end.min(table.len());
    let mut gathered = Gathered::with_capacity(rows.len());
    for index in rows {
        // Rows in the table's order jump between partitions: ask for a row a little ahead.
        table.prefetch(index + PREFETCH_DISTANCE);
        gathered.append(&table.row(index));
    }
    let columns = COLUMNS
        .iter()
        .map(|column| gathered.take(column.source))
        .collect::<Result<_, _>>()?;
    Ok(RecordBatch::try_new(schema(), columns)?)
}

/// How many rows ahead of the one being gathered to prefetch: far enough to hide a trip
/// to memory, near enough that the row is still cached when its turn comes.
const PREFETCH_DISTANCE: usize = 8;

/// Every column of a batch being gathered, row by row: one visit per row fills them all, in
/// straight-line code.
struct Gathered {
    /// In [`TextField`] order.
    texts: [TextColumn; 5],
    zip5: TextColumn,
    dates: Vec<i32>,
    starts: Vec<i64>,
    ends: Vec<i64>,
    modified: Vec<i64>,
}

impl Gathered {
    fn with_capacity(rows: usize) -> Gathered {
        // Bytes a row's text takes in each column, on real feeds; a column grows if needed.
        let widths = [32, 32, 10, 2, 5];
        Gathered {
            texts: widths.map(|width| TextColumn::with_capacity(rows, rows * width)),
            zip5: TextColumn::with_capacity(rows, rows * 5),
            dates: Vec::with_capacity(rows),
            starts: Vec::with_capacity(rows),
            ends: Vec::with_capacity(rows),
            modified: Vec::with_capacity(rows),
        }
    }

    fn append(&mut self, row: &TableRow<'_>) {
        let texts = row.texts();
        for (column, text) in self.texts.iter_mut().zip(texts) {
            match text {
                Some(text) => column.append_with(|values| text.write_utf8(values)),
                None => column.append_null(),
            }
        }
        match zip5_of(texts[TextField::Zipcode as usize]) {
            Some(zip) => self
                .zip5
                .append_with(|values| values.extend_from_slice(zip.as_str().as_bytes())),
            None => self.zip5.append_null(),
        }
        self.dates.push(row.date_days());
        self.starts.push(row.start_micros());
        self.ends.push(row.end_micros());
        self.modified.push(row.modified().unix_micros());
    }

    /// The finished array of one column.
    fn take(&mut self, source: Source) -> Result<ArrayRef, Error> {
        let timestamps = |micros: &mut Vec<i64>| -> ArrayRef {
            Arc::new(TimestampMicrosecondArray::from(std::mem::take(micros)).with_timezone("UTC"))
        };
        Ok(match source {
            Source::Text(field) => std::mem::take(&mut self.texts[field as usize]).finish()?,
            Source::Zip5 => std::mem::take(&mut self.zip5).finish()?,
            Source::Date => Arc::new(Date32Array::from(std::mem::take(&mut self.dates))),
            Source::Start => timestamps(&mut self.starts),
            Source::End => timestamps(&mut self.ends),
            Source::Modified => timestamps(&mut self.modified),
        })
    }
}

/// A string column built from the bytes of the rows' texts, checked as UTF-8 once when it is
/// finished rather than value by value (the cells were written from `str`s anyway).
struct TextColumn {
    offsets: Vec<i32>,
    values: Vec<u8>,
    nulls: NullBufferBuilder,
}

impl Default for TextColumn {
    fn default() -> Self {
        TextColumn::with_capacity(0, 0)
    }
}

impl TextColumn {
    fn with_capacity(rows: usize, bytes: usize) -> TextColumn {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        TextColumn {
            offsets,
            values: Vec::with_capacity(bytes),
            nulls: NullBufferBuilder::new(rows),
        }
    }

    fn append_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        write(&mut self.values);
        self.nulls.append_non_null();
        self.push_offset();
    }

    fn append_null(&mut self) {
        self.nulls.append_null();
        self.push_offset();
    }

    fn push_offset(&mut self) {
        // Past 2 GiB the offset goes negative, which `finish` refuses.
        self.offsets
            .push(i32::try_from(self.values.len()).unwrap_or(i32::MIN));
    }

    fn finish(mut self) -> Result<ArrayRef, Error> {
        if self.offsets.iter().any(|&offset| offset < 0) {
            return Err(Error::TextTooLong);
        }
        let offsets = OffsetBuffer::new(ScalarBuffer::from(self.offsets));
        let array =
            StringArray::try_new(offsets, Buffer::from_vec(self.values), self.nulls.finish())?;
        Ok(Arc::new(array))
    }
}

/// Rows `rows` as one batch, or as several when their text is too long for one (records of
/// megabytes: each half is tried in turn).
fn gather(table: &Table, rows: Range<usize>) -> Result<Vec<RecordBatch>, Error> {
    match record_batch(table, rows.clone()) {
        Err(Error::TextTooLong) if rows.len() > 1 => {
            let middle = rows.start + rows.len() / 2;
            let mut halves = gather(table, rows.start..middle)?;
            halves.extend(gather(table, middle..rows.end)?);
            Ok(halves)
        }
        batch => Ok(vec![batch?]),
    }
}

/// Rows gathered by one task: enough to amortise a task, few enough that every core gets
/// a share of a row group.
const ROWS_PER_GATHER: usize = 1 << 15;

/// Every row of `table` in batches of at most `rows_per_batch` rows, in the table's order.
/// Each batch's rows are gathered in parallel, in pieces, on the current rayon pool; a
/// batch comes as its pieces, which together are `rows_per_batch` rows.
pub fn record_batches(
    table: &Table,
    rows_per_batch: usize,
) -> impl Iterator<Item = Result<Vec<RecordBatch>, Error>> + '_ {
    let rows_per_batch = rows_per_batch.max(1);
    (0..table.len()).step_by(rows_per_batch).map(move |start| {
        let end = (start + rows_per_batch).min(table.len());
        (start..end)
            .step_by(ROWS_PER_GATHER)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|piece| gather(table, piece..(piece + ROWS_PER_GATHER).min(end)))
            .collect::<Result<Vec<Vec<RecordBatch>>, Error>>()
            .map(|pieces| pieces.into_iter().flatten().collect())
    })
}
