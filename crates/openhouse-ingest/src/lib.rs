//! Reads an open-house feed, a JSON array or NDJSON, in bounded windows, and pushes every
//! record into [`Sink`]s: each valid open house and each rejected record, as borrowed views
//! with their [`openhouse_model::Position`] in the input.
//!
//! This is the performance core of `openhouse`. The input streams in blocks (read on a
//! thread of its own, gzip and zstd decompressed on the way); each window of blocks is split
//! into records on every core (NDJSON at newlines; a JSON array by a parallel scan of its
//! structure, see [`array`](crate)), and the records are parsed and validated in parallel,
//! each chunk of records pushing into a sink of its own: a flat record whose strings need no
//! unescaping is read in place, any other by simd-json, with the same verdict either way. The chunks' sinks come
//! back in input order, so results never depend on the thread count, block size or chunk
//! size. Memory is bounded by the window, not by the input.
//!
//! ```
//! use openhouse_ingest::{IngestOptions, Input, ingest};
//! use openhouse_model::Collect;
//!
//! let feed = br#"{"OpenHouseKey":"A","OpenHouseDate":"2024-05-04","OpenHouseStartTime":"2024-05-04T17:00:00Z","OpenHouseEndTime":"2024-05-04T19:00:00Z","DateModified":"2024-05-01T00:00:00Z"}
//! {"OpenHouseKey":null}
//! not json
//! "#;
//! let (collected, summary) = ingest(Input::Bytes(feed), &IngestOptions::default(), Collect::default)?;
//! assert_eq!((summary.records_read, summary.records_valid, summary.records_rejected), (3, 1, 2));
//! assert_eq!(collected.open_houses[0].key(), "A");
//! assert_eq!(collected.rejections[1].position.line, 3);
//! # Ok::<(), openhouse_ingest::IngestError>(())
//! ```
#![warn(missing_docs)]

mod array;
mod detect;
mod error;
mod flat;
mod mask;
mod ndjson;
mod parse;
mod sequential;
mod source;
mod split;
mod timing;

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use openhouse_model::{Position, Problem, Reason, RejectedRecord, Sink};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use detect::{Compression, Format, NotJson};
pub use error::{IngestError, IngestErrorKind};
pub use source::Input;
pub use timing::{StageTime, Stopwatch};

use parse::{Outcome, Parser};
use sequential::ArrayStart;
use source::Blocks;
use split::{RecordGroup, RecordSpan};

/// Bytes read from the input at a time, by default: a few MiB, so that a window keeps every
/// core busy while the next block is read.
pub const DEFAULT_BLOCK_BYTES: usize = 8 << 20;
/// Bytes of records a worker takes at a time, by default.
pub const DEFAULT_CHUNK_BYTES: usize = 256 << 10;
/// The longest one record may be, by default; a longer one fails the run rather than
/// exhausting memory.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 64 << 20;

/// A flag that stops a run from another thread (a signal handler, a service shutting down):
/// ingestion checks it between windows and while it waits for input.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A flag not yet raised.
    pub fn new() -> CancelFlag {
        CancelFlag::default()
    }

    /// Asks the run to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the run was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// How ingestion runs. The result never depends on these settings, except that a record
/// longer than [`IngestOptions::max_record_bytes`] fails the run.
///
/// Ingestion runs on the current rayon pool: rayon's global one, or the pool whose
/// `install` it is called in, which is how a caller bounds its threads.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    block_bytes: usize,
    chunk_bytes: usize,
    max_record_bytes: usize,
    cancel: Option<CancelFlag>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            block_bytes: DEFAULT_BLOCK_BYTES,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            cancel: None,
        }
    }
}

impl IngestOptions {
    /// Bytes read from the input at a time (at least 1; default [`DEFAULT_BLOCK_BYTES`]).
    /// A reader's first blocks are smaller, 256 KiB and then twice the one before, so that
    /// parsing starts without waiting for a whole block.
    pub fn block_bytes(mut self, bytes: usize) -> Self {
        self.block_bytes = bytes.max(1);
        self
    }

    /// Bytes of records a worker takes at a time (at least 1; default
    /// [`DEFAULT_CHUNK_BYTES`]).
    pub fn chunk_bytes(mut self, bytes: usize) -> Self {
        self.chunk_bytes = bytes.max(1);
        self
    }

    /// The longest a record may be (default [`DEFAULT_MAX_RECORD_BYTES`]).
    pub fn max_record_bytes(mut self, bytes: usize) -> Self {
        self.max_record_bytes = bytes.max(1);
        self
    }

