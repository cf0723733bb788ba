//! What the splitters and the flat scanner share: a record's place in its window, and JSON's
//! whitespace.

/// One record of a window: its bytes and the newlines in the window before its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordSpan {
    pub start: usize,
    pub end: usize,
    pub newlines_before: u64,
}

/// Records of a window found together (one NDJSON chunk, or a whole array window), in input
/// order; their newline counts are relative to the group's.
#[derive(Debug)]
pub(crate) struct RecordGroup {
    pub spans: Vec<RecordSpan>,
    /// Newlines in the window before the group's first byte.
    pub newlines_before: u64,
}

/// The four bytes JSON counts as whitespace.
pub(crate) fn is_json_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Where the first byte at or after `at` that is not JSON whitespace is: `at` itself when
/// that byte is not (or `at` is past the end), else the bytes' length when only whitespace
/// follows. Compact NDJSON has no whitespace, so most calls end at the first byte; a
/// pretty-printed array indents each field by a line end and eight spaces or so, which are
/// skipped sixteen bytes at a time.
#[inline(always)]
pub(crate) fn skip_whitespace(bytes: &[u8], mut at: usize) -> usize {
    if !bytes.get(at).is_some_and(|&byte| is_json_whitespace(byte)) {
        return at;
    }
    at += 1;
    while let Some(lane) = bytes.get(at..at + 16) {
        let not_whitespace = !whitespace_mask(lane);
        if not_whitespace != 0 {
            return at + not_whitespace.trailing_zeros() as usize;
        }
        at += 16;
    }
    while bytes.get(at).is_some_and(|&byte| is_json_whitespace(byte)) {
        at += 1;
    }
    at
}

/// Bit `i` set when byte `i` of the 16 is whitespace; the bits above 16 are set.
#[cfg(target_arch = "x86_64")]
fn whitespace_mask(lane: &[u8]) -> u32 {
    use crate::mask::lane_mask;
    use std::arch::x86_64::{__m128i, _mm_loadu_si128};
    debug_assert_eq!(lane.len(), 16);
    // SAFETY: `lane` is 16 readable bytes; `_mm_loadu_si128` has no alignment demand.
    let bytes = unsafe { _mm_loadu_si128(lane.as_ptr().cast::<__m128i>()) };
    // SAFETY: SSE2 is part of every x86_64 processor.
    let whitespace = unsafe { lane_mask(bytes, b' ', b'\t') | lane_mask(bytes, b'\n', b'\r') };
    whitespace as u32 | !0xFFFF
}

#[cfg(not(target_arch = "x86_64"))]
fn whitespace_mask(lane: &[u8]) -> u32 {
    lane.iter()
        .enumerate()
        .fold(!0xFFFF, |mask, (index, &byte)| {
            mask | u32::from(is_json_whitespace(byte)) << index
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn whitespace_is_skipped_as_a_byte_loop_skips_it(
            bytes in prop::collection::vec(prop::sample::select(b"  \n\r\ta\x0b\"".to_vec()), 0..80),
            start in 0usize..80,
        ) {
            let start = start.min(bytes.len());
            let slow = bytes[start..]
                .iter()
                .position(|&byte| !is_json_whitespace(byte))
                .map_or(bytes.len(), |found| start + found);
            prop_assert_eq!(skip_whitespace(&bytes, start), slow);
        }
    }
}
