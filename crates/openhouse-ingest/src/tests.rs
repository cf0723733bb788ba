//! Ingestion end to end: the same records and positions however the input arrives.

use std::io::{Read, Write};

use openhouse_generate::{Generator, Layout};
use openhouse_model::{Collect, OpenHouseFields, RejectedRecord, Sink};
use proptest::prelude::*;

use crate::sequential::{self, ArrayStart};
use crate::*;

fn options(block_bytes: usize, chunk_bytes: usize) -> IngestOptions {
    IngestOptions::default()
        .block_bytes(block_bytes)
        .chunk_bytes(chunk_bytes)
}

fn collect(
    input: Input<'_>,
    options: &IngestOptions,
) -> Result<(Collect, IngestSummary), IngestError> {
    ingest(input, options, Collect::default)
}

fn reader(bytes: &[u8]) -> Input<'static> {
    Input::Reader(Box::new(std::io::Cursor::new(bytes.to_vec())))
}

/// Counts and records without the timings, which differ from run to run.
fn outcome(
    result: Result<(Collect, IngestSummary), IngestError>,
) -> Result<(Collect, [u64; 3], Format), String> {
    result
        .map(|(collected, summary)| {
            (
                collected,
                [
                    summary.records_read,
                    summary.records_valid,
                    summary.records_rejected,
                ],
                summary.format,
            )
        })
        .map_err(|error| error.to_string())
}