    /// A flag that stops the run when raised.
    pub fn cancel_flag(mut self, cancel: CancelFlag) -> Self {
        self.cancel = Some(cancel);
        self
    }
}

/// How many records a feed had and what became of them, and where the time went.
/// `records_read` always equals `records_valid + records_rejected`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IngestSummary {
    /// The feed's layout.
    pub format: Format,
    /// The compression the input came in, if any.
    pub compression: Option<Compression>,
    /// Records read: array elements, or non-blank NDJSON lines.
    pub records_read: u64,
    /// Records that passed every rule.
    pub records_valid: u64,
    /// Records dropped, each with its problems.
    pub records_rejected: u64,
    /// Bytes of the feed, after decompression.
    pub bytes: u64,
    /// Whether a sink stopped the run before the end of the input.
    pub stopped_early: bool,
    /// Where the time went.
    pub times: IngestTimes,
}

/// Wall and CPU time of each stage of ingestion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IngestTimes {
    /// Reading (and decompressing) the input, on the reader thread; the wall time is the
    /// time the run waited for it.
    pub read: StageTime,
    /// Finding the records in each window.
    pub split: StageTime,
    /// Parsing and validating the records.
    pub parse: StageTime,
    /// The caller's own work on each window's sinks (deduplication, writing rejects).
    pub consume: StageTime,
}

impl Default for IngestSummary {
    fn default() -> Self {
        IngestSummary {
            format: Format::Ndjson,
            compression: None,
            records_read: 0,
            records_valid: 0,
            records_rejected: 0,
            bytes: 0,
            stopped_early: false,
            times: IngestTimes::default(),
        }
    }
}

/// How far a run has come, given to the caller with each window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Bytes of the input as stored (compressed, if it is) read so far.
    pub input_bytes: u64,
    /// Records read so far, this window's included.
    pub records: u64,
}

/// Reads every record of `input` into sinks made by `new_sink`, one per chunk of records,
/// and returns them merged in input order.
///
/// Fails when the input is not a JSON feed, is a JSON array that is not well-formed, holds a
/// record beyond the size cap, cannot be read, or a sink fails; what the sinks received
/// before then is dropped.
pub fn ingest<S, F>(
    input: Input<'_>,
    options: &IngestOptions,
    new_sink: F,
) -> Result<(S, IngestSummary), IngestError>
where
    S: Sink,
    F: Fn() -> S + Sync + Send,
{
    let mut merged: Option<S> = None;
    let summary = ingest_windows(input, options, &new_sink, |sinks, _| {
        for sink in sinks {
            match &mut merged {
                None => merged = Some(sink),
                Some(merged) => merged.merge(sink)?,
            }
        }
        Ok(true)
    })?;
    Ok((merged.unwrap_or_else(new_sink), summary))
}

/// Reads every record of `input` window by window: the records of each window go into sinks
/// made by `new_sink`, one per chunk, filled in parallel; then `consume` receives that
/// window's sinks in input order, on the calling thread (it may use rayon itself). When
/// `consume` returns `Ok(false)`, or a sink stops the run, no further window is read.
pub fn ingest_windows<S, F, C>(
    input: Input<'_>,
    options: &IngestOptions,
    new_sink: F,
    mut consume: C,
) -> Result<IngestSummary, IngestError>
where
    S: Sink,
    F: Fn() -> S + Sync + Send,
    C: FnMut(Vec<S>, &Progress) -> Result<bool, S::Error>,
{
    let mut run = Run {
        blocks: Blocks::new(input, options.block_bytes, options.cancel.clone()),
        options,
        summary: IngestSummary::default(),
        newlines_before: 0,
    };
    let read = Stopwatch::start();
    let Some(layout) = run.start()? else {
        run.summary.times.read += read.stop();
        return Ok(run.finish());
    };
    run.summary.times.read += read.stop();
    run.summary.format = layout;
    let mut array = match layout {
        Format::Array => Some(ArrayState::Open),
        Format::Ndjson => None,
    };
    loop {
        if options
            .cancel
            .as_ref()
            .is_some_and(CancelFlag::is_cancelled)
        {
            return Err(IngestError::Cancelled);
        }
        let reader_cpu = run.reader_cpu();
        let split = Stopwatch::start();
        let window = run.split(&mut array)?;
        run.summary.times.split += split.stop_excluding(run.reader_cpu() - reader_cpu);

        let reader_cpu = run.reader_cpu();
        let parse = Stopwatch::start();
        let parsed = run.parse(&window.groups, layout, &new_sink)?;
        run.summary.times.parse += parse.stop_excluding(run.reader_cpu() - reader_cpu);

        let stopped = parsed.stopped;
        if !parsed.sinks.is_empty() {
            let progress = Progress {
                input_bytes: run.blocks.stats.raw_bytes.load(Ordering::Relaxed),
                records: run.summary.records_read,
            };
            let reader_cpu = run.reader_cpu();
            let consumed = Stopwatch::start();
            let more = consume(parsed.sinks, &progress)
                .map_err(|error| IngestError::Sink(Box::new(error)))?;
            run.summary.times.consume += consumed.stop_excluding(run.reader_cpu() - reader_cpu);
            if !more {
                run.summary.stopped_early = true;
                return Ok(run.finish());
            }
        }
        if stopped {
            run.summary.stopped_early = true;
            return Ok(run.finish());
        }
        if window.at_end {
            return Ok(run.finish());
        }
        run.newlines_before += window.newlines_consumed;
        let read = Stopwatch::start();
        let reader_cpu = run.reader_cpu();
        run.blocks.advance(window.consumed)?;
        // The wall time waited for the reader; its own CPU time is added at the end.
        run.summary.times.read.wall += read.stop_excluding(run.reader_cpu() - reader_cpu).wall;
    }
}

