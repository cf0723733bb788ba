//! Strict parsing of the feed's UTC timestamps and local dates.
//!
//! The rules are narrower than RFC 3339 on purpose: only UTC (`Z` or `+00:00`) is accepted,
//! because a timestamp in another zone is a provider bug that deduplication must not guess at.

use std::fmt;

use time::{Date, Month};

/// Why a timestamp or date did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, thiserror::Error)]
pub enum TemporalError {
    /// Not of the form the rule names (time-only, space separator, trailing text, ...).
    #[error("not of the form YYYY-MM-DDTHH:MM:SS[.fffffffff]Z (or YYYY-MM-DD for a date)")]
    Malformed,
    /// A well-formed date-time whose zone is not UTC, including `-00:00` and no zone at all.
    #[error("not in UTC: the zone must be Z or +00:00")]
    NotUtc,
    /// Well-formed, but no such calendar day or time of day (2023-02-30, hour 24, second 60).
    #[error("no such calendar day or time of day")]
    OutOfRange,
}

/// An instant in UTC at nanosecond precision, ordered as instants.
///
/// `"…02.2Z"` and `"…02.200+00:00"` parse to equal values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTimestamp {
    unix_seconds: i64,
    nanos: u32,
}

const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
const SECONDS_PER_DAY: i64 = 86_400;

impl UtcTimestamp {
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: UtcTimestamp = UtcTimestamp {
        unix_seconds: 0,
        nanos: 0,
    };

    /// Parses `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+00:00)`, `T` and `Z` in either case.
    ///
    /// The checks run in a fixed order, so each text has one reason: first the form
    /// ([`TemporalError::Malformed`]; a zone, if any, must look like `Z` or `±HH:MM`), then the
    /// zone ([`TemporalError::NotUtc`]), then the calendar ([`TemporalError::OutOfRange`]).
    pub fn parse(text: &str) -> Result<UtcTimestamp, TemporalError> {
        let bytes = text.as_bytes();
        match parse_common(bytes) {
            Some(instant) => Ok(instant),
            None => parse_bytewise(bytes),
        }
    }

    /// Builds an instant from seconds since the Unix epoch and a sub-second part.
    /// Returns `None` when `nanos` is not below one second.
    pub fn from_unix(unix_seconds: i64, nanos: u32) -> Option<UtcTimestamp> {
        (nanos < 1_000_000_000).then_some(UtcTimestamp {
            unix_seconds,
            nanos,
        })
    }

    /// Whole seconds since 1970-01-01T00:00:00Z (negative before).
    pub fn unix_seconds(self) -> i64 {
        self.unix_seconds
    }

    /// The nanoseconds past [`UtcTimestamp::unix_seconds`].
    pub fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// Microseconds since the Unix epoch, rounded toward the past (Parquet's `TIMESTAMP(MICROS)`).
    pub fn unix_micros(self) -> i64 {
        self.unix_seconds * 1_000_000 + i64::from(self.nanos / 1_000)
    }
}

