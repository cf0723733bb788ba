//! The table's columns: their names, types, and how each is built from records.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, Date32Array, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use openhouse_model::{OpenHouse, UtcTimestamp, days_since_epoch};
use rayon::prelude::*;

use crate::Error;
use crate::columns::*;

/// One column of the table.
pub(crate) struct Column {
    pub name: &'static str,
    kind: Kind,
    nullable: bool,
    pub build: fn(&[OpenHouse]) -> ArrayRef,
}

enum Kind {
    Text,
    Date,
    Timestamp,
}

/// The columns in file order: the feed's names, typed; only `OpenHouseKey` and the validated
/// date and timestamps are required.
pub(crate) const COLUMNS: [Column; 10] = [
    Column {
        name: OPEN_HOUSE_KEY,
        kind: Kind::Text,
        nullable: false,
        build: |rows| strings(rows, |r| Some(r.key())),
    },
    Column {
        name: LISTING_KEY,
        kind: Kind::Text,
        nullable: true,
        build: |rows| strings(rows, |r| r.listing_key()),
    },
    Column {
        name: OPEN_HOUSE_METHOD,
        kind: Kind::Text,
        nullable: true,
        build: |rows| strings(rows, |r| r.method()),
    },
    Column {
        name: OPEN_HOUSE_DATE,
        kind: Kind::Date,
        nullable: false,
        build: dates,
    },
    Column {
        name: OPEN_HOUSE_START_TIME,
        kind: Kind::Timestamp,
        nullable: false,
        build: |rows| timestamps(rows, |r| r.start),
    },
    Column {
        name: OPEN_HOUSE_END_TIME,
        kind: Kind::Timestamp,
        nullable: false,
        build: |rows| timestamps(rows, |r| r.end),
    },
    Column {
        name: DATE_MODIFIED,
        kind: Kind::Timestamp,
        nullable: false,
        build: |rows| timestamps(rows, |r| r.modified),
    },
    Column {
        name: STATE,
        kind: Kind::Text,
        nullable: true,
        build: |rows| strings(rows, |r| r.state()),
    },
    Column {
        name: ZIPCODE,
        kind: Kind::Text,
        nullable: true,
        build: |rows| strings(rows, |r| r.zipcode()),
    },
    Column {
        name: ZIP5,
        kind: Kind::Text,
        nullable: true,
        build: zip5s,
    },
];

/// The index of a column in [`COLUMNS`] and the file.
pub(crate) fn column_index(name: &str) -> usize {
    COLUMNS
        .iter()
        .position(|column| column.name == name)
        .unwrap_or(0)
}

/// The table's Arrow schema.
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

/// The records as one batch of [`schema`], in the order given; columns are built in parallel.
pub fn record_batch(open_houses: &[OpenHouse]) -> Result<RecordBatch, Error> {
    let columns: Vec<ArrayRef> = COLUMNS
        .par_iter()
        .map(|column| (column.build)(open_houses))
        .collect();
    Ok(RecordBatch::try_new(schema(), columns)?)
}

fn strings(rows: &[OpenHouse], value: impl Fn(&OpenHouse) -> Option<&str>) -> ArrayRef {
    let mut builder = StringBuilder::with_capacity(rows.len(), rows.len() * 8);
    builder.extend(rows.iter().map(value));
    Arc::new(builder.finish())
}

fn timestamps(rows: &[OpenHouse], value: impl Fn(&OpenHouse) -> UtcTimestamp) -> ArrayRef {
    let micros: Vec<i64> = rows.iter().map(|row| value(row).unix_micros()).collect();
    Arc::new(TimestampMicrosecondArray::from(micros).with_timezone("UTC"))
}

fn dates(rows: &[OpenHouse]) -> ArrayRef {
    let days: Vec<i32> = rows.iter().map(|row| days_since_epoch(row.date)).collect();
    Arc::new(Date32Array::from(days))
}

fn zip5s(rows: &[OpenHouse]) -> ArrayRef {
    let mut builder = StringBuilder::with_capacity(rows.len(), rows.len() * 5);
    for row in rows {
        builder.append_option(row.zip5().as_ref().map(|zip| zip.as_str()));
    }
    Arc::new(builder.finish())
}
