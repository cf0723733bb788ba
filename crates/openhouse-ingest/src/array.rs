//! Splitting a window of a JSON array into its elements on many cores.
//!
//! A byte's meaning depends on everything before it: whether it is inside a string, and how
//! deep. So each chunk of the window is first summarised for both string states it could
//! start in (pass 1, parallel); a prefix over the chunks, not over the bytes, then gives each
//! chunk its true starting state and depth; and each chunk emits the offsets of the array's
//! own commas and its closing bracket (pass 2, parallel). Whether a chunk starts just after
//! an escaping backslash is read from the bytes before it, whatever the string state. See
//! `shared/notes/parallel-array-split.md` and the sources it cites.
//!
//! A pretty-printed array needs one pass, not two: JSON strings cannot hold a raw newline,
//! so a chunk that starts just after one starts outside a string, and only its depth is
//! unknown. Such a chunk keeps the commas at the lowest depth it reaches, which are the
//! array's own exactly when that depth turns out to be 1. The quotes' parity, summed over
//! the chunks, confirms that no chunk started inside a string; when anything is off (a raw
//! newline inside a string, the array's end, no newline within reach), the window takes the
//! two passes instead, so both ways find the same separators.
//!
//! Only well-formed arrays are split here; when anything is off, the caller asks the
//! byte-by-byte scan in [`crate::sequential`] for the first error, so that every malformed
//! array is reported the same way whatever the chunk size.

use rayon::prelude::*;

use crate::mask::{BLOCK, classify, escaped, prefix_xor};
use crate::sequential::ArrayStart;
use crate::split::{RecordSpan, is_json_whitespace, skip_whitespace};

/// The elements of one window of an array, window-relative.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WindowElements {
    /// Each element's first and past-last byte and the newlines before its first byte.
    pub elements: Vec<RecordSpan>,
    /// Where the unfinished rest of the window starts (the bytes after the last comma), or
    /// the window's length when nothing is left over.
    pub rest: usize,
    /// Just past the array's closing `]`, if it is in this window.
    pub closed: Option<usize>,
    /// Newlines in the window before `rest`.
    pub newlines_before_rest: u64,
}

/// The window holds something the fast splitter does not accept: ask the sequential scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotWellFormed;

/// What pass 1 learns of a chunk for each string state it may start in.
#[derive(Debug, Clone, Copy, Default)]
struct Summary {
    odd_quotes: bool,
    /// Indexed by whether the chunk starts inside a string.
    depth_change: [i64; 2],
    newlines: u64,
}