impl fmt::Display for UtcTimestamp {
    /// RFC 3339 in UTC with `Z`, the fraction trimmed of trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.unix_seconds.div_euclid(SECONDS_PER_DAY);
        let second_of_day = self.unix_seconds.rem_euclid(SECONDS_PER_DAY);
        let date = date_from_days_since_epoch(days).ok_or(fmt::Error)?;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            date.year(),
            u8::from(date.month()),
            date.day(),
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )?;
        if self.nanos != 0 {
            let digits = format!("{:09}", self.nanos);
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

/// Days from 1970-01-01 to `date`: Parquet's and Arrow's `DATE`.
pub fn days_since_epoch(date: Date) -> i32 {
    // Julian days of real dates fit an i32 with room to spare, and so does the difference.
    (i64::from(date.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY) as i32
}

/// The date `days` after 1970-01-01, if the calendar reaches it.
pub fn date_from_days_since_epoch(days: i64) -> Option<Date> {
    let julian_day = i32::try_from(days.checked_add(UNIX_EPOCH_JULIAN_DAY)?).ok()?;
    Date::from_julian_day(julian_day).ok()
}

/// [`UtcTimestamp::parse`] a byte at a time: every form, every reason.
fn parse_bytewise(bytes: &[u8]) -> Result<UtcTimestamp, TemporalError> {
    if bytes.len() < 19 || !matches!(bytes[10], b'T' | b't') {
        return Err(TemporalError::Malformed);
    }
    let (year, month, day) = date_fields(&bytes[..10])?;
    let (hour, minute, second) = time_fields(&bytes[11..19])?;
    let (nanos, zone) = split_fraction(&bytes[19..])?;
    check_zone(zone)?;
    let days = civil_days(year, month, day)?;
    if !is_time_of_day(hour, minute, second) {
        return Err(TemporalError::OutOfRange);
    }
    Ok(instant_of(days, hour, minute, second, nanos))
}

/// Whether the clock reads this, in a day without leap seconds.
fn is_time_of_day(hour: u32, minute: u32, second: u32) -> bool {
    hour <= 23 && minute <= 59 && second <= 59
}

/// The instant `days` after 1970-01-01 at the given time of day.
fn instant_of(days: i64, hour: u32, minute: u32, second: u32, nanos: u32) -> UtcTimestamp {
    UtcTimestamp {
        unix_seconds: days * SECONDS_PER_DAY
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second),
        nanos,
    }
}

/// The bytes of a word that hold digits in the common form, and what its other bytes hold.
const DATE_DIGITS: u64 = 0x00ff_ff00_ffff_ffff; // YYYY-MM-
const DATE_OTHERS: u64 = u64::from_le_bytes(*b"\0\0\0\0-\0\0-");
const TIME_DIGITS: u64 = 0xffff_00ff_ff00_ffff; // DDTHH:MM
const TIME_OTHERS: u64 = u64::from_le_bytes(*b"\0\0T\0\0:\0\0");
const REST_DIGITS: u64 = 0xffff_ffff_00ff_ff00; // :SS.fff0
const REST_OTHERS: u64 = u64::from_le_bytes(*b":\0\0.\0\0\0\0");

/// Timestamps of the form nearly every real feed's timestamps have,
/// `YYYY-MM-DDTHH:MM:SS.fffZ` or `YYYY-MM-DDTHH:MM:SSZ`, read eight bytes at a time; `None`
/// for any other text, and for a value out of range, which [`parse_bytewise`] then reads so
/// that each text keeps its one reason. A property test holds the two to the same results.
fn parse_common(bytes: &[u8]) -> Option<UtcTimestamp> {
    // ":SS.fff", or ":SS" as ":SS.000", then one more '0': a third word of the same shape.
    let mut rest = *b":00.0000";
    match bytes {
        [head @ .., b'Z'] if head.len() == 19 => rest[..3].copy_from_slice(&head[16..]),
        [head @ .., b'Z'] if head.len() == 23 => rest[..7].copy_from_slice(&head[16..]),
        _ => return None,
    }
    let word = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
    };
    let (date, time, rest) = (word(0)?, word(8)?, u64::from_le_bytes(rest));
    let well_formed = [
        (date, DATE_DIGITS, DATE_OTHERS),
        (time, TIME_DIGITS, TIME_OTHERS),
        (rest, REST_DIGITS, REST_OTHERS),
    ]
    .iter()
    .all(|&(word, digits, others)| {
        const HIGH: u64 = 0xf0f0_f0f0_f0f0_f0f0;
        const LOW: u64 = 0x0f0f_0f0f_0f0f_0f0f;
        // A digit's high nibble is 3 and its low one at most 9: adding 6 does not carry.
        word & HIGH & digits == 0x3030_3030_3030_3030 & digits
            && ((word & LOW) + 0x0606_0606_0606_0606) & HIGH & digits == 0
            && word & !digits == others
    });
    if !well_formed {
        return None;
    }
    // Each byte's digit, then ten times it plus the next byte's: no byte carries into
    // another (at most 15 x 10 + 15).
    let pairs = |word: u64| {
        let digits = word & 0x0f0f_0f0f_0f0f_0f0f;
        (digits * 10 + (digits >> 8)).to_le_bytes().map(u32::from)
    };
    let last_digit = u32::from(rest.to_le_bytes()[6] & 0x0f);
    let (date, time, rest) = (pairs(date), pairs(time), pairs(rest));
    let (hour, minute, second) = (time[3], time[6], rest[1]);
    if !is_time_of_day(hour, minute, second) {
        return None;
    }
    let days = civil_days(date[0] * 100 + date[2], date[5], time[0]).ok()?;
    let millis = rest[4] * 10 + last_digit;
    Some(instant_of(days, hour, minute, second, millis * 1_000_000))
}

/// Parses a local calendar date, `YYYY-MM-DD`, nothing before or after.
pub fn parse_date(text: &str) -> Result<Date, TemporalError> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 {
        return Err(TemporalError::Malformed);
    }
    let (year, month, day) = date_fields(bytes)?;
    calendar_date(year, month, day)
}

