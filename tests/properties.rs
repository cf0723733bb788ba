//! Properties of the whole pipeline over generated feeds, adversarial ones included: the
//! parallel, windowed, columnar fast path equals a simple sequential definition, and the
//! table, the rejects file and the insights are byte for byte the same whatever the thread
//! count, block size, chunk size or source (a slice or a reader).

use std::collections::BTreeMap;
use std::io::Cursor;

use openhouse::ingest::{IngestOptions, Input, ingest};
use openhouse::model::{Collect, OpenHouse, UtcTimestamp};
use openhouse::{Pipeline, Processed, RunPaths};
use openhouse_generate::{Generator, Layout};
use proptest::prelude::*;

/// Everything a table row holds, at the table's precision (start and end in microseconds).
type Row = (
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
    i64,
    UtcTimestamp,
    Option<String>,
    Option<String>,
    u64,
);

fn row_of(record: &OpenHouse) -> Row {
    (
        record.key().to_owned(),
        record.listing_key().map(str::to_owned),
        record.method().map(str::to_owned),
        record.date.to_string(),
        record.start.unix_micros(),
        record.end.unix_micros(),
        record.modified,
        record.state().map(str::to_owned),
        record.zipcode().map(str::to_owned),
        record.position.record,
    )
}

/// The rules stated as simply as possible: every valid record, read in one window by one
/// worker, in input order; each replaces the kept version of its key unless its
/// `DateModified` is earlier; then the table's order.
fn simple_table(feed: &[u8]) -> Vec<Row> {
    let whole = IngestOptions::default()
        .block_bytes(feed.len().max(1))
        .chunk_bytes(usize::MAX);
    let (collected, _) = ingest(Input::Bytes(feed), &whole, Collect::default).unwrap();
    let mut latest = BTreeMap::<String, OpenHouse>::new();
    for record in collected.open_houses {
        match latest.get(record.key()) {
            Some(kept) if record.modified < kept.modified => {}
            _ => {
                latest.insert(record.key().to_owned(), record);
            }
        }
    }
    let mut kept: Vec<Row> = latest.values().map(row_of).collect();
    kept.sort_by(|a, b| (&a.3, &a.0).cmp(&(&b.3, &b.0)));
    kept
}

fn table_rows(processed: &Processed) -> Vec<Row> {
    processed.open_houses().iter().map(row_of).collect()
}

fn feeds() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u64>(),
        0..300usize,
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

/// A pipeline with the given threads and sizes.
fn pipeline(threads: usize, block_bytes: usize, chunk_bytes: usize) -> Pipeline {
    Pipeline::builder()
        .threads(threads)
        .unwrap()
        .block_bytes(block_bytes)
        .chunk_bytes(chunk_bytes)
        .row_group_rows(97)
        .allow_empty(true)
        .max_rejected_share(1.0)
        .unwrap()
        .build()
}

