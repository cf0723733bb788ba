//! The rows of the table's schema, shared by the facade's tests (tests/tables/) and the Delta
//! crate's tests (crates/openhouse-delta/tests/support/), which include this file.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};

/// One row of the table, every column at the table's precision: OpenHouseDate as days since
/// 1970-01-01 first and OpenHouseKey second, so that sorting rows puts them in table order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Row {
    pub date: i32,
    pub key: String,
    pub listing_key: Option<String>,
    pub method: Option<String>,
    pub start: i64,
    pub end: i64,
    pub modified: i64,
    pub state: Option<String>,
    pub zipcode: Option<String>,
    pub zip5: Option<String>,
}

/// The rows of batches of the table's schema, in their order.
pub fn rows_of(batches: impl IntoIterator<Item = RecordBatch>) -> Vec<Row> {
    let mut rows = Vec::new();
    for batch in batches {
        let column = |name: &str| batch.column_by_name(name).unwrap().clone();
        let text = |name: &str| column(name).as_string::<i32>().clone();
        let time = |name: &str| {
            column(name)
                .as_primitive::<TimestampMicrosecondType>()
                .clone()
        };
        let optional = |array: &arrow_array::StringArray, row: usize| {
            array.is_valid(row).then(|| array.value(row).to_owned())
        };
        let dates = column("OpenHouseDate").as_primitive::<Date32Type>().clone();
        let (keys, listings, methods) = (
            text("OpenHouseKey"),
            text("ListingKey"),
            text("OpenHouseMethod"),
        );
        let (states, zipcodes, zip5s) = (text("State"), text("Zipcode"), text("Zip5"));
        let (starts, ends, modifieds) = (
            time("OpenHouseStartTime"),
            time("OpenHouseEndTime"),
            time("DateModified"),
        );
        for row in 0..batch.num_rows() {
            rows.push(Row {
                date: dates.value(row),
                key: keys.value(row).to_owned(),
                listing_key: optional(&listings, row),
                method: optional(&methods, row),
                start: starts.value(row),
                end: ends.value(row),
                modified: modifieds.value(row),
                state: optional(&states, row),
                zipcode: optional(&zipcodes, row),
                zip5: optional(&zip5s, row),
            });
        }
    }
    rows
}

/// A row as the Python readers of tests/interop print it; with the Delta table's `month`
/// partition column for the readers that go through the log.
pub fn as_json(row: &Row, with_month: bool) -> serde_json::Value {
    let date = openhouse_model::date_from_days_since_epoch(i64::from(row.date)).unwrap();
    let mut value = serde_json::json!({
        "OpenHouseKey": row.key,
        "ListingKey": row.listing_key,
        "OpenHouseMethod": row.method,
        "OpenHouseDate": date.to_string(),
        "OpenHouseStartTime": row.start,
        "OpenHouseEndTime": row.end,
        "DateModified": row.modified,
        "State": row.state,
        "Zipcode": row.zipcode,
        "Zip5": row.zip5,
    });
    if with_month {
        value["month"] = serde_json::json!(
            openhouse_delta::Month::of_days_since_epoch(row.date)
                .unwrap()
                .to_string()
        );
    }
    value
}
