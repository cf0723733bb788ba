//! The laws of deduplication, against the simple definition.

use std::collections::BTreeMap;

use openhouse_model::{
    OpenHouseFields, Position, UtcTimestamp, Version, cmp_table_order, date_from_days_since_epoch,
};
use proptest::prelude::*;

use rayon::prelude::*;

use crate::shared::BATCH;
use crate::{LatestByKey, SharedLatestByKey, Table};

/// A record spec: key, modified seconds and nanos, day offset, listing key length.
type Spec = (String, i64, u32, i64, usize);

fn fields(spec: &Spec, record: u64, listing: &str) -> OpenHouseFields<'static> {
    let (key, seconds, nanos, day, _) = spec;
    let instant = UtcTimestamp::from_unix(1_700_000_000 + seconds, *nanos).unwrap();
    let key: &'static str = Box::leak(key.clone().into_boxed_str());
    let listing: &'static str = Box::leak(listing.to_owned().into_boxed_str());
    OpenHouseFields {
        key,
        listing_key: Some(listing),
        method: None,
        date: date_from_days_since_epoch(19_800 + day).unwrap(),
        start: instant,
        end: instant,
        modified: instant,
        state: None,
        zipcode: Some("94521"),
        position: Position {
            byte: record * 10,
            line: record + 1,
            record,
        },
    }
}

fn records(specs: &[Spec]) -> Vec<OpenHouseFields<'static>> {
    specs
        .iter()
        .enumerate()
        .map(|(record, spec)| fields(spec, record as u64, &"L".repeat(spec.4)))
        .collect()
}

/// What a table kept: (key, record), sorted by key.
fn kept(table: &Table) -> Vec<(String, u64)> {
    let mut kept: Vec<_> = table
        .rows()
        .map(|row| (row.key().to_string(), row.record()))
        .collect();
    kept.sort();
    kept
}

/// The simple definition: for each key, the maximum by version.
fn simple_latest(records: &[OpenHouseFields<'_>]) -> Vec<(String, u64)> {
    let mut by_key = BTreeMap::<String, Version>::new();
    for record in records {
        let entry = by_key
            .entry(record.key.to_owned())
            .or_insert(record.version());
        if record.version() > *entry {
            *entry = record.version();
        }
    }
    by_key
        .into_iter()
        .map(|(key, version)| (key, version.record))
        .collect()
}

fn table_of(records: &[OpenHouseFields<'_>]) -> Table {
    records
        .iter()
        .copied()
        .collect::<LatestByKey>()
        .into_table()
        .unwrap()
}

fn spec(key: &str, seconds: i64, nanos: u32) -> Spec {
    (key.to_owned(), seconds, nanos, 0, 1)
}

#[test]
fn later_date_modified_wins_whatever_the_input_order() {
    let table = table_of(&records(&[spec("A", 200, 0), spec("A", 100, 0)]));
    assert_eq!(kept(&table), [("A".to_owned(), 0)]);
}

#[test]
fn later_record_wins_on_equal_instants() {
    let table = table_of(&records(&[spec("A", 100, 5), spec("A", 100, 5)]));
    assert_eq!(kept(&table), [("A".to_owned(), 1)]);
}

#[test]
fn a_nanosecond_decides() {
    let table = table_of(&records(&[spec("A", 100, 6), spec("A", 100, 5)]));
    assert_eq!(kept(&table), [("A".to_owned(), 0)]);
}

#[test]
fn keys_match_exactly() {
    let table = table_of(&records(&[
        spec("A", 1, 0),
        spec("a", 1, 0),
        spec("A ", 1, 0),
        spec("0a", 1, 0),
        spec("0A", 1, 0),
    ]));
    assert_eq!(table.len(), 5);
}

#[test]
fn a_later_version_replaces_the_kept_row_instead_of_adding_one() {
    let specs: Vec<Spec> = (0..1000)
        .map(|i| spec("0f3a9c1e5b7d2f4a6c8e0a1b3c5d7e9f", i, 0))
        .collect();
    let mut first = LatestByKey::default();
    first.extend(records(&specs[..1]));
    let mut latest = LatestByKey::default();
    for record in records(&specs) {
        latest.offer(&record);
    }
    assert_eq!(latest.len(), 1);
    assert_eq!(
        latest.heap_bytes(),
        first.heap_bytes(),
        "a thousand versions hold as much as one"
    );
}

#[test]
fn a_longer_listing_key_in_a_later_version_is_kept_whole() {
    let records = vec![
        fields(&spec("A", 1, 0), 0, "short"),
        fields(&spec("A", 2, 0), 1, "a considerably longer listing key"),
    ];
    let table = table_of(&records);
    assert_eq!(
        table.row(0).to_open_house().listing_key(),
        Some("a considerably longer listing key")
    );
}

/// Keys of every shape the store handles: raw, packed hex, empty-ish, sharing long prefixes.
fn keys() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9a-f]{32}",
        "[0-9a-f]{1,9}",
        "[A-Za-z0-9 ]{0,10}",
        "abcdefgh[a-c\\x00]{0,3}",
        "[0-9a-f]{8}[0-9a-fG]{0,4}",
    ]
}

