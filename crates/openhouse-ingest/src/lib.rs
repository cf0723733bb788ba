//! Reads an open-house feed, a JSON array or NDJSON, and pushes every record into a
//! [`Sink`]: each valid [`openhouse_model::OpenHouse`] and each
//! [`openhouse_model::Rejection`], both with their [`openhouse_model::Position`] in the input.
//!
//! Records are found by a light scan of the feed, then parsed with simd-json and validated in
//! parallel on rayon, each worker pushing into a sink of its own; the sinks are merged at the
//! end. This is the performance core of `openhouse`.
//!
//! ```
//! use openhouse_ingest::{Feed, IngestOptions, ingest};
//! use openhouse_model::Collect;
//!
//! let feed = br#"{"OpenHouseKey":"A","OpenHouseDate":"2024-05-04","OpenHouseStartTime":"2024-05-04T17:00:00Z","OpenHouseEndTime":"2024-05-04T19:00:00Z","DateModified":"2024-05-01T00:00:00Z"}
//! {"OpenHouseKey":null}
//! not json
//! "#;
//! let feed = Feed::new(feed)?;
//! let (collected, summary) = ingest(&feed, &IngestOptions::default(), Collect::default)?;
//! assert_eq!((summary.records_read, summary.records_valid, summary.records_rejected), (3, 1, 2));
//! assert_eq!(collected.open_houses[0].key(), "A");
//! # Ok::<(), openhouse_ingest::IngestError>(())
//! ```

mod error;
mod parse;
mod split;

use openhouse_model::{Position, Problem, Reason, Sink};
use rayon::prelude::*;

pub use error::IngestError;
pub use split::Format;

use parse::{Parsed, Scratch, rejection};
use split::Span;

/// A feed held in memory, its records located but not yet parsed.
#[derive(Debug)]
pub struct Feed<'a> {
    bytes: &'a [u8],
    format: Format,
    spans: Vec<Span>,
}

impl<'a> Feed<'a> {
    /// Detects the format and locates every record. Fails only for a JSON array that is not
    /// well-formed at the array level (brackets, commas, trailing content).
    pub fn new(bytes: &'a [u8]) -> Result<Feed<'a>, IngestError> {
        let (format, start) = split::detect(bytes);
        let spans = match format {
            Format::Array => split::split_array(bytes, start)?,
            Format::Ndjson => split::split_ndjson(bytes, start),
        };
        Ok(Feed {
            bytes,
            format,
            spans,
        })
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// How many records the feed holds: array elements, or non-blank NDJSON lines.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// How ingestion runs. The result never depends on these settings.
///
/// Ingestion runs on the current rayon pool: rayon's global one, or the pool whose
/// `install` it is called in, which is how a caller bounds its threads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestOptions {
    chunk_records: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            chunk_records: 4096,
        }
    }
}

impl IngestOptions {
    /// Records a worker takes at a time (at least 1; default 4096).
    pub fn chunk_records(mut self, chunk_records: usize) -> Self {
        self.chunk_records = chunk_records.max(1);
        self
    }
}

/// How many records a feed had and what became of them; `records_read` always equals
/// `records_valid + records_rejected`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestSummary {
    pub records_read: u64,
    pub records_valid: u64,
    pub records_rejected: u64,
}

/// Parses and validates every record of `feed` in parallel, pushing each into a sink made by
/// `new_sink`, and returns the merged sink.
///
/// Fails, with nothing pushed that the caller should keep, when the feed is a JSON array
/// with an element that is not well-formed JSON (the first such element in input order is
/// reported, whatever the thread count), or when a sink fails.
pub fn ingest<S, F>(
    feed: &Feed<'_>,
    options: &IngestOptions,
    new_sink: F,
) -> Result<(S, IngestSummary), IngestError>
where
    S: Sink,
    F: Fn() -> S + Sync + Send,
{
    let merged = feed
        .spans
        .par_chunks(options.chunk_records)
        .enumerate()
        .fold(
            || Worker::new(new_sink()),
            |mut worker, (chunk_index, spans)| {
                worker.process(feed, chunk_index * options.chunk_records, spans);
                worker
            },
        )
        .reduce_with(Worker::absorb);
    let worker = merged.unwrap_or_else(|| Worker::new(new_sink()));
    worker.finish(feed)
}