/// Counts the records of `input` (array elements, or non-blank NDJSON lines) by finding
/// their bounds only, without parsing them: the splitting stage on its own, in parallel, in
/// bounded windows. Fails as [`ingest`] does on input that is not a feed or a malformed
/// array's structure (a malformed element inside is not noticed without parsing).
pub fn count_records(input: Input<'_>, options: &IngestOptions) -> Result<u64, IngestError> {
    let mut run = Run {
        blocks: Blocks::new(input, options.block_bytes, options.cancel.clone()),
        options,
        summary: IngestSummary::default(),
        newlines_before: 0,
    };
    let Some(layout) = run.start()? else {
        return Ok(0);
    };
    let mut array = match layout {
        Format::Array => Some(ArrayState::Open),
        Format::Ndjson => None,
    };
    let mut records = 0;
    loop {
        let window = run.split(&mut array)?;
        records += window
            .groups
            .iter()
            .map(|group| group.spans.len() as u64)
            .sum::<u64>();
        if window.at_end {
            return Ok(records);
        }
        run.newlines_before += window.newlines_consumed;
        run.blocks.advance(window.consumed)?;
    }
}

/// Where an array stands between windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ArrayState {
    /// The window starts at the opening `[`.
    Open,
    /// The window starts just after a comma between elements.
    AfterComma,
    /// The array has closed; only whitespace may follow.
    Closed,
}

/// The records of one window and how far they reach.
struct WindowRecords {
    groups: Vec<RecordGroup>,
    /// Bytes of the window that the records cover (the rest is kept for the next window).
    consumed: usize,
    newlines_consumed: u64,
    at_end: bool,
}

struct Parsed<S> {
    sinks: Vec<S>,
    stopped: bool,
}

/// One ingestion in progress.
struct Run<'a, 'o> {
    blocks: Blocks<'a>,
    options: &'o IngestOptions,
    summary: IngestSummary,
    /// Newlines in the input before the current window.
    newlines_before: u64,
}

impl<S> Parsed<S> {
    fn empty() -> Self {
        Parsed {
            sinks: Vec::new(),
            stopped: false,
        }
    }
}

impl Run<'_, '_> {
    fn reader_cpu(&self) -> Duration {
        Duration::from_nanos(self.blocks.stats.cpu_nanos.load(Ordering::Relaxed))
    }

    fn finish(mut self) -> IngestSummary {
        self.summary.compression = self.blocks.compression();
        self.summary.bytes = self.blocks.offset() + self.blocks.window().len() as u64;
        self.summary.times.read.cpu = self.reader_cpu();
        self.summary
    }