fn specs(count: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Spec>> {
    prop::collection::vec(
        (
            prop::sample::select((0..12).collect::<Vec<u8>>()),
            0..4i64,
            0..3u32,
            0..4i64,
            0..40usize,
        ),
        count,
    )
    .prop_flat_map(|shape| {
        (prop::collection::vec(keys(), 12), Just(shape)).prop_map(|(keys, shape)| {
            shape
                .into_iter()
                .map(|(key, seconds, nanos, day, listing)| {
                    (keys[usize::from(key)].clone(), seconds, nanos, day, listing)
                })
                .collect()
        })
    })
}

proptest! {
    #[test]
    fn the_table_keeps_the_simple_definition(specs in specs(0..80)) {
        let records = records(&specs);
        prop_assert_eq!(kept(&table_of(&records)), simple_latest(&records));
    }

    #[test]
    fn the_table_is_in_table_order(specs in specs(0..80)) {
        let table = table_of(&records(&specs));
        let rows: Vec<_> = table.rows().map(|row| (row.date(), row.key().to_string())).collect();
        for pair in rows.windows(2) {
            prop_assert!(cmp_table_order((pair[0].0, &pair[0].1), (pair[1].0, &pair[1].1)).is_lt());
        }
    }

    #[test]
    fn offering_from_many_threads_equals_the_simple_definition(
        specs in specs(0..80),
        threads in 1usize..4,
        // Chunks of fewer records than a batch and of more.
        grain in 1usize..(2 * BATCH + 8),
        cut in any::<prop::sample::Index>(),
        // Rows looked up only at the end, or whenever a table's appended rows pass a few
        // rows' bytes (a row is about a hundred).
        append_limit in prop_oneof![Just(usize::MAX), 0usize..1000],
    ) {
        let records = records(&specs);
        let (in_pool, outside) = records.split_at(cut.index(records.len() + 1));
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let shared = pool.install(|| {
            let shared = SharedLatestByKey::with_append_limit(append_limit);
            std::thread::scope(|scope| {
                // A thread outside the pool offers too, at the same time: it has a table of
                // its own.
                scope.spawn(|| outside.iter().for_each(|record| shared.offer(record)));
                // Records offered one at a time and through handles that hold some back,
                // flushed or dropped.
                in_pool.par_chunks(grain).enumerate().for_each(|(index, chunk)| {
                    match index % 3 {
                        0 => chunk.iter().for_each(|record| shared.offer(record)),
                        1 => {
                            let mut offers = shared.offers();
                            chunk.iter().for_each(|record| offers.offer(record));
                            offers.flush();
                            offers.offer(&chunk[0]);
                        }
                        _ => {
                            let mut offers = shared.offers();
                            chunk.iter().for_each(|record| offers.offer(record));
                        }
                    }
                });
            });
            shared
        });
        prop_assert_eq!(kept(&shared.into_latest().into_table().unwrap()), simple_latest(&records));
    }

    #[test]
    fn merging_split_tables_equals_one_table(
        specs in specs(0..80),
        cut in any::<prop::sample::Index>(),
    ) {
        let records = records(&specs);
        let cut = cut.index(records.len() + 1);
        // Later input merged into earlier, and the other way round: the order is total.
        let mut forward: LatestByKey = records[..cut].iter().copied().collect();
        forward.merge(records[cut..].iter().copied().collect());
        let mut backward: LatestByKey = records[cut..].iter().copied().collect();
        backward.merge(records[..cut].iter().copied().collect());
        let expected = simple_latest(&records);
        prop_assert_eq!(kept(&forward.into_table().unwrap()), expected.clone());
        prop_assert_eq!(kept(&backward.into_table().unwrap()), expected);
    }

    #[test]
    fn rows_round_trip_at_table_precision(specs in specs(1..30)) {
        let records = records(&specs);
        let table = table_of(&records);
        for row in table.rows() {
            let original = &records[row.record() as usize];
            let owned = row.to_open_house();
            prop_assert_eq!(owned.key(), original.key);
            prop_assert_eq!(owned.listing_key(), original.listing_key);
            prop_assert_eq!(owned.modified, original.modified);
            prop_assert_eq!(owned.date, original.date);
            prop_assert_eq!(row.zip5(), original.zip5());
        }
    }
}
