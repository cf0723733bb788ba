//! The validation rules: from a raw record to a valid open house or the list of its problems.

use time::{Date, Month};

use crate::{
    Field, OpenHouseFields, Position, Problem, Problems, RawRecord, RawValue, Reason, UtcTimestamp,
    parse_date,
};

/// The first `OpenHouseDate` the table holds. Earlier dates are `out_of_range`: no open
/// house happened then, and bounding the dates bounds the daily series the insights fill.
pub const FIRST_OPEN_HOUSE_DATE: Date = match Date::from_calendar_date(1900, Month::January, 1) {
    Ok(date) => date,
    Err(_) => Date::MIN,
};

/// The last `OpenHouseDate` the table holds; later dates are `out_of_range`.
pub const LAST_OPEN_HOUSE_DATE: Date = match Date::from_calendar_date(2199, Month::December, 31) {
    Ok(date) => date,
    Err(_) => Date::MAX,
};

/// Applies every rule to `raw` and returns the valid record, borrowing its strings, or
/// every problem found. Allocates nothing.
pub fn validate<'a>(
    raw: &RawRecord<'a>,
    position: Position,
) -> Result<OpenHouseFields<'a>, Problems> {
    let mut problems = Problems::new();
    for field in Field::ALL {
        if raw.is_repeated(field) {
            problems.push(Problem::field(field, Reason::RepeatedField));
        }
    }
    let mut check = |outcome: Result<(), Problem>| {
        if let Err(problem) = outcome {
            problems.push(problem);
        }
    };

    let key = required_text(raw, Field::OpenHouseKey).and_then(|key| {
        if key.is_empty() {
            Err(Problem::field(Field::OpenHouseKey, Reason::Empty))
        } else {
            Ok(key)
        }
    });
    let date = required_text(raw, Field::OpenHouseDate).and_then(|text| {
        parse_date(text)
            .map_err(Reason::from)
            .and_then(|date| {
                if (FIRST_OPEN_HOUSE_DATE..=LAST_OPEN_HOUSE_DATE).contains(&date) {
                    Ok(date)
                } else {
                    Err(Reason::OutOfRange)
                }
            })
            .map_err(|reason| Problem::field(Field::OpenHouseDate, reason))
    });
    let start = timestamp(raw, Field::OpenHouseStartTime);
    let end = timestamp(raw, Field::OpenHouseEndTime);
    let modified = timestamp(raw, Field::DateModified);
    let listing_key = optional_text(raw, Field::ListingKey);
    let method = optional_text(raw, Field::OpenHouseMethod);
    let state = optional_text(raw, Field::State);
    let zipcode = optional_text(raw, Field::Zipcode);

    // In field order, so that the problems of a record are listed the same way every time.
    check(key.map(drop));
    check(listing_key.map(drop));
    check(method.map(drop));
    check(date.map(drop));
    check(start.map(drop));
    check(end.map(drop));
    check(modified.map(drop));
    check(state.map(drop));
    check(zipcode.map(drop));

    match (
        key,
        listing_key,
        method,
        date,
        start,
        end,
        modified,
        state,
        zipcode,
    ) {
        (
            Ok(key),
            Ok(listing_key),
            Ok(method),
            Ok(date),
            Ok(start),
            Ok(end),
            Ok(modified),
            Ok(state),
            Ok(zipcode),
        ) if problems.is_empty() => Ok(OpenHouseFields {
            key,
            listing_key,
            method,
            date,
            start,
            end,
            modified,
            state,
            zipcode,
            position,
        }),
        _ => Err(problems),
    }
}

fn required_text<'a>(raw: &RawRecord<'a>, field: Field) -> Result<&'a str, Problem> {
    match raw.get(field) {
        RawValue::Str(text) => Ok(text),
        RawValue::Missing => Err(Problem::field(field, Reason::Missing)),
        RawValue::Null => Err(Problem::field(field, Reason::Null)),
        RawValue::Other(found) => Err(Problem::not_a_string(field, found)),
    }
}

fn optional_text<'a>(raw: &RawRecord<'a>, field: Field) -> Result<Option<&'a str>, Problem> {
    match raw.get(field) {
        RawValue::Str(text) => Ok(Some(text)),
        RawValue::Missing | RawValue::Null => Ok(None),
        RawValue::Other(found) => Err(Problem::not_a_string(field, found)),
    }
}

