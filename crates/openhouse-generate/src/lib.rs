//! A seeded synthetic open-house feed with the quirks of real MLS feeds, for fixtures,
//! tests and benchmarks. The same seed and settings always give the same bytes.
//!
//! Quirks reproduced from a real sample of the feed: about 15% of keys have several
//! versions, many of them exact re-sends with the same `DateModified`; a few start or end
//! times are a bare `"20:00"`; one `OpenHouseKey` is null; about 1% of zipcodes are ZIP+4;
//! evening open houses whose `OpenHouseDate` (local, California) is the day before the UTC
//! date of `OpenHouseStartTime`. [`Generator::adversarial`] adds every other way a record
//! can break the rules, for tests.
//!
//! ```
//! use openhouse_generate::{Generator, Layout};
//!
//! let feed = Generator::new(7).events(50).layout(Layout::Ndjson).to_bytes();
//! assert_eq!(feed.split(|&b| b == b'\n').filter(|line| !line.is_empty()).count(), 50);
//! assert_eq!(feed, Generator::new(7).events(50).layout(Layout::Ndjson).to_bytes());
//! ```

mod corrupt;
mod event;

use std::io::{self, Write};

use fastrand::Rng;

use event::{Event, EventMaker};

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
}

impl Generator {
    /// 1,000 events, pretty array, only the real feed's quirks.
    pub fn new(seed: u64) -> Generator {
        Generator {
            seed,
            events: 1_000,
            layout: Layout::PrettyArray,
            adversarial: 0.0,
        }
    }

    /// How many records the feed has (array elements or non-blank NDJSON lines).
    pub fn events(mut self, events: usize) -> Generator {
        self.events = events;
        self
    }

    pub fn layout(mut self, layout: Layout) -> Generator {
        self.layout = layout;
        self
    }

    /// The share of records (0 to 1) given one of the adversarial quirks: other zones, no zone,
    /// impossible dates, wrong JSON types, missing, empty or repeated fields, records that are
    /// not objects and, in NDJSON, lines that are not JSON and blank lines.
    pub fn adversarial(mut self, share: f64) -> Generator {
        self.adversarial = share.clamp(0.0, 1.0);
        self
    }

    /// Writes the feed.
    pub fn write_to(&self, mut out: impl Write) -> io::Result<()> {
        let mut rng = Rng::with_seed(self.seed);
        let records = self.records(&mut rng);
        match self.layout {
            Layout::Ndjson => {
                for record in &records {
                    if self.adversarial > 0.0 && rng.f64() < self.adversarial / 4.0 {
                        out.write_all(if rng.bool() { b"\n" } else { b"   \r\n" })?;
                    }
                    out.write_all(record.compact().as_bytes())?;
                    out.write_all(b"\n")?;
                }
            }
            Layout::PrettyArray => {
                out.write_all(b"[")?;
                for (index, record) in records.iter().enumerate() {
                    out.write_all(if index == 0 { b"\n" } else { b",\n" })?;
                    out.write_all(record.pretty().as_bytes())?;
                }
                out.write_all(b"\n]\n")?;
            }
        }
        Ok(())
    }

    /// The feed as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.events * 420);
        // Writing to a Vec cannot fail.
        let _ = self.write_to(&mut bytes);
        bytes
    }

    fn records(&self, rng: &mut Rng) -> Vec<Event> {
        let mut maker = EventMaker::new(rng.u64(..));
        let mut records = Vec::with_capacity(self.events);
        while records.len() < self.events {
            records.extend(maker.versions_of_a_new_open_house(rng));
        }
        records.truncate(self.events);
        // Most records come in modification order, as providers send them; the rest are
        // moved earlier, so some updates arrive before the versions they replace.
        let mut keyed: Vec<(u64, Event)> = records
            .into_iter()
            .map(|event| {
                let order = if rng.f64() < 0.8 {
                    event.modified_order
                } else {
                    rng.u64(..=event.modified_order)
                };
                (order, event)
            })
            .collect();
        keyed.sort_by_key(|(order, _)| *order);
        let mut records: Vec<Event> = keyed.into_iter().map(|(_, event)| event).collect();
        event::quirk_of_the_real_sample(&mut records, rng);
        if self.adversarial > 0.0 {
            for record in &mut records {
                if rng.f64() < self.adversarial {
                    corrupt::corrupt(record, rng, self.layout);
                }
            }
        }
        records
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(generator: Generator) -> String {
        String::from_utf8(generator.to_bytes()).unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_feed_and_another_seed_another() {
        assert_eq!(text(Generator::new(1)), text(Generator::new(1)));
        assert_ne!(text(Generator::new(1)), text(Generator::new(2)));
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
    fn the_real_samples_quirks_are_there() {
        let feed = text(Generator::new(4).events(3000).layout(Layout::Ndjson));
        let lines: Vec<&str> = feed.lines().collect();
        assert_eq!(lines.len(), 3000);
        assert_eq!(feed.matches("\"OpenHouseKey\":null").count(), 1);
        assert!(feed.matches("\"20:00\"").count() >= 5);

        let zip_plus_four = lines
            .iter()
            .filter(|line| field(line, "Zipcode").is_some_and(|zip| zip.len() == 10))
            .count();
        assert!((10..=60).contains(&zip_plus_four), "{zip_plus_four}");

        let mut keys: Vec<&str> = lines
            .iter()
            .filter_map(|line| field(line, "OpenHouseKey"))
            .collect();
        let records = keys.len();
        keys.sort_unstable();
        keys.dedup();
        let repeated_share = (records - keys.len()) as f64 / keys.len() as f64;
        assert!((0.1..0.4).contains(&repeated_share), "{repeated_share}");

        let mut sorted = lines.clone();
        sorted.sort_unstable();
        let exact_resends = sorted.windows(2).filter(|pair| pair[0] == pair[1]).count();
        assert!(exact_resends > 50, "{exact_resends}");

        // Evening open houses: the UTC start falls on the day after the local date.
        let evening = |line: &&&str| match (
            field(line, "OpenHouseStartTime"),
            field(line, "OpenHouseDate"),
        ) {
            (Some(start), Some(date)) => start.len() > 10 && &start[..10] > date,
            _ => false,
        };
        assert!(lines.iter().filter(evening).count() > 100);
    }

    fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
        let rest = line.split(&format!("\"{name}\":\"")).nth(1)?;
        rest.split('"').next()
    }

    #[test]
    fn adversarial_feeds_keep_the_record_count() {
        let feed = text(
            Generator::new(5)
                .events(400)
                .layout(Layout::Ndjson)
                .adversarial(0.5),
        );
        let non_blank = feed.lines().filter(|line| !line.trim().is_empty()).count();
        assert_eq!(non_blank, 400);
        assert!(
            feed.lines().any(|line| line.trim().is_empty()),
            "blank lines are part of the quirks"
        );
    }
}
