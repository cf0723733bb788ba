//! Why a record was dropped, and where it was.

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

use crate::{Field, JsonType, Position, TemporalError};

/// What is wrong with one field, or with the record as a whole.
///
/// Serializes as its [`Reason::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Reason {
    /// The record is not well-formed JSON (NDJSON lines only; in an array this fails the run).
    MalformedJson,
    /// Well-formed JSON, but not an object.
    NotAnObject,
    /// A required field is absent.
    Missing,
    /// A required field is null.
    Null,
    /// `OpenHouseKey` is the empty string.
    Empty,
    /// Neither a string nor null.
    NotAString,
    /// The key appears more than once in the object, so which value is meant is unknowable.
    RepeatedField,
    /// Not of the form the rule names.
    Malformed,
    /// A date-time in a zone other than UTC, or with no zone.
    NotUtc,
    /// No such calendar day or time of day, or a date outside the years the table holds.
    OutOfRange,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: [Reason; 10] = [
        Reason::MalformedJson,
        Reason::NotAnObject,
        Reason::Missing,
        Reason::Null,
        Reason::Empty,
        Reason::NotAString,
        Reason::RepeatedField,
        Reason::Malformed,
        Reason::NotUtc,
        Reason::OutOfRange,
    ];

    /// A stable snake_case name for reports and the rejects file.
    pub fn code(self) -> &'static str {
        match self {
            Reason::MalformedJson => "malformed_json",
            Reason::NotAnObject => "not_an_object",
            Reason::Missing => "missing",
            Reason::Null => "null",
            Reason::Empty => "empty",
            Reason::NotAString => "not_a_string",
            Reason::RepeatedField => "repeated_field",
            Reason::Malformed => "malformed",
            Reason::NotUtc => "not_utc",
            Reason::OutOfRange => "out_of_range",
        }
    }

    /// The reason's index in [`Reason::ALL`].
    pub fn index(self) -> usize {
        self as usize
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

/// One problem found in a record: the field (none for record-level problems), why, and for
/// a value of the wrong type, what was found instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Problem {
    /// The field at fault; `None` when the record as a whole is (not JSON, not an object).
    pub field: Option<Field>,
    /// What is wrong.
    pub reason: Reason,
    /// The JSON type found where a string or an object was due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<JsonType>,
}

impl Problem {
    /// A problem with the record as a whole.
    pub fn record(reason: Reason) -> Problem {
        Problem {
            field: None,
            reason,
            found: None,
        }
    }

    /// A problem with one field.
    pub fn field(field: Field, reason: Reason) -> Problem {
        Problem {
            field: Some(field),
            reason,
            found: None,
        }
    }

    /// A value of type `found` where `field` needs a string.
    pub fn not_a_string(field: Field, found: JsonType) -> Problem {
        Problem {
            found: Some(found),
            ..Problem::field(field, Reason::NotAString)
        }
    }

    /// A top-level value of type `found` where a record needs an object.
    pub fn not_an_object(found: JsonType) -> Problem {
        Problem {
            found: Some(found),
            ..Problem::record(Reason::NotAnObject)
        }
    }
}

/// The problems of one record, held inline: finding them allocates nothing.
///
/// A record has at most two problems per field (its key repeated, and its first value
/// wrong), or one problem for the record as a whole.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Problems {
    list: [Problem; Problems::CAPACITY],
    len: u8,
}

impl Problems {
    /// The most problems one record can have.
    pub const CAPACITY: usize = 2 * Field::ALL.len();

    /// No problems yet.
    pub fn new() -> Problems {
        Problems {
            list: [Problem::record(Reason::MalformedJson); Problems::CAPACITY],
            len: 0,
        }
    }

    /// A list of one problem.
    pub fn one(problem: Problem) -> Problems {
        let mut problems = Problems::new();
        problems.push(problem);
        problems
    }

    /// Adds a problem; beyond [`Problems::CAPACITY`] (which validation never reaches) the
    /// problem is dropped rather than panicking.
    pub fn push(&mut self, problem: Problem) {
        if let Some(slot) = self.list.get_mut(usize::from(self.len)) {
            *slot = problem;
            self.len += 1;
        }
    }
}

impl Default for Problems {
    fn default() -> Self {
        Problems::new()
    }
}

impl Deref for Problems {
    type Target = [Problem];

    fn deref(&self) -> &[Problem] {
        &self.list[..usize::from(self.len)]
    }
}

impl fmt::Debug for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// A dropped record as ingestion saw it: where it was, every problem found, and its bytes
/// exactly as they stood in the input. Borrowed; [`Rejection`] is the owned form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RejectedRecord<'a> {
    /// Where the record starts.
    pub position: Position,
    /// Never empty.
    pub problems: &'a [Problem],
    /// The record's bytes, which need not be UTF-8.
    pub text: &'a [u8],
}

impl RejectedRecord<'_> {
    /// An owned copy.
    pub fn to_owned(&self) -> Rejection {
        Rejection {
            position: self.position,
            problems: self.problems.to_vec(),
            text: self.text.to_vec(),
        }
    }
}

/// A dropped record: where it was, every problem found, and its original bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rejection {
    /// Where the record starts.
    pub position: Position,
    /// Never empty.
    pub problems: Vec<Problem>,
    /// The record's bytes as they stood in the input, which need not be UTF-8.
    pub text: Vec<u8>,
}

impl Rejection {
    /// The borrowed view of this rejection.
    pub fn as_rejected_record(&self) -> RejectedRecord<'_> {
        RejectedRecord {
            position: self.position,
            problems: &self.problems,
            text: &self.text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_serialize_with_field_reason_and_what_was_found() {
        let problem = Problem::not_a_string(Field::Zipcode, JsonType::Number);
        let json = serde_json::to_string(&problem).unwrap();
        assert_eq!(
            json,
            r#"{"field":"Zipcode","reason":"not_a_string","found":"number"}"#
        );
        assert_eq!(serde_json::from_str::<Problem>(&json).unwrap(), problem);
        let record = serde_json::to_string(&Problem::record(Reason::MalformedJson)).unwrap();
        assert_eq!(record, r#"{"field":null,"reason":"malformed_json"}"#);
    }

    #[test]
    fn codes_are_the_serialized_names() {
        for reason in Reason::ALL {
            assert_eq!(
                serde_json::to_string(&reason).unwrap(),
                format!("\"{}\"", reason.code())
            );
            assert_eq!(Reason::ALL[reason.index()], reason);
        }
    }

    #[test]
    fn problems_hold_up_to_capacity_and_drop_the_rest() {
        let mut problems = Problems::new();
        for _ in 0..Problems::CAPACITY + 3 {
            problems.push(Problem::field(Field::State, Reason::Null));
        }
        assert_eq!(problems.len(), Problems::CAPACITY);
    }
}
