//! Decoding `OpenHouseDate` and the zip code from whichever Arrow type an engine chose.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrowPrimitiveType};
use arrow_schema::{DataType, TimeUnit};
use openhouse_model::{Date, Zip5, date_from_days_since_epoch, parse_date};

/// Why a column's values could not be decoded; the caller adds the file and column.
#[derive(Debug)]
pub(super) enum DecodeError {
    Unsupported(DataType),
    OutOfRange { days: i64 },
    Invalid { index: usize, value: String },
}

/// A row's zip code: absent, present but not a ZIP, or its Zip5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ZipValue {
    Null,
    Unrecognised,
    Zip5(Zip5),
}

impl ZipValue {
    /// Zip5 is re-derived from the text: no writer's Zip5 is trusted (decision 0002).
    pub(super) fn of(text: Option<&str>) -> ZipValue {
        match text {
            None => ZipValue::Null,
            Some(text) => Zip5::from_zipcode(text).map_or(ZipValue::Unrecognised, ZipValue::Zip5),
        }
    }
}

/// The date of a text value, as the table's `YYYY-MM-DD` grammar defines it.
pub(super) fn date_of_text(text: &str) -> Option<Date> {
    parse_date(text).ok()
}

/// Every row's date (`None` for null). Timestamps give the date of the stored value, with no
/// zone shift: a writer that turned a local date into a timestamp stored that date's midnight.
pub(super) fn dates(column: &dyn Array) -> Result<Vec<Option<Date>>, DecodeError> {
    const SECONDS_PER_DAY: i64 = 86_400;
    match column.data_type() {
        DataType::Date32 => column
            .as_primitive::<Date32Type>()
            .iter()
            .map(|days| days.map(i64::from).map(date_of_days).transpose())
            .collect(),
        DataType::Date64 => days_of::<Date64Type>(column, SECONDS_PER_DAY * 1_000),
        DataType::Timestamp(unit, _zone) => match unit {
            TimeUnit::Second => days_of::<TimestampSecondType>(column, SECONDS_PER_DAY),
            TimeUnit::Millisecond => {
                days_of::<TimestampMillisecondType>(column, SECONDS_PER_DAY * 1_000)
            }
            TimeUnit::Microsecond => {
                days_of::<TimestampMicrosecondType>(column, SECONDS_PER_DAY * 1_000_000)
            }
            TimeUnit::Nanosecond => {
                days_of::<TimestampNanosecondType>(column, SECONDS_PER_DAY * 1_000_000_000)
            }
        },
        DataType::Utf8 => texts_to_dates(column.as_string::<i32>().iter()),
        DataType::LargeUtf8 => texts_to_dates(column.as_string::<i64>().iter()),
        DataType::Utf8View => texts_to_dates(column.as_string_view().iter()),
        DataType::Dictionary(_, _) => {
            let dictionary = column.as_any_dictionary();
            let keys = dictionary.normalized_keys();
            let values = dates(dictionary.values().as_ref()).map_err(|error| match error {
                // Point at the first row that uses the bad value, not at the dictionary.
                DecodeError::Invalid { index, value } => DecodeError::Invalid {
                    index: keys.iter().position(|&key| key == index).unwrap_or(0),
                    value,
                },
                other => other,
            })?;
            Ok(look_up(column, &keys, &values, None))
        }
        DataType::Null => Ok(vec![None; column.len()]),
        other => Err(DecodeError::Unsupported(other.clone())),
    }
}

/// Every row's zip code.
pub(super) fn zips(column: &dyn Array) -> Result<Vec<ZipValue>, DecodeError> {
    match column.data_type() {
        DataType::Utf8 => Ok(column.as_string::<i32>().iter().map(ZipValue::of).collect()),
        DataType::LargeUtf8 => Ok(column.as_string::<i64>().iter().map(ZipValue::of).collect()),
        DataType::Utf8View => Ok(column.as_string_view().iter().map(ZipValue::of).collect()),
        // Each distinct text is checked once, then looked up per row.
        DataType::Dictionary(_, _) => {
            let dictionary = column.as_any_dictionary();
            let keys = dictionary.normalized_keys();
            let values = zips(dictionary.values().as_ref())?;
            Ok(look_up(column, &keys, &values, ZipValue::Null))
        }
        DataType::Null => Ok(vec![ZipValue::Null; column.len()]),
        other => Err(DecodeError::Unsupported(other.clone())),
    }
}

fn date_of_days(days: i64) -> Result<Date, DecodeError> {
    date_from_days_since_epoch(days).ok_or(DecodeError::OutOfRange { days })
}

fn days_of<T: ArrowPrimitiveType<Native = i64>>(
    column: &dyn Array,
    units_per_day: i64,
) -> Result<Vec<Option<Date>>, DecodeError> {
    column
        .as_primitive::<T>()
        .iter()
        .map(|value| {
            value
                .map(|value| date_of_days(value.div_euclid(units_per_day)))
                .transpose()
        })
        .collect()
}

fn texts_to_dates<'a>(
    texts: impl Iterator<Item = Option<&'a str>>,
) -> Result<Vec<Option<Date>>, DecodeError> {
    texts
        .enumerate()
        .map(|(index, text)| {
            text.map(|text| {
                date_of_text(text).ok_or_else(|| DecodeError::Invalid {
                    index,
                    value: text.to_owned(),
                })
            })
            .transpose()
        })
        .collect()
}

/// A dictionary column's values by row; `null` where the key is null.
fn look_up<T: Clone>(column: &dyn Array, keys: &[usize], values: &[T], null: T) -> Vec<T> {
    keys.iter()
        .enumerate()
        .map(|(row, &key)| match values.get(key) {
            Some(value) if column.is_valid(row) => value.clone(),
            _ => null.clone(),
        })
        .collect()
}
