//! Delta statistics of a data file, from its Parquet footer.
//!
//! The log records, per added file, `numRecords` and per column `minValues`, `maxValues` and
//! `nullCount`; readers (Spark, Databricks, Trino, delta-rs, DuckDB) skip files with them. They
//! are taken from the footer of the file as written, so they hold whichever writer made it.

use parquet::basic::{LogicalType, TimeUnit, TimestampType};
use parquet::file::metadata::ParquetMetaData;
use parquet::file::statistics::Statistics;
use parquet::schema::types::ColumnDescriptor;
use serde_json::{Map, Value, json};

use openhouse_model::date_from_days_since_epoch;

/// The `stats` JSON of an `add` action for the file `metadata` describes.
pub(crate) fn delta_stats(metadata: &ParquetMetaData) -> Value {
    let schema = metadata.file_metadata().schema_descr();
    let mut min_values = Map::new();
    let mut max_values = Map::new();
    let mut null_count = Map::new();
    for (index, column) in schema.columns().iter().enumerate() {
        if column.max_rep_level() > 0 || column.path().parts().len() != 1 {
            continue; // the table is flat; nested columns would need nested statistics
        }
        let name = column.name().to_owned();
        let (bounds, nulls) = column_stats(metadata, index, Kind::of(column));
        if let Some((min, max)) = bounds {
            min_values.insert(name.clone(), min);
            max_values.insert(name.clone(), max);
        }
        if let Some(nulls) = nulls {
            null_count.insert(name, json!(nulls));
        }
    }
    json!({
        "numRecords": metadata.file_metadata().num_rows(),
        "minValues": min_values,
        "maxValues": max_values,
        "nullCount": null_count,
    })
}

/// A column's bounds over all row groups, as the log writes them, when every row group that
/// holds a value has them; and its null count, when every row group has one.
fn column_stats(
    metadata: &ParquetMetaData,
    index: usize,
    kind: Option<Kind>,
) -> (Option<(Value, Value)>, Option<u64>) {
    let mut nulls = Some(0u64);
    let mut bounds: Option<(Bound, Bound)> = None;
    let mut bounds_known = kind.is_some();
    for row_group in metadata.row_groups() {
        let statistics = row_group.column(index).statistics();
        let row_group_nulls = statistics.and_then(Statistics::null_count_opt);
        nulls = nulls.zip(row_group_nulls).map(|(a, b)| a + b);
        let (Some(kind), Some(statistics)) = (kind, statistics) else {
            bounds_known = false;
            continue;
        };
        match (kind.min(statistics), kind.max(statistics)) {
            (Some(min), Some(max)) => {
                bounds = Some(match bounds {
                    None => (min, max),
                    Some((low, high)) => (low.min(min), high.max(max)),
                });
            }
            // A row group of nulls only has no bounds and needs none.
            _ if row_group_nulls == Some(row_group.num_rows() as u64) => {}
            _ => bounds_known = false,
        }
    }
    let bounds = match (bounds_known, kind, bounds) {
        (true, Some(kind), Some((min, max))) => {
            kind.json(min, Round::Down).zip(kind.json(max, Round::Up))
        }
        _ => None,
    };
    (bounds, nulls)
}

/// The column types whose bounds the log records.
#[derive(Clone, Copy)]
enum Kind {
    Date,
    /// A UTC timestamp, in this many units per second.
    Timestamp(i64),
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Bound {
    Int(i64),
    Text(String),
}

#[derive(Clone, Copy)]
enum Round {
    Down,
    Up,
}

impl Kind {
    fn of(column: &ColumnDescriptor) -> Option<Kind> {
        match column.logical_type_ref()? {
            LogicalType::Date => Some(Kind::Date),
            LogicalType::String => Some(Kind::Text),
            LogicalType::Timestamp(TimestampType {
                is_adjusted_to_u_t_c: true,
                unit,
            }) => Some(Kind::Timestamp(match unit {
                TimeUnit::MILLIS => 1_000,
                TimeUnit::MICROS => 1_000_000,
                TimeUnit::NANOS => 1_000_000_000,
            })),
            _ => None,
        }
    }

    fn min(self, statistics: &Statistics) -> Option<Bound> {
        self.bound(statistics, statistics.min_bytes_opt()?)
    }

    fn max(self, statistics: &Statistics) -> Option<Bound> {
        self.bound(statistics, statistics.max_bytes_opt()?)
    }

    /// A bound from its plain-encoded bytes (little-endian integers, UTF-8 text).
    fn bound(self, statistics: &Statistics, bytes: &[u8]) -> Option<Bound> {
        match (self, statistics) {
            (Kind::Date, Statistics::Int32(_)) => Some(Bound::Int(
                i32::from_le_bytes(bytes.try_into().ok()?).into(),
            )),
            (Kind::Timestamp(_), Statistics::Int64(_)) => {
                Some(Bound::Int(i64::from_le_bytes(bytes.try_into().ok()?)))
            }
            (Kind::Text, Statistics::ByteArray(_)) => {
                Some(Bound::Text(String::from_utf8(bytes.to_vec()).ok()?))
            }
            _ => None,
        }
    }

    /// The bound as the Delta log writes it: dates `YYYY-MM-DD`; timestamps
    /// `YYYY-MM-DDTHH:MM:SS.sssZ` in milliseconds, as Spark writes them, rounded outward so
    /// that a minimum stays at or below every value and a maximum at or above.
    fn json(self, bound: Bound, round: Round) -> Option<Value> {
        match (self, bound) {
            (Kind::Date, Bound::Int(days)) => {
                let date = date_from_days_since_epoch(days)?;
                Some(json!(format!(
                    "{:04}-{:02}-{:02}",
                    date.year(),
                    date.month() as u8,
                    date.day()
                )))
            }
            (Kind::Timestamp(per_second), Bound::Int(value)) => {
                let per_milli = per_second / 1_000;
                let millis = match round {
                    Round::Down => value.div_euclid(per_milli),
                    Round::Up => -value.checked_neg()?.div_euclid(per_milli),
                };
                let at =
                    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
                        .ok()?;
                Some(json!(format!(
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                    at.year(),
                    at.month() as u8,
                    at.day(),
                    at.hour(),
                    at.minute(),
                    at.second(),
                    at.millisecond()
                )))
            }
            (Kind::Text, Bound::Text(text)) => Some(json!(text)),
            _ => None,
        }
    }
}
