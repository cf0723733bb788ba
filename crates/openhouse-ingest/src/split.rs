//! Finding where each record of a feed starts and ends, without parsing it.

use memchr::{memchr_iter, memchr2};

use crate::IngestError;

/// How a feed holds its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON array of records, as providers deliver it (usually pretty-printed).
    Array,
    /// One JSON value per line.
    Ndjson,
}

/// The bytes of one record in the feed, and the line it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    pub line: u64,
}

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

fn is_json_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && is_json_whitespace(bytes[at]) {
        at += 1;
    }
    at
}

/// Where the content starts (after a byte-order mark) and which format it is: an array when
/// the first non-blank byte is `[`, NDJSON otherwise, so that a corrupt first line of an NDJSON
/// feed is rejected like any other line rather than failing the run.
pub(crate) fn detect(bytes: &[u8]) -> (Format, usize) {
    let content = if bytes.starts_with(BYTE_ORDER_MARK) {
        BYTE_ORDER_MARK.len()
    } else {
        0
    };
    let first = skip_whitespace(bytes, content);
    match bytes.get(first) {
        Some(b'[') => (Format::Array, first),
        _ => (Format::Ndjson, content),
    }
}

/// Non-blank lines from `start`, each without its line ending.
pub(crate) fn split_ndjson(bytes: &[u8], start: usize) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut line_start = start;
    let line_ends = memchr_iter(b'\n', &bytes[start..])
        .map(|at| start + at)
        .chain([bytes.len()]);
    for (line, line_end) in (1..).zip(line_ends) {
        let text = &bytes[line_start..line_end];
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if !text.iter().all(|&byte| is_json_whitespace(byte)) {
            spans.push(Span {
                start: line_start,
                end: line_start + text.len(),
                line,
            });
        }
        line_start = line_end + 1;
    }
    spans
}

/// The elements of the array that opens at `open`, checking the array's own grammar
/// (brackets, commas, nothing after the end). Each element's inside is checked when it is
/// parsed.
pub(crate) fn split_array(bytes: &[u8], open: usize) -> Result<Vec<Span>, IngestError> {
    let mut spans = Vec::new();
    let mut lines = LineCounter::default();
    let mut at = skip_whitespace(bytes, open + 1);
    if bytes.get(at) == Some(&b']') {
        return finish_array(bytes, at + 1).map(|()| spans);
    }
    loop {
        let end = scan_value(bytes, at)?;
        spans.push(Span {
            start: at,
            end,
            line: lines.line_at(bytes, at),
        });
        at = skip_whitespace(bytes, end);
        match bytes.get(at) {
            Some(b',') => at = skip_whitespace(bytes, at + 1),
            Some(b']') => return finish_array(bytes, at + 1).map(|()| spans),
            Some(_) => {
                return Err(malformed(
                    bytes,
                    at,
                    "expected ',' or ']' after an array element",
                ));
            }
            None => {
                return Err(malformed(
                    bytes,
                    at,
                    "the array is not closed: expected ',' or ']'",
                ));
            }
        }
    }
}

fn finish_array(bytes: &[u8], after_close: usize) -> Result<(), IngestError> {
    let rest = skip_whitespace(bytes, after_close);
    if rest == bytes.len() {
        Ok(())
    } else {
        Err(malformed(
            bytes,
            rest,
            "unexpected content after the array's closing ']'",
        ))
    }
}

/// The end of the JSON value starting at `start`: a container to its matching bracket, a
/// string to its closing quote, a scalar to the next delimiter.
fn scan_value(bytes: &[u8], start: usize) -> Result<usize, IngestError> {
    match bytes.get(start) {
        None => Err(malformed(
            bytes,
            start,
            "the array is not closed: expected a value",
        )),
        Some(b'{' | b'[') => scan_container(bytes, start),
        Some(b'"') => scan_string(bytes, start),
        Some(b',' | b']' | b'}' | b':') => Err(malformed(bytes, start, "expected a value")),
        Some(_) => {
            let length = bytes[start..]
                .iter()
                .position(|&byte| {
                    is_json_whitespace(byte)
                        || matches!(byte, b',' | b']' | b'}' | b'[' | b'{' | b'"' | b':')
                })
                .unwrap_or(bytes.len() - start);
            Ok(start + length)
        }
    }
}