/// Where a chunk starts, as the prefix over chunks found.
#[derive(Debug, Clone, Copy)]
struct ChunkStart {
    in_string: bool,
    depth: i64,
    newlines_before: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SeparatorKind {
    Comma,
    Close,
}

#[derive(Debug, Clone, Copy)]
struct Separator {
    offset: usize,
    kind: SeparatorKind,
    /// Newlines in the window before the separator.
    newlines_before: u64,
}

/// Splits `window`, which starts at the array's `[` or just after a comma between elements.
pub(crate) fn split_window(
    window: &[u8],
    start: ArrayStart,
    chunk_bytes: usize,
) -> Result<WindowElements, NotWellFormed> {
    let chunk_bytes = chunk_bytes
        .clamp(BLOCK, window.len().max(BLOCK))
        .next_multiple_of(BLOCK);
    let separators = match separators_by_lines(window, start, chunk_bytes) {
        Some(found) => found,
        None => separators_in_two_passes(window, start, chunk_bytes),
    };
    assemble(window, start, &separators.by_chunk, separators.newlines)
}

/// The array's own commas and closing bracket in a window, chunk by chunk, and the
/// window's newlines.
struct WindowSeparators {
    by_chunk: Vec<Vec<Separator>>,
    newlines: u64,
}

/// What one chunk that starts just after a newline (or at the window's first element)
/// holds, read as if it started outside a string at depth 0.
#[derive(Default)]
struct LineChunk {
    odd_quotes: bool,
    depth_change: i64,
    newlines: u64,
    /// The lowest depth reached, the start included.
    lowest: i64,
    /// The commas at depth `lowest`, with the newlines before each counted from the
    /// chunk's start.
    at_lowest: Vec<Separator>,
}

/// The separators found in one pass over chunks that start after newlines, or `None` when
/// the window needs [`separators_in_two_passes`]: no newline within a chunk's reach, a
/// chunk that started inside a string after all (a raw newline in a string, which is not
/// JSON), or a depth of 0 or less (the array's end, or too many closing brackets).
fn separators_by_lines(
    window: &[u8],
    start: ArrayStart,
    chunk_bytes: usize,
) -> Option<WindowSeparators> {
    // The first element's region starts after the `[`, at depth 1 like every later one.
    let first = match start {
        ArrayStart::Open if window.first() == Some(&b'[') => 1,
        ArrayStart::Open => return None,
        ArrayStart::AfterComma => 0,
    };
    let mut starts = vec![first];
    loop {
        let target = starts[starts.len() - 1] + chunk_bytes;
        if target >= window.len() {
            break;
        }
        let reach_end = target + chunk_bytes;
        match memchr::memchr(b'\n', &window[target..window.len().min(reach_end)]) {
            Some(newline) if target + newline + 1 < window.len() => {
                starts.push(target + newline + 1);
            }
            // The last chunk takes the rest of the window.
            Some(_) => break,
            None if reach_end >= window.len() => break,
            None => return None,
        }
    }
    let ends = starts.iter().skip(1).copied().chain([window.len()]);
    let ranges: Vec<(usize, usize)> = starts.iter().copied().zip(ends).collect();
    let chunks: Vec<LineChunk> = ranges
        .par_iter()
        .map(|&(from, to)| scan_line_chunk(&window[from..to], from))
        .collect();

    let mut by_chunk = Vec::with_capacity(chunks.len());
    let mut depth = 1;
    let mut newlines = 0;
    let mut in_string = false;
    for chunk in chunks {
        if in_string || depth + chunk.lowest < 1 {
            return None;
        }
        let separators: Vec<Separator> = if depth + chunk.lowest == 1 {
            chunk
                .at_lowest
                .into_iter()
                .map(|separator| Separator {
                    newlines_before: separator.newlines_before + newlines,
                    ..separator
                })
                .collect()
        } else {
            Vec::new()
        };
        by_chunk.push(separators);
        depth += chunk.depth_change;
        newlines += chunk.newlines;
        in_string ^= chunk.odd_quotes;
    }
    Some(WindowSeparators { by_chunk, newlines })
}

/// One chunk of [`separators_by_lines`], at window offset `offset`. Only brackets change
/// the depth, so each block is walked bracket by bracket, and the commas between two
/// brackets are looked at only when the depth there is the lowest: in a feed of flat
/// objects of nine fields, one comma in nine.
fn scan_line_chunk(chunk: &[u8], offset: usize) -> LineChunk {
    let mut scan = LineChunk::default();
    let mut depth = 0i64;
    for (index, (classes, in_string)) in blocks(chunk, false).enumerate() {
        let outside = !in_string;
        let mut brackets = (classes.open | classes.close) & outside;
        let commas = classes.comma & outside;
        let mut from = 0;
        loop {
            let to = brackets.trailing_zeros();
            if depth == scan.lowest {
                let mut lowest_commas = commas & bits_from(from) & bits_below(to);
                while lowest_commas != 0 {
                    let bit = lowest_commas & lowest_commas.wrapping_neg();
                    lowest_commas ^= bit;
                    scan.at_lowest.push(Separator {
                        offset: offset + index * BLOCK + bit.trailing_zeros() as usize,
                        kind: SeparatorKind::Comma,
                        newlines_before: scan.newlines
                            + u64::from((classes.newline & (bit - 1)).count_ones()),
                    });
                }
            }
            if brackets == 0 {
                break;
            }
            let bit = brackets & brackets.wrapping_neg();
            brackets ^= bit;
            if classes.open & bit != 0 {
                depth += 1;
            } else {
                depth -= 1;
                if depth < scan.lowest {
                    scan.lowest = depth;
                    scan.at_lowest.clear();
                }
            }
            from = to + 1;
        }
        scan.newlines += u64::from(classes.newline.count_ones());
        scan.odd_quotes = (in_string >> 63) == 1;
    }
    scan.depth_change = depth;
    scan
}

/// The bits at `from` and above (none when `from` is 64).
fn bits_from(from: u32) -> u64 {
    u64::MAX.checked_shl(from).unwrap_or(0)
}

/// The bits below `to` (all when `to` is 64).
fn bits_below(to: u32) -> u64 {
    1u64.checked_shl(to).map_or(u64::MAX, |bit| bit - 1)
}

/// The separators by the two passes of the module documentation, for any window.
fn separators_in_two_passes(
    window: &[u8],
    start: ArrayStart,
    chunk_bytes: usize,
) -> WindowSeparators {
    let chunks: Vec<(usize, &[u8])> = window
        .chunks(chunk_bytes)
        .enumerate()
        .map(|(index, chunk)| (index * chunk_bytes, chunk))
        .collect();
    let summaries: Vec<Summary> = chunks
        .par_iter()
        .map(|&(offset, chunk)| summarise(chunk, escapes_first_byte(window, offset)))
        .collect();

    let mut starts = Vec::with_capacity(chunks.len());
    let mut state = ChunkStart {
        in_string: false,
        depth: match start {
            ArrayStart::Open => 0,
            ArrayStart::AfterComma => 1,
        },
        newlines_before: 0,
    };
    for summary in &summaries {
        starts.push(state);
        let variant = usize::from(state.in_string);
        state.depth += summary.depth_change[variant];
        state.in_string ^= summary.odd_quotes;
        state.newlines_before += summary.newlines;
    }

    let separators: Vec<Vec<Separator>> = chunks
        .par_iter()
        .zip(&starts)
        .map(|(&(offset, chunk), &start)| {
            separators(chunk, offset, escapes_first_byte(window, offset), start)
        })
        .collect();
    WindowSeparators {
        by_chunk: separators,
        newlines: state.newlines_before,
    }
}

/// Whether the byte at `offset` is escaped: an odd run of backslashes ends just before it.
fn escapes_first_byte(window: &[u8], offset: usize) -> bool {
    window[..offset]
        .iter()
        .rev()
        .take_while(|&&byte| byte == b'\\')
        .count()
        % 2
        == 1
}

/// The string-interior mask of each block of `chunk` for a chunk that starts outside a
/// string; a start inside a string flips every bit.
fn blocks(
    chunk: &[u8],
    mut escape_carry: bool,
) -> impl Iterator<Item = (crate::mask::Classes, u64)> + '_ {
    let mut in_string_carry = 0u64;
    chunk.chunks(BLOCK).map(move |block| {
        let classes = classify(block);
        let quotes = classes.quote & !escaped(classes.backslash, &mut escape_carry);
        let in_string = prefix_xor(quotes) ^ in_string_carry;
        in_string_carry = ((in_string as i64) >> 63) as u64;
        (classes, in_string)
    })
}

