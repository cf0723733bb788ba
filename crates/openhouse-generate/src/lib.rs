//! A seeded synthetic open-house feed shaped like real MLS feeds, for fixtures, tests and
//! benchmarks. The same seed and settings always give the same bytes.
//!
//! By default the feed has the real feed's shape and quirks: 32-hex-digit lowercase
//! `OpenHouseKey` and `ListingKey` (a listing often holds two open houses), timestamps with
//! millisecond fractions (`2024-04-13T21:30:00.000Z`, a tenth of `DateModified` with
//! `+00:00`), about 15% of keys with several versions, many of them exact re-sends with the
//! same `DateModified`; about one bare `"20:00"` start or end time per 300 records and one
//! null `OpenHouseKey` per 10,000 (at least one of each); about 1% of zip codes as ZIP+4;
//! evening open houses whose `OpenHouseDate` (local, California) is the day before the UTC
//! date of `OpenHouseStartTime`.
//!
//! Two settings add records that break the rules: [`Generator::invalid`] only in ways that
//! stay well-formed JSON with string or null fields, which every JSON reader loads (for
//! benchmarks against other engines); [`Generator::adversarial`] in every way there is,
//! malformed NDJSON lines and blank lines included (for tests).
//!
//! ```
//! use openhouse_generate::{Generator, Layout};
//!
//! let feed = Generator::new(7).events(50).invalid(0.1).layout(Layout::Ndjson).to_bytes();
//! assert_eq!(feed.split(|&b| b == b'\n').filter(|line| !line.is_empty()).count(), 50);
//! assert_eq!(feed, Generator::new(7).events(50).invalid(0.1).layout(Layout::Ndjson).to_bytes());
//! ```

#![warn(missing_docs)]

mod adversarial;
mod event;
mod invalid;
mod render;

use std::io::{self, Write};

use fastrand::Rng;

use event::{EventMaker, KeyText, Version};

/// How the feed is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One pretty-printed JSON array, as providers deliver it.
    PrettyArray,
    /// One JSON object per line.
    Ndjson,
}

/// Settings of a synthetic feed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Generator {
    seed: u64,
    events: usize,
    layout: Layout,
    adversarial: f64,
    invalid: f64,
}

impl Generator {
    /// 1,000 events, pretty array, only the real feed's quirks.
    pub fn new(seed: u64) -> Generator {
        Generator {
            seed,
            events: 1_000,
            layout: Layout::PrettyArray,
            adversarial: 0.0,
            invalid: 0.0,
        }
    }

    /// How many records the feed has (array elements or non-blank NDJSON lines).
    pub fn events(mut self, events: usize) -> Generator {
        self.events = events;
        self
    }

    /// A pretty-printed array or NDJSON; the records are the same either way (with
    /// [`Generator::adversarial`], only NDJSON gets lines that are not JSON and blank lines).
    pub fn layout(mut self, layout: Layout) -> Generator {
        self.layout = layout;
        self
    }

    /// The share of records (0 to 1) given one of the adversarial quirks: other zones, no zone,
    /// impossible dates, wrong JSON types, missing, empty or repeated fields, records that are
    /// not objects and, in NDJSON, lines that are not JSON and blank lines. Some quirks are odd
    /// but valid. A share outside 0 to 1 is taken as the nearest end, NaN as 0.
    pub fn adversarial(mut self, share: f64) -> Generator {
        self.adversarial = clamp_share(share);
        self
    }

    /// The share of records (0 to 1) that break one rule while staying well-formed JSON whose
    /// fields are strings or null: a timestamp in another zone, without zone, with a space for
    /// `T`, a bare time, null or missing; a key null, empty or missing; a date as
    /// `MM/DD/YYYY`. Each is caught by a regular expression on the key, the timestamps or the
    /// date, so a one-query validation in another engine rejects the same records. Drawn for
    /// each record independently of [`Generator::adversarial`]. A share outside 0 to 1 is
    /// taken as the nearest end, NaN as 0.
    pub fn invalid(mut self, share: f64) -> Generator {
        self.invalid = clamp_share(share);
        self
    }

