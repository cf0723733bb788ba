//! Records that break a rule yet stay well-formed JSON whose fields are strings or null, so that
//! every JSON reader loads them and the simplest validation (regular expressions on the key,
//! the timestamps and the date) catches each one: the invalid share of a benchmark feed.

use fastrand::Rng;

use crate::render::{Event, Value};

pub(crate) const TIMESTAMPS: [&str; 3] = ["OpenHouseStartTime", "OpenHouseEndTime", "DateModified"];

/// A timestamp for records that lack one, in the feed's own spelling.
pub(crate) const SOME_TIMESTAMP: &str = "2024-05-04T17:00:00.000Z";

/// Makes `event` break one rule, drawn at random. None of these is a calendar error (a
/// well-shaped `2023-02-30`): a regular expression cannot see those, so a query that
/// validates by shape and then casts would fail on them.
pub(crate) fn break_a_rule(event: &mut Event, rng: &mut Rng) {
    let timestamp = TIMESTAMPS[rng.usize(..TIMESTAMPS.len())];
    let current = event.text(timestamp).unwrap_or(SOME_TIMESTAMP).to_owned();
    let local = without_zone(&current).to_owned();
    match rng.u8(0..10) {
        0 => event.set(timestamp, Value::Str(format!("{local}-07:00"))),
        1 => event.set(timestamp, Value::Str(local)),
        2 => event.set(timestamp, Value::Str(current.replacen('T', " ", 1))),
        3 => event.set(timestamp, Value::Null),
        4 => event.remove(timestamp),
        5 => event.set(timestamp, Value::Str("19:30".to_owned())),
        6 => event.set("OpenHouseKey", Value::Null),
        7 => event.set("OpenHouseKey", Value::Str(String::new())),
        8 => event.remove("OpenHouseKey"),
        _ => {
            // `2024-05-04` as `05/04/2024`.
            let date = event.text("OpenHouseDate").unwrap_or("2024-05-04");
            let us_style = match (date.get(..4), date.get(5..7), date.get(8..10)) {
                (Some(year), Some(month), Some(day)) => format!("{month}/{day}/{year}"),
                _ => "05/04/2024".to_owned(),
            };
            event.set("OpenHouseDate", Value::Str(us_style));
        }
    }
}

/// The timestamp without its `Z` or `+00:00`.
pub(crate) fn without_zone(timestamp: &str) -> &str {
    timestamp
        .strip_suffix("+00:00")
        .or_else(|| timestamp.strip_suffix('Z'))
        .unwrap_or(timestamp)
}