/// One worker's share: its sink, its counts, and the first failure it met.
struct Worker<S: Sink> {
    sink: S,
    scratch: Scratch,
    summary: IngestSummary,
    failure: Option<Failure<S::Error>>,
}

enum Failure<E> {
    /// The earliest malformed array element seen, by offset.
    MalformedElement {
        offset: usize,
        message: String,
    },
    Sink(E),
}

impl<S: Sink> Worker<S> {
    fn new(sink: S) -> Self {
        Worker {
            sink,
            scratch: Scratch::new(),
            summary: IngestSummary::default(),
            failure: None,
        }
    }

    fn process(&mut self, feed: &Feed<'_>, first_record: usize, spans: &[Span]) {
        for (index, span) in spans.iter().enumerate() {
            if self.failure.is_some() {
                return;
            }
            let position = Position {
                byte: span.start as u64,
                line: span.line,
                record: (first_record + index) as u64,
            };
            let text = &feed.bytes[span.start..span.end];
            let pushed = match (self.scratch.parse(text, position), feed.format) {
                (Parsed::Valid(open_house), _) => {
                    self.summary.records_valid += 1;
                    self.sink.open_house(open_house)
                }
                (Parsed::Invalid(problems), _) => self.reject(text, position, problems),
                (Parsed::Malformed(_), Format::Ndjson) => {
                    self.reject(text, position, vec![Problem::record(Reason::MalformedJson)])
                }
                (Parsed::Malformed(error), Format::Array) => {
                    let offset = span.start + error.index().min(text.len());
                    let message = error.to_string();
                    self.failure = Some(Failure::MalformedElement { offset, message });
                    return;
                }
            };
            self.summary.records_read += 1;
            if let Err(error) = pushed {
                self.failure = Some(Failure::Sink(error));
            }
        }
    }

    fn reject(
        &mut self,
        text: &[u8],
        position: Position,
        problems: Vec<Problem>,
    ) -> Result<(), S::Error> {
        self.summary.records_rejected += 1;
        self.sink.rejection(rejection(text, position, problems))
    }

    fn absorb(mut self, other: Self) -> Self {
        self.failure = match (self.failure.take(), other.failure) {
            (Some(Failure::Sink(error)), _) | (_, Some(Failure::Sink(error))) => {
                Some(Failure::Sink(error))
            }
            // The earlier malformed element, so the report does not depend on scheduling.
            (
                Some(
                    mine @ Failure::MalformedElement {
                        offset: my_offset, ..
                    },
                ),
                Some(
                    theirs @ Failure::MalformedElement {
                        offset: their_offset,
                        ..
                    },
                ),
            ) => Some(if my_offset <= their_offset {
                mine
            } else {
                theirs
            }),
            (mine, theirs) => mine.or(theirs),
        };
        if self.failure.is_none()
            && let Err(error) = self.sink.merge(other.sink)
        {
            self.failure = Some(Failure::Sink(error));
        }
        self.summary.records_read += other.summary.records_read;
        self.summary.records_valid += other.summary.records_valid;
        self.summary.records_rejected += other.summary.records_rejected;
        self
    }

    fn finish(self, feed: &Feed<'_>) -> Result<(S, IngestSummary), IngestError> {
        match self.failure {
            None => Ok((self.sink, self.summary)),
            Some(Failure::Sink(error)) => Err(IngestError::Sink(Box::new(error))),
            Some(Failure::MalformedElement { offset, message }) => {
                Err(IngestError::MalformedArray {
                    offset: offset as u64,
                    line: split::line_of(feed.bytes, offset),
                    message: format!("an array element is not well-formed JSON: {message}"),
                })
            }
        }
    }
}
