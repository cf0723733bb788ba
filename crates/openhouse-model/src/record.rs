//! The validated, owned open-house record and where it came from.

use std::fmt;

use time::Date;

use crate::UtcTimestamp;

/// Where a record starts in its feed.
///
/// Ordered by byte offset, which is input order; deduplication breaks ties on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
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

/// One valid open-house event: every rule holds, every value is typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenHouse {
    pub key: Box<str>,
    pub listing_key: Option<Box<str>>,
    pub method: Option<Box<str>>,
    /// The local date of the open house; insights group by it, never by a timestamp's UTC date.
    pub date: Date,
    pub start: UtcTimestamp,
    pub end: UtcTimestamp,
    pub modified: UtcTimestamp,
    pub state: Option<Box<str>>,
    /// As the feed gave it; see [`Zip5`] for the normalised form.
    pub zipcode: Option<Box<str>>,
    pub position: Position,
}

impl OpenHouse {
    /// The 5-digit ZIP of [`OpenHouse::zipcode`], if it is one.
    pub fn zip5(&self) -> Option<Zip5> {
        self.zipcode.as_deref().and_then(Zip5::from_zipcode)
    }

    /// Whether `self` supersedes `other` as a version of the same open house: the later
    /// `DateModified` wins, and on equal instants the record later in the input.
    pub fn supersedes(&self, other: &OpenHouse) -> bool {
        (self.modified, self.position) > (other.modified, other.position)
    }
}

/// A 5-digit US ZIP code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Zip5([u8; 5]);

impl Zip5 {
    /// The ZIP of a `DDDDD` or `DDDDD-DDDD` zipcode; `None` for anything else.
    pub fn from_zipcode(zipcode: &str) -> Option<Zip5> {
        let bytes = zipcode.as_bytes();
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
