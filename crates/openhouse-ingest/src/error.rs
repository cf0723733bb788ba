use std::error::Error as StdError;

/// Why a feed could not be ingested. Records that break the rules are not errors: they are
/// [`openhouse_model::Rejection`]s, and the run goes on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The feed is a JSON array that is not well-formed, so no record of it can be trusted.
    #[error("malformed JSON array at byte {offset} (line {line}): {message}")]
    MalformedArray {
        offset: u64,
        line: u64,
        message: String,
    },
    /// The sink refused a record.
    #[error("the record sink failed")]
    Sink(#[source] Box<dyn StdError + Send + Sync>),
}
