//! Splitting a window of NDJSON into its records, chunks in parallel: a record is a line
//! that is not blank, without its line ending. JSON strings cannot hold a raw newline, so
//! every newline ends a record.

use memchr::{memchr, memchr_iter};
use rayon::prelude::*;

use crate::split::{RecordGroup, RecordSpan, is_json_whitespace};

/// The records of the first `complete` bytes of `window` (which end with a newline, or the
/// input ends there), in input order, a group per chunk, and the newlines in those bytes.
/// The groups are kept apart, not joined, so that nothing here is sequential per record.
pub(crate) fn split_window(
    window: &[u8],
    complete: usize,
    chunk_bytes: usize,
) -> (Vec<RecordGroup>, u64) {
    let window = &window[..complete];
    let mut starts = vec![0usize];
    while let Some(&last) = starts.last() {
        let target = last.saturating_add(chunk_bytes.max(1));
        if target >= window.len() {
            break;
        }
        match memchr(b'\n', &window[target..]) {
            Some(found) if target + found + 1 < window.len() => starts.push(target + found + 1),
            _ => break,
        }
    }
    let chunks: Vec<(usize, usize)> = starts
        .iter()
        .zip(starts.iter().skip(1).chain([&window.len()]))
        .map(|(&start, &end)| (start, end))
        .collect();
    let per_chunk: Vec<(Vec<RecordSpan>, u64)> = chunks
        .par_iter()
        .map(|&(start, end)| lines(window, start, end))
        .collect();
    let mut groups = Vec::with_capacity(per_chunk.len());
    let mut newlines_before = 0;
    for (spans, newlines) in per_chunk {
        groups.push(RecordGroup {
            spans,
            newlines_before,
        });
        newlines_before += newlines;
    }
    (groups, newlines_before)
}

/// The non-blank lines of `window[start..end]`, their newline counts relative to `start`,
/// and the newlines in that stretch.
fn lines(window: &[u8], start: usize, end: usize) -> (Vec<RecordSpan>, u64) {
    let mut spans = Vec::new();
    let mut line_start = start;
    let mut newlines = 0u64;
    let line_ends = memchr_iter(b'\n', &window[start..end])
        .map(|at| start + at)
        .chain((window[start..end].last() != Some(&b'\n')).then_some(end));
    for line_end in line_ends {
        let text = &window[line_start..line_end];
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let blank = match text.first() {
            Some(b'{') => false,
            _ => text.iter().all(|&byte| is_json_whitespace(byte)),
        };
        if !blank {
            spans.push(RecordSpan {
                start: line_start,
                end: line_start + text.len(),
                newlines_before: newlines,
            });
        }
        if line_end < end {
            newlines += 1;
        }
        line_start = line_end + 1;
    }
    (spans, newlines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(window: &[u8], chunk_bytes: usize) -> Vec<(String, u64)> {
        split_window(window, window.len(), chunk_bytes)
            .0
            .into_iter()
            .flat_map(|group| {
                group.spans.into_iter().map(move |span| {
                    (
                        String::from_utf8_lossy(&window[span.start..span.end]).into_owned(),
                        group.newlines_before + span.newlines_before + 1,
                    )
                })
            })
            .collect()
    }

    #[test]
    fn blank_lines_are_skipped_and_line_endings_stripped() {
        let text = b"{\"a\":1}\r\n\n   \r\n[2]\n  {\"b\":\"x\\ny\"}";
        let expected = [
            ("{\"a\":1}".to_owned(), 1),
            ("[2]".to_owned(), 4),
            ("  {\"b\":\"x\\ny\"}".to_owned(), 5),
        ];
        assert_eq!(texts(text, 1 << 20), expected);
        assert_eq!(texts(text, 1), expected);
    }

    proptest! {
        #[test]
        fn records_do_not_depend_on_the_chunk_size(
            lines in prop::collection::vec("[ a{}\r]{0,8}", 0..30),
            chunk_bytes in 1..40usize,
        ) {
            let text = lines.join("\n").into_bytes();
            prop_assert_eq!(texts(&text, chunk_bytes), texts(&text, usize::MAX / 2));
        }
    }
}
