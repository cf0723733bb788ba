//! The borrowed raw record: what a JSON object said, before any rule is applied.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::Field;

/// The JSON type of a value, for rejections that say what was found instead of a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum JsonType {
    Bool,
    Number,
    Array,
    Object,
    String,
    Null,
}

/// One field of a raw record as the feed gave it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RawValue<'a> {
    /// The key was not in the object.
    #[default]
    Missing,
    Null,
    /// A string, borrowed from the parse buffer unless it had to be unescaped into a new one.
    Str(Cow<'a, str>),
    /// Any JSON type other than string or null.
    Other(JsonType),
}

/// A JSON object of the feed, its nine fields found by name and everything else skipped.
///
/// Deserializing one never fails on content: wrong types, missing fields and repeated keys
/// are recorded so that validation can report every problem at once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawRecord<'a> {
    values: [RawValue<'a>; 9],
    repeated: Vec<Field>,
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

    pub fn get(&self, field: Field) -> &RawValue<'a> {
        &self.values[field.slot()]
    }

    /// Fields whose key appeared more than once in the object.
    pub fn repeated_fields(&self) -> &[Field] {
        &self.repeated
    }

    fn set(&mut self, field: Field, value: RawValue<'a>) {
        let slot = &mut self.values[field.slot()];
        if *slot != RawValue::Missing {
            if !self.repeated.contains(&field) {
                self.repeated.push(field);
            }
            return;
        }
        *slot = value;
    }
}

/// A top-level JSON value of a feed: the object a record should be, or the type of what was
/// found instead (an NDJSON line `42`, an array element `"x"`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "lives on the stack for one record; boxing would allocate per record"
)]
pub enum RawDocument<'a> {
    Object(RawRecord<'a>),
    NotAnObject(JsonType),
}

impl<'de> Deserialize<'de> for RawDocument<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(
            match deserializer.deserialize_any(ValueVisitor { top_level: true })? {
                Visited::Record(record) => RawDocument::Object(record),
                Visited::Value(value) => RawDocument::NotAnObject(value.json_type()),
            },
        )
    }
}

impl<'de> Deserialize<'de> for RawValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(
            match deserializer.deserialize_any(ValueVisitor { top_level: false })? {
                Visited::Value(value) => value,
                Visited::Record(_) => RawValue::Other(JsonType::Object),
            },
        )
    }
}

impl RawValue<'_> {
    fn json_type(&self) -> JsonType {
        match self {
            RawValue::Str(_) => JsonType::String,
            RawValue::Missing | RawValue::Null => JsonType::Null,
            RawValue::Other(found) => *found,
        }
    }
}

/// What one visit found: the record, for an object at the top level, or a value.
#[allow(
    clippy::large_enum_variant,
    reason = "lives on the stack for one record; boxing would allocate per record"
)]
enum Visited<'de> {
    Record(RawRecord<'de>),
    Value(RawValue<'de>),
}

/// Classifies any JSON value; only a top-level object is read into a record, anything nested
/// is skipped without allocating.
struct ValueVisitor {
    top_level: bool,
}

impl<'de> ValueVisitor {
    fn other<E>(found: JsonType) -> Result<Visited<'de>, E> {
        Ok(Visited::Value(RawValue::Other(found)))
    }
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Visited<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        if !self.top_level {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Self::other(JsonType::Object);
        }
        let mut record = RawRecord::default();
        while let Some(key) = map.next_key::<FieldKey>()? {
            match key.0 {
                Some(field) => record.set(field, map.next_value()?),
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Visited::Record(record))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Self::other(JsonType::Array)
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Visited::Value(RawValue::Str(Cow::Borrowed(text))))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Visited::Value(RawValue::Str(Cow::Owned(text.to_owned()))))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Visited::Value(RawValue::Str(Cow::Owned(text))))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Visited::Value(RawValue::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Visited::Value(RawValue::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Self::other(JsonType::Bool)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Self::other(JsonType::Number)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Self::other(JsonType::Number)
    }

    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Self::Value, E> {
        Self::other(JsonType::Number)
    }

    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Self::Value, E> {
        Self::other(JsonType::Number)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Self::other(JsonType::Number)
    }
}

/// An object key: one of the nine fields, or `None` for a key the model ignores.
struct FieldKey(Option<Field>);

impl<'de> Deserialize<'de> for FieldKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = FieldKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<FieldKey, E> {
                Ok(FieldKey(Field::from_name(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}