    /// Reads enough to tell what the input is, and leaves the window at the feed's content:
    /// the `[` of an array, or the first line of NDJSON. `None` for an input with no content.
    fn start(&mut self) -> Result<Option<Format>, IngestError> {
        while self.blocks.window().len() < detect::SNIFF_BYTES && !self.blocks.at_end() {
            if !self.blocks.advance(0)? {
                break;
            }
        }
        if let Some(kind) = detect::not_json(self.blocks.window()) {
            return Err(IngestError::NotJson { kind });
        }
        loop {
            let window = self.blocks.window();
            let at_end = self.blocks.at_end();
            match detect::layout(window, at_end) {
                Some((format, content)) => {
                    // NDJSON keeps its blank lines (they count for line numbers); an array
                    // starts at its bracket.
                    let skipped = &window[..content];
                    self.newlines_before += memchr::memchr_iter(b'\n', skipped).count() as u64;
                    self.blocks.skip(content);
                    return Ok(Some(format));
                }
                None if at_end => return Ok(None),
                None => {
                    if window.len() > self.options.max_record_bytes {
                        return Err(self.too_large(0));
                    }
                    self.blocks.advance(0)?;
                }
            }
        }
    }

    fn too_large(&self, at: usize) -> IngestError {
        let window = self.blocks.window();
        IngestError::RecordTooLarge {
            offset: self.blocks.offset() + at as u64,
            line: self.newlines_before
                + memchr::memchr_iter(b'\n', &window[..at.min(window.len())]).count() as u64
                + 1,
            limit: self.options.max_record_bytes,
        }
    }

    /// The whole records of the current window, growing it until it holds one.
    fn split(&mut self, array: &mut Option<ArrayState>) -> Result<WindowRecords, IngestError> {
        loop {
            let window = self.blocks.window();
            let at_end = self.blocks.at_end();
            let split = match array {
                None => Some(self.split_ndjson(window, at_end)),
                Some(state) => self.split_array(window, at_end, state)?,
            };
            if let Some(split) = split
                && (split.consumed > 0 || at_end)
            {
                return Ok(split);
            }
            // No whole record yet: the window must grow, within the cap on one record.
            if window.len() > self.options.max_record_bytes {
                let record_start = match array {
                    Some(ArrayState::Open) => split::skip_whitespace(window, 1),
                    Some(_) => split::skip_whitespace(window, 0),
                    None => 0,
                };
                return Err(self.too_large(record_start));
            }
            self.blocks.advance(0)?;
        }
    }

    fn split_ndjson(&self, window: &[u8], at_end: bool) -> WindowRecords {
        let complete = if at_end {
            window.len()
        } else {
            memchr::memrchr(b'\n', window).map_or(0, |last| last + 1)
        };
        let (groups, newlines_consumed) =
            ndjson::split_window(window, complete, self.options.chunk_bytes);
        WindowRecords {
            groups,
            consumed: complete,
            newlines_consumed,
            at_end,
        }
    }

    /// `None` when the window holds no whole element yet.
    fn split_array(
        &self,
        window: &[u8],
        at_end: bool,
        state: &mut ArrayState,
    ) -> Result<Option<WindowRecords>, IngestError> {
        let start = match *state {
            ArrayState::Open => ArrayStart::Open,
            ArrayState::AfterComma => ArrayStart::AfterComma,
            ArrayState::Closed => {
                let rest = split::skip_whitespace(window, 0);
                if rest < window.len() {
                    return Err(self.malformed(
                        window,
                        rest,
                        "unexpected content after the array's closing ']'",
                    ));
                }
                return Ok(Some(WindowRecords {
                    groups: Vec::new(),
                    consumed: window.len(),
                    newlines_consumed: memchr::memchr_iter(b'\n', window).count() as u64,
                    at_end,
                }));
            }
        };
        let Ok(elements) = array::split_window(window, start, self.options.chunk_bytes) else {
            return Err(self.diagnose(window, start, at_end));
        };
        if elements.closed.is_none() && at_end {
            return Err(self.diagnose(window, start, at_end));
        }
        if elements.closed.is_some() {
            *state = ArrayState::Closed;
        } else if elements.elements.is_empty() {
            // Not one whole element yet (and the `[` stays, so that `[ ]` split across
            // windows is still an empty array).
            return Ok(None);
        } else {
            *state = ArrayState::AfterComma;
        }
        Ok(Some(WindowRecords {
            newlines_consumed: elements.newlines_before_rest,
            consumed: elements.rest,
            groups: vec![RecordGroup {
                spans: elements.elements,
                newlines_before: 0,
            }],
            at_end,
        }))
    }

