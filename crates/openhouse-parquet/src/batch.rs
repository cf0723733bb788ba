//! The table's Arrow schema and the conversion of records to a record batch.

use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, Date32Array, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use openhouse_model::{OpenHouse, UtcTimestamp};

use crate::Error;
use crate::columns::*;

const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// The table's schema: the feed's names, typed; only `OpenHouseKey` and the validated
/// timestamps and date are required.
pub fn schema() -> SchemaRef {
    let timestamp = || DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    Arc::new(Schema::new(vec![
        Field::new(OPEN_HOUSE_KEY, DataType::Utf8, false),
        Field::new(LISTING_KEY, DataType::Utf8, true),
        Field::new(OPEN_HOUSE_METHOD, DataType::Utf8, true),
        Field::new(OPEN_HOUSE_DATE, DataType::Date32, false),
        Field::new(OPEN_HOUSE_START_TIME, timestamp(), false),
        Field::new(OPEN_HOUSE_END_TIME, timestamp(), false),
        Field::new(DATE_MODIFIED, timestamp(), false),
        Field::new(STATE, DataType::Utf8, true),
        Field::new(ZIPCODE, DataType::Utf8, true),
        Field::new(ZIP5, DataType::Utf8, true),
    ]))
}

/// The records as one batch of [`schema`], in the order given.
pub fn record_batch(open_houses: &[OpenHouse]) -> Result<RecordBatch, Error> {
    let strings = |value: fn(&OpenHouse) -> Option<&str>| -> ArrayRef {
        let mut builder = StringBuilder::with_capacity(open_houses.len(), open_houses.len() * 8);
        builder.extend(open_houses.iter().map(value));
        Arc::new(builder.finish())
    };
    let timestamps = |value: fn(&OpenHouse) -> UtcTimestamp| -> ArrayRef {
        let micros: Vec<i64> = open_houses
            .iter()
            .map(|open_house| value(open_house).unix_micros())
            .collect();
        Arc::new(TimestampMicrosecondArray::from(micros).with_timezone("UTC"))
    };
    let dates: Vec<i32> = open_houses
        .iter()
        .map(|open_house| open_house.date.to_julian_day() - UNIX_EPOCH_JULIAN_DAY)
        .collect();
    let columns: Vec<ArrayRef> = vec![
        strings(|r| Some(&r.key)),
        strings(|r| r.listing_key.as_deref()),
        strings(|r| r.method.as_deref()),
        Arc::new(Date32Array::from(dates)),
        timestamps(|r| r.start),
        timestamps(|r| r.end),
        timestamps(|r| r.modified),
        strings(|r| r.state.as_deref()),
        strings(|r| r.zipcode.as_deref()),
        zip5_column(open_houses),
    ];
    Ok(RecordBatch::try_new(schema(), columns)?)
}

fn zip5_column(open_houses: &[OpenHouse]) -> ArrayRef {
    let mut builder = StringBuilder::with_capacity(open_houses.len(), open_houses.len() * 5);
    for open_house in open_houses {
        builder.append_option(open_house.zip5().as_ref().map(|zip| zip.as_str()));
    }
    Arc::new(builder.finish())
}