fn date_fields(bytes: &[u8]) -> Result<(u32, u32, u32), TemporalError> {
    if bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(TemporalError::Malformed);
    }
    match (
        number(&bytes[0..4]),
        number(&bytes[5..7]),
        number(&bytes[8..10]),
    ) {
        (Some(year), Some(month), Some(day)) => Ok((year, month, day)),
        _ => Err(TemporalError::Malformed),
    }
}

/// The decimal number the ASCII digits `bytes` spell; `None` if one is not a digit. No early
/// exit: every timestamp of a feed goes through here, and a loop without branches over a
/// known short length compiles to a few instructions.
#[inline]
fn number(bytes: &[u8]) -> Option<u32> {
    let mut value = 0u32;
    let mut not_digit = false;
    for &byte in bytes {
        let digit = byte.wrapping_sub(b'0');
        not_digit |= digit > 9;
        value = value.wrapping_mul(10).wrapping_add(u32::from(digit));
    }
    (!not_digit).then_some(value)
}

/// Days from 1970-01-01 to a proleptic Gregorian date given as digits (year 0 to 9999),
/// checking that the day exists: the arithmetic of H. Hinnant's `days_from_civil`, which
/// every timestamp of a feed goes through, so it avoids building a calendar date.
fn civil_days(year: u32, month: u32, day: u32) -> Result<i64, TemporalError> {
    const DAYS_IN_MONTH: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let month_days = match month {
        2 if leap => 29,
        1..=12 => DAYS_IN_MONTH[month as usize - 1],
        _ => return Err(TemporalError::OutOfRange),
    };
    if day == 0 || day > month_days {
        return Err(TemporalError::OutOfRange);
    }
    // Counted from one 400-year era earlier, so that January and February of year 0 (in
    // year -1 of the arithmetic) need no negative numbers: unsigned division by a constant
    // is a multiplication, signed `div_euclid` needs corrections.
    let year = year + 400 - u32::from(month <= 2);
    let (era, year_of_era) = (year / 400, year % 400);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Ok((i64::from(era) - 1) * 146_097 + i64::from(day_of_era) - 719_468)
}

fn calendar_date(year: u32, month: u32, day: u32) -> Result<Date, TemporalError> {
    let month = u8::try_from(month)
        .ok()
        .and_then(|month| Month::try_from(month).ok())
        .ok_or(TemporalError::OutOfRange)?;
    let day = u8::try_from(day).map_err(|_| TemporalError::OutOfRange)?;
    let year = i32::try_from(year).map_err(|_| TemporalError::OutOfRange)?;
    Date::from_calendar_date(year, month, day).map_err(|_| TemporalError::OutOfRange)
}

fn time_fields(bytes: &[u8]) -> Result<(u32, u32, u32), TemporalError> {
    if bytes[2] != b':' || bytes[5] != b':' {
        return Err(TemporalError::Malformed);
    }
    match (
        number(&bytes[0..2]),
        number(&bytes[3..5]),
        number(&bytes[6..8]),
    ) {
        (Some(hour), Some(minute), Some(second)) => Ok((hour, minute, second)),
        _ => Err(TemporalError::Malformed),
    }
}

/// Splits `[.f{1,9}]zone` into nanoseconds and the zone designator.
fn split_fraction(bytes: &[u8]) -> Result<(u32, &[u8]), TemporalError> {
    const SCALE: [u32; 10] = [
        0,
        100_000_000,
        10_000_000,
        1_000_000,
        100_000,
        10_000,
        1_000,
        100,
        10,
        1,
    ];
    let Some(fraction) = bytes.strip_prefix(b".") else {
        return Ok((0, bytes));
    };
    let len = fraction
        .iter()
        .take(10)
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    if !(1..=9).contains(&len) {
        return Err(TemporalError::Malformed);
    }
    let digits = number(&fraction[..len]).ok_or(TemporalError::Malformed)?;
    Ok((digits * SCALE[len], &fraction[len..]))
}

