//! Plausible open-house events and their versions.
//!
//! A version is held as a small `Copy` value and rendered to text only when it is written, so
//! a feed of ten million events needs well under a gigabyte while it is put in order.

use fastrand::Rng;
use time::{Date, Duration, Month, Weekday};

use crate::render::{Event, Value};

/// Zip codes of a metro area; earlier ones are drawn more often, as real listings cluster.
const ZIPCODES: [&str; 40] = [
    "94521", "94598", "94520", "94513", "94531", "94565", "94509", "94518", "94519", "94523",
    "94526", "94549", "94553", "94556", "94561", "94582", "94583", "94595", "94596", "94597",
    "94506", "94507", "94514", "94517", "94528", "94547", "94564", "94569", "94572", "94801",
    "94803", "94805", "94806", "94530", "94563", "94575", "94588", "94566", "94550", "94551",
];

/// Marks for the real sample's quirks, set on a version after the feed is put in order.
pub(crate) const BARE_START_TIME: u8 = 1;
pub(crate) const BARE_END_TIME: u8 = 2;
pub(crate) const NULL_KEY: u8 = 4;

/// The text of a bare time, as the real sample has it.
pub(crate) const BARE_TIME: &str = "20:00";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    InPerson,
    Virtual,
    Unknown,
}

/// The listing an open house belongs to: its key and its address.
#[derive(Debug, Clone, Copy)]
struct Listing {
    id: u64,
    zipcode: u8,
    /// The ZIP+4 suffix, if the listing's address has one.
    plus_four: Option<u16>,
}

/// One version of an open house as the provider sends it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Version {
    key: u64,
    listing: Listing,
    method: Method,
    /// Local (California) date and start time.
    date: Date,
    start_minutes: i16,
    duration_minutes: i16,
    /// UTC microseconds since the epoch.
    modified_micros: i64,
    plus_zero_zone: bool,
    /// The real sample's quirks: [`BARE_START_TIME`], [`BARE_END_TIME`], [`NULL_KEY`].
    pub quirks: u8,
}

impl Version {
    /// Sorts versions by modification time.
    pub(crate) fn modified_order(&self) -> u64 {
        self.modified_micros.max(0) as u64
    }

    /// An agent's edit: a later modification, and perhaps a new time or method.
    fn update(&mut self, rng: &mut Rng) {
        self.modified_micros += rng.i64(60_000_000..3 * 86_400_000_000);
        if rng.bool() {
            let start = i64::from(self.start_minutes) + 30 * rng.i64(-2..=2);
            self.start_minutes = start.clamp(9 * 60, 18 * 60) as i16;
        }
        if rng.f64() < 0.2 {
            self.method = if self.method == Method::Virtual {
                Method::InPerson
            } else {
                Method::Virtual
            };
        }
    }

    /// The record as the provider writes it, fields in the real sample's order.
    pub(crate) fn event(&self, keys: &KeyText) -> Event {
        let start = local_micros(self.date, i64::from(self.start_minutes));
        let end = start + i64::from(self.duration_minutes) * 60_000_000;
        let time = |micros: i64, bare: u8| {
            if self.quirks & bare != 0 {
                BARE_TIME.to_owned()
            } else {
                utc_text(micros, false)
            }
        };
        let zipcode = ZIPCODES[usize::from(self.listing.zipcode)];
        let fields = vec![
            (
                "OpenHouseMethod",
                match self.method {
                    Method::InPerson => Value::Str("In-Person".to_owned()),
                    Method::Virtual => Value::Str("Virtual".to_owned()),
                    Method::Unknown => Value::Null,
                },
            ),
            ("OpenHouseEndTime", Value::Str(time(end, BARE_END_TIME))),
            ("ListingKey", Value::Str(keys.listing(self.listing.id))),
            (
                "OpenHouseKey",
                if self.quirks & NULL_KEY != 0 {
                    Value::Null
                } else {
                    Value::Str(keys.open_house(self.key))
                },
            ),
            (
                "OpenHouseStartTime",
                Value::Str(time(start, BARE_START_TIME)),
            ),
            ("OpenHouseDate", Value::Str(self.date.to_string())),
            ("State", Value::Str("CA".to_owned())),
            (
                "Zipcode",
                Value::Str(match self.listing.plus_four {
                    Some(suffix) => format!("{zipcode}-{suffix:04}"),
                    None => zipcode.to_owned(),
                }),
            ),
            (
                "DateModified",
                Value::Str(utc_text(self.modified_micros, self.plus_zero_zone)),
            ),
        ];
        Event {
            fields,
            replacement: None,
        }
    }
}

/// Turns key and listing numbers into the 32-hex-digit text the real feed uses.
pub(crate) struct KeyText {
    salt: u64,
}

impl KeyText {
    /// An `OpenHouseKey`: the first half is a bijection of the number, so distinct open houses
    /// never share a key.
    pub(crate) fn open_house(&self, key: u64) -> String {
        hex32(mix(self.salt ^ key))
    }

    /// A `ListingKey`, from another stream than the open-house keys.
    pub(crate) fn listing(&self, listing: u64) -> String {
        hex32(mix(!self.salt ^ listing))
    }
}

