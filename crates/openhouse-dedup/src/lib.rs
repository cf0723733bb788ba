//! Keeps the latest version of each open house.
//!
//! [`LatestByKey`] holds, per `OpenHouseKey` (exact string match), the record with the
//! greatest `DateModified` instant; on equal instants the record later in the input wins.
//! Because that order is total over (instant, position), the result does not depend on the
//! order records arrive in, so per-thread tables can be filled independently and merged.
//!
//! The table is split into partitions by a hash of the key. Offering a record appends it to
//! its partition; a partition is compacted to one record per key whenever it has doubled since
//! its last compaction, so memory stays within about twice the distinct open houses. Merging
//! tables appends partitions, and the final compaction and sort run in parallel.
//!
//! ```
//! use openhouse_dedup::LatestByKey;
//! use openhouse_model::{Date, OpenHouse, OpenHouseFields, Position, UtcTimestamp};
//!
//! let version = |modified: &str, byte: u64| OpenHouse::new(OpenHouseFields {
//!     key: "OH-1",
//!     listing_key: None,
//!     method: None,
//!     date: Date::from_calendar_date(2024, time::Month::May, 4).unwrap(),
//!     start: UtcTimestamp::parse("2024-05-04T17:00:00Z").unwrap(),
//!     end: UtcTimestamp::parse("2024-05-04T19:00:00Z").unwrap(),
//!     modified: UtcTimestamp::parse(modified).unwrap(),
//!     state: None,
//!     zipcode: None,
//!     position: Position { byte, ..Position::default() },
//! });
//! let mut latest = LatestByKey::default();
//! latest.offer(version("2024-05-02T00:00:00Z", 300));
//! latest.offer(version("2024-05-03T00:00:00.5Z", 0));
//! latest.offer(version("2024-05-03T00:00:00.500+00:00", 100));
//! let kept = latest.into_sorted_vec();
//! assert_eq!(kept.len(), 1);
//! assert_eq!(kept[0].position.byte, 100);
//! ```

use std::collections::HashMap;
use std::convert::Infallible;
use std::hash::BuildHasher;

use foldhash::quality::FixedState;
use openhouse_model::{OpenHouse, Rejection, Sink};
use rayon::prelude::*;

/// Enough partitions for every core to compact its share, few enough to stay cheap when
/// empty.
const PARTITIONS: usize = 64;
/// A partition is not compacted before it holds this many records.
const MIN_COMPACTION: usize = 1024;

/// Chooses partitions; a fixed seed, so that every table sends a key to the same partition.
const PARTITION_HASH: FixedState = FixedState::with_seed(0x6f70_656e_686f_7573);
/// Hashes keys within a partition; seeded apart from `PARTITION_HASH`, whose top bits are
/// the same for every key of a partition.
const KEY_HASH: FixedState = FixedState::with_seed(0x6c61_7465_7374_6b65);

/// The latest version of every open house seen so far.
#[derive(Debug, Clone)]
pub struct LatestByKey {
    partitions: Vec<Partition>,
}

#[derive(Debug, Clone, Default)]
struct Partition {
    records: Vec<OpenHouse>,
    /// Records kept by the last compaction.
    compacted: usize,
}

impl Default for LatestByKey {
    fn default() -> Self {
        LatestByKey {
            partitions: vec![Partition::default(); PARTITIONS],
        }
    }
}

impl LatestByKey {
    /// Keeps `candidate` if it is the first version of its key or supersedes the one kept.
    pub fn offer(&mut self, candidate: OpenHouse) {
        let partition = &mut self.partitions[partition_of(candidate.key())];
        partition.records.push(candidate);
        partition.compact_when_grown();
    }

    /// Absorbs another table; the same as offering each of its records.
    pub fn merge(&mut self, other: LatestByKey) {
        for (mine, mut theirs) in self.partitions.iter_mut().zip(other.partitions) {
            if mine.records.len() < theirs.records.len() {
                std::mem::swap(&mut mine.records, &mut theirs.records);
            }
            mine.records.append(&mut theirs.records);
            mine.compact_when_grown();
        }
    }

