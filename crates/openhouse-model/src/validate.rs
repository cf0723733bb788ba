//! The validation rules: from a raw record to an [`OpenHouse`] or the list of its problems.

use crate::{
    Field, OpenHouse, OpenHouseFields, Position, Problem, RawRecord, RawValue, Reason,
    UtcTimestamp, parse_date,
};

/// Applies every rule to `raw` and returns the typed record, or every problem found.
pub fn validate(raw: &RawRecord<'_>, position: Position) -> Result<OpenHouse, Vec<Problem>> {
    let mut problems: Vec<Problem> = raw
        .repeated_fields()
        .iter()
        .map(|&field| Problem::field(field, Reason::RepeatedField))
        .collect();
    let mut check = |field: Field, outcome: Result<(), Reason>| {
        if let Err(reason) = outcome {
            problems.push(Problem::field(field, reason));
        }
    };

    let key = required_text(raw, Field::OpenHouseKey).and_then(|key| {
        if key.is_empty() {
            Err(Reason::Empty)
        } else {
            Ok(key)
        }
    });
    let date = required_text(raw, Field::OpenHouseDate)
        .and_then(|text| parse_date(text).map_err(Reason::from));
    let start = timestamp(raw, Field::OpenHouseStartTime);
    let end = timestamp(raw, Field::OpenHouseEndTime);
    let modified = timestamp(raw, Field::DateModified);
    let listing_key = optional_text(raw, Field::ListingKey);
    let method = optional_text(raw, Field::OpenHouseMethod);
    let state = optional_text(raw, Field::State);
    let zipcode = optional_text(raw, Field::Zipcode);

    check(Field::OpenHouseKey, key.map(drop));
    check(Field::ListingKey, listing_key.map(drop));
    check(Field::OpenHouseMethod, method.map(drop));
    check(Field::OpenHouseDate, date.map(drop));
    check(Field::OpenHouseStartTime, start.map(drop));
    check(Field::OpenHouseEndTime, end.map(drop));
    check(Field::DateModified, modified.map(drop));
    check(Field::State, state.map(drop));
    check(Field::Zipcode, zipcode.map(drop));

    if !problems.is_empty() {
        return Err(problems);
    }
    // Every value is `Copy`, so the checks above left them in place; with no problem found,
    // every one is `Ok` and the record is built (its one allocation) only now.
    let record = || -> Result<OpenHouse, Reason> {
        Ok(OpenHouse::new(OpenHouseFields {
            key: key?,
            listing_key: listing_key?,
            method: method?,
            date: date?,
            start: start?,
            end: end?,
            modified: modified?,
            state: state?,
            zipcode: zipcode?,
            position,
        }))
    };
    record().map_err(|reason| vec![Problem::record(reason)])
}

fn required_text<'r>(raw: &'r RawRecord<'_>, field: Field) -> Result<&'r str, Reason> {
    match raw.get(field) {
        RawValue::Str(text) => Ok(text),
        RawValue::Missing => Err(Reason::Missing),
        RawValue::Null => Err(Reason::Null),
        RawValue::Other(found) => Err(Reason::NotAString(*found)),
    }
}

fn optional_text<'r>(raw: &'r RawRecord<'_>, field: Field) -> Result<Option<&'r str>, Reason> {
    match raw.get(field) {
        RawValue::Str(text) => Ok(Some(text)),
        RawValue::Missing | RawValue::Null => Ok(None),
        RawValue::Other(found) => Err(Reason::NotAString(*found)),
    }
}

