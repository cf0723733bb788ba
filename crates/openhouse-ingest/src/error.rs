use std::error::Error as StdError;

use crate::NotJson;

/// Why a feed could not be ingested. Records that break the rules are not errors: they are
/// rejections, and the run goes on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The feed is a JSON array that is not well-formed, so no record of it can be trusted.
    #[error("malformed JSON array at byte {offset} (line {line}): {message}")]
    MalformedArray {
        /// Byte offset of the problem in the (decompressed) input.
        offset: u64,
        /// 1-based line of that byte.
        line: u64,
        /// What was expected there.
        message: String,
    },
    /// The input is not JSON text at all.
    #[error("the input is not a JSON feed: it looks like {kind}")]
    NotJson {
        /// What it looks like instead.
        kind: NotJson,
    },
    /// One record is longer than the configured cap, so reading it whole could exhaust
    /// memory.
    #[error(
        "the record at byte {offset} (line {line}) is longer than the {limit}-byte cap on one record"
    )]
    RecordTooLarge {
        /// Byte offset of the record's first byte.
        offset: u64,
        /// 1-based line of that byte.
        line: u64,
        /// The cap, in bytes.
        limit: usize,
    },
    /// Reading or decompressing the input failed.
    #[error("reading the input failed")]
    Read {
        /// What the reader or decompressor said.
        #[source]
        source: std::io::Error,
    },
    /// The run was cancelled through its [`crate::CancelFlag`].
    #[error("cancelled")]
    Cancelled,
    /// A sink failed.
    #[error("the record sink failed")]
    Sink(#[source] Box<dyn StdError + Send + Sync>),
}

/// The kind of an [`IngestError`], for callers that map failures to exit codes or retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IngestErrorKind {
    /// The input itself is at fault: malformed, not JSON, a record beyond the cap, corrupt
    /// compressed data. Running again on the same input fails the same way.
    BadInput,
    /// Reading failed for a reason outside the input's content.
    Io,
    /// The run was cancelled.
    Cancelled,
    /// A sink failed; its error says why.
    Sink,
}

impl IngestError {
    /// What kind of failure this is.
    pub fn kind(&self) -> IngestErrorKind {
        match self {
            IngestError::MalformedArray { .. }
            | IngestError::NotJson { .. }
            | IngestError::RecordTooLarge { .. } => IngestErrorKind::BadInput,
            IngestError::Read { source } => match source.kind() {
                // What decoders say of corrupt or truncated compressed data.
                std::io::ErrorKind::InvalidData
                | std::io::ErrorKind::InvalidInput
                | std::io::ErrorKind::UnexpectedEof => IngestErrorKind::BadInput,
                _ => IngestErrorKind::Io,
            },
            IngestError::Cancelled => IngestErrorKind::Cancelled,
            IngestError::Sink(_) => IngestErrorKind::Sink,
        }
    }
}
