//! The table's columns: their names, types, and how each is gathered from the table's rows.

use std::ops::Range;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, Date32Array, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use openhouse_dedup::{Table, TableRow, Text, TextBuffer, TextField, zip5_of};
use rayon::prelude::*;

use crate::Error;
use crate::columns::*;

/// One column of the table.
pub(crate) struct Column {
    pub name: &'static str,
    kind: Kind,
    nullable: bool,
    source: Source,
    /// Whether dictionary encoding pays: it does for columns with few distinct values, and
    /// costs time and bytes for keys and instants, which are nearly all distinct.
    pub dictionary: bool,
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
        dictionary: false,
    },
    Column {
        name: LISTING_KEY,
        kind: Kind::Text,
        nullable: true,
        source: Source::Text(TextField::ListingKey),
        dictionary: false,
    },
    Column {
        name: OPEN_HOUSE_METHOD,
        kind: Kind::Text,
        nullable: true,
        source: Source::Text(TextField::OpenHouseMethod),
        dictionary: true,
    },
    Column {
        name: OPEN_HOUSE_DATE,
        kind: Kind::Date,
        nullable: false,
        source: Source::Date,
        dictionary: true,
    },
    Column {
        name: OPEN_HOUSE_START_TIME,
        kind: Kind::Timestamp,
        nullable: false,
        source: Source::Start,
        dictionary: true,
    },
    Column {
        name: OPEN_HOUSE_END_TIME,
        kind: Kind::Timestamp,
        nullable: false,
        source: Source::End,
        dictionary: true,
    },
    Column {
        name: DATE_MODIFIED,
        kind: Kind::Timestamp,
        nullable: false,
        source: Source::Modified,
        dictionary: false,
    },
    Column {
        name: STATE,
        kind: Kind::Text,
        nullable: true,
        source: Source::Text(TextField::State),
        dictionary: true,
    },
    Column {
        name: ZIPCODE,
        kind: Kind::Text,
        nullable: true,
        source: Source::Text(TextField::Zipcode),
        dictionary: true,
    },
    Column {
        name: ZIP5,
        kind: Kind::Text,
        nullable: true,
        source: Source::Zip5,
        dictionary: true,
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
    let mut builders: Vec<Builder> = COLUMNS
        .iter()
        .map(|column| Builder::new(column.source, rows.len()))
        .collect();
    let mut buffer = [0; openhouse_dedup::MAX_HEX_DIGITS];
    for index in rows {
        // Rows in the table's order jump between partitions: ask for a row a little ahead.
        table.prefetch(index + PREFETCH_DISTANCE);
        let row = table.row(index);
        let texts = row.texts();
        for builder in &mut builders {
            builder.append(&row, &texts, &mut buffer);
        }
    }
    let columns = builders.into_iter().map(Builder::finish).collect();
    Ok(RecordBatch::try_new(schema(), columns)?)
}

/// How many rows ahead of the one being gathered to prefetch: far enough to hide a trip
/// to memory, near enough that the row is still cached when its turn comes.
const PREFETCH_DISTANCE: usize = 8;

/// One column being gathered.
enum Builder {
    Text(TextField, StringBuilder),
    Zip5(StringBuilder),
    Date(Vec<i32>),
    Micros(Source, Vec<i64>),
}

impl Builder {
    fn new(source: Source, rows: usize) -> Builder {
        match source {
            Source::Text(field) => {
                Builder::Text(field, StringBuilder::with_capacity(rows, rows * 16))
            }
            Source::Zip5 => Builder::Zip5(StringBuilder::with_capacity(rows, rows * 5)),
            Source::Date => Builder::Date(Vec::with_capacity(rows)),
            Source::Start | Source::End | Source::Modified => {
                Builder::Micros(source, Vec::with_capacity(rows))
            }
        }
    }

    fn append(
        &mut self,
        row: &TableRow<'_>,
        texts: &[Option<Text<'_>>; 5],
        buffer: &mut TextBuffer,
    ) {
        match self {
            Builder::Text(field, builder) => match texts[*field as usize] {
                Some(text) => builder.append_value(text.as_str(buffer)),
                None => builder.append_null(),
            },
            Builder::Zip5(builder) => builder.append_option(
                zip5_of(texts[TextField::Zipcode as usize])
                    .as_ref()
                    .map(|zip| zip.as_str()),
            ),
            Builder::Date(days) => days.push(row.date_days()),
            Builder::Micros(source, micros) => micros.push(match source {
                Source::Start => row.start_micros(),
                Source::End => row.end_micros(),
                _ => row.modified().unix_micros(),
            }),
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Builder::Text(_, mut builder) | Builder::Zip5(mut builder) => {
                Arc::new(builder.finish())
            }
            Builder::Date(days) => Arc::new(Date32Array::from(days)),
            Builder::Micros(_, micros) => {
                Arc::new(TimestampMicrosecondArray::from(micros).with_timezone("UTC"))
            }
        }
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
            .map(|piece| record_batch(table, piece..(piece + ROWS_PER_GATHER).min(end)))
            .collect()
    })
}
