//! Keeps the latest version of each open house.
//!
//! [`LatestByKey`] holds, per `OpenHouseKey` (exact string match), the record with the
//! greatest `DateModified` instant; on equal instants the record later in the input wins.
//! Because that order is total over (instant, position), the result does not depend on the
//! order records arrive in, so per-thread tables can be filled independently and merged.
//!
//! ```
//! use openhouse_dedup::LatestByKey;
//! use openhouse_model::{Date, OpenHouse, Position, UtcTimestamp};
//!
//! let version = |modified: &str, byte: u64| OpenHouse {
//!     key: "OH-1".into(),
//!     listing_key: None,
//!     method: None,
//!     date: Date::from_calendar_date(2024, time::Month::May, 4).unwrap(),
//!     start: UtcTimestamp::parse("2024-05-04T17:00:00Z").unwrap(),
//!     end: UtcTimestamp::parse("2024-05-04T19:00:00Z").unwrap(),
//!     modified: UtcTimestamp::parse(modified).unwrap(),
//!     state: None,
//!     zipcode: None,
//!     position: Position { byte, ..Position::default() },
//! };
//! let mut latest = LatestByKey::default();
//! latest.offer(version("2024-05-02T00:00:00Z", 300));
//! latest.offer(version("2024-05-03T00:00:00.5Z", 0));
//! latest.offer(version("2024-05-03T00:00:00.500+00:00", 100));
//! let kept = latest.into_sorted_vec();
//! assert_eq!(kept.len(), 1);
//! assert_eq!(kept[0].position.byte, 100);
//! ```

use std::borrow::Borrow;
use std::collections::HashSet;
use std::convert::Infallible;
use std::hash::{Hash, Hasher};

use openhouse_model::{OpenHouse, Rejection, Sink};

/// The latest version of every open house seen so far.
#[derive(Debug, Default, Clone)]
pub struct LatestByKey {
    latest: HashSet<ByKey>,
}

impl LatestByKey {
    /// Keeps `candidate` if it is the first version of its key or supersedes the one kept.
    pub fn offer(&mut self, candidate: OpenHouse) {
        match self.latest.get(&*candidate.key) {
            Some(ByKey(kept)) if !candidate.supersedes(kept) => {}
            _ => {
                self.latest.replace(ByKey(candidate));
            }
        }
    }

    /// Absorbs another table; the same as offering each of its records.
    pub fn merge(&mut self, other: LatestByKey) {
        let (mut into, from) = if self.latest.len() >= other.latest.len() {
            (std::mem::take(&mut self.latest), other.latest)
        } else {
            (other.latest, std::mem::take(&mut self.latest))
        };
        into.reserve(from.len());
        let mut merged = LatestByKey { latest: into };
        for ByKey(candidate) in from {
            merged.offer(candidate);
        }
        *self = merged;
    }

    /// The number of distinct open houses.
    pub fn len(&self) -> usize {
        self.latest.len()
    }

    pub fn is_empty(&self) -> bool {
        self.latest.is_empty()
    }

    /// The kept version of `key`.
    pub fn get(&self, key: &str) -> Option<&OpenHouse> {
        self.latest.get(key).map(|ByKey(kept)| kept)
    }

    /// The kept records in the table's order: by `OpenHouseDate`, then `OpenHouseKey`.
    pub fn into_sorted_vec(self) -> Vec<OpenHouse> {
        let mut open_houses: Vec<OpenHouse> =
            self.latest.into_iter().map(|ByKey(kept)| kept).collect();
        open_houses.sort_unstable_by(|a, b| (a.date, &a.key).cmp(&(b.date, &b.key)));
        open_houses
    }
}

impl Extend<OpenHouse> for LatestByKey {
    fn extend<I: IntoIterator<Item = OpenHouse>>(&mut self, records: I) {
        for record in records {
            self.offer(record);
        }
    }
}

impl FromIterator<OpenHouse> for LatestByKey {
    fn from_iter<I: IntoIterator<Item = OpenHouse>>(records: I) -> Self {
        let mut latest = LatestByKey::default();
        latest.extend(records);
        latest
    }
}

/// As a sink, the table takes valid records and ignores rejections; compose it with a
/// rejects log where those matter.
impl Sink for LatestByKey {
    type Error = Infallible;

    fn open_house(&mut self, open_house: OpenHouse) -> Result<(), Infallible> {
        self.offer(open_house);
        Ok(())
    }

    fn rejection(&mut self, _: Rejection) -> Result<(), Infallible> {
        Ok(())
    }

    fn merge(&mut self, other: Self) -> Result<(), Infallible> {
        LatestByKey::merge(self, other);
        Ok(())
    }
}

/// A record hashed and compared by its key alone, so the set is a map from key to record
/// without storing the key twice.
#[derive(Debug, Clone)]
struct ByKey(OpenHouse);