fn summarise(chunk: &[u8], escape_carry: bool) -> Summary {
    let mut summary = Summary::default();
    for (classes, in_string_if_outside) in blocks(chunk, escape_carry) {
        summary.newlines += u64::from(classes.newline.count_ones());
        for variant in 0..2 {
            let outside = if variant == 0 {
                !in_string_if_outside
            } else {
                in_string_if_outside
            };
            let mut brackets = (classes.open | classes.close) & outside;
            while brackets != 0 {
                let bit = brackets & brackets.wrapping_neg();
                summary.depth_change[variant] += if classes.open & bit != 0 { 1 } else { -1 };
                brackets ^= bit;
            }
        }
        // The last bit says whether the block ended inside a string (a short last block is
        // padded with spaces, which keep the state of its last byte).
        summary.odd_quotes = (in_string_if_outside >> 63) == 1;
    }
    summary
}

fn separators(
    chunk: &[u8],
    offset: usize,
    escape_carry: bool,
    start: ChunkStart,
) -> Vec<Separator> {
    let mut found = Vec::new();
    let mut depth = start.depth;
    let mut newlines = start.newlines_before;
    let flip = if start.in_string { u64::MAX } else { 0 };
    for (index, (classes, in_string_if_outside)) in blocks(chunk, escape_carry).enumerate() {
        let outside = !(in_string_if_outside ^ flip);
        let mut structural = (classes.open | classes.close | classes.comma) & outside;
        while structural != 0 {
            let bit = structural & structural.wrapping_neg();
            let newlines_before = newlines + u64::from((classes.newline & (bit - 1)).count_ones());
            let at = offset + index * BLOCK + bit.trailing_zeros() as usize;
            let kind = if classes.open & bit != 0 {
                depth += 1;
                None
            } else if classes.close & bit != 0 {
                depth -= 1;
                (depth == 0).then_some(SeparatorKind::Close)
            } else {
                (depth == 1).then_some(SeparatorKind::Comma)
            };
            if let Some(kind) = kind {
                found.push(Separator {
                    offset: at,
                    kind,
                    newlines_before,
                });
            }
            structural ^= bit;
        }
        newlines += u64::from(classes.newline.count_ones());
    }
    found
}

