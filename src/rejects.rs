//! The rejects file: NDJSON, one rejected record a line, in input order.

use std::io::{self, Write};

use base64::Engine;
use openhouse_model::{Problem, Rejection};
use serde::{Deserialize, Serialize};

/// One line of the rejects file. Read a rejects file with
/// `serde_json::from_str::<RejectsLine>(line)`.
///
/// The record's bytes are kept exactly: as `text` when they are UTF-8 (nearly always), as
/// `text_base64` (standard alphabet, padded) when they are not; the other is absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RejectsLine {
    /// 0-based index among the feed's records.
    pub record: u64,
    /// 1-based line of the record's first byte.
    pub line: u64,
    /// Byte offset of the record's first byte.
    pub byte: u64,
    /// Every problem found, never empty.
    pub problems: Vec<Problem>,
    /// The record as it stood in the feed, when it is UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The record's bytes in base64, when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_base64: Option<String>,
}

impl RejectsLine {
    /// The line of a rejection.
    pub fn new(rejection: &Rejection) -> RejectsLine {
        let (text, text_base64) = match std::str::from_utf8(&rejection.text) {
            Ok(text) => (Some(text.to_owned()), None),
            Err(_) => (
                None,
                Some(base64::engine::general_purpose::STANDARD.encode(&rejection.text)),
            ),
        };
        RejectsLine {
            record: rejection.position.record,
            line: rejection.position.line,
            byte: rejection.position.byte,
            problems: rejection.problems.clone(),
            text,
            text_base64,
        }
    }

    /// The record's bytes, decoded from whichever of `text` and `text_base64` is present.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        match (&self.text, &self.text_base64) {
            (Some(text), _) => Some(text.as_bytes().to_vec()),
            (None, Some(encoded)) => base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok(),
            (None, None) => None,
        }
    }
}

/// Appends the lines of `rejections` to `out`.
pub(crate) fn write_rejects(out: &mut impl Write, rejections: &[Rejection]) -> io::Result<()> {
    for rejection in rejections {
        serde_json::to_writer(&mut *out, &RejectsLine::new(rejection))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use openhouse_model::{Position, Reason};

    fn rejection(text: &[u8]) -> Rejection {
        Rejection {
            position: Position {
                byte: 3,
                line: 2,
                record: 1,
            },
            problems: vec![Problem::record(Reason::MalformedJson)],
            text: text.to_vec(),
        }
    }

    #[test]
    fn utf8_records_are_kept_as_text_and_others_as_base64() {
        let text = RejectsLine::new(&rejection(b"not json"));
        assert_eq!(text.text.as_deref(), Some("not json"));
        assert_eq!(text.text_base64, None);
        let binary = RejectsLine::new(&rejection(b"{\"a\": \"\xff\"}"));
        assert_eq!(binary.text, None);
        assert_eq!(binary.bytes().unwrap(), b"{\"a\": \"\xff\"}");
    }

    #[test]
    fn a_line_reads_back_as_written() {
        let mut out = Vec::new();
        write_rejects(&mut out, &[rejection(b"x\xfe")]).unwrap();
        let line: RejectsLine = serde_json::from_slice(out.strip_suffix(b"\n").unwrap()).unwrap();
        assert_eq!(line, RejectsLine::new(&rejection(b"x\xfe")));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"record\":1,\"line\":2,\"byte\":3,\"problems\":[{\"field\":null,\"reason\":\"malformed_json\"}],\"text_base64\":\"eP4=\"}\n"
        );
    }
}
