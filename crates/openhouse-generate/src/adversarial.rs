//! Every way a record can break the rules, and a few ways it can look odd yet be valid.

use fastrand::Rng;

use crate::Layout;
use crate::invalid::{self, SOME_TIMESTAMP, TIMESTAMPS, without_zone};
use crate::render::{Event, Value};

/// Gives `event` one quirk, drawn at random: a third of the time one of the well-formed rule
/// breaks of [`invalid::break_a_rule`], otherwise one of the quirks below.
pub(crate) fn corrupt(event: &mut Event, rng: &mut Rng, layout: Layout) {
    let timestamp = TIMESTAMPS[rng.usize(..TIMESTAMPS.len())];
    let current = event.text(timestamp).unwrap_or(SOME_TIMESTAMP).to_owned();
    // `YYYY-MM-DDTHH:MM:SS`, without fraction or zone.
    let seconds = current.get(..19).unwrap_or(&current).to_owned();
    let day = current.get(..10).unwrap_or("2024-05-04").to_owned();
    match rng.u8(0..24) {
        0..=7 => invalid::break_a_rule(event, rng),
        // Timestamps that are not valid UTC, or not strings.
        8 => event.set(
            timestamp,
            Value::Str(format!("{}-00:00", without_zone(&current))),
        ),
        9 => event.set(timestamp, Value::Str("2023-02-30T10:00:00Z".to_owned())),
        10 => event.set(timestamp, Value::Str(format!("{day}T24:00:00Z"))),
        11 => event.set(timestamp, Value::Raw("1714867200".to_owned())),
        // Keys, dates and zip codes of the wrong type or an impossible day.
        12 => event.set("OpenHouseKey", Value::Raw("12345".to_owned())),
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
        18 => event.set(timestamp, Value::Str(format!("{seconds}.000000000+00:00"))),
        19 => event.set(
            "OpenHouseMethod",
            Value::Raw("\"In-Pers\\u006fn \\u00e9\\ud83c\\udfe1\"".to_owned()),
        ),
        20 => event.fields.push((
            "ListPrice",
            Value::Raw("{\"amount\": 1250000, \"tags\": [null, true, 1e3]}".to_owned()),
        )),
        21 => {
            let zip: String = event
                .text("Zipcode")
                .unwrap_or("94521")
                .chars()
                .take(5)
                .collect();
            event.set("Zipcode", Value::Str(format!("{zip}-3711")));
        }
        22 => event.set("ListingKey", Value::Null),
        _ => {
            let key = event.text("OpenHouseKey").unwrap_or("padded");
            event.set("OpenHouseKey", Value::Str(format!(" {key} ")));
        }
    }
}
