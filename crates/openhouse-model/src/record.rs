//! The validated, owned open-house record and where it came from.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::UtcTimestamp;

/// Where a record starts in its feed.
///
/// Ordered by byte offset, which is input order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Position {
    /// Byte offset of the record's first byte from the start of the input.
    pub byte: u64,
    /// 1-based line of that byte.
    pub line: u64,
    /// 0-based index among the feed's records (array elements, or non-blank NDJSON lines).
    pub record: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "record {} (line {}, byte {})",
            self.record, self.line, self.byte
        )
    }
}

/// Which of two versions of one open house is kept: the later `DateModified` instant, and
/// on equal instants the record later in the input. Compare versions with `>`; this order is
/// the deduplication rule, defined here once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// `DateModified`, at full precision.
    pub modified: UtcTimestamp,
    /// The record's index in the input ([`Position::record`]).
    pub record: u64,
}

/// The table's order: by `OpenHouseDate`, then `OpenHouseKey` byte-wise (as `str` orders).
/// Defined here once; the columnar sort is tested against it.
pub fn cmp_table_order(a: (Date, &str), b: (Date, &str)) -> Ordering {
    a.cmp(&b)
}

/// One valid open-house event: every rule holds, every value is typed.
///
/// The five text fields share one allocation, as in `csv::StringRecord`: a record costs one
/// allocation however many fields it has, and stays small when millions are held for
/// deduplication. Read them with the accessors; build a record with [`OpenHouse::new`].
#[derive(Clone, PartialEq, Eq)]
pub struct OpenHouse {
    /// `OpenHouseKey`, `ListingKey`, `OpenHouseMethod`, `State`, `Zipcode`, one after another.
    text: Box<str>,
    /// Where each of the first four ends in `text`; the last ends with `text`.
    ends: [usize; 4],
    /// Bit `i` set when optional field `i` (1 to 4 in `text` order) is present.
    present: u8,
    /// The local date of the open house; insights group by it, never by a timestamp's UTC date.
    pub date: Date,
    /// `OpenHouseStartTime`.
    pub start: UtcTimestamp,
    /// `OpenHouseEndTime`.
    pub end: UtcTimestamp,
    /// `DateModified`.
    pub modified: UtcTimestamp,
    /// Where the record stood in its feed.
    pub position: Position,
}

/// A valid open house, borrowed: what validation yields and sinks receive, and what
/// [`OpenHouse::new`] copies into an owned record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenHouseFields<'a> {
    /// `OpenHouseKey`, never empty, compared exactly.
    pub key: &'a str,
    /// `ListingKey`; `None` when absent or null.
    pub listing_key: Option<&'a str>,
    /// `OpenHouseMethod`; `None` when absent or null.
    pub method: Option<&'a str>,
    /// `OpenHouseDate`, the local calendar date.
    pub date: Date,
    /// `OpenHouseStartTime`.
    pub start: UtcTimestamp,
    /// `OpenHouseEndTime`.
    pub end: UtcTimestamp,
    /// `DateModified`.
    pub modified: UtcTimestamp,
    /// `State`; `None` when absent or null.
    pub state: Option<&'a str>,
    /// `Zipcode` as given; `None` when absent or null.
    pub zipcode: Option<&'a str>,
    /// Where the record stood in its feed.
    pub position: Position,
}

impl OpenHouseFields<'_> {
    /// The version this record is, for deduplication.
    pub fn version(&self) -> Version {
        Version {
            modified: self.modified,
            record: self.position.record,
        }
    }

    /// The 5-digit ZIP of `zipcode`, if it is one.
    pub fn zip5(&self) -> Option<Zip5> {
        self.zipcode.and_then(Zip5::from_zipcode)
    }
}

const LISTING_KEY: usize = 1;
const METHOD: usize = 2;
const STATE: usize = 3;
const ZIPCODE: usize = 4;

impl OpenHouse {
    /// Copies the borrowed values into one allocation.
    pub fn new(fields: OpenHouseFields<'_>) -> OpenHouse {
        let optional = [
            fields.listing_key,
            fields.method,
            fields.state,
            fields.zipcode,
        ];
        let length = fields.key.len()
            + optional
                .iter()
                .flatten()
                .map(|text| text.len())
                .sum::<usize>();
        let mut text = String::with_capacity(length);
        let mut ends = [0; 4];
        let mut present = 0;
        text.push_str(fields.key);
        for (index, value) in optional.into_iter().enumerate() {
            ends[index] = text.len();
            if let Some(value) = value {
                text.push_str(value);
                present |= 1 << (index + 1);
            }
        }
        OpenHouse {
            text: text.into_boxed_str(),
            ends,
            present,
            date: fields.date,
            start: fields.start,
            end: fields.end,
            modified: fields.modified,
            position: fields.position,
        }
    }