    /// The number of distinct open houses.
    pub fn len(&self) -> usize {
        self.partitions
            .par_iter()
            .map(Partition::distinct_keys)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.partitions
            .iter()
            .all(|partition| partition.records.is_empty())
    }

    /// The kept records in the table's order: by `OpenHouseDate`, then `OpenHouseKey`.
    pub fn into_sorted_vec(mut self) -> Vec<OpenHouse> {
        self.partitions.par_iter_mut().for_each(Partition::compact);
        let mut open_houses: Vec<OpenHouse> = self
            .partitions
            .into_iter()
            .flat_map(|partition| partition.records)
            .collect();
        open_houses.par_sort_unstable_by(OpenHouse::cmp_table_order);
        open_houses
    }
}

fn partition_of(key: &str) -> usize {
    // The top bits: the low ones are what the per-partition maps index by.
    (PARTITION_HASH.hash_one(key) >> (u64::BITS - PARTITIONS.trailing_zeros())) as usize
}

impl Partition {
    fn compact_when_grown(&mut self) {
        if self.records.len() >= MIN_COMPACTION.max(2 * self.compacted) {
            self.compact();
        }
    }

    /// Keeps one record per key, the latest.
    fn compact(&mut self) {
        let mut latest: HashMap<&str, usize, FixedState> =
            HashMap::with_capacity_and_hasher(self.records.len(), KEY_HASH);
        for (index, record) in self.records.iter().enumerate() {
            latest
                .entry(record.key())
                .and_modify(|kept| {
                    if record.supersedes(&self.records[*kept]) {
                        *kept = index;
                    }
                })
                .or_insert(index);
        }
        let mut keep = vec![false; self.records.len()];
        for index in latest.into_values() {
            keep[index] = true;
        }
        let mut flags = keep.into_iter();
        self.records.retain(|_| flags.next().unwrap_or(false));
        self.compacted = self.records.len();
    }

    fn distinct_keys(&self) -> usize {
        let mut keys =
            std::collections::HashSet::with_capacity_and_hasher(self.records.len(), KEY_HASH);
        self.records
            .iter()
            .filter(|record| keys.insert(record.key()))
            .count()
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

#[cfg(test)]
mod tests {
    use super::*;
    use openhouse_model::{Date, OpenHouseFields, Position, UtcTimestamp};
    use proptest::prelude::*;

    fn record(key: &str, modified_seconds: i64, modified_nanos: u32, byte: u64) -> OpenHouse {
        let instant = UtcTimestamp::from_unix(modified_seconds, modified_nanos).unwrap();
        OpenHouse::new(OpenHouseFields {
            key,
            listing_key: Some(&format!("listing at {byte}")),
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
        })
    }

    fn kept_bytes(latest: &LatestByKey) -> Vec<(String, u64)> {
        let mut kept: Vec<_> = latest
            .clone()
            .into_sorted_vec()
            .iter()
            .map(|r| (r.key().to_string(), r.position.byte))
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
            .map(|r| (r.date, r.key().to_string()))
            .collect();
        let mut expected = order.clone();
        expected.sort();
        assert_eq!(order, expected);
    }

    fn records() -> impl Strategy<Value = Vec<OpenHouse>> {
        records_of(6, 0..60)
    }

    /// Records over `keys` keys and few instants, so versions and ties are common.
    fn records_of(
        keys: u16,
        count: std::ops::Range<usize>,
    ) -> impl Strategy<Value = Vec<OpenHouse>> {
        prop::collection::vec((0..keys, 0..4i64, 0..3u32), count).prop_map(|specs| {
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
            let entry = by_key.entry(record.key().to_string()).or_insert(record);
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
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        /// Enough records per partition that compaction runs while records arrive.
        #[test]
        fn compaction_keeps_the_latest_version(records in records_of(3000, 60_000..80_000)) {
            let expected = simple_latest(&records);
            let latest: LatestByKey = records.into_iter().collect();
            prop_assert!(latest.partitions.iter().any(|partition| partition.compacted > 0));
            prop_assert_eq!(latest.len(), expected.len());
            prop_assert_eq!(kept_bytes(&latest), expected);
        }
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
