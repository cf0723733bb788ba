//! Properties of the whole pipeline over generated feeds, adversarial ones included: the
//! parallel fast path equals a simple sequential definition, whatever the thread count,
//! chunk size or format.

use std::collections::BTreeMap;

use openhouse::ingest::{Feed, IngestOptions, ingest};
use openhouse::model::{Collect, OpenHouse, OpenHouseFields, UtcTimestamp};
use openhouse::{Pipeline, Processed};
use openhouse_generate::{Generator, Layout};
use proptest::prelude::*;

/// The rules stated as simply as possible: every valid record in input order, each
/// replacing the kept version of its key when its `DateModified` is not earlier.
fn simple_latest(feed: &[u8]) -> Vec<OpenHouse> {
    let feed = Feed::new(feed).unwrap();
    let options = IngestOptions::default().chunk_records(usize::MAX);
    let (mut collected, _) = ingest(&feed, &options, Collect::default).unwrap();
    collected.sort_by_position();
    let mut latest = BTreeMap::<Box<str>, OpenHouse>::new();
    for record in collected.open_houses {
        match latest.get(record.key()) {
            Some(kept) if record.modified < kept.modified => {}
            _ => {
                latest.insert(record.key().into(), record);
            }
        }
    }
    let mut kept: Vec<OpenHouse> = latest.into_values().collect();
    kept.sort_by(|a, b| (a.date, a.key()).cmp(&(b.date, b.key())));
    kept
}

fn feeds() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u64>(),
        0..400usize,
        prop_oneof![Just(0.0), 0.0..0.6],
        any::<bool>(),
    )
        .prop_map(|(seed, events, adversarial, ndjson)| {
            let layout = if ndjson {
                Layout::Ndjson
            } else {
                Layout::PrettyArray
            };
            Generator::new(seed)
                .events(events)
                .adversarial(adversarial)
                .layout(layout)
                .to_bytes()
        })
}

fn run(feed: &[u8], threads: usize, chunk_records: usize) -> Processed {
    Pipeline::builder()
        .threads(threads)
        .chunk_records(chunk_records)
        .build()
        .process(feed)
        .unwrap()
}

/// Key, instant and content of each kept record, without its position.
fn content(open_houses: &[OpenHouse]) -> Vec<(String, UtcTimestamp, String)> {
    open_houses
        .iter()
        .map(|r| {
            let without_position = OpenHouseFields {
                position: Default::default(),
                ..r.fields()
            };
            (
                r.key().to_string(),
                r.modified,
                format!("{without_position:?}"),
            )
        })
        .collect()
}

/// An adversarial NDJSON feed and the same lines in another order. A first line of `{}`
/// keeps both NDJSON even when an adversarial `[1, 2]` line is shuffled to the front.
fn shuffled_feeds() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    any::<u64>().prop_flat_map(|seed| {
        let feed = Generator::new(seed)
            .events(300)
            .adversarial(0.2)
            .layout(Layout::Ndjson)
            .to_bytes();
        let lines: Vec<Vec<u8>> = feed
            .split(|&byte| byte == b'\n')
            .map(<[u8]>::to_vec)
            .collect();
        Just(lines).prop_shuffle().prop_map(move |shuffled| {
            let with_first_line = |lines: &[Vec<u8>]| {
                [b"{}".to_vec()]
                    .iter()
                    .chain(lines)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(&b'\n')
            };
            let original: Vec<Vec<u8>> = feed
                .split(|&byte| byte == b'\n')
                .map(<[u8]>::to_vec)
                .collect();
            (with_first_line(&original), with_first_line(&shuffled))
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn the_parallel_pipeline_equals_the_simple_definition(
        feed in feeds(), threads in 1..5usize, chunk_records in 1..64usize,
    ) {
        // Adversarial pretty arrays never hold malformed elements, so every feed processes.
        let processed = run(&feed, threads, chunk_records);
        prop_assert_eq!(&processed.open_houses, &simple_latest(&feed));
    }

    #[test]
    fn results_do_not_depend_on_threads_or_chunks(
        feed in feeds(), threads in 1..5usize, chunk_records in 1..64usize,
    ) {
        let reference = run(&feed, 1, usize::MAX);
        let processed = run(&feed, threads, chunk_records);
        prop_assert_eq!(processed.summary, reference.summary);
        prop_assert_eq!(&processed.open_houses, &reference.open_houses);
        prop_assert_eq!(&processed.rejections, &reference.rejections);
    }

    #[test]
    fn every_record_is_accounted_for(feed in feeds()) {
        let processed = run(&feed, 2, 16);
        let summary = processed.summary;
        prop_assert_eq!(summary.records_read, summary.records_valid + summary.records_rejected);
        prop_assert_eq!(summary.records_rejected, processed.rejections.len() as u64);
        prop_assert_eq!(summary.records_read, Feed::new(&feed).unwrap().len() as u64);
        prop_assert!(processed.open_houses.len() as u64 <= summary.records_valid);
        let insights = processed.insights(5);
        prop_assert_eq!(insights.total_open_houses, processed.open_houses.len() as u64);
        let last = insights.daily_cumulative.last().map_or(0, |day| day.cumulative_open_houses);
        prop_assert_eq!(last, processed.open_houses.len() as u64);
    }

    #[test]
    fn input_order_matters_only_through_the_tie_rule((feed, shuffled) in shuffled_feeds()) {
        let original = run(&feed, 2, 7);
        let reordered = run(&shuffled, 2, 7);
        // The same open houses at the same instants...
        let instants = |p: &Processed| p.open_houses.iter().map(|r| (r.key().to_string(), r.modified)).collect::<BTreeMap<_, _>>();
        prop_assert_eq!(instants(&original), instants(&reordered));
        // ...and the same content wherever a key's latest instant is held by one version only.
        let unique_latest = |p: &Processed| {
            let all = simple_versions(&shuffled);
            let mut unique: Vec<_> = content(&p.open_houses).into_iter().filter(|(key, at, _)| all.get(&(key.clone(), *at)) == Some(&1)).collect();
            unique.sort();
            unique
        };
        prop_assert_eq!(unique_latest(&original), unique_latest(&reordered));
    }
}

/// How many distinct versions each (key, instant) has among the valid records.
fn simple_versions(feed: &[u8]) -> BTreeMap<(String, UtcTimestamp), usize> {
    let feed = Feed::new(feed).unwrap();
    let (collected, _) = ingest(&feed, &IngestOptions::default(), Collect::default).unwrap();
    let mut versions = BTreeMap::<(String, UtcTimestamp), Vec<String>>::new();
    for (key, at, text) in content(&collected.open_houses) {
        let texts = versions.entry((key, at)).or_default();
        if !texts.contains(&text) {
            texts.push(text);
        }
    }
    versions
        .into_iter()
        .map(|(key, texts)| (key, texts.len()))
        .collect()
}