    /// Writes the feed. Memory holds a few dozen bytes per record while the records are put
    /// in order; the text is made record by record.
    pub fn write_to(&self, mut out: impl Write) -> io::Result<()> {
        let mut rng = Rng::with_seed(self.seed);
        let keys = EventMaker::key_text(&mut rng);
        let versions = self.versions(&mut rng);
        let mut text = String::with_capacity(1024);
        if self.layout == Layout::PrettyArray {
            out.write_all(b"[")?;
        }
        for (index, version) in versions.iter().enumerate() {
            text.clear();
            match self.layout {
                Layout::Ndjson => {
                    if self.adversarial > 0.0 && rng.f64() < self.adversarial / 4.0 {
                        text.push_str(if rng.bool() { "\n" } else { "   \r\n" });
                    }
                    self.record(version, &keys, &mut rng)
                        .write_compact(&mut text);
                    text.push('\n');
                }
                Layout::PrettyArray => {
                    text.push_str(if index == 0 { "\n" } else { ",\n" });
                    self.record(version, &keys, &mut rng)
                        .write_pretty(&mut text);
                }
            }
            out.write_all(text.as_bytes())?;
        }
        if self.layout == Layout::PrettyArray {
            out.write_all(b"\n]\n")?;
        }
        Ok(())
    }

    /// The feed as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.events.saturating_mul(480));
        // Writing to a Vec cannot fail.
        let _ = self.write_to(&mut bytes);
        bytes
    }

    /// Every record's version, in the order the feed holds them.
    fn versions(&self, rng: &mut Rng) -> Vec<Version> {
        let mut maker = EventMaker::new();
        let mut versions = Vec::with_capacity(self.events.saturating_add(4));
        while versions.len() < self.events {
            maker.versions_of_a_new_open_house(rng, &mut versions);
        }
        versions.truncate(self.events);
        // Most records come in modification order, as providers send them; the rest are
        // moved earlier, so some updates arrive before the versions they replace.
        let mut ordered: Vec<(u64, Version)> = versions
            .into_iter()
            .map(|version| {
                let modified = version.modified_order();
                let order = if rng.f64() < 0.8 {
                    modified
                } else {
                    rng.u64(..=modified)
                };
                (order, version)
            })
            .collect();
        // A stable sort, so the order of equal instants is fixed by the seed alone.
        ordered.sort_by_key(|(order, _)| *order);
        let mut versions: Vec<Version> = ordered.into_iter().map(|(_, version)| version).collect();
        event::mark_the_real_samples_quirks(&mut versions, rng);
        versions
    }

    /// One version as a record, with the quirks this feed asks for.
    fn record(&self, version: &Version, keys: &KeyText, rng: &mut Rng) -> render::Event {
        let mut record = version.event(keys);
        if self.adversarial > 0.0 && rng.f64() < self.adversarial {
            adversarial::corrupt(&mut record, rng, self.layout);
        }
        if self.invalid > 0.0 && rng.f64() < self.invalid {
            invalid::break_a_rule(&mut record, rng);
        }
        record
    }
}

