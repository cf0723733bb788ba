//! The partition key: the calendar month of OpenHouseDate.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use openhouse_model::{Date, date_from_days_since_epoch, days_since_epoch};

/// The partition column's name; its values are [`Month`]s as `YYYY-MM`.
pub const MONTH_COLUMN: &str = "month";

/// A calendar month, the table's partition: `month=YYYY-MM` holds the open houses whose
/// OpenHouseDate falls in it. Years are 0000 to 9999, the range the feed's dates can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: time::Month,
}

impl Month {
    /// The month of `year` (0 to 9999) and `month` (1 to 12), if both are in range.
    pub fn new(year: i32, month: u8) -> Option<Month> {
        if !(0..=9999).contains(&year) {
            return None;
        }
        let month = time::Month::try_from(month).ok()?;
        Some(Month { year, month })
    }

    /// The month a date falls in.
    pub fn of_date(date: Date) -> Option<Month> {
        Month::new(date.year(), date.month() as u8)
    }

    /// The month of a `date32` value (days since 1970-01-01), as the table stores OpenHouseDate.
    pub fn of_days_since_epoch(days: i32) -> Option<Month> {
        Month::of_date(date_from_days_since_epoch(i64::from(days))?)
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month of the year, 1 to 12.
    pub fn number(self) -> u8 {
        self.month as u8
    }

    /// The month's days as `date32` values: the first day up to, not including, the first day
    /// of the next month.
    pub fn days_since_epoch(self) -> Range<i32> {
        // Both ends are computed from the first day and the month's length, so 9999-12 needs
        // no date in year 10000.
        let first = Date::from_calendar_date(self.year, self.month, 1)
            .map(days_since_epoch)
            .unwrap_or_default();
        let length = i32::from(self.month.length(self.year));
        first..first + length
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month as u8)
    }
}

/// `text` is not a month written `YYYY-MM`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a month written YYYY-MM")]
pub struct MonthParseError {
    text: String,
}

impl FromStr for Month {
    type Err = MonthParseError;

    fn from_str(text: &str) -> Result<Month, MonthParseError> {
        let error = || MonthParseError { text: text.into() };
        let bytes = text.as_bytes();
        let digits = |range: Range<usize>| {
            bytes[range.clone()]
                .iter()
                .all(u8::is_ascii_digit)
                .then(|| text[range].parse::<i32>().ok())
                .flatten()
        };
        if bytes.len() != 7 || bytes[4] != b'-' {
            return Err(error());
        }
        let (year, month) = (
            digits(0..4).ok_or_else(error)?,
            digits(5..7).ok_or_else(error)?,
        );
        u8::try_from(month)
            .ok()
            .and_then(|month| Month::new(year, month))
            .ok_or_else(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_written_with_four_year_digits_and_two_month_digits() {
        assert_eq!(Month::new(2024, 5).unwrap().to_string(), "2024-05");
        assert_eq!(Month::new(0, 12).unwrap().to_string(), "0000-12");
    }

    #[test]
    fn parsing_accepts_only_yyyy_mm() {
        assert_eq!("2024-05".parse(), Ok(Month::new(2024, 5).unwrap()));
        for text in [
            "2024-5",
            "2024-13",
            "2024-00",
            "24-05",
            "2024/05",
            "+024-05",
            "2024-05-01",
        ] {
            assert!(text.parse::<Month>().is_err(), "{text}");
        }
    }

    #[test]
    fn the_month_of_a_date32_is_its_calendar_month() {
        // 2024-02-29 is day 19782 after 1970-01-01.
        assert_eq!(Month::of_days_since_epoch(19782), Month::new(2024, 2));
        assert_eq!(Month::of_days_since_epoch(-1), Month::new(1969, 12));
    }

    #[test]
    fn a_month_spans_its_days_and_no_more() {
        let february = Month::new(2024, 2).unwrap().days_since_epoch();
        assert_eq!(february, 19754..19783);
        assert_eq!(
            Month::of_days_since_epoch(february.start),
            Month::new(2024, 2)
        );
        assert_eq!(
            Month::of_days_since_epoch(february.end),
            Month::new(2024, 3)
        );
        assert_eq!(Month::new(9999, 12).unwrap().days_since_epoch().len(), 31);
    }
}
