//! The law of incremental updates (docs/incremental.md): splitting a feed into any sequence
//! of batches and applying them one by one gives exactly the table of one full run over the
//! whole feed, in both layouts. Generated feeds have millisecond fractions, so comparing
//! versions across batches at the table's microseconds agrees with one run's nanoseconds.

mod tables;

use openhouse::ingest::Input;
use openhouse::{MergeTarget, RunPaths};
use openhouse_generate::{Generator, Layout};
use proptest::prelude::*;
use tables::{delta_rows, full_run_rows, in_table_order, parquet_rows, permissive, write};

/// A generated NDJSON feed with some invalid records, and where to cut it into batches: each
/// cut a share of its lines, so batches are whole lines and may be empty.
fn feed_and_cuts() -> impl Strategy<Value = (Vec<u8>, Vec<usize>)> {
    (
        any::<u64>(),
        20usize..300,
        prop::collection::vec(0.0f64..=1.0, 0..6),
    )
        .prop_map(|(seed, events, shares)| {
            let feed = Generator::new(seed)
                .events(events)
                .invalid(0.05)
                .layout(Layout::Ndjson)
                .to_bytes();
            let lines = feed.split_inclusive(|&byte| byte == b'\n').count();
            let mut cuts: Vec<usize> = shares
                .iter()
                .map(|share| (share * lines as f64) as usize)
                .collect();
            cuts.sort_unstable();
            (feed, cuts)
        })
}

/// The feed's lines cut at `cuts` (line counts), every line in exactly one batch, in order.
fn batches(feed: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let lines: Vec<&[u8]> = feed.split_inclusive(|&byte| byte == b'\n').collect();
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().map(|&cut| cut.min(lines.len())));
    bounds.push(lines.len());
    bounds
        .windows(2)
        .map(|pair| lines[pair[0]..pair[1]].concat())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn a_single_file_built_batch_by_batch_is_the_table_of_one_full_run(
        (feed, cuts) in feed_and_cuts()
    ) {
        let pipeline = permissive();
        let folder = tempfile::tempdir().unwrap();
        let table = folder.path().join("openhouses.parquet");
        let batches = batches(&feed, &cuts);
        let first = write(folder.path(), "first.ndjson", &String::from_utf8_lossy(&batches[0]));
        prop_assert_eq!(std::fs::read(&first).unwrap(), batches[0].clone());
        pipeline
            .run(&RunPaths { input: first.into(), output: table.clone(), rejects: None, report: None })
            .unwrap();
        let target = MergeTarget::ParquetFile { base: table.clone(), output: table.clone() };
        for batch in &batches[1..] {
            pipeline.merge(Input::Bytes(batch), &target).unwrap();
        }
        let rows = parquet_rows(&table);
        prop_assert!(in_table_order(&rows));
        prop_assert_eq!(rows, full_run_rows(&pipeline, &feed));
    }
}

proptest! {
    // Each Delta commit writes and reads a log: fewer cases keep the test quick.
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn a_delta_table_built_batch_by_batch_is_the_table_of_one_full_run(
        (feed, cuts) in feed_and_cuts()
    ) {
        let pipeline = permissive();
        let folder = tempfile::tempdir().unwrap();
        let table = folder.path().join("openhouses");
        let target = MergeTarget::Delta { table: table.clone() };
        for batch in batches(&feed, &cuts) {
            pipeline.merge(Input::Bytes(&batch), &target).unwrap();
        }
        let rows = delta_rows(&table);
        prop_assert!(in_table_order(&rows));
        prop_assert_eq!(rows, full_run_rows(&pipeline, &feed));
    }
}
