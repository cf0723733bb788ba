//! Parsing and validating one record; the per-record hot path.

use openhouse_model::{OpenHouse, Position, Problem, RawDocument, Reason, Rejection, validate};
use simd_json::Buffers;

/// What one record turned out to be.
pub(crate) enum Parsed {
    Valid(OpenHouse),
    /// Well-formed JSON that breaks at least one rule.
    Invalid(Vec<Problem>),
    /// Not well-formed JSON: a rejection in NDJSON, fatal in an array. The error is formatted
    /// only if it fails the run.
    Malformed(simd_json::Error),
}

/// Buffers reused from record to record by one worker, so the hot path does not allocate
/// for parsing.
pub(crate) struct Scratch {
    copy: Vec<u8>,
    buffers: Buffers,
}

impl Scratch {
    pub(crate) fn new() -> Scratch {
        Scratch {
            copy: Vec::with_capacity(4096),
            buffers: Buffers::new(4096),
        }
    }

    /// Parses `text` (simd-json rewrites its input, so a copy is parsed and `text` stays
    /// intact for the rejects file) and applies the rules.
    pub(crate) fn parse(&mut self, text: &[u8], position: Position) -> Parsed {
        self.copy.clear();
        self.copy.extend_from_slice(text);
        match simd_json::serde::from_slice_with_buffers::<RawDocument<'_>>(
            &mut self.copy,
            &mut self.buffers,
        ) {
            Ok(RawDocument::Object(raw)) => match validate(&raw, position) {
                Ok(open_house) => Parsed::Valid(open_house),
                Err(problems) => Parsed::Invalid(problems),
            },
            Ok(RawDocument::NotAnObject(found)) => {
                Parsed::Invalid(vec![Problem::record(Reason::NotAnObject(found))])
            }
            Err(error) => Parsed::Malformed(error),
        }
    }
}

/// A dropped record, with its original text for the rejects file.
pub(crate) fn rejection(text: &[u8], position: Position, problems: Vec<Problem>) -> Rejection {
    Rejection {
        position,
        problems,
        text: String::from_utf8_lossy(text).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(text: &str) -> String {
        match Scratch::new().parse(text.as_bytes(), Position::default()) {
            Parsed::Valid(_) => "valid".into(),
            Parsed::Invalid(problems) => problems
                .iter()
                .map(|p| format!("{:?}:{}", p.field, p.reason))
                .collect::<Vec<_>>()
                .join(","),
            Parsed::Malformed(error) => format!("malformed@{}: {error}", error.index()),
        }
    }

    #[test]
    fn valid_json_of_the_wrong_type_is_a_field_problem() {
        let huge = r#"{"OpenHouseKey":"A","Zipcode":123456789012345678901234567890}"#;
        assert!(
            outcome(huge).contains("Some(Zipcode):not_a_string"),
            "{}",
            outcome(huge)
        );
    }

    #[test]
    fn text_that_is_not_json_is_malformed() {
        for text in [
            r#"{"Zipcode": "\ud800"}"#,
            r#"{"Zipcode": 1e400}"#,
            r#"{"Zipcode": NaN}"#,
            "{\"Zipcode\": \"a\tb\"}",
            r#"{"a":1,}"#,
            r#"{"a":1} x"#,
            r#"{"a":1}{"b":2}"#,
        ] {
            assert!(
                outcome(text).starts_with("malformed@"),
                "{text}: {}",
                outcome(text)
            );
        }
        let invalid_utf8 = b"{\"Zipcode\": \"\xff\"}";
        assert!(matches!(
            Scratch::new().parse(invalid_utf8, Position::default()),
            Parsed::Malformed { .. }
        ));
    }
}
