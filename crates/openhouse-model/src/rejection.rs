//! Why a record was dropped, and where it was.

use std::fmt;

use crate::{Field, JsonType, Position, TemporalError};

/// What is wrong with one field, or with the record as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reason {
    /// The record is not well-formed JSON (NDJSON lines only; in an array this fails the run).
    MalformedJson,
    /// Well-formed JSON, but not an object.
    NotAnObject(JsonType),
    /// A required field is absent.
    Missing,
    /// A required field is null.
    Null,
    /// `OpenHouseKey` is the empty string.
    Empty,
    /// Neither a string nor null.
    NotAString(JsonType),
    /// The key appears more than once in the object, so which value is meant is unknowable.
    RepeatedField,
    /// Not of the form the rule names.
    Malformed,
    /// A date-time in a zone other than UTC, or with no zone.
    NotUtc,
    /// No such calendar day or time of day.
    OutOfRange,
}

impl Reason {
    /// A stable snake_case name for reports and the rejects file.
    pub fn code(self) -> &'static str {
        match self {
            Reason::MalformedJson => "malformed_json",
            Reason::NotAnObject(_) => "not_an_object",
            Reason::Missing => "missing",
            Reason::Null => "null",
            Reason::Empty => "empty",
            Reason::NotAString(_) => "not_a_string",
            Reason::RepeatedField => "repeated_field",
            Reason::Malformed => "malformed",
            Reason::NotUtc => "not_utc",
            Reason::OutOfRange => "out_of_range",
        }
    }
}

impl From<TemporalError> for Reason {
    fn from(error: TemporalError) -> Reason {
        match error {
            TemporalError::Malformed => Reason::Malformed,
            TemporalError::NotUtc => Reason::NotUtc,
            TemporalError::OutOfRange => Reason::OutOfRange,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One problem found in a record: the field (none for record-level problems) and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Problem {
    pub field: Option<Field>,
    pub reason: Reason,
}

impl Problem {
    pub fn record(reason: Reason) -> Problem {
        Problem {
            field: None,
            reason,
        }
    }

    pub fn field(field: Field, reason: Reason) -> Problem {
        Problem {
            field: Some(field),
            reason,
        }
    }
}

/// A dropped record: where it was, every problem found, and its original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub position: Position,
    /// Never empty.
    pub problems: Vec<Problem>,
    /// The record's bytes as they stood in the input (invalid UTF-8 replaced by U+FFFD).
    pub text: String,
}