fn scan_container(bytes: &[u8], start: usize) -> Result<usize, IngestError> {
    let mut depth = 0usize;
    let mut at = start;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => {
                at = scan_string(bytes, at)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(at + 1);
                }
            }
            _ => {}
        }
        at += 1;
    }
    Err(malformed(
        bytes,
        bytes.len(),
        &format!("the array element at byte {start} is not closed"),
    ))
}

/// From an opening quote to just past its closing quote.
fn scan_string(bytes: &[u8], open: usize) -> Result<usize, IngestError> {
    let mut at = open + 1;
    // A backslash at the very end moves `at` past the input; `get` then ends the search.
    while let Some(found) = bytes.get(at..).and_then(|rest| memchr2(b'"', b'\\', rest)) {
        at += found;
        if bytes[at] == b'"' {
            return Ok(at + 1);
        }
        at += 2; // a backslash and the byte it escapes
    }
    Err(malformed(
        bytes,
        open,
        "a string is not closed before the end of input",
    ))
}

fn malformed(bytes: &[u8], offset: usize, message: &str) -> IngestError {
    let offset = offset.min(bytes.len());
    IngestError::MalformedArray {
        offset: offset as u64,
        line: line_of(bytes, offset),
        message: message.to_owned(),
    }
}

/// The 1-based line of byte `offset`.
pub(crate) fn line_of(bytes: &[u8], offset: usize) -> u64 {
    1 + memchr_iter(b'\n', &bytes[..offset.min(bytes.len())]).count() as u64
}

/// Line numbers for increasing offsets, counting each newline once.
#[derive(Default)]
struct LineCounter {
    counted_to: usize,
    newlines: u64,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> u64 {
        self.newlines += memchr_iter(b'\n', &bytes[self.counted_to..offset]).count() as u64;
        self.counted_to = offset;
        self.newlines + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(bytes: &'a [u8], spans: &[Span]) -> Vec<(&'a str, u64)> {
        spans
            .iter()
            .map(|span| {
                (
                    std::str::from_utf8(&bytes[span.start..span.end]).unwrap(),
                    span.line,
                )
            })
            .collect()
    }

    fn array(text: &str) -> Result<Vec<(&str, u64)>, IngestError> {
        let (format, open) = detect(text.as_bytes());
        assert_eq!(format, Format::Array);
        split_array(text.as_bytes(), open).map(|spans| texts(text.as_bytes(), &spans))
    }

    fn error_offset(text: &str) -> u64 {
        match array(text) {
            Err(IngestError::MalformedArray { offset, .. }) => offset,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn detects_the_format_from_the_first_non_blank_byte() {
        assert_eq!(detect(b"  \n [ ]"), (Format::Array, 4));
        assert_eq!(detect(b"\xEF\xBB\xBF[]"), (Format::Array, 3));
        assert_eq!(detect(b"{\"a\":1}\n"), (Format::Ndjson, 0));
        assert_eq!(detect(b"garbage\n{}"), (Format::Ndjson, 0));
        assert_eq!(detect(b""), (Format::Ndjson, 0));
    }

    #[test]
    fn ndjson_skips_blank_lines_and_strips_line_endings() {
        let text = b"{\"a\":1}\r\n\n   \r\n[2]\n  {\"b\":\"x\\ny\"}";
        let spans = split_ndjson(text, 0);
        assert_eq!(
            texts(text, &spans),
            [("{\"a\":1}", 1), ("[2]", 4), ("  {\"b\":\"x\\ny\"}", 5)]
        );
    }

    #[test]
    fn array_elements_are_found_with_their_lines() {
        let text = "[\n  {\"a\": \"]}\\\"\"},\n  {\"b\": [1, {\"c\": 2}]},\n  42, \"s\", null\n]\n";
        assert_eq!(
            array(text).unwrap(),
            [
                ("{\"a\": \"]}\\\"\"}", 2),
                ("{\"b\": [1, {\"c\": 2}]}", 3),
                ("42", 4),
                ("\"s\"", 4),
                ("null", 4)
            ]
        );
        assert_eq!(array(" [ ] ").unwrap(), []);
    }

    #[test]
    fn malformed_arrays_name_the_offset() {
        assert_eq!(error_offset("[{}, ]"), 5);
        assert_eq!(error_offset("[{} {}]"), 4);
        assert_eq!(error_offset("[{}] x"), 5);
        assert_eq!(error_offset("[{}"), 3);
        assert_eq!(error_offset("[{\"a\": 1"), 8);
        assert_eq!(error_offset("[\"abc"), 1);
        assert_eq!(error_offset("[,{}]"), 1);
        assert_eq!(error_offset("["), 1);
    }
}