    /// The first grammar error of a window the fast splitter did not accept.
    fn diagnose(&self, window: &[u8], start: ArrayStart, at_end: bool) -> IngestError {
        match sequential::split(window, start, at_end) {
            Err(error) => self.malformed(window, error.offset, error.message),
            // The two splitters agree on every well-formed array (a property test checks
            // it); should they not, the run still fails rather than guess.
            Ok(_) => self.malformed(window, 0, "the array could not be split into elements"),
        }
    }

    fn malformed(&self, window: &[u8], at: usize, message: &str) -> IngestError {
        let at = at.min(window.len());
        IngestError::MalformedArray {
            offset: self.blocks.offset() + at as u64,
            line: self.newlines_before
                + memchr::memchr_iter(b'\n', &window[..at]).count() as u64
                + 1,
            message: message.to_owned(),
        }
    }

    /// Parses the window's records in parallel, one sink per chunk of about
    /// `chunk_bytes`, and returns the sinks in input order up to where a sink stopped.
    fn parse<S, F>(
        &mut self,
        groups: &[RecordGroup],
        format: Format,
        new_sink: &F,
    ) -> Result<Parsed<S>, IngestError>
    where
        S: Sink,
        F: Fn() -> S + Sync + Send,
    {
        let chunks = parse_chunks(groups, self.options.chunk_bytes);
        if chunks.is_empty() {
            return Ok(Parsed::empty());
        }
        let window = self.blocks.window();
        let base = Base {
            offset: self.blocks.offset(),
            newlines: self.newlines_before,
            records: self.summary.records_read,
        };
        let max_record_bytes = self.options.max_record_bytes;
        let outcomes: Vec<ChunkOutcome<S>> = chunks
            .par_iter()
            .map(|chunk| {
                let group = &groups[chunk.group];
                let base = Base {
                    newlines: base.newlines + group.newlines_before,
                    ..base
                };
                parse_chunk(
                    window,
                    &group.spans[chunk.spans.clone()],
                    chunk.first_index,
                    base,
                    format,
                    max_record_bytes,
                    new_sink(),
                )
            })
            .collect();
        let mut parsed = Parsed::empty();
        for outcome in outcomes {
            self.summary.records_valid += outcome.valid;
            self.summary.records_rejected += outcome.rejected;
            self.summary.records_read += outcome.valid + outcome.rejected;
            match outcome.end {
                ChunkEnd::Done => parsed.sinks.push(outcome.sink),
                ChunkEnd::Stopped => {
                    parsed.sinks.push(outcome.sink);
                    parsed.stopped = true;
                    return Ok(parsed);
                }
                ChunkEnd::Failed(failure) => {
                    return Err(match failure {
                        Failure::Sink(error) => IngestError::Sink(error),
                        Failure::TooLarge { at } => self.too_large(at),
                        Failure::MalformedElement { at, message } => {
                            self.malformed(window, at, &message)
                        }
                    });
                }
            }
        }
        Ok(parsed)
    }
}

/// What one parse task takes: a range of one group's records.
struct ParseChunk {
    group: usize,
    spans: std::ops::Range<usize>,
    /// The index in the window of the chunk's first record.
    first_index: usize,
}

/// The window's records cut into tasks of about `chunk_bytes` bytes. A group no larger than
/// two chunks (an NDJSON chunk is one) is one task, without a look at its records.
fn parse_chunks(groups: &[RecordGroup], chunk_bytes: usize) -> Vec<ParseChunk> {
    let mut chunks = Vec::with_capacity(groups.len());
    let mut first_index = 0;
    for (index, group) in groups.iter().enumerate() {
        let (Some(first), Some(last)) = (group.spans.first(), group.spans.last()) else {
            continue;
        };
        let chunk = |(start, end)| ParseChunk {
            group: index,
            spans: start..end,
            first_index: first_index + start,
        };
        if last.end - first.start <= chunk_bytes.saturating_mul(2) {
            chunks.push(chunk((0, group.spans.len())));
        } else {
            chunks.extend(
                chunk_records(&group.spans, chunk_bytes)
                    .into_iter()
                    .map(chunk),
            );
        }
        first_index += group.spans.len();
    }
    chunks
}

/// Ranges of `records` holding about `chunk_bytes` bytes each.
fn chunk_records(records: &[RecordSpan], chunk_bytes: usize) -> Vec<(usize, usize)> {
    let mut chunks = Vec::new();
    let mut first = 0;
    let mut bytes = 0;
    for (index, record) in records.iter().enumerate() {
        bytes += record.end - record.start;
        if bytes >= chunk_bytes {
            chunks.push((first, index + 1));
            first = index + 1;
            bytes = 0;
        }
    }
    if first < records.len() {
        chunks.push((first, records.len()));
    }
    chunks
}