fn check_zone(zone: &[u8]) -> Result<(), TemporalError> {
    match zone {
        b"Z" | b"z" | b"+00:00" => Ok(()),
        [] => Err(TemporalError::NotUtc),
        [b'+' | b'-', h1, h2, b':', m1, m2]
            if [h1, h2, m1, m2].iter().all(|byte| byte.is_ascii_digit()) =>
        {
            Err(TemporalError::NotUtc)
        }
        _ => Err(TemporalError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn instant(text: &str) -> UtcTimestamp {
        UtcTimestamp::parse(text).unwrap_or_else(|error| panic!("{text}: {error:?}"))
    }

    #[test]
    fn accepts_the_utc_forms() {
        let base = instant("2024-05-04T17:30:00Z");
        assert_eq!(base.unix_seconds(), 1_714_843_800);
        assert_eq!(instant("2024-05-04t17:30:00z"), base);
        assert_eq!(instant("2024-05-04T17:30:00+00:00"), base);
        assert_eq!(instant("2024-05-04T17:30:00.0Z"), base);
    }

    #[test]
    fn fractions_compare_at_full_precision() {
        assert_eq!(
            instant("2024-01-01T00:00:02.2Z"),
            instant("2024-01-01T00:00:02.200+00:00")
        );
        assert!(instant("2024-01-01T00:00:02.000000001Z") > instant("2024-01-01T00:00:02Z"));
        assert_eq!(
            instant("2024-01-01T00:00:02.123456789Z").subsec_nanos(),
            123_456_789
        );
    }

    #[test]
    fn rejects_other_zones_as_not_utc() {
        for text in [
            "2024-05-04T17:30:00-00:00",
            "2024-05-04T17:30:00+01:00",
            "2024-05-04T17:30:00-07:00",
            "2024-05-04T17:30:00",
            "2024-05-04T17:30:00.5",
        ] {
            assert_eq!(
                UtcTimestamp::parse(text),
                Err(TemporalError::NotUtc),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_malformed_text() {
        for text in [
            "20:00",
            "",
            "2024-05-04 17:30:00Z",
            "2024-05-04T17:30Z",
            "2024-05-04T17:30:00.Z",
            "2024-05-04T17:30:00.1234567890Z",
            "2024-05-04T17:30:00ZZ",
            "2024-05-04T17:30:00+0000",
            "2024-5-04T17:30:00Z",
            "+2024-05-04T17:30:00Z",
            "2024-05-04T17:30:00 Z",
            "１２３４-05-04T17:30:00Z",
        ] {
            assert_eq!(
                UtcTimestamp::parse(text),
                Err(TemporalError::Malformed),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_impossible_calendar_values() {
        for text in [
            "2023-02-29T00:00:00Z",
            "2023-02-30T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-00-10T00:00:00Z",
            "2024-01-00T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T23:60:00Z",
            "2024-01-01T23:59:60Z",
        ] {
            assert_eq!(
                UtcTimestamp::parse(text),
                Err(TemporalError::OutOfRange),
                "{text}"
            );
        }
        assert!(UtcTimestamp::parse("2024-02-29T00:00:00Z").is_ok());
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(
            parse_date("2024-02-29").map(|d| d.to_string()),
            Ok("2024-02-29".into())
        );
        assert_eq!(parse_date("2023-02-29"), Err(TemporalError::OutOfRange));
        assert_eq!(
            parse_date("2024-02-29T00:00:00Z"),
            Err(TemporalError::Malformed)
        );
        assert_eq!(parse_date("2024/02/29"), Err(TemporalError::Malformed));
        assert_eq!(parse_date(" 2024-02-29"), Err(TemporalError::Malformed));
    }

    #[test]
    fn form_is_checked_before_zone_and_zone_before_calendar() {
        assert_eq!(
            UtcTimestamp::parse("2024-0a-01T10:00:00+01:00"),
            Err(TemporalError::Malformed)
        );
        assert_eq!(
            UtcTimestamp::parse("2023-02-30T25:00:00+01:00"),
            Err(TemporalError::NotUtc)
        );
        assert_eq!(
            UtcTimestamp::parse("2023-02-30T25:00:00"),
            Err(TemporalError::NotUtc)
        );
        assert_eq!(
            UtcTimestamp::parse("0000-02-29T00:00:00Z").map(|t| t.to_string()),
            Ok("0000-02-29T00:00:00Z".into())
        );
    }

    #[test]
    fn epoch_days_count_from_1970() {
        let day = |text| parse_date(text).unwrap();
        assert_eq!(days_since_epoch(day("1970-01-01")), 0);
        assert_eq!(days_since_epoch(day("2024-05-05")), 19_848);
        assert_eq!(days_since_epoch(day("1969-12-31")), -1);
        assert_eq!(date_from_days_since_epoch(19_848), Some(day("2024-05-05")));
        assert_eq!(
            date_from_days_since_epoch(-719_528),
            Some(day("0000-01-01"))
        );
        assert_eq!(date_from_days_since_epoch(i64::MAX), None);
        assert_eq!(date_from_days_since_epoch(100_000_000), None);
    }

    /// Every day of the first and last 800 of years 0 to 9999, where the arithmetic's era and
    /// year boundaries fall: year 0's January and February count in the year before it.
    #[test]
    fn civil_days_agree_with_the_calendar_at_the_ends_of_the_range() {
        let first = i64::from(days_since_epoch(parse_date("0000-01-01").unwrap()));
        let last = i64::from(days_since_epoch(parse_date("9999-12-31").unwrap()));
        for days in (first..first + 800).chain(last - 800..=last) {
            let date = date_from_days_since_epoch(days).unwrap();
            let computed = civil_days(
                date.year() as u32,
                u8::from(date.month()).into(),
                date.day().into(),
            );
            assert_eq!(computed, Ok(days), "{date}");
        }
    }

    proptest! {
        #[test]
        fn civil_days_agree_with_the_calendar(days in -719_528i64..2_932_897) {
            let date = date_from_days_since_epoch(days).unwrap();
            let computed = civil_days(date.year() as u32, u8::from(date.month()).into(), date.day().into());
            prop_assert_eq!(computed, Ok(days));
        }
    }

    /// Timestamps of the common form (with three fraction digits or none), some of their
    /// characters replaced by others that a timestamp has, or not.
    fn near_common_form() -> impl Strategy<Value = String> {
        let replacement = prop_oneof![
            30 => Just(None),
            1 => prop::sample::select("0123456789-:.TtZz+ /aé".chars().collect::<Vec<_>>())
                .prop_map(Some),
        ];
        (
            -62_167_219_200i64..253_402_300_800,
            prop::option::of(0u32..1000),
            prop::collection::vec(replacement, 24),
        )
            .prop_map(|(unix_seconds, millis, replacements)| {
                let whole = UtcTimestamp::from_unix(unix_seconds, 0)
                    .unwrap()
                    .to_string();
                let text = match millis {
                    Some(millis) => whole.replace('Z', &format!(".{millis:03}Z")),
                    None => whole,
                };
                text.chars()
                    .zip(replacements)
                    .map(|(original, replacement)| replacement.unwrap_or(original))
                    .collect()
            })
    }

    #[test]
    fn the_common_form_is_read_whole() {
        assert_eq!(
            parse_common(b"2023-04-07T20:05:09.123Z"),
            Some(instant("2023-04-07T20:05:09.123000Z"))
        );
        assert_eq!(
            parse_common(b"2024-02-29T23:59:59Z"),
            Some(instant("2024-02-29T23:59:59.0Z"))
        );
        // Other forms and values out of range are left to the byte-by-byte reading.
        for text in [
            "2023-04-07T20:05:09.12Z",
            "2023-04-07t20:05:09Z",
            "2023-02-29T00:00:00Z",
            "2023-04-07T24:00:00Z",
            "2023-04-07T20:05:09+00:00",
        ] {
            assert_eq!(parse_common(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn micros_round_toward_the_past() {
        assert_eq!(instant("1969-12-31T23:59:59.9999999Z").unix_micros(), -1);
        assert_eq!(instant("1970-01-01T00:00:00.0000019Z").unix_micros(), 1);
    }

    proptest! {
        #[test]
        fn formatted_timestamps_parse_to_the_same_instant(
            // 0000-01-01 to 9999-12-31, the range the four-digit year allows.
            unix_seconds in -62_167_219_200i64..253_402_300_800,
            nanos in 0u32..1_000_000_000,
        ) {
            let original = UtcTimestamp::from_unix(unix_seconds, nanos).unwrap();
            let text = original.to_string();
            prop_assert_eq!(UtcTimestamp::parse(&text), Ok(original));
            let with_offset = text.replace('Z', "+00:00");
            prop_assert_eq!(UtcTimestamp::parse(&with_offset), Ok(original));
        }

        #[test]
        fn arbitrary_text_reads_as_byte_by_byte_without_panicking(text in ".{0,40}") {
            prop_assert_eq!(UtcTimestamp::parse(&text), parse_bytewise(text.as_bytes()));
            let _ = parse_date(&text);
        }

        #[test]
        fn the_common_form_reads_as_byte_by_byte(text in near_common_form()) {
            prop_assert_eq!(UtcTimestamp::parse(&text), parse_bytewise(text.as_bytes()));
        }
    }
}
