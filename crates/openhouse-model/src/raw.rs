//! The borrowed raw record: what a JSON object said, before any rule is applied.

use serde::{Deserialize, Serialize};

use crate::Field;

/// The JSON type of a value, for rejections that say what was found instead of a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonType {
    /// `true` or `false`.
    Bool,
    /// Any JSON number, whatever its size.
    Number,
    /// `[...]`.
    Array,
    /// `{...}`.
    Object,
    /// `"..."`.
    String,
    /// `null`.
    Null,
}

/// One field of a raw record as the feed gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RawValue<'a> {
    /// The key was not in the object.
    #[default]
    Missing,
    /// The value was `null`.
    Null,
    /// A string, unescaped, borrowed from the parse buffer.
    Str(&'a str),
    /// Any JSON type other than string or null.
    Other(JsonType),
}

/// A JSON object of the feed, its nine fields found by name and everything else skipped.
///
/// Filling one never fails on content: wrong types, missing fields and repeated keys are
/// recorded so that validation can report every problem at once. It lives on the stack and
/// borrows its strings, so reading a record allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RawRecord<'a> {
    values: [RawValue<'a>; 9],
    /// Bit `slot` set when that field's key appeared more than once.
    repeated: u16,
}

impl<'a> RawRecord<'a> {
    /// A record with the given fields set and the rest missing.
    pub fn from_fields(fields: impl IntoIterator<Item = (Field, RawValue<'a>)>) -> Self {
        let mut record = RawRecord::default();
        for (field, value) in fields {
            record.set(field, value);
        }
        record
    }

    /// The value of `field`, [`RawValue::Missing`] if the object had no such key.
    pub fn get(&self, field: Field) -> RawValue<'a> {
        self.values[field.slot()]
    }

    /// Whether `field`'s key appeared more than once in the object.
    pub fn is_repeated(&self, field: Field) -> bool {
        self.repeated & (1 << field.slot()) != 0
    }

    /// Records `field`'s value as the object gave it. A key seen before keeps its first
    /// value and is marked repeated: which of two values a provider meant is unknowable.
    pub fn set(&mut self, field: Field, value: RawValue<'a>) {
        let slot = &mut self.values[field.slot()];
        if *slot == RawValue::Missing {
            *slot = value;
        } else {
            self.repeated |= 1 << field.slot();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_key_keeps_its_first_value_and_is_marked() {
        let record = RawRecord::from_fields([
            (Field::State, RawValue::Str("CA")),
            (Field::State, RawValue::Null),
            (Field::Zipcode, RawValue::Str("94521")),
        ]);
        assert_eq!(record.get(Field::State), RawValue::Str("CA"));
        assert!(record.is_repeated(Field::State));
        assert!(!record.is_repeated(Field::Zipcode));
        assert_eq!(record.get(Field::ListingKey), RawValue::Missing);
    }

    #[test]
    fn a_key_repeated_after_a_null_is_still_repeated() {
        let record = RawRecord::from_fields([
            (Field::State, RawValue::Null),
            (Field::State, RawValue::Str("CA")),
        ]);
        assert_eq!(record.get(Field::State), RawValue::Null);
        assert!(record.is_repeated(Field::State));
    }
}