/// Where the window sits in the input.
#[derive(Debug, Clone, Copy)]
struct Base {
    offset: u64,
    newlines: u64,
    records: u64,
}

struct ChunkOutcome<S> {
    sink: S,
    valid: u64,
    rejected: u64,
    end: ChunkEnd,
}

enum ChunkEnd {
    Done,
    Stopped,
    Failed(Failure),
}

enum Failure {
    Sink(Box<dyn std::error::Error + Send + Sync>),
    /// A record beyond the cap, at this window offset.
    TooLarge {
        at: usize,
    },
    /// An array element that is not well-formed JSON, at this window offset.
    MalformedElement {
        at: usize,
        message: String,
    },
}

thread_local! {
    /// Each worker thread's parse buffers, reused across chunks and windows.
    static PARSER: RefCell<Parser> = RefCell::new(Parser::new());
}

fn parse_chunk<S: Sink>(
    window: &[u8],
    records: &[RecordSpan],
    first_index: usize,
    base: Base,
    format: Format,
    max_record_bytes: usize,
    sink: S,
) -> ChunkOutcome<S> {
    PARSER.with(|parser| match parser.try_borrow_mut() {
        Ok(mut parser) => parse_records(
            &mut parser,
            window,
            records,
            first_index,
            base,
            format,
            max_record_bytes,
            sink,
        ),
        // Only if a sink itself ran ingestion on this thread: use buffers of its own.
        Err(_) => parse_records(
            &mut Parser::new(),
            window,
            records,
            first_index,
            base,
            format,
            max_record_bytes,
            sink,
        ),
    })
}

#[allow(
    clippy::too_many_arguments,
    reason = "the one place a chunk's context is unpacked"
)]
fn parse_records<S: Sink>(
    parser: &mut Parser,
    window: &[u8],
    records: &[RecordSpan],
    first_index: usize,
    base: Base,
    format: Format,
    max_record_bytes: usize,
    mut sink: S,
) -> ChunkOutcome<S> {
    let mut valid = 0;
    let mut rejected = 0;
    let mut end = ChunkEnd::Done;
    for (index, span) in records.iter().enumerate() {
        if span.end - span.start > max_record_bytes {
            end = ChunkEnd::Failed(Failure::TooLarge { at: span.start });
            break;
        }
        let text = &window[span.start..span.end];
        let position = Position {
            byte: base.offset + span.start as u64,
            line: base.newlines + span.newlines_before + 1,
            record: base.records + (first_index + index) as u64,
        };
        let pushed = parser.parse(text, position, |outcome| match outcome {
            Outcome::Valid(fields) => {
                valid += 1;
                Ok(sink.open_house(&fields))
            }
            Outcome::Invalid(problems) => {
                rejected += 1;
                Ok(sink.rejection(&RejectedRecord {
                    position,
                    problems: &problems,
                    text,
                }))
            }
            Outcome::Malformed(malformation) => match format {
                Format::Ndjson => {
                    rejected += 1;
                    let problems = [Problem::record(Reason::MalformedJson)];
                    Ok(sink.rejection(&RejectedRecord {
                        position,
                        problems: &problems,
                        text,
                    }))
                }
                Format::Array => Err(match sequential::check_element(text) {
                    Err(grammar) => Failure::MalformedElement {
                        at: span.start + grammar.offset,
                        message: grammar.message.to_owned(),
                    },
                    Ok(()) => Failure::MalformedElement {
                        at: span.start + malformation.offset,
                        message: format!(
                            "an array element is not well-formed JSON: {}",
                            malformation.message
                        ),
                    },
                }),
            },
        });
        match pushed {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => {
                end = ChunkEnd::Stopped;
                break;
            }
            Ok(Err(error)) => {
                end = ChunkEnd::Failed(Failure::Sink(Box::new(error)));
                break;
            }
            Err(failure) => {
                end = ChunkEnd::Failed(failure);
                break;
            }
        }
    }
    if !matches!(end, ChunkEnd::Failed(_))
        && let Err(error) = sink.finish()
    {
        end = ChunkEnd::Failed(Failure::Sink(Box::new(error)));
    }
    ChunkOutcome {
        sink,
        valid,
        rejected,
        end,
    }
}

#[cfg(test)]
mod tests;

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