    /// The values, borrowed from the record.
    pub fn fields(&self) -> OpenHouseFields<'_> {
        OpenHouseFields {
            key: self.key(),
            listing_key: self.listing_key(),
            method: self.method(),
            date: self.date,
            start: self.start,
            end: self.end,
            modified: self.modified,
            state: self.state(),
            zipcode: self.zipcode(),
            position: self.position,
        }
    }

    /// `OpenHouseKey`.
    pub fn key(&self) -> &str {
        self.text.get(..self.ends[0]).unwrap_or_default()
    }

    /// `ListingKey`.
    pub fn listing_key(&self) -> Option<&str> {
        self.optional(LISTING_KEY)
    }

    /// `OpenHouseMethod`.
    pub fn method(&self) -> Option<&str> {
        self.optional(METHOD)
    }

    /// `State`.
    pub fn state(&self) -> Option<&str> {
        self.optional(STATE)
    }

    /// As the feed gave it; see [`OpenHouse::zip5`] for the normalised form.
    pub fn zipcode(&self) -> Option<&str> {
        self.optional(ZIPCODE)
    }

    fn optional(&self, index: usize) -> Option<&str> {
        if self.present & (1 << index) == 0 {
            return None;
        }
        let end = self.ends.get(index).copied().unwrap_or(self.text.len());
        self.text.get(self.ends[index - 1]..end)
    }

    /// The 5-digit ZIP of [`OpenHouse::zipcode`], if it is one.
    pub fn zip5(&self) -> Option<Zip5> {
        self.zipcode().and_then(Zip5::from_zipcode)
    }

    /// The table's order ([`cmp_table_order`]).
    pub fn cmp_table_order(&self, other: &OpenHouse) -> Ordering {
        cmp_table_order((self.date, self.key()), (other.date, other.key()))
    }

    /// The version this record is, for deduplication.
    pub fn version(&self) -> Version {
        self.fields().version()
    }
}

impl fmt::Debug for OpenHouse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenHouse")
            .field("fields", &self.fields())
            .finish()
    }
}

/// A 5-digit US ZIP code. Serializes as its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Zip5([u8; 5]);

impl Serialize for Zip5 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Zip5 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Zip5::from_zipcode(&text)
            .filter(|_| text.len() == 5)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not a 5-digit ZIP")))
    }
}

impl Zip5 {
    /// The ZIP of a `DDDDD` or `DDDDD-DDDD` zipcode; `None` for anything else.
    pub fn from_zipcode(zipcode: &str) -> Option<Zip5> {
        Zip5::from_bytes(zipcode.as_bytes())
    }

    /// [`Zip5::from_zipcode`] of a zipcode's UTF-8 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<Zip5> {
        let well_formed = match bytes.len() {
            5 => true,
            10 => bytes[5] == b'-' && bytes[6..].iter().all(u8::is_ascii_digit),
            _ => false,
        };
        if !well_formed || !bytes[..5].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut zip = [0; 5];
        zip.copy_from_slice(&bytes[..5]);
        Some(Zip5(zip))
    }

    /// The five digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for Zip5 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(key: &'a str, optional: [Option<&'a str>; 4]) -> OpenHouseFields<'a> {
        let at = UtcTimestamp::from_unix(0, 0).unwrap();
        let [listing_key, method, state, zipcode] = optional;
        OpenHouseFields {
            key,
            listing_key,
            method,
            date: Date::MIN,
            start: at,
            end: at,
            modified: at,
            state,
            zipcode,
            position: Position::default(),
        }
    }

    #[test]
    fn text_fields_round_trip_through_one_allocation() {
        let cases = [
            fields(
                "OH-1",
                [
                    Some("L-1"),
                    Some("In-Person"),
                    Some("CA"),
                    Some("94521-3711"),
                ],
            ),
            fields("", [None, None, None, None]),
            fields("é", [Some(""), None, Some("\u{1F3E1}"), None]),
            fields("k", [None, Some("m"), None, Some("")]),
        ];
        for case in cases {
            assert_eq!(OpenHouse::new(case).fields(), case);
        }
        let open_house = OpenHouse::new(cases[0]);
        assert_eq!(
            open_house.zip5().map(|zip| zip.to_string()),
            Some("94521".into())
        );
    }

    #[test]
    fn table_order_is_date_then_key_as_str_orders() {
        let keys = [
            "",
            "a",
            "a\0",
            "ab",
            "abcdefgh",
            "abcdefgh\0",
            "abcdefghi",
            "abcdefgi",
            "b",
            "é",
            "\u{1F3E1}",
        ];
        let on = |day: i64, key| {
            let date = Date::MIN + time::Duration::days(day);
            OpenHouse::new(OpenHouseFields {
                date,
                ..fields(key, [None; 4])
            })
        };
        let cases: Vec<(i64, &str)> = [0, 1]
            .into_iter()
            .flat_map(|day| keys.map(|key| (day, key)))
            .collect();
        for &(day_a, a) in &cases {
            for &(day_b, b) in &cases {
                let expected = (day_a, a).cmp(&(day_b, b));
                let actual = on(day_a, a).cmp_table_order(&on(day_b, b));
                assert_eq!(actual, expected, "{day_a} {a:?} against {day_b} {b:?}");
            }
        }
    }

    #[test]
    fn zip5_takes_five_digits_or_zip_plus_four() {
        assert_eq!(
            Zip5::from_zipcode("94521").map(|z| z.to_string()),
            Some("94521".into())
        );
        assert_eq!(
            Zip5::from_zipcode("94521-3711").map(|z| z.to_string()),
            Some("94521".into())
        );
        for other in [
            "9452",
            "945211",
            "94521-371",
            "94521 3711",
            "9452a",
            "",
            "94521-37a1",
            "９４５２１",
        ] {
            assert_eq!(Zip5::from_zipcode(other), None, "{other}");
        }
    }
}