/// How many separators ahead [`assemble`] asks for the bytes it will read.
const PREFETCH_AHEAD: usize = 16;

/// Asks the processor to bring `bytes[at]` into the cache; a hint, which changes nothing.
fn prefetch(bytes: &[u8], at: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(byte) = bytes.get(at) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: a prefetch never faults, and the address is inside `bytes`.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(byte).cast()) };
    }
}

/// Turns the separators into element spans; anything but a well-formed run of elements is
/// left to the sequential scan.
fn assemble(
    window: &[u8],
    start: ArrayStart,
    separators: &[Vec<Separator>],
    total_newlines: u64,
) -> Result<WindowElements, NotWellFormed> {
    let mut result = WindowElements::default();
    let mut region_start = match start {
        ArrayStart::Open => 1,
        ArrayStart::AfterComma => 0,
    };
    // The newlines before the region's opening separator, and where that separator is.
    let mut region_newlines = (0u64, 0usize);
    // The bytes around each separator were read by another core, long enough ago to have
    // left this core's caches: asking for them a few elements ahead keeps this sequential
    // loop from waiting on memory once per element.
    let mut ahead = separators.iter().flatten().skip(PREFETCH_AHEAD);
    for separator in separators.iter().flatten() {
        if let Some(coming) = ahead.next() {
            prefetch(window, coming.offset.saturating_sub(1));
        }
        let first = skip_whitespace(&window[..separator.offset], region_start);
        let mut end = separator.offset;
        while end > first && is_json_whitespace(window[end - 1]) {
            end -= 1;
        }
        if first == end {
            // `[ ]` is an empty array; any other empty element is an error.
            let empty_array = separator.kind == SeparatorKind::Close
                && start == ArrayStart::Open
                && result.elements.is_empty();
            if !empty_array {
                return Err(NotWellFormed);
            }
        } else {
            let (before, from) = region_newlines;
            let gap = memchr::memchr_iter(b'\n', &window[from..first]).count() as u64;
            result.elements.push(RecordSpan {
                start: first,
                end,
                newlines_before: before + gap,
            });
        }
        region_start = separator.offset + 1;
        region_newlines = (separator.newlines_before, separator.offset);
        if separator.kind == SeparatorKind::Close {
            if skip_whitespace(window, region_start) < window.len() {
                return Err(NotWellFormed);
            }
            result.closed = Some(region_start);
            result.rest = window.len();
            result.newlines_before_rest = total_newlines;
            return Ok(result);
        }
    }
    result.rest = region_start;
    // `rest` is just past a comma, which is not a newline.
    result.newlines_before_rest = region_newlines.0;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sequential::{self, Elements};
    use proptest::prelude::*;

    /// The parallel split compared with the sequential one on a whole array.
    fn both(
        text: &[u8],
        chunk_bytes: usize,
    ) -> (
        Result<WindowElements, NotWellFormed>,
        Result<Elements, sequential::GrammarError>,
    ) {
        (
            split_window(text, ArrayStart::Open, chunk_bytes),
            sequential::split(text, ArrayStart::Open, false),
        )
    }

    fn spans(elements: &WindowElements) -> Vec<(usize, usize)> {
        elements.elements.iter().map(|e| (e.start, e.end)).collect()
    }

    #[test]
    fn finds_elements_with_their_lines() {
        let text =
            b"[\n  {\"a\": \"]}\\\"\"},\n  {\"b\": [1, {\"c\": 2}]},\n  42, \"s\", null\n]\n";
        let split = split_window(text, ArrayStart::Open, 64).unwrap();
        let texts: Vec<&str> = split
            .elements
            .iter()
            .map(|e| std::str::from_utf8(&text[e.start..e.end]).unwrap())
            .collect();
        assert_eq!(
            texts,
            [
                "{\"a\": \"]}\\\"\"}",
                "{\"b\": [1, {\"c\": 2}]}",
                "42",
                "\"s\"",
                "null"
            ]
        );
        let lines: Vec<u64> = split
            .elements
            .iter()
            .map(|e| e.newlines_before + 1)
            .collect();
        assert_eq!(lines, [2, 3, 4, 4, 4]);
        assert_eq!(split.closed, Some(text.len() - 1));
    }

    #[test]
    fn an_unfinished_window_leaves_the_rest_after_the_last_comma() {
        let text = b"[{\"a\": 1}, {\"b\": \"x";
        let split = split_window(text, ArrayStart::Open, 64).unwrap();
        assert_eq!(spans(&split), [(1, 9)]);
        assert_eq!(split.rest, 10);
        assert_eq!(split.closed, None);
    }

    #[test]
    fn empty_elements_and_trailing_content_go_to_the_sequential_scan() {
        for text in ["[{}, ]", "[,{}]", "[{}] x", "[{},,{}]"] {
            assert_eq!(
                split_window(text.as_bytes(), ArrayStart::Open, 64),
                Err(NotWellFormed),
                "{text}"
            );
        }
        assert_eq!(
            spans(&split_window(b"[ ]", ArrayStart::Open, 64).unwrap()),
            []
        );
    }

    /// JSON text of a string holding `text`, escaped as JSON requires.
    fn json_string(text: &str) -> String {
        let mut out = String::from("\"");
        for character in text.chars() {
            match character {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                other => out.push(other),
            }
        }
        out.push('"');
        out
    }

    /// Well-formed arrays whose strings are full of the bytes that fool a naive scan.
    fn arrays() -> impl Strategy<Value = Vec<u8>> {
        let text = "[a-z \\\\\"\\]\\[{},]{0,12}";
        let element = prop_oneof![
            (text, text).prop_map(|(key, value)| format!(
                "{{{}: {}}}",
                json_string(&key),
                json_string(&value)
            )),
            text.prop_map(|value| format!("{{\"k\": [1, {{\"n\": {}}}]}}", json_string(&value))),
            text.prop_map(|value| json_string(&value)),
            "[0-9]{1,4}".prop_map(|n| n.to_string()),
            Just("[]".to_owned()),
        ];
        prop::collection::vec(element, 0..12)
            .prop_map(|elements| format!("[\n  {}\n]\n", elements.join(",\n  ")).into_bytes())
    }

    /// Every separator of a window in order: offset, whether it closes, newlines before.
    fn flat(found: &WindowSeparators) -> Vec<(usize, bool, u64)> {
        found
            .by_chunk
            .iter()
            .flatten()
            .map(|s| (s.offset, s.kind == SeparatorKind::Close, s.newlines_before))
            .collect()
    }

    /// A window of a well-formed array, from just after a comma, without the array's end.
    fn window_after_a_comma(elements: usize) -> Vec<u8> {
        let element = "{\n    \"OpenHouseKey\": \"a,b]\\\"\",\n    \"Zip\": [1, {\"n\": 2}]\n  }";
        let mut text = String::from("\n  ");
        for _ in 0..elements {
            text.push_str(element);
            text.push_str(",\n  ");
        }
        text.push_str("{\"unfinished\": \"");
        text.into_bytes()
    }

    #[test]
    fn a_pretty_window_takes_one_pass_and_finds_what_two_find() {
        let window = window_after_a_comma(40);
        for chunk_bytes in [64, 128, 4096] {
            let one = separators_by_lines(&window, ArrayStart::AfterComma, chunk_bytes)
                .expect("one pass");
            let two = separators_in_two_passes(&window, ArrayStart::AfterComma, chunk_bytes);
            assert_eq!(flat(&one), flat(&two));
            assert_eq!(one.newlines, two.newlines);
            assert_eq!(flat(&one).len(), 40);
        }
        let mut opened = b"[".to_vec();
        opened.extend_from_slice(&window);
        let one = separators_by_lines(&opened, ArrayStart::Open, 64).expect("one pass");
        assert_eq!(
            flat(&one),
            flat(&separators_in_two_passes(&opened, ArrayStart::Open, 64))
        );
    }

    #[test]
    fn a_raw_newline_in_a_string_or_the_arrays_end_takes_two_passes() {
        // Every newline inside a string, which JSON does not allow: the second chunk would
        // start inside one.
        let window = "{\"k\": \"a\nb\"}, ".repeat(20);
        assert!(separators_by_lines(window.as_bytes(), ArrayStart::AfterComma, 64).is_none());
        let closed = b"{\"a\": 1},\n  {\"b\": 2}\n]\n";
        assert!(separators_by_lines(closed, ArrayStart::AfterComma, 64).is_none());
    }

    /// Arrays, and prefixes of them, with raw newlines put anywhere, inside strings too.
    fn windows_with_newlines() -> impl Strategy<Value = Vec<u8>> {
        (
            arrays(),
            prop::collection::vec(any::<prop::sample::Index>(), 0..6),
            any::<prop::sample::Index>(),
        )
            .prop_map(|(mut text, newlines, cut)| {
                for at in newlines {
                    let at = at.index(text.len() + 1);
                    text.insert(at, b'\n');
                }
                text.truncate(cut.index(text.len() + 1).max(1));
                text
            })
    }

    proptest! {
        #[test]
        fn one_pass_finds_the_two_passes_separators_whenever_it_answers(
            text in windows_with_newlines(),
            after_comma in any::<bool>(),
            chunk_bytes in prop_oneof![Just(64usize), Just(128), Just(4096)],
        ) {
            let (window, start) = if after_comma {
                (&text[1..], ArrayStart::AfterComma)
            } else {
                (&text[..], ArrayStart::Open)
            };
            if let Some(one) = separators_by_lines(window, start, chunk_bytes) {
                let two = separators_in_two_passes(window, start, chunk_bytes);
                prop_assert_eq!(flat(&one), flat(&two));
            }
        }

        #[test]
        fn parallel_and_sequential_splits_agree_at_every_chunk_size(
            text in arrays(),
            chunk_bytes in prop_oneof![Just(64usize), Just(128), Just(4096)],
        ) {
            let (parallel, sequential) = both(&text, chunk_bytes);
            let sequential = sequential.unwrap();
            let parallel = parallel.unwrap();
            prop_assert_eq!(spans(&parallel), sequential.spans);
            prop_assert_eq!(parallel.closed, sequential.closed);
        }

        #[test]
        fn any_prefix_splits_as_the_sequential_scan_does(text in arrays(), cut in any::<prop::sample::Index>()) {
            let prefix = &text[..cut.index(text.len() + 1)];
            let sequential = sequential::split(prefix, ArrayStart::Open, false);
            if let (Ok(parallel), Ok(sequential)) = (split_window(prefix, ArrayStart::Open, 64), sequential) {
                prop_assert_eq!(spans(&parallel), sequential.spans);
            }
        }
    }
}