fn hex32(first: u64) -> String {
    format!("{first:016x}{:016x}", mix(first))
}

pub(crate) struct EventMaker {
    keys: u64,
    listings: u64,
    current_listing: Option<Listing>,
    first_day: Date,
}

impl EventMaker {
    pub(crate) fn new() -> EventMaker {
        let first_day = Date::from_calendar_date(2024, Month::March, 2).unwrap_or(Date::MIN);
        EventMaker {
            keys: 0,
            listings: 0,
            current_listing: None,
            first_day,
        }
    }

    /// One open house: usually one version, for about 15% of keys two to four, of which many
    /// are exact re-sends.
    pub(crate) fn versions_of_a_new_open_house(&mut self, rng: &mut Rng, out: &mut Vec<Version>) {
        let mut version = self.open_house(rng);
        let versions = if rng.f64() < 0.15 {
            rng.usize(2..=4)
        } else {
            1
        };
        out.push(version);
        for _ in 1..versions {
            if rng.bool() {
                version.update(rng);
            }
            out.push(version);
        }
    }

    /// A listing holds one open house or, a third of the time, also the next one drawn.
    fn listing(&mut self, rng: &mut Rng) -> Listing {
        if let Some(listing) = self.current_listing.take()
            && rng.f64() < 0.35
        {
            return listing;
        }
        let zipcode = (rng.f64().powi(2) * ZIPCODES.len() as f64) as usize % ZIPCODES.len();
        let listing = Listing {
            id: self.listings,
            zipcode: zipcode as u8,
            plus_four: (rng.f64() < 0.01).then(|| rng.u16(0..10_000)),
        };
        self.listings += 1;
        self.current_listing = Some(listing);
        listing
    }

    fn open_house(&mut self, rng: &mut Rng) -> Version {
        let key = self.keys;
        self.keys += 1;
        let listing = self.listing(rng);
        let week = rng.i64(0..26);
        let weekday = match rng.u8(0..20) {
            0..=7 => 5,  // Saturday
            8..=14 => 6, // Sunday
            other => i64::from(other - 15),
        };
        // `first_day` is a Saturday; weekdays count from its Monday.
        let date = self.first_day + Duration::days(week * 7 + weekday - 5);
        // Evening open houses start after 17:00 local, which is the next day in UTC.
        let evening = rng.f64() < 0.12;
        let start_minutes = if evening {
            rng.i64(17..=18) * 60
        } else {
            rng.i64(10..=15) * 60 + 30 * rng.i64(0..2)
        };
        let modified_days_before = rng.i64(1..=21);
        Version {
            key,
            listing,
            method: match rng.u8(0..100) {
                0..=89 => Method::InPerson,
                90..=96 => Method::Virtual,
                _ => Method::Unknown,
            },
            date,
            start_minutes: start_minutes as i16,
            duration_minutes: 60 * rng.i16(1..=3),
            modified_micros: local_micros(
                date - Duration::days(modified_days_before),
                rng.i64(6 * 60..22 * 60),
            ) + rng.i64(0..60_000_000),
            plus_zero_zone: rng.f64() < 0.1,
            quirks: 0,
        }
    }

    /// How keys are spelled in this feed.
    pub(crate) fn key_text(rng: &mut Rng) -> KeyText {
        KeyText { salt: rng.u64(..) }
    }
}

/// About one bare `"20:00"` time per 300 records and one null key per 10,000 (at least one of
/// each), as in the real sample; spread over the feed, never twice on one record.
pub(crate) fn mark_the_real_samples_quirks(versions: &mut [Version], rng: &mut Rng) {
    for (count, quirk) in [
        (versions.len() / 300, None),
        (versions.len() / 10_000, Some(NULL_KEY)),
    ] {
        for index in spread(versions.len(), count.max(1), rng) {
            versions[index].quirks |= quirk.unwrap_or(if rng.bool() {
                BARE_START_TIME
            } else {
                BARE_END_TIME
            });
        }
    }
}

/// `count` distinct indices below `len`, one in each of `count` equal stretches.
fn spread(len: usize, count: usize, rng: &mut Rng) -> Vec<usize> {
    if len == 0 {
        return Vec::new();
    }
    let count = count.min(len);
    (0..count)
        .map(|stretch| {
            let (start, end) = (stretch * len / count, (stretch + 1) * len / count);
            rng.usize(start..end)
        })
        .collect()
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

/// `2024-05-04T17:00:00.123Z`: milliseconds always, as the real feed writes them.
fn utc_text(micros: i64, plus_zero_zone: bool) -> String {
    let seconds = micros.div_euclid(1_000_000);
    let date =
        Date::from_julian_day((seconds.div_euclid(86_400) + 2_440_588) as i32).unwrap_or(Date::MIN);
    let second_of_day = seconds.rem_euclid(86_400);
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}{}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60,
        micros.rem_euclid(1_000_000) / 1_000,
        if plus_zero_zone { "+00:00" } else { "Z" }
    )
}

/// splitmix64's finaliser: a bijection, so distinct counters give distinct keys.
fn mix(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}