/// The bytes of the table and the rejects file, and the report's insights, of one run.
fn run_files(
    pipeline: &Pipeline,
    feed: &[u8],
    through_stdin_like_reader: bool,
) -> (Vec<u8>, Vec<u8>, String) {
    let folder = tempfile::tempdir().unwrap();
    let input = folder.path().join("feed");
    std::fs::write(&input, feed).unwrap();
    let paths = RunPaths {
        input: input.into(),
        output: folder.path().join("table.parquet"),
        rejects: Some(folder.path().join("rejects.ndjson")),
        report: None,
    };
    let report = if through_stdin_like_reader {
        // The same bytes through the in-memory entry point, for the table and rejections.
        let processed = pipeline
            .process_input(Input::Reader(Box::new(Cursor::new(feed.to_vec()))))
            .unwrap();
        return (
            format!("{:?}", table_rows(&processed)).into_bytes(),
            format!("{:?}", processed.rejections).into_bytes(),
            serde_json::to_string(&processed.insights(5)).unwrap(),
        );
    } else {
        pipeline.run(&paths).unwrap()
    };
    (
        std::fs::read(&paths.output).unwrap(),
        std::fs::read(paths.rejects.as_ref().unwrap()).unwrap(),
        serde_json::to_string(&report.insights).unwrap(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn the_parallel_pipeline_equals_the_simple_definition(
        feed in feeds(),
        threads in 1..5usize,
        block_bytes in prop_oneof![1..300usize, 300..20_000usize],
        chunk_bytes in 1..5000usize,
        from_reader in any::<bool>(),
    ) {
        let pipeline = pipeline(threads, block_bytes, chunk_bytes);
        let processed = if from_reader {
            pipeline.process_input(Input::Reader(Box::new(Cursor::new(feed.clone()))))
        } else {
            pipeline.process(&feed)
        };
        prop_assert_eq!(table_rows(&processed.unwrap()), simple_table(&feed));
    }

    #[test]
    fn outputs_are_byte_identical_whatever_the_threads_blocks_and_chunks(
        feed in feeds(),
        threads in 1..5usize,
        block_bytes in prop_oneof![1..300usize, 300..20_000usize],
        chunk_bytes in 1..5000usize,
    ) {
        let reference = run_files(&pipeline(1, 1 << 20, 1 << 20), &feed, false);
        let varied = run_files(&pipeline(threads, block_bytes, chunk_bytes), &feed, false);
        prop_assert!(reference.0 == varied.0, "the Parquet table differs");
        prop_assert_eq!(&reference.1, &varied.1);
        prop_assert_eq!(&reference.2, &varied.2);
    }

    #[test]
    fn a_reader_gives_what_a_slice_gives(feed in feeds(), block_bytes in 1..4000usize) {
        let pipeline = pipeline(2, block_bytes, 700);
        let from_slice = pipeline.process(&feed).unwrap();
        let from_reader = run_files(&pipeline, &feed, true);
        prop_assert_eq!(format!("{:?}", table_rows(&from_slice)).into_bytes(), from_reader.0);
        prop_assert_eq!(format!("{:?}", from_slice.rejections).into_bytes(), from_reader.1);
    }

    #[test]
    fn every_record_is_accounted_for(feed in feeds(), block_bytes in 1..4000usize) {
        let folder = tempfile::tempdir().unwrap();
        let input = folder.path().join("feed");
        std::fs::write(&input, &feed).unwrap();
        let paths = RunPaths {
            input: input.into(),
            output: folder.path().join("table.parquet"),
            rejects: Some(folder.path().join("rejects.ndjson")),
            report: None,
        };
        let report = pipeline(2, block_bytes, 300).run(&paths).unwrap();
        prop_assert_eq!(report.records_read, report.records_valid + report.records_rejected);
        prop_assert_eq!(report.records_valid, report.open_houses + report.versions_superseded);
        let rejects = std::fs::read_to_string(paths.rejects.as_ref().unwrap()).unwrap();
        prop_assert_eq!(rejects.lines().count() as u64, report.records_rejected);
        let whole = IngestOptions::default().block_bytes(feed.len().max(1));
        let (collected, _) = ingest(Input::Bytes(&feed), &whole, Collect::default).unwrap();
        prop_assert_eq!(report.records_read, (collected.open_houses.len() + collected.rejections.len()) as u64);
        prop_assert_eq!(report.insights.total_open_houses, report.open_houses);
        let last = report.insights.daily_cumulative.last().map_or(0, |day| day.cumulative_open_houses);
        prop_assert_eq!(last, report.open_houses);
        prop_assert_eq!(report.table.unwrap().rows, report.open_houses);
    }
}

/// An adversarial NDJSON feed and the same lines in another order. A first line of `{}`
/// keeps both NDJSON.
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
        Just(lines.clone())
            .prop_shuffle()
            .prop_map(move |shuffled| {
                let with_first_line = |lines: &[Vec<u8>]| {
                    [b"{}".to_vec()]
                        .iter()
                        .chain(lines)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(&b'\n')
                };
                (with_first_line(&lines), with_first_line(&shuffled))
            })
    })
}

/// How many distinct versions each (key, instant) has among the valid records.
fn versions(feed: &[u8]) -> BTreeMap<(String, UtcTimestamp), usize> {
    let (collected, _) = ingest(
        Input::Bytes(feed),
        &IngestOptions::default(),
        Collect::default,
    )
    .unwrap();
    let mut versions = BTreeMap::<(String, UtcTimestamp), Vec<Row>>::new();
    for record in &collected.open_houses {
        let mut row = row_of(record);
        row.9 = 0;
        let texts = versions
            .entry((record.key().to_owned(), record.modified))
            .or_default();
        if !texts.contains(&row) {
            texts.push(row);
        }
    }
    versions
        .into_iter()
        .map(|(key, rows)| (key, rows.len()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn input_order_matters_only_through_the_tie_rule((feed, shuffled) in shuffled_feeds()) {
        let pipeline = pipeline(2, 512, 256);
        let original = pipeline.process(&feed).unwrap();
        let reordered = pipeline.process(&shuffled).unwrap();
        // The same open houses at the same instants...
        let instants = |p: &Processed| {
            p.open_houses().iter().map(|r| (r.key().to_owned(), r.modified)).collect::<BTreeMap<_, _>>()
        };
        prop_assert_eq!(instants(&original), instants(&reordered));
        // ...and the same content wherever a key's latest instant has one version only.
        let all = versions(&shuffled);
        let unique_latest = |p: &Processed| {
            let mut rows: Vec<Row> = p
                .open_houses()
                .iter()
                .filter(|r| all.get(&(r.key().to_owned(), r.modified)) == Some(&1))
                .map(|r| {
                    let mut row = row_of(r);
                    row.9 = 0;
                    row
                })
                .collect();
            rows.sort();
            rows
        };
        prop_assert_eq!(unique_latest(&original), unique_latest(&reordered));
    }
}