/// A share between 0 and 1; NaN is none.
fn clamp_share(share: f64) -> f64 {
    if share.is_nan() {
        0.0
    } else {
        share.clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(generator: Generator) -> String {
        String::from_utf8(generator.to_bytes()).unwrap()
    }

    fn ndjson(seed: u64, events: usize) -> Generator {
        Generator::new(seed).events(events).layout(Layout::Ndjson)
    }

    fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
        let rest = line.split(&format!("\"{name}\":\"")).nth(1)?;
        rest.split('"').next()
    }

    #[test]
    fn the_same_seed_gives_the_same_feed_and_another_seed_another() {
        assert_eq!(text(Generator::new(1)), text(Generator::new(1)));
        assert_ne!(text(Generator::new(1)), text(Generator::new(2)));
    }

    #[test]
    fn both_layouts_hold_the_same_records() {
        let array: serde_json::Value = serde_json::from_str(&text(Generator::new(8))).unwrap();
        let lines: Vec<serde_json::Value> = text(ndjson(8, 1000))
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(array, serde_json::Value::Array(lines));
    }

    #[test]
    fn a_pretty_array_has_one_field_a_line() {
        let feed = text(Generator::new(3).events(5));
        assert!(
            feed.starts_with("[\n  {\n    \"OpenHouseMethod\": "),
            "{feed}"
        );
        assert!(feed.ends_with("  }\n]\n"), "{feed}");
        assert_eq!(feed.matches("\"DateModified\"").count(), 5);
    }

    #[test]
    fn keys_and_listing_keys_are_32_lowercase_hex_digits() {
        let feed = text(ndjson(9, 2000));
        let is_key = |key: &str| {
            key.len() == 32
                && key
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        for line in feed.lines() {
            for name in ["OpenHouseKey", "ListingKey"] {
                if let Some(key) = field(line, name) {
                    assert!(is_key(key), "{name} {key:?}");
                }
            }
        }
        let mut listings: Vec<&str> = feed
            .lines()
            .filter_map(|l| field(l, "ListingKey"))
            .collect();
        let mut keys: Vec<&str> = feed
            .lines()
            .filter_map(|l| field(l, "OpenHouseKey"))
            .collect();
        for list in [&mut listings, &mut keys] {
            list.sort_unstable();
            list.dedup();
        }
        assert!(
            listings.len() < keys.len() * 9 / 10,
            "some listings hold more than one open house: {} listings, {} keys",
            listings.len(),
            keys.len()
        );
    }

    #[test]
    fn timestamps_have_millisecond_fractions_in_utc() {
        let feed = text(ndjson(10, 2000));
        let mut modified_with_millis = 0;
        for line in feed.lines() {
            for name in ["OpenHouseStartTime", "OpenHouseEndTime", "DateModified"] {
                let Some(at) = field(line, name).filter(|at| at.len() > 5) else {
                    continue;
                };
                let (fraction, zone) = (&at[19..23], &at[23..]);
                assert!(
                    fraction.starts_with('.') && fraction[1..].bytes().all(|b| b.is_ascii_digit()),
                    "{name} {at}"
                );
                assert!(zone == "Z" || zone == "+00:00", "{name} {at}");
                if name != "DateModified" {
                    assert_eq!(fraction, ".000", "open houses start on the minute");
                } else if fraction != ".000" {
                    modified_with_millis += 1;
                }
            }
        }
        assert!(modified_with_millis > 1900, "{modified_with_millis}");
    }

    #[test]
    fn the_real_samples_quirks_are_there() {
        let feed = text(ndjson(4, 30_000));
        let lines: Vec<&str> = feed.lines().collect();
        assert_eq!(lines.len(), 30_000);
        assert_eq!(feed.matches("\"OpenHouseKey\":null").count(), 3);
        assert_eq!(feed.matches("\"20:00\"").count(), 100);

        let zip_plus_four = lines
            .iter()
            .filter(|line| field(line, "Zipcode").is_some_and(|zip| zip.len() == 10))
            .count();
        assert!((150..=450).contains(&zip_plus_four), "{zip_plus_four}");

        let mut keys: Vec<&str> = lines
            .iter()
            .filter_map(|line| field(line, "OpenHouseKey"))
            .collect();
        let records = keys.len();
        keys.sort_unstable();
        keys.dedup();
        let repeated_share = (records - keys.len()) as f64 / keys.len() as f64;
        assert!((0.2..0.4).contains(&repeated_share), "{repeated_share}");

        let mut sorted = lines.clone();
        sorted.sort_unstable();
        let exact_resends = sorted.windows(2).filter(|pair| pair[0] == pair[1]).count();
        assert!(exact_resends > 1500, "{exact_resends}");

        // Evening open houses: the UTC start falls on the day after the local date.
        let evening = |line: &&&str| match (
            field(line, "OpenHouseStartTime"),
            field(line, "OpenHouseDate"),
        ) {
            (Some(start), Some(date)) => start.len() > 10 && &start[..10] > date,
            _ => false,
        };
        assert!(lines.iter().filter(evening).count() > 3000);
    }

    #[test]
    fn a_small_feed_still_has_one_bare_time_and_one_null_key() {
        let feed = text(ndjson(11, 50));
        assert_eq!(feed.matches("\"OpenHouseKey\":null").count(), 1);
        assert_eq!(feed.matches("\"20:00\"").count(), 1);
        assert_eq!(text(ndjson(11, 0)), "");
    }

    #[test]
    fn invalid_records_change_only_the_drawn_share_and_stay_well_formed() {
        let valid = text(ndjson(6, 4000));
        let with_invalid = text(ndjson(6, 4000).invalid(0.1));
        let changed: Vec<&str> = valid
            .lines()
            .zip(with_invalid.lines())
            .filter(|(before, after)| before != after)
            .map(|(_, after)| after)
            .collect();
        assert_eq!(with_invalid.lines().count(), 4000);
        assert!((300..=500).contains(&changed.len()), "{}", changed.len());
        for line in changed {
            let record: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(line).unwrap();
            assert!(
                record.values().all(|v| v.is_string() || v.is_null()),
                "{line}"
            );
        }
    }

    #[test]
    fn adversarial_feeds_keep_the_record_count() {
        let feed = text(ndjson(5, 400).adversarial(0.5));
        let non_blank = feed.lines().filter(|line| !line.trim().is_empty()).count();
        assert_eq!(non_blank, 400);
        assert!(
            feed.lines().any(|line| line.trim().is_empty()),
            "blank lines are part of the quirks"
        );
    }

    #[test]
    fn shares_outside_zero_to_one_are_taken_as_the_nearest_end() {
        assert_eq!(
            Generator::new(1).invalid(3.0),
            Generator::new(1).invalid(1.0)
        );
        assert_eq!(Generator::new(1).adversarial(-1.0), Generator::new(1));
        assert_eq!(Generator::new(1).invalid(f64::NAN), Generator::new(1));
    }
}

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
