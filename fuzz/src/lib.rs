//! What the fuzz targets share: how a target turns its first bytes into reading settings,
//! and the accounting laws every ingestion must keep, checked on each input.
//!
//! The targets live in `fuzz_targets/`; run one with `cargo fuzz run -s none TARGET` (stable
//! toolchain, no sanitizer) after `./seeds` has written the seed corpus. See
//! docs/reliability.md for the figures of the last long run.
//!
//! ```
//! use openhouse_fuzz::Settings;
//!
//! let (settings, feed) = Settings::split(b"\x05\x00\x07{\"OpenHouseKey\":null}\n");
//! assert_eq!((settings.block_bytes, settings.chunk_bytes), (6, 8));
//! assert_eq!(feed, b"{\"OpenHouseKey\":null}\n");
//! ```
#![warn(missing_docs)]

use std::io::Cursor;
use std::sync::Once;

use openhouse_ingest::{IngestError, IngestOptions, IngestSummary, Input, ingest};
use openhouse_model::Collect;

/// Bytes at the start of every ingest input that choose its [`Settings`].
pub const SETTINGS_BYTES: usize = 3;

/// How one fuzz input is read: small blocks and chunks, so that records straddle window and
/// chunk boundaries, from a slice or through the reader thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Bytes read at a time, 1 to 512.
    pub block_bytes: usize,
    /// Bytes of records a worker takes at a time, 1 to 128.
    pub chunk_bytes: usize,
    /// Whether the feed goes through `Input::Reader` (the reader thread) instead of
    /// `Input::Bytes`.
    pub from_reader: bool,
}

impl Settings {
    /// The settings the first [`SETTINGS_BYTES`] bytes of `data` choose, and the feed after
    /// them (all of `data`, with default-like settings, when it is shorter).
    pub fn split(data: &[u8]) -> (Settings, &[u8]) {
        let Some((head, feed)) = data.split_first_chunk::<SETTINGS_BYTES>() else {
            return (
                Settings {
                    block_bytes: 512,
                    chunk_bytes: 128,
                    from_reader: false,
                },
                data,
            );
        };
        let settings = Settings {
            block_bytes: 1 + usize::from(u16::from_le_bytes([head[0], head[1] & 0x01])),
            chunk_bytes: 1 + usize::from(head[2] & 0x7f),
            from_reader: head[2] & 0x80 != 0,
        };
        (settings, feed)
    }
}

/// Runs ingestion on one rayon worker: the fuzzer's coverage then comes from one input at a
/// time on a known number of threads, and each target uses about one core.
pub fn one_worker() {
    static POOL: Once = Once::new();
    POOL.call_once(|| {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build_global();
    });
}

/// What an ingestion produced, without the timings (which differ from run to run); errors
/// by their message, which names the offset and line.
pub type Outcome = Result<(Collect, [u64; 3], openhouse_ingest::Format), String>;

fn outcome(result: Result<(Collect, IngestSummary), IngestError>) -> Outcome {
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

/// Reads `feed` with `settings` and with the defaults (one window), checks the accounting
/// laws on the first, and that both give the same records, rejections and errors.
///
/// # Panics
/// When a law does not hold: that is the finding.
pub fn check_ingest(feed: &[u8], settings: Settings) {
    one_worker();
    let options = IngestOptions::default()
        .block_bytes(settings.block_bytes)
        .chunk_bytes(settings.chunk_bytes);
    let input = if settings.from_reader {
        Input::Reader(Box::new(Cursor::new(feed.to_vec())))
    } else {
        Input::Bytes(feed)
    };
    let small = ingest(input, &options, Collect::default);
    if let Ok((collected, summary)) = &small {
        check_accounting(feed, collected, summary);
    }
    let small = outcome(small);
    let whole = outcome(ingest(
        Input::Bytes(feed),
        &IngestOptions::default(),
        Collect::default,
    ));
    assert!(
        small == whole,
        "the result depends on how the input arrives ({settings:?}):\n{small:?}\n{whole:?}"
    );
}

/// The laws of one successful ingestion: every record is counted once, as valid or as
/// rejected; rejections come in input order with positions inside the input; a rejected
/// record's text is the input's bytes at its position (for a feed that is not compressed).
fn check_accounting(feed: &[u8], collected: &Collect, summary: &IngestSummary) {
    let (read, valid, rejected) = (
        summary.records_read,
        summary.records_valid,
        summary.records_rejected,
    );
    assert_eq!(read, valid + rejected, "records_read = valid + rejected");
    assert_eq!(collected.open_houses.len() as u64, valid, "valid records");
    assert_eq!(collected.rejections.len() as u64, rejected, "rejections");
    let compressed = summary.compression.is_some();
    let mut previous: Option<&openhouse_model::Position> = None;
    for rejection in &collected.rejections {
        let position = &rejection.position;
        assert!(
            !rejection.problems.is_empty(),
            "a rejection names a problem"
        );
        assert!(position.record < read, "record index inside the feed");
        assert!(position.line >= 1, "lines count from 1");
        if let Some(previous) = previous {
            assert!(
                position.record > previous.record && position.byte > previous.byte,
                "rejections in input order: {previous:?} then {position:?}"
            );
        }
        if !compressed {
            let at = usize::try_from(position.byte).expect("offset fits");
            assert!(
                feed.get(at..)
                    .is_some_and(|rest| rest.starts_with(&rejection.text)),
                "a rejection's text is the input at its offset: {position:?}"
            );
            let newlines = feed[..at].iter().filter(|&&byte| byte == b'\n').count() as u64;
            assert_eq!(position.line, newlines + 1, "line of {position:?}");
        }
        previous = Some(position);
    }
}