fn timestamp(raw: &RawRecord<'_>, field: Field) -> Result<UtcTimestamp, Reason> {
    required_text(raw, field).and_then(|text| UtcTimestamp::parse(text).map_err(Reason::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{JsonType, RawDocument};

    fn parse(json: &str) -> RawRecord<'static> {
        let bytes: &'static mut [u8] = Box::leak(json.as_bytes().to_vec().into_boxed_slice());
        match simd_json::serde::from_slice::<RawDocument<'static>>(bytes) {
            Ok(RawDocument::Object(record)) => record,
            other => panic!("{json}: {other:?}"),
        }
    }

    const VALID: &str = r#"{"OpenHouseKey":"OH-1","ListingKey":"L-1","OpenHouseMethod":"In-Person",
        "OpenHouseDate":"2024-05-04","OpenHouseStartTime":"2024-05-05T00:00:00Z",
        "OpenHouseEndTime":"2024-05-05T02:00:00Z","DateModified":"2024-05-01T09:30:00.25+00:00",
        "State":"CA","Zipcode":"94521-3711","Extra":{"ignored":[1,2]}}"#;

    fn problems(json: &str) -> Vec<Problem> {
        validate(&parse(json), Position::default()).unwrap_err()
    }

    #[test]
    fn a_complete_record_is_typed() {
        let open_house = validate(&parse(VALID), Position::default()).unwrap();
        assert_eq!(open_house.key(), "OH-1");
        assert_eq!(open_house.date.to_string(), "2024-05-04");
        assert_eq!(open_house.modified.to_string(), "2024-05-01T09:30:00.25Z");
        assert_eq!(open_house.zip5().unwrap().as_str(), "94521");
        assert_eq!(open_house.zipcode(), Some("94521-3711"));
    }

    #[test]
    fn optional_strings_may_be_null_or_missing() {
        let json = VALID
            .replace(r#""ListingKey":"L-1""#, r#""ListingKey":null"#)
            .replace(r#""State":"CA","#, "");
        let open_house = validate(&parse(&json), Position::default()).unwrap();
        assert_eq!(open_house.listing_key(), None);
        assert_eq!(open_house.state(), None);
    }

    #[test]
    fn a_null_empty_or_missing_key_is_rejected() {
        let null_key = VALID.replace(r#""OH-1""#, "null");
        assert_eq!(
            problems(&null_key),
            [Problem::field(Field::OpenHouseKey, Reason::Null)]
        );
        let empty_key = VALID.replace(r#""OH-1""#, r#""""#);
        assert_eq!(
            problems(&empty_key),
            [Problem::field(Field::OpenHouseKey, Reason::Empty)]
        );
        let no_key = VALID.replace(r#""OpenHouseKey":"OH-1","#, "");
        assert_eq!(
            problems(&no_key),
            [Problem::field(Field::OpenHouseKey, Reason::Missing)]
        );
    }

    #[test]
    fn keys_are_not_trimmed() {
        let spaced = VALID.replace(r#""OH-1""#, r#"" OH-1 ""#);
        assert_eq!(
            validate(&parse(&spaced), Position::default())
                .unwrap()
                .key(),
            " OH-1 "
        );
    }

    #[test]
    fn every_problem_is_reported() {
        let json = r#"{"OpenHouseKey":7,"OpenHouseDate":"2023-02-30","OpenHouseStartTime":"20:00",
            "OpenHouseEndTime":"2024-05-05T02:00:00-07:00","Zipcode":94521,"State":true}"#;
        assert_eq!(
            problems(json),
            [
                Problem::field(Field::OpenHouseKey, Reason::NotAString(JsonType::Number)),
                Problem::field(Field::OpenHouseDate, Reason::OutOfRange),
                Problem::field(Field::OpenHouseStartTime, Reason::Malformed),
                Problem::field(Field::OpenHouseEndTime, Reason::NotUtc),
                Problem::field(Field::DateModified, Reason::Missing),
                Problem::field(Field::State, Reason::NotAString(JsonType::Bool)),
                Problem::field(Field::Zipcode, Reason::NotAString(JsonType::Number)),
            ]
        );
    }

    #[test]
    fn a_repeated_field_is_rejected_even_when_both_values_are_valid() {
        let json = VALID.replace(r#""State":"CA""#, r#""State":"CA","State":"NV""#);
        assert_eq!(
            problems(&json),
            [Problem::field(Field::State, Reason::RepeatedField)]
        );
    }

    #[test]
    fn escaped_strings_are_unescaped() {
        let json = VALID.replace(r#""OH-1""#, r#""OH-\u0031\"""#);
        assert_eq!(
            validate(&parse(&json), Position::default()).unwrap().key(),
            "OH-1\""
        );
    }

    #[test]
    fn non_objects_say_what_they_are() {
        for (json, found) in [
            ("[1,{}]", JsonType::Array),
            ("\"x\"", JsonType::String),
            ("null", JsonType::Null),
            ("1.5", JsonType::Number),
        ] {
            let mut bytes = json.as_bytes().to_vec();
            let document = simd_json::serde::from_slice::<RawDocument<'_>>(&mut bytes).unwrap();
            assert_eq!(document, RawDocument::NotAnObject(found), "{json}");
        }
    }
}
