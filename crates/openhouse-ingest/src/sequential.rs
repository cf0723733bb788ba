//! The array grammar, one byte after another: the reference that the parallel splitter is
//! tested against, and the diagnosis that names the first error of a malformed array with
//! the message and offset a reader can act on.

use memchr::memchr2;

use crate::split::{is_json_whitespace, skip_whitespace};

/// A problem with the array's own grammar: where, and what was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GrammarError {
    /// Offset into the bytes scanned.
    pub offset: usize,
    pub message: &'static str,
}

/// Where the scan of an array starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArrayStart {
    /// At the array's opening `[`.
    Open,
    /// Just after a `,` between elements.
    AfterComma,
}

/// The array's elements as found by [`split`]: their spans, and where the array closed
/// (just past its `]`), or `None` when the bytes ended first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Elements {
    pub spans: Vec<(usize, usize)>,
    pub closed: Option<usize>,
}

/// Finds the elements of an array from `start`, checking brackets, commas and that nothing
/// but whitespace follows the closing `]`. With `at_end` false the bytes may stop anywhere
/// and the scan stops at the last element it saw whole; with `at_end` true, bytes that stop
/// before the array closes are an error.
pub(crate) fn split(
    bytes: &[u8],
    start: ArrayStart,
    at_end: bool,
) -> Result<Elements, GrammarError> {
    let mut spans = Vec::new();
    let mut at = match start {
        ArrayStart::Open => {
            let at = skip_whitespace(bytes, 1);
            if bytes.get(at) == Some(&b']') {
                return finish(bytes, at + 1).map(|closed| Elements {
                    spans,
                    closed: Some(closed),
                });
            }
            at
        }
        ArrayStart::AfterComma => skip_whitespace(bytes, 0),
    };
    loop {
        let end = match scan_value(bytes, at) {
            Ok(end) => end,
            Err(_) if !at_end => {
                return Ok(Elements {
                    spans,
                    closed: None,
                });
            }
            Err(error) => return Err(error),
        };
        let next = skip_whitespace(bytes, end);
        match bytes.get(next) {
            Some(b',') => {
                spans.push((at, end));
                at = skip_whitespace(bytes, next + 1);
            }
            Some(b']') => {
                spans.push((at, end));
                return finish(bytes, next + 1).map(|closed| Elements {
                    spans,
                    closed: Some(closed),
                });
            }
            Some(_) => {
                return Err(GrammarError {
                    offset: next,
                    message: "expected ',' or ']' after an array element",
                });
            }
            None if !at_end => {
                return Ok(Elements {
                    spans,
                    closed: None,
                });
            }
            None => {
                return Err(GrammarError {
                    offset: next,
                    message: "the array is not closed: expected ',' or ']'",
                });
            }
        }
    }
}

/// The first grammar error of one element's bytes, as found between two separators: the
/// value must be whole, and nothing but whitespace may follow it.
pub(crate) fn check_element(bytes: &[u8]) -> Result<(), GrammarError> {
    let start = skip_whitespace(bytes, 0);
    let end = scan_value(bytes, start)?;
    let next = skip_whitespace(bytes, end);
    if next < bytes.len() {
        return Err(GrammarError {
            offset: next,
            message: "expected ',' or ']' after an array element",
        });
    }
    Ok(())
}

/// Checks that only whitespace follows the closing bracket, and returns where the array ends.
fn finish(bytes: &[u8], after_close: usize) -> Result<usize, GrammarError> {
    let rest = skip_whitespace(bytes, after_close);
    if rest < bytes.len() {
        return Err(GrammarError {
            offset: rest,
            message: "unexpected content after the array's closing ']'",
        });
    }
    Ok(after_close)
}

/// The end of the JSON value starting at `start`: a container to its matching bracket, a
/// string to its closing quote, a scalar to the next delimiter.
fn scan_value(bytes: &[u8], start: usize) -> Result<usize, GrammarError> {
    match bytes.get(start) {
        None => Err(GrammarError {
            offset: start,
            message: "the array is not closed: expected a value",
        }),
        Some(b'{' | b'[') => scan_container(bytes, start),
        Some(b'"') => scan_string(bytes, start),
        Some(b',' | b']' | b'}' | b':') => Err(GrammarError {
            offset: start,
            message: "expected a value",
        }),
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

fn scan_container(bytes: &[u8], start: usize) -> Result<usize, GrammarError> {
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
    Err(GrammarError {
        offset: bytes.len(),
        message: "an array element is not closed before the end of input",
    })
}

/// From an opening quote to just past its closing quote.
fn scan_string(bytes: &[u8], open: usize) -> Result<usize, GrammarError> {
    let mut at = open + 1;
    // A backslash at the very end moves `at` past the input; `get` then ends the search.
    while let Some(found) = bytes.get(at..).and_then(|rest| memchr2(b'"', b'\\', rest)) {
        at += found;
        if bytes[at] == b'"' {
            return Ok(at + 1);
        }
        at += 2; // a backslash and the byte it escapes
    }
    Err(GrammarError {
        offset: open,
        message: "a string is not closed before the end of input",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Result<Vec<&str>, GrammarError> {
        split(text.as_bytes(), ArrayStart::Open, true)
            .map(|elements| elements.spans.iter().map(|&(a, b)| &text[a..b]).collect())
    }

    fn error_offset(text: &str) -> usize {
        texts(text).unwrap_err().offset
    }

    #[test]
    fn array_elements_are_found() {
        let text = "[\n  {\"a\": \"]}\\\"\"},\n  {\"b\": [1, {\"c\": 2}]},\n  42, \"s\", null\n]\n";
        assert_eq!(
            texts(text).unwrap(),
            [
                "{\"a\": \"]}\\\"\"}",
                "{\"b\": [1, {\"c\": 2}]}",
                "42",
                "\"s\"",
                "null"
            ]
        );
        assert_eq!(texts("[ ] ").unwrap(), Vec::<&str>::new());
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
        assert_eq!(error_offset("[\"abc\\"), 1);
    }

    #[test]
    fn a_scan_that_may_stop_short_keeps_the_whole_elements() {
        let text = b"{\"a\": 1},\n {\"b\": [2, 3";
        let elements = split(text, ArrayStart::AfterComma, false).unwrap();
        assert_eq!(elements.spans, [(0, 8)]);
        assert_eq!(elements.closed, None);
    }

    #[test]
    fn an_element_with_two_values_is_missing_a_comma() {
        assert_eq!(check_element(b" {} {}").unwrap_err().offset, 4);
        assert!(check_element(b" {\"a\": [1, 2]} ").is_ok());
    }
}
