//! Every way a record can break the rules, and a few ways it can look odd yet be valid.

use fastrand::Rng;

use crate::Layout;
use crate::event::{Event, Value};

const TIMESTAMPS: [&str; 3] = ["OpenHouseStartTime", "OpenHouseEndTime", "DateModified"];

/// Gives `event` one quirk, drawn at random.
pub(crate) fn corrupt(event: &mut Event, rng: &mut Rng, layout: Layout) {
    let timestamp = TIMESTAMPS[rng.usize(..TIMESTAMPS.len())];
    let current = match event.fields.iter().find(|(name, _)| *name == timestamp) {
        Some((_, Value::Str(text))) => text.clone(),
        _ => "2024-05-04T17:00:00Z".to_owned(),
    };
    let utc_text = current
        .trim_end_matches("+00:00")
        .trim_end_matches('Z')
        .to_owned();
    match rng.u8(0..24) {
        // Timestamps that are not valid UTC.
        0 => event.set(timestamp, Value::Str(format!("{utc_text}-07:00"))),
        1 => event.set(timestamp, Value::Str(format!("{utc_text}-00:00"))),
        2 => event.set(timestamp, Value::Str(utc_text)),
        3 => event.set(timestamp, Value::Str(current.replacen('T', " ", 1))),
        4 => event.set(timestamp, Value::Str("2023-02-30T10:00:00Z".to_owned())),
        5 => event.set(
            timestamp,
            Value::Str(format!("{}T24:00:00Z", &current[..10.min(current.len())])),
        ),
        6 => event.set(timestamp, Value::Raw("1714867200".to_owned())),
        7 => event.set(timestamp, Value::Null),
        8 => event.remove(timestamp),
        // Keys and dates.
        9 => event.remove("OpenHouseKey"),
        10 => event.set("OpenHouseKey", Value::Str(String::new())),
        11 => event.set("OpenHouseKey", Value::Raw("12345".to_owned())),
        12 => event.set("OpenHouseDate", Value::Str("05/04/2024".to_owned())),
        13 => event.set("OpenHouseDate", Value::Str("2023-02-29".to_owned())),
        14 => event.set("Zipcode", Value::Raw("94521".to_owned())),
        15 => event.fields.push(("State", Value::Str("NV".to_owned()))),
        // Records that are not objects, or not JSON.
        16 => {
            event.replacement =
                Some(["42", "\"open house\"", "[1, 2]", "null", "true"][rng.usize(..5)].to_owned())
        }
        17 if layout == Layout::Ndjson => {
            let text = event.compact();
            event.replacement = Some(
                [
                    "not json".to_owned(),
                    text[..text.len() / 2].to_owned(),
                    format!("{text},"),
                ][rng.usize(..3)]
                .clone(),
            );
        }
        // Odd but valid: other spellings of UTC, escapes, padding, extra fields.
        17 => event.set(
            timestamp,
            Value::Str(current.replace('T', "t").replace('Z', "z")),
        ),
        18 => event.set(timestamp, Value::Str(format!("{utc_text}.000000000+00:00"))),
        19 => event.set(
            "OpenHouseMethod",
            Value::Raw("\"In-Pers\\u006fn \\u00e9\\ud83c\\udfe1\"".to_owned()),
        ),
        20 => event.fields.push((
            "ListPrice",
            Value::Raw("{\"amount\": 1250000, \"tags\": [null, true, 1e3]}".to_owned()),
        )),
        21 => event.set("Zipcode", Value::Str(format!("{}-3711", zip_of(event)))),
        22 => event.set("ListingKey", Value::Null),
        _ => event.set("OpenHouseKey", Value::Str(format!(" {} ", key_of(event)))),
    }
}

fn zip_of(event: &Event) -> String {
    match event.fields.iter().find(|(name, _)| *name == "Zipcode") {
        Some((_, Value::Str(text))) => text.chars().take(5).collect(),
        _ => "94521".to_owned(),
    }
}

fn key_of(event: &Event) -> String {
    match event
        .fields
        .iter()
        .find(|(name, _)| *name == "OpenHouseKey")
    {
        Some((_, Value::Str(text))) => text.clone(),
        _ => "padded".to_owned(),
    }
}