fn timestamp(raw: &RawRecord<'_>, field: Field) -> Result<UtcTimestamp, Problem> {
    required_text(raw, field).and_then(|text| {
        UtcTimestamp::parse(text).map_err(|error| Problem::field(field, Reason::from(error)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::JsonType;

    fn valid() -> RawRecord<'static> {
        RawRecord::from_fields([
            (Field::OpenHouseKey, RawValue::Str("OH-1")),
            (Field::ListingKey, RawValue::Str("L-1")),
            (Field::OpenHouseMethod, RawValue::Str("In-Person")),
            (Field::OpenHouseDate, RawValue::Str("2024-05-04")),
            (
                Field::OpenHouseStartTime,
                RawValue::Str("2024-05-05T00:00:00Z"),
            ),
            (
                Field::OpenHouseEndTime,
                RawValue::Str("2024-05-05T02:00:00Z"),
            ),
            (
                Field::DateModified,
                RawValue::Str("2024-05-01T09:30:00.25+00:00"),
            ),
            (Field::State, RawValue::Str("CA")),
            (Field::Zipcode, RawValue::Str("94521-3711")),
        ])
    }

    /// `valid()` with some fields replaced (the first value set wins, as in a record).
    fn with(fields: impl IntoIterator<Item = (Field, RawValue<'static>)>) -> RawRecord<'static> {
        let base = valid();
        let mut record = RawRecord::default();
        let fields: Vec<_> = fields.into_iter().collect();
        for field in Field::ALL {
            match fields.iter().find(|(changed, _)| *changed == field) {
                Some(&(_, value)) => record.set(field, value),
                None => record.set(field, base.get(field)),
            }
        }
        record
    }

    fn problems(raw: RawRecord<'_>) -> Vec<Problem> {
        validate(&raw, Position::default()).unwrap_err().to_vec()
    }

    #[test]
    fn a_complete_record_is_typed() {
        let open_house = validate(&valid(), Position::default()).unwrap();
        assert_eq!(open_house.key, "OH-1");
        assert_eq!(open_house.date.to_string(), "2024-05-04");
        assert_eq!(open_house.modified.to_string(), "2024-05-01T09:30:00.25Z");
        assert_eq!(open_house.zip5().unwrap().as_str(), "94521");
        assert_eq!(open_house.zipcode, Some("94521-3711"));
    }

    #[test]
    fn optional_strings_may_be_null_or_missing() {
        let raw = with([
            (Field::ListingKey, RawValue::Null),
            (Field::State, RawValue::Missing),
        ]);
        let open_house = validate(&raw, Position::default()).unwrap();
        assert_eq!(open_house.listing_key, None);
        assert_eq!(open_house.state, None);
    }

    #[test]
    fn a_null_empty_or_missing_key_is_rejected() {
        for (value, reason) in [
            (RawValue::Null, Reason::Null),
            (RawValue::Str(""), Reason::Empty),
            (RawValue::Missing, Reason::Missing),
        ] {
            assert_eq!(
                problems(with([(Field::OpenHouseKey, value)])),
                [Problem::field(Field::OpenHouseKey, reason)]
            );
        }
    }

    #[test]
    fn keys_are_not_trimmed() {
        let raw = with([(Field::OpenHouseKey, RawValue::Str(" OH-1 "))]);
        assert_eq!(validate(&raw, Position::default()).unwrap().key, " OH-1 ");
    }

    #[test]
    fn every_problem_is_reported_in_field_order() {
        let raw = with([
            (Field::OpenHouseKey, RawValue::Other(JsonType::Number)),
            (Field::OpenHouseDate, RawValue::Str("2023-02-30")),
            (Field::OpenHouseStartTime, RawValue::Str("20:00")),
            (
                Field::OpenHouseEndTime,
                RawValue::Str("2024-05-05T02:00:00-07:00"),
            ),
            (Field::DateModified, RawValue::Missing),
            (Field::State, RawValue::Other(JsonType::Bool)),
            (Field::Zipcode, RawValue::Other(JsonType::Number)),
        ]);
        assert_eq!(
            problems(raw),
            [
                Problem::not_a_string(Field::OpenHouseKey, JsonType::Number),
                Problem::field(Field::OpenHouseDate, Reason::OutOfRange),
                Problem::field(Field::OpenHouseStartTime, Reason::Malformed),
                Problem::field(Field::OpenHouseEndTime, Reason::NotUtc),
                Problem::field(Field::DateModified, Reason::Missing),
                Problem::not_a_string(Field::State, JsonType::Bool),
                Problem::not_a_string(Field::Zipcode, JsonType::Number),
            ]
        );
    }

    #[test]
    fn a_repeated_field_is_rejected_even_when_both_values_are_valid() {
        let mut raw = valid();
        raw.set(Field::State, RawValue::Str("NV"));
        assert_eq!(
            problems(raw),
            [Problem::field(Field::State, Reason::RepeatedField)]
        );
    }

    #[test]
    fn open_house_dates_outside_1900_to_2199_are_out_of_range() {
        for (date, valid) in [
            ("1899-12-31", false),
            ("1900-01-01", true),
            ("2199-12-31", true),
            ("2200-01-01", false),
            ("0000-01-01", false),
            ("9999-12-31", false),
        ] {
            let raw = with([(Field::OpenHouseDate, RawValue::Str(date))]);
            match validate(&raw, Position::default()) {
                Ok(open_house) => assert!(valid, "{date} {open_house:?}"),
                Err(problems) => {
                    assert!(!valid, "{date}");
                    assert_eq!(
                        problems.to_vec(),
                        [Problem::field(Field::OpenHouseDate, Reason::OutOfRange)]
                    );
                }
            }
        }
    }

    #[test]
    fn timestamps_keep_the_full_range_of_four_digit_years() {
        let raw = with([(Field::DateModified, RawValue::Str("0000-02-29T00:00:00Z"))]);
        assert!(validate(&raw, Position::default()).is_ok());
    }
}
