//! Plausible open-house events and their versions.

use fastrand::Rng;
use time::{Date, Duration, Month, Weekday};

/// A JSON value as it will be written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Str(String),
    Null,
    /// Written as is: a number, `true`, an object.
    Raw(String),
}

/// One record of the feed: an object's fields in order, or other text in its place.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    pub fields: Vec<(&'static str, Value)>,
    /// Text that replaces the whole object (a record that is not an object).
    pub replacement: Option<String>,
    /// Sorts events by modification time.
    pub modified_order: u64,
}

impl Event {
    pub(crate) fn set(&mut self, name: &'static str, value: Value) {
        match self.fields.iter_mut().find(|(field, _)| *field == name) {
            Some((_, slot)) => *slot = value,
            None => self.fields.push((name, value)),
        }
    }

    pub(crate) fn remove(&mut self, name: &str) {
        self.fields.retain(|(field, _)| *field != name);
    }

    pub(crate) fn compact(&self) -> String {
        if let Some(text) = &self.replacement {
            return text.clone();
        }
        let fields: Vec<String> = self
            .fields
            .iter()
            .map(|(name, value)| format!("\"{name}\":{}", value.json()))
            .collect();
        format!("{{{}}}", fields.join(","))
    }

    pub(crate) fn pretty(&self) -> String {
        if let Some(text) = &self.replacement {
            return format!("  {text}");
        }
        let fields: Vec<String> = self
            .fields
            .iter()
            .map(|(name, value)| format!("    \"{name}\": {}", value.json()))
            .collect();
        format!("  {{\n{}\n  }}", fields.join(",\n"))
    }
}

impl Value {
    fn json(&self) -> String {
        match self {
            Value::Str(text) => json_string(text),
            Value::Null => "null".to_owned(),
            Value::Raw(text) => text.clone(),
        }
    }
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Zip codes of a metro area; earlier ones are drawn more often, as real listings cluster.
const ZIPCODES: [&str; 40] = [
    "94521", "94598", "94520", "94513", "94531", "94565", "94509", "94518", "94519", "94523",
    "94526", "94549", "94553", "94556", "94561", "94582", "94583", "94595", "94596", "94597",
    "94506", "94507", "94514", "94517", "94528", "94547", "94564", "94569", "94572", "94801",
    "94803", "94805", "94806", "94530", "94563", "94575", "94588", "94566", "94550", "94551",
];

pub(crate) struct EventMaker {
    key_salt: u64,
    next_key: u64,
    first_day: Date,
}

impl EventMaker {
    pub(crate) fn new(key_salt: u64) -> EventMaker {
        let first_day = Date::from_calendar_date(2024, Month::March, 2).unwrap_or(Date::MIN);
        EventMaker {
            key_salt,
            next_key: 0,
            first_day,
        }
    }

    /// One open house: usually one version, for about 15% of keys two to four, of which many
    /// are exact re-sends.
    pub(crate) fn versions_of_a_new_open_house(&mut self, rng: &mut Rng) -> Vec<Event> {
        let key = format!("{:016x}", mix(self.key_salt ^ self.next_key));
        self.next_key += 1;
        let mut open_house = self.open_house(key, rng);
        let versions = if rng.f64() < 0.15 {
            rng.usize(2..=4)
        } else {
            1
        };
        let mut events = vec![open_house.event()];
        for _ in 1..versions {
            if rng.bool() {
                open_house.update(rng);
            }
            events.push(open_house.event());
        }
        events
    }