fn feeds() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u64>(),
        0..120usize,
        prop_oneof![Just(0.0), 0.0..0.6],
        any::<bool>(),
    )
        .prop_map(|(seed, events, adversarial, ndjson)| {
            Generator::new(seed)
                .events(events)
                .adversarial(adversarial)
                .layout(if ndjson {
                    Layout::Ndjson
                } else {
                    Layout::PrettyArray
                })
                .to_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn records_do_not_depend_on_blocks_chunks_or_the_source(
        feed in feeds(),
        block_bytes in prop_oneof![1..200usize, 200..5000usize],
        chunk_bytes in 1..3000usize,
        from_reader in any::<bool>(),
    ) {
        let reference = outcome(collect(Input::Bytes(&feed), &IngestOptions::default()));
        let input = if from_reader { reader(&feed) } else { Input::Bytes(&feed) };
        let split = outcome(collect(input, &options(block_bytes, chunk_bytes)));
        prop_assert_eq!(split, reference);
    }

    #[test]
    fn array_elements_are_the_sequential_scans(feed in feeds(), block_bytes in 1..4000usize) {
        // An array by the detection rule: a `[` that opens a feed's first line of NDJSON
        // (`[garbage`) does not make it one.
        prop_assume!(
            feed.first() == Some(&b'[')
                && matches!(crate::detect::layout(&feed, true), Some((Format::Array, _)))
        );
        let elements = sequential::split(&feed, ArrayStart::Open, true).unwrap();
        let (collected, summary) = collect(Input::Bytes(&feed), &options(block_bytes, 100)).unwrap();
        prop_assert_eq!(summary.records_read as usize, elements.spans.len());
        let mut bytes: Vec<u64> = collected.open_houses.iter().map(|r| r.position.record)
            .chain(collected.rejections.iter().map(|r| r.position.record)).collect();
        bytes.sort();
        prop_assert_eq!(bytes, (0..elements.spans.len() as u64).collect::<Vec<_>>());
        for rejection in &collected.rejections {
            let (start, end) = elements.spans[rejection.position.record as usize];
            prop_assert_eq!(rejection.position.byte as usize, start);
            prop_assert_eq!(&rejection.text[..], &feed[start..end]);
            let line = 1 + feed[..start].iter().filter(|&&b| b == b'\n').count() as u64;
            prop_assert_eq!(rejection.position.line, line);
        }
    }

    #[test]
    fn any_bytes_are_accounted_for_or_fail_cleanly(
        bytes in prop::collection::vec(prop::sample::select(b"[]{}\",:\\ \n\rtrue0e1.-aZ\xff\xc3".to_vec()), 0..300),
        array in any::<bool>(),
        block_bytes in 1..64usize,
    ) {
        let bytes = if array { [b"[".as_slice(), &bytes].concat() } else { bytes };
        let small = outcome(collect(Input::Bytes(&bytes), &options(block_bytes, 7)));
        let whole = outcome(collect(Input::Bytes(&bytes), &IngestOptions::default()));
        prop_assert_eq!(&small, &whole);
        if let Ok((collected, [read, valid, rejected], _)) = small {
            prop_assert_eq!(read, valid + rejected);
            prop_assert_eq!(collected.rejections.len() as u64, rejected);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in any::<Vec<u8>>(), block_bytes in 1..64usize) {
        let _ = collect(Input::Bytes(&bytes), &options(block_bytes, 5));
    }
}

const RECORD: &str = r#"{"OpenHouseKey":"A","OpenHouseDate":"2024-05-04","OpenHouseStartTime":"2024-05-04T17:00:00Z","OpenHouseEndTime":"2024-05-04T19:00:00Z","DateModified":"2024-05-01T00:00:00Z"}"#;

fn error_of(text: &str, block_bytes: usize) -> (u64, u64, String) {
    match collect(Input::Bytes(text.as_bytes()), &options(block_bytes, 3)) {
        Err(IngestError::MalformedArray {
            offset,
            line,
            message,
        }) => (offset, line, message),
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn malformed_arrays_name_the_first_problem_whatever_the_block_size() {
    for (text, offset, line) in [
        ("[{}, ]", 5, 1),
        ("[{} {}]", 4, 1),
        ("[{}] x", 5, 1),
        ("[{}\n", 4, 2),
        ("[{\"a\": 1", 8, 1),
        ("[\n\"abc", 2, 2),
        ("[\n,{}]", 2, 2),
        ("[", 1, 1),
        ("[\n\"abc\\", 2, 2),
        (
            "[\n  {\"OpenHouseKey\": \"A\"}\n  {\"OpenHouseKey\": \"B\"}\n]\n",
            28,
            3,
        ),
        ("[{}]\n\n   ]", 9, 3),
    ] {
        for block_bytes in [1, 2, 3, 5, 64, 1 << 20] {
            let (found_offset, found_line, message) = error_of(text, block_bytes);
            assert_eq!(
                (found_offset, found_line),
                (offset, line),
                "{text:?} in blocks of {block_bytes}: {message}"
            );
        }
    }
}

#[test]
fn a_malformed_element_is_reported_with_its_offset() {
    let text = format!("[{RECORD}, {{\"a\": tru}}]");
    let (offset, _, message) = error_of(&text, 16);
    assert_eq!(offset as usize, RECORD.len() + 3 + 6);
    assert!(message.contains("not well-formed JSON"), "{message}");
}

#[test]
fn a_first_line_that_only_starts_like_an_array_is_one_rejected_record() {
    for first in ["[garbage", "[1, 2]", "[\"x\"]"] {
        let feed = format!("{first}\n{RECORD}\n");
        let (collected, summary) =
            collect(Input::Bytes(feed.as_bytes()), &IngestOptions::default()).unwrap();
        assert_eq!(summary.format, Format::Ndjson, "{first}");
        assert_eq!(
            (summary.records_valid, summary.records_rejected),
            (1, 1),
            "{first}"
        );
        assert_eq!(collected.rejections[0].position.line, 1);
    }
}

#[test]
fn numbers_beyond_a_double_do_not_break_a_feed() {
    let record = RECORD.replace("}", r#","ListPrice":1e400}"#);
    let feed = format!("[{record},\n{record}]");
    let (_, summary) = collect(Input::Bytes(feed.as_bytes()), &IngestOptions::default()).unwrap();
    assert_eq!(summary.records_valid, 2);
}

#[test]
fn positions_count_bytes_lines_and_records_across_blank_lines_and_crlf() {
    let feed = format!("\u{feff}\r\n{RECORD}\r\n\r\n  \n{{\"OpenHouseKey\":null}}\n");
    let (collected, _) = collect(Input::Bytes(feed.as_bytes()), &options(7, 3)).unwrap();
    let valid = &collected.open_houses[0].position;
    assert_eq!((valid.byte, valid.line, valid.record), (5, 2, 0));
    let rejected = &collected.rejections[0].position;
    assert_eq!((rejected.line, rejected.record), (5, 1));
    assert_eq!(
        rejected.byte as usize,
        feed.find("{\"OpenHouseKey\":null").unwrap()
    );
}

#[test]
fn empty_feeds_have_no_records() {
    for feed in ["", " \n\r\n", "\u{feff}", "[ ]", "[]\n"] {
        let (collected, summary) = collect(Input::Bytes(feed.as_bytes()), &options(1, 1)).unwrap();
        assert_eq!(summary.records_read, 0, "{feed:?}");
        assert_eq!(collected, Collect::default());
    }
}

#[test]
fn gzip_and_zstd_are_read_as_what_they_hold() {
    let feed = Generator::new(3)
        .events(200)
        .layout(Layout::Ndjson)
        .adversarial(0.2)
        .to_bytes();
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(&feed).unwrap();
    let gzip = gzip.finish().unwrap();
    let zstd = zstd::encode_all(&feed[..], 3).unwrap();
    let plain = outcome(collect(Input::Bytes(&feed), &IngestOptions::default()));
    for (compressed, kind) in [(gzip, Compression::Gzip), (zstd, Compression::Zstd)] {
        let (_, summary) = collect(Input::Bytes(&compressed), &IngestOptions::default()).unwrap();
        assert_eq!(summary.compression, Some(kind));
        assert_eq!(summary.bytes, feed.len() as u64);
        assert_eq!(
            outcome(collect(Input::Bytes(&compressed), &options(999, 500))),
            plain
        );
        assert_eq!(
            outcome(collect(reader(&compressed), &options(4096, 500))),
            plain
        );
    }
}

#[test]
fn a_corrupt_gzip_stream_is_bad_input() {
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(RECORD.as_bytes()).unwrap();
    let mut gzip = gzip.finish().unwrap();
    let middle = gzip.len() / 2;
    gzip[middle] ^= 0xff;
    gzip.truncate(gzip.len() - 4);
    let error = collect(Input::Bytes(&gzip), &IngestOptions::default()).unwrap_err();
    assert_eq!(error.kind(), IngestErrorKind::BadInput, "{error}");
}

#[test]
fn a_corrupt_zstd_stream_is_bad_input() {
    let mut zstd = zstd::encode_all(RECORD.as_bytes(), 3).unwrap();
    // The frame header's descriptor: the decoder refuses the frame.
    zstd[4] = 0xff;
    let Err(error) = collect(Input::Bytes(&zstd), &IngestOptions::default()) else {
        panic!("a corrupt zstd frame was read");
    };
    assert_eq!(error.kind(), IngestErrorKind::BadInput, "{error}");
}

#[test]
fn input_that_is_not_json_is_named() {
    let mut parquet = b"PAR1".to_vec();
    parquet.extend([0u8; 100]);
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend("[{}]".encode_utf16().flat_map(u16::to_le_bytes));
    let zstd_of_parquet = zstd::encode_all(&parquet[..], 1).unwrap();
    for (bytes, kind) in [
        (parquet, NotJson::Parquet),
        (utf16, NotJson::Utf16),
        (b"{\"a\":\x00}".to_vec(), NotJson::Binary),
        (vec![0; 10_000], NotJson::Binary),
        (zstd_of_parquet, NotJson::Parquet),
    ] {
        match collect(Input::Bytes(&bytes), &options(3, 3)) {
            Err(IngestError::NotJson { kind: found }) => assert_eq!(found, kind),
            other => panic!("{kind:?}: {other:?}"),
        }
    }
}

#[test]
fn a_record_beyond_the_cap_fails_the_run_at_its_start() {
    let long = format!("{{\"OpenHouseKey\":\"{}\"}}", "x".repeat(5000));
    for feed in [
        format!("{RECORD}\n{long}\n{RECORD}\n"),
        format!("{RECORD}\n{long}"),
        format!("[{RECORD},\n{long}]"),
    ] {
        for block_bytes in [100, 1 << 20] {
            let options = options(block_bytes, 64).max_record_bytes(1000);
            match collect(Input::Bytes(feed.as_bytes()), &options) {
                Err(IngestError::RecordTooLarge {
                    offset,
                    line,
                    limit,
                }) => {
                    assert_eq!(
                        offset as usize,
                        feed.find("{\"OpenHouseKey\":\"xxx").unwrap()
                    );
                    assert_eq!((line, limit), (2, 1000));
                }
                other => panic!("{other:?}"),
            }
        }
    }
}

#[test]
fn endless_input_without_a_record_end_stops_at_the_cap() {
    let endless = std::io::repeat(b'a').take(u64::MAX);
    let options = options(4096, 4096).max_record_bytes(1 << 16);
    let error = collect(Input::Reader(Box::new(endless)), &options).unwrap_err();
    assert!(
        matches!(error, IngestError::RecordTooLarge { offset: 0, .. }),
        "{error}"
    );
}

/// Stops after a number of records.
struct StopAfter {
    left: usize,
    seen: Vec<u64>,
}

impl Sink for StopAfter {
    type Error = std::convert::Infallible;

    fn open_house(&mut self, open_house: &OpenHouseFields<'_>) -> Result<bool, Self::Error> {
        self.seen.push(open_house.position.record);
        self.left = self.left.saturating_sub(1);
        Ok(self.left > 0)
    }

    fn rejection(&mut self, rejection: &RejectedRecord<'_>) -> Result<bool, Self::Error> {
        self.seen.push(rejection.position.record);
        self.left = self.left.saturating_sub(1);
        Ok(self.left > 0)
    }

    fn merge(&mut self, later: Self) -> Result<(), Self::Error> {
        self.seen.extend(later.seen);
        Ok(())
    }
}

#[test]
fn a_sink_that_stops_ends_the_run_after_that_record() {
    let feed = format!("{RECORD}\n").repeat(100);
    let (sink, summary) = ingest(Input::Bytes(feed.as_bytes()), &options(1000, 1), || {
        StopAfter {
            left: 1,
            seen: Vec::new(),
        }
    })
    .unwrap();
    assert!(summary.stopped_early);
    // Each chunk holds one record and its own sink stops at once; the run ends at the first.
    assert_eq!(sink.seen, [0]);
    assert_eq!(summary.records_read, 1);
}

#[test]
fn a_cancelled_run_stops_with_cancelled() {
    let cancel = CancelFlag::new();
    cancel.cancel();
    let feed = format!("{RECORD}\n").repeat(10);
    let error = collect(
        Input::Bytes(feed.as_bytes()),
        &IngestOptions::default().cancel_flag(cancel),
    )
    .unwrap_err();
    assert_eq!(error.kind(), IngestErrorKind::Cancelled);
}

#[test]
fn a_window_of_sinks_arrives_in_input_order() {
    let feed = format!("{RECORD}\n").repeat(50);
    let mut order = Vec::new();
    ingest_windows(
        Input::Bytes(feed.as_bytes()),
        &options(600, 150),
        Collect::default,
        |sinks, _| {
            for sink in sinks {
                order.extend(sink.open_houses.iter().map(|r| r.position.record));
            }
            Ok::<bool, std::convert::Infallible>(true)
        },
    )
    .unwrap();
    assert_eq!(order, (0..50).collect::<Vec<_>>());
}

#[test]
fn stage_times_are_reported() {
    let feed = Generator::new(1).events(300).to_bytes();
    let (_, summary) = collect(reader(&feed), &IngestOptions::default()).unwrap();
    assert!(summary.times.parse.wall > std::time::Duration::ZERO);
    assert!(summary.times.split.wall > std::time::Duration::ZERO);
}

#[test]
fn a_record_longer_than_the_headroom_is_read_whole() {
    let long = RECORD.replace("\"A\"", &format!("\"{}\"", "a".repeat(200_000)));
    let feed = format!("{RECORD}\n{long}\n{RECORD}\n");
    let from_reader = outcome(collect(reader(feed.as_bytes()), &options(4096, 1000)));
    let from_slice = outcome(collect(
        Input::Bytes(feed.as_bytes()),
        &IngestOptions::default(),
    ));
    assert_eq!(from_reader, from_slice);
    let (collected, _, _) = from_reader.unwrap();
    assert_eq!(collected.open_houses.len(), 3);
    assert_eq!(collected.open_houses[1].key().len(), 200_000);
}