impl PartialEq for ByKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.key == other.0.key
    }
}

impl Eq for ByKey {}

impl Hash for ByKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Must hash exactly as `str` does, for `Borrow<str>` lookups.
        self.0.key.as_ref().hash(state);
    }
}

impl Borrow<str> for ByKey {
    fn borrow(&self) -> &str {
        &self.0.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openhouse_model::{Date, Position, UtcTimestamp};
    use proptest::prelude::*;

    fn record(key: &str, modified_seconds: i64, modified_nanos: u32, byte: u64) -> OpenHouse {
        let instant = UtcTimestamp::from_unix(modified_seconds, modified_nanos).unwrap();
        OpenHouse {
            key: key.into(),
            listing_key: Some(format!("listing at {byte}").into()),
            method: None,
            date: Date::from_julian_day(2_460_000 + (byte % 5) as i32).unwrap(),
            start: instant,
            end: instant,
            modified: instant,
            state: None,
            zipcode: None,
            position: Position {
                byte,
                line: byte + 1,
                record: byte,
            },
        }
    }

    fn kept_bytes(latest: &LatestByKey) -> Vec<(String, u64)> {
        let mut kept: Vec<_> = latest
            .latest
            .iter()
            .map(|ByKey(r)| (r.key.to_string(), r.position.byte))
            .collect();
        kept.sort();
        kept
    }

    #[test]
    fn later_date_modified_wins_whatever_the_input_order() {
        let latest: LatestByKey = [record("A", 200, 0, 0), record("A", 100, 0, 1)]
            .into_iter()
            .collect();
        assert_eq!(kept_bytes(&latest), [("A".to_string(), 0)]);
    }

    #[test]
    fn later_record_wins_on_equal_instants() {
        let latest: LatestByKey = [record("A", 100, 5, 7), record("A", 100, 5, 3)]
            .into_iter()
            .collect();
        assert_eq!(kept_bytes(&latest), [("A".to_string(), 7)]);
    }

    #[test]
    fn keys_match_exactly() {
        let latest: LatestByKey = [
            record("A", 1, 0, 0),
            record("a", 1, 0, 1),
            record("A ", 1, 0, 2),
        ]
        .into_iter()
        .collect();
        assert_eq!(latest.len(), 3);
    }

    #[test]
    fn sorted_output_is_by_date_then_key() {
        let latest: LatestByKey = [
            record("B", 1, 0, 0),
            record("A", 1, 0, 0),
            record("C", 1, 0, 4),
        ]
        .into_iter()
        .collect();
        let order: Vec<_> = latest
            .into_sorted_vec()
            .iter()
            .map(|r| (r.date, r.key.to_string()))
            .collect();
        let mut expected = order.clone();
        expected.sort();
        assert_eq!(order, expected);
    }

    fn records() -> impl Strategy<Value = Vec<OpenHouse>> {
        // Few keys and few instants, so versions and ties are common.
        prop::collection::vec((0..6u8, 0..4i64, 0..3u32), 0..60).prop_map(|specs| {
            specs
                .into_iter()
                .enumerate()
                .map(|(byte, (key, seconds, nanos))| {
                    record(&format!("K{key}"), seconds, nanos, byte as u64)
                })
                .collect()
        })
    }

    /// The simple definition: for each key, the maximum by (instant, position).
    fn simple_latest(records: &[OpenHouse]) -> Vec<(String, u64)> {
        let mut by_key = std::collections::BTreeMap::<String, &OpenHouse>::new();
        for record in records {
            let entry = by_key.entry(record.key.to_string()).or_insert(record);
            if (record.modified, record.position) > (entry.modified, entry.position) {
                *entry = record;
            }
        }
        by_key
            .into_iter()
            .map(|(key, r)| (key, r.position.byte))
            .collect()
    }

    proptest! {
        #[test]
        fn result_does_not_depend_on_arrival_order(
            (records, shuffled) in records().prop_flat_map(|records| (Just(records.clone()), Just(records).prop_shuffle()))
        ) {
            let expected = simple_latest(&records);
            let latest: LatestByKey = shuffled.into_iter().collect();
            prop_assert_eq!(kept_bytes(&latest), expected);
        }

        #[test]
        fn merging_split_tables_equals_one_table(records in records(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..4)) {
            let expected = simple_latest(&records);
            let mut bounds: Vec<usize> = cuts.iter().map(|cut| cut.index(records.len() + 1)).collect();
            bounds.extend([0, records.len()]);
            bounds.sort();
            let mut merged = LatestByKey::default();
            for window in bounds.windows(2).rev() {
                merged.merge(records[window[0]..window[1]].iter().cloned().collect());
            }
            prop_assert_eq!(kept_bytes(&merged), expected);
        }
    }
}