    fn open_house(&self, key: String, rng: &mut Rng) -> OpenHouseSpec {
        let week = rng.i64(0..26);
        let weekday = match rng.u8(0..20) {
            0..=7 => 5,  // Saturday
            8..=14 => 6, // Sunday
            other => i64::from(other - 15),
        };
        // `first_day` is a Saturday; weekdays count from its Monday.
        let date = self.first_day + Duration::days(week * 7 + weekday - 5);
        let evening = rng.f64() < 0.12;
        let start_minutes = if evening {
            rng.i64(17..=18) * 60
        } else {
            rng.i64(10..=15) * 60 + 30 * rng.i64(0..2)
        };
        let zipcode =
            ZIPCODES[(rng.f64().powi(2) * ZIPCODES.len() as f64) as usize % ZIPCODES.len()];
        let zipcode = if rng.f64() < 0.01 {
            format!("{zipcode}-{:04}", rng.u32(0..10_000))
        } else {
            zipcode.to_owned()
        };
        let modified_days_before = rng.i64(1..=21);
        OpenHouseSpec {
            key,
            listing_key: format!("{}", 40_000_000 + rng.u32(0..9_000_000)),
            method: match rng.u8(0..100) {
                0..=89 => Some("In-Person"),
                90..=96 => Some("Virtual"),
                _ => None,
            },
            date,
            start_minutes,
            duration_minutes: 60 * rng.i64(1..=3),
            zipcode,
            modified_micros: local_micros(
                date - Duration::days(modified_days_before),
                rng.i64(6 * 60..22 * 60),
            ) + rng.i64(0..60_000_000),
            fraction_digits: if rng.f64() < 0.3 { 3 } else { 0 },
            plus_zero_zone: rng.f64() < 0.1,
        }
    }
}

struct OpenHouseSpec {
    key: String,
    listing_key: String,
    method: Option<&'static str>,
    /// Local (California) date and start time.
    date: Date,
    start_minutes: i64,
    duration_minutes: i64,
    zipcode: String,
    /// UTC microseconds since the epoch.
    modified_micros: i64,
    fraction_digits: usize,
    plus_zero_zone: bool,
}

impl OpenHouseSpec {
    /// An agent's edit: a later modification, and perhaps a new time or method.
    fn update(&mut self, rng: &mut Rng) {
        self.modified_micros += rng.i64(60_000_000..3 * 86_400_000_000);
        if rng.bool() {
            self.start_minutes = (self.start_minutes + 30 * rng.i64(-2..=2)).clamp(9 * 60, 18 * 60);
        }
        if rng.f64() < 0.2 {
            self.method = Some(if self.method == Some("Virtual") {
                "In-Person"
            } else {
                "Virtual"
            });
        }
    }

    fn event(&self) -> Event {
        let start = local_micros(self.date, self.start_minutes);
        let end = start + self.duration_minutes * 60_000_000;
        let text = |micros: i64| utc_text(micros, 0, false);
        let fields = vec![
            (
                "OpenHouseMethod",
                self.method
                    .map_or(Value::Null, |method| Value::Str(method.to_owned())),
            ),
            ("OpenHouseEndTime", Value::Str(text(end))),
            ("ListingKey", Value::Str(self.listing_key.clone())),
            ("OpenHouseKey", Value::Str(self.key.clone())),
            ("OpenHouseStartTime", Value::Str(text(start))),
            ("OpenHouseDate", Value::Str(self.date.to_string())),
            ("State", Value::Str("CA".to_owned())),
            ("Zipcode", Value::Str(self.zipcode.clone())),
            (
                "DateModified",
                Value::Str(utc_text(
                    self.modified_micros,
                    self.fraction_digits,
                    self.plus_zero_zone,
                )),
            ),
        ];
        Event {
            fields,
            replacement: None,
            modified_order: self.modified_micros.max(0) as u64,
        }
    }
}

/// One bare `"20:00"` time per few hundred records and exactly one null key, as in the sample.
pub(crate) fn quirk_of_the_real_sample(records: &mut [Event], rng: &mut Rng) {
    if records.is_empty() {
        return;
    }
    let bare_times = (records.len() / 300).max(1);
    for _ in 0..bare_times {
        let index = rng.usize(..records.len());
        let field = if rng.bool() {
            "OpenHouseStartTime"
        } else {
            "OpenHouseEndTime"
        };
        records[index].set(field, Value::Str("20:00".to_owned()));
    }
    let index = rng.usize(..records.len());
    records[index].set("OpenHouseKey", Value::Null);
}

/// UTC microseconds of a California local time: PDT (UTC-7) from the second Sunday of March
/// to the first Sunday of November, PST (UTC-8) otherwise.
fn local_micros(date: Date, minutes: i64) -> i64 {
    let days = i64::from(date.to_julian_day()) - 2_440_588;
    let year = date.year();
    let nth_sunday = |month: Month, nth: u8| {
        Date::from_calendar_date(year, month, 1)
            .map(|first| first.nth_next_occurrence(Weekday::Sunday, nth))
            .unwrap_or(Date::MIN)
    };
    let daylight_saving =
        date >= nth_sunday(Month::March, 2) && date < nth_sunday(Month::November, 1);
    let offset_hours = if daylight_saving { 7 } else { 8 };
    (days * 86_400 + minutes * 60 + offset_hours * 3600) * 1_000_000
}

pub(crate) fn utc_text(micros: i64, fraction_digits: usize, plus_zero_zone: bool) -> String {
    let seconds = micros.div_euclid(1_000_000);
    let date =
        Date::from_julian_day((seconds.div_euclid(86_400) + 2_440_588) as i32).unwrap_or(Date::MIN);
    let second_of_day = seconds.rem_euclid(86_400);
    let fraction = match fraction_digits {
        0 => String::new(),
        digits => format!(".{:06}", micros.rem_euclid(1_000_000))[..=digits].to_owned(),
    };
    format!(
        "{date}T{:02}:{:02}:{:02}{fraction}{}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
        if plus_zero_zone { "+00:00" } else { "Z" }
    )
}

/// splitmix64's finaliser: a bijection, so distinct counters give distinct keys.
fn mix(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}
