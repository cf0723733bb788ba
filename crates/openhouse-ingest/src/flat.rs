//! The fast path for the common record: one flat JSON object whose strings need no
//! unescaping. Such a record is read in place, with no copy and no tape; anything else
//! (escapes, control characters, nested values, malformed text, invalid UTF-8) is left to
//! simd-json, so this scanner only ever has to recognise, never to report an error.
//!
//! The text is not checked as UTF-8 as a whole: outside strings the scanner accepts only
//! ASCII bytes, and a string is checked only when its block masks found a byte of 0x80 or
//! above in it, so an ASCII record (every record of the 1M benchmark feeds) is read in one pass.

use openhouse_model::{Field, JsonType, RawRecord, RawValue};

use crate::mask::{BLOCK, as_block};
#[cfg(target_arch = "x86_64")]
use crate::mask::{by_instruction_set, lane_mask, lane_mask_avx2};
use crate::parse::number_token;

/// The record's nine fields when `text` is a flat object this scanner reads exactly as
/// simd-json would; `None` when simd-json must decide.
pub(crate) fn scan_flat_object(text: &[u8]) -> Option<RawRecord<'_>> {
    let mut cursor = Cursor {
        text,
        at: 0,
        special: SpecialBytes::default(),
    };
    cursor.skip_whitespace();
    cursor.expect(b'{')?;
    cursor.skip_whitespace();
    let mut raw = RawRecord::default();
    if cursor.peek() == Some(b'}') {
        cursor.at += 1;
    } else {
        loop {
            cursor.expect(b'"')?;
            let key = cursor.string_body()?;
            cursor.skip_whitespace();
            cursor.expect(b':')?;
            cursor.skip_whitespace();
            let value = cursor.value()?;
            if let Some(field) = Field::from_name(key) {
                raw.set(field, value);
            }
            cursor.skip_whitespace();
            match cursor.next()? {
                b',' => cursor.skip_whitespace(),
                b'}' => break,
                _ => return None,
            }
        }
    }
    cursor.skip_whitespace();
    (cursor.at == text.len()).then_some(raw)
}

struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
    special: SpecialBytes,
}

/// Where the quotes, backslashes, control characters and non-ASCII bytes of one 64-byte
/// block of the text are, kept while the cursor is in that block: the eighteen strings of a
/// benchmark record (326 bytes of NDJSON) share its six blocks, so each block is classified
/// once rather than once a string.
#[derive(Debug, Clone, Copy)]
struct SpecialBytes {
    /// Where the block starts in the text; `usize::MAX` before the first.
    block_start: usize,
    mask: u64,
}

impl Default for SpecialBytes {
    fn default() -> Self {
        SpecialBytes {
            block_start: usize::MAX,
            mask: 0,
        }
    }
}

impl SpecialBytes {
    /// Where the first quote, backslash, control character or non-ASCII byte at or after
    /// `from` is.
    fn first_from(&mut self, bytes: &[u8], from: usize) -> Option<usize> {
        let mut block_start = from - from % BLOCK;
        let mut skipped_bits = from % BLOCK;
        while block_start < bytes.len() {
            if self.block_start != block_start {
                let block = &bytes[block_start..bytes.len().min(block_start + BLOCK)];
                self.mask = special_mask(block);
                self.block_start = block_start;
            }
            let ahead = self.mask & (u64::MAX << skipped_bits);
            if ahead != 0 {
                return Some(block_start + ahead.trailing_zeros() as usize);
            }
            block_start += BLOCK;
            skipped_bits = 0;
        }
        None
    }
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// JSON's four whitespace bytes, and no others.
    fn skip_whitespace(&mut self) {
        // A byte at a time: runs are short (one space after a colon, an indentation), and a
        // search of the block's mask measured slower on a pretty-printed array.
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    /// The text up to the closing quote, which is consumed; `None` at an escape or a control
    /// character (simd-json unescapes the one and rejects the other), or when the text is not
    /// UTF-8.
    fn string_body(&mut self) -> Option<&'a str> {
        let start = self.at;
        let mut from = start;
        let mut ascii = true;
        let end = loop {
            let found = self.special.first_from(self.text, from)?;
            match self.text[found] {
                b'"' => break found,
                0x80.. => {
                    ascii = false;
                    from = found + 1;
                }
                _ => return None,
            }
        };
        self.at = end + 1;
        let body = &self.text[start..end];
        if ascii {
            // SAFETY: the masks found no byte of 0x80 or above in `body`: it is ASCII, which
            // is UTF-8.
            Some(unsafe { std::str::from_utf8_unchecked(body) })
        } else {
            std::str::from_utf8(body).ok()
        }
    }

    /// A string, `null`, `true`, `false` or a number; `None` for a container or anything
    /// malformed. What follows a scalar is the caller's to check, as after a string.
    fn value(&mut self) -> Option<RawValue<'a>> {
        match self.peek()? {
            b'"' => {
                self.at += 1;
                self.string_body().map(RawValue::Str)
            }
            b'n' => self.literal("null", RawValue::Null),
            b't' => self.literal("true", RawValue::Other(JsonType::Bool)),
            b'f' => self.literal("false", RawValue::Other(JsonType::Bool)),
            b'-' | b'0'..=b'9' => {
                let (length, is_number) = number_token(&self.text[self.at..]);
                self.at += length;
                is_number.then_some(RawValue::Other(JsonType::Number))
            }
            _ => None,
        }
    }

    fn literal(&mut self, word: &str, value: RawValue<'a>) -> Option<RawValue<'a>> {
        self.text[self.at..].starts_with(word.as_bytes()).then(|| {
            self.at += word.len();
            value
        })
    }
}

/// Bit `i` set when byte `i` of `block` (at most 64 bytes) is a quote, a backslash, below
/// 0x20 or 0x80 and above. A short block is padded with spaces, which are none of these.
fn special_mask(block: &[u8]) -> u64 {
    as_block(block, special_mask_block)
}

/// A byte that ends a string's plain run: the definition the masks are tested against.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn is_special(byte: u8) -> bool {
    // Below 0x20 a control character, 0x80 and above not ASCII.
    byte == b'"' || byte == b'\\' || !(0x20..0x80).contains(&byte)
}

#[cfg(target_arch = "x86_64")]
fn special_mask_block(block: &[u8; BLOCK]) -> u64 {
    by_instruction_set(block, special_mask_avx2, special_mask_sse2)
}

#[cfg(not(target_arch = "x86_64"))]
fn special_mask_block(block: &[u8; BLOCK]) -> u64 {
    special_mask_bytewise(block)
}

/// The mask a byte at a time: the definition the vector versions are tested against.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn special_mask_bytewise(block: &[u8]) -> u64 {
    block.iter().enumerate().fold(0, |mask, (index, &byte)| {
        mask | u64::from(is_special(byte)) << index
    })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn special_mask_sse2(block: &[u8; BLOCK]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    let mut mask = 0;
    for (index, lane) in block.chunks_exact(16).enumerate() {
        // SAFETY: `lane` is 16 readable bytes; `_mm_loadu_si128` has no alignment demand.
        let bytes = unsafe { _mm_loadu_si128(lane.as_ptr().cast::<__m128i>()) };
        // Unsigned `byte <= 0x1f` is `min(byte, 0x1f) == byte`.
        let control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, _mm_set1_epi8(0x1f)), bytes);
        // The sign bit of each byte is the non-ASCII test.
        let special = lane_mask(bytes, b'"', b'\\')
            | u64::from(_mm_movemask_epi8(_mm_or_si128(control, bytes)) as u16);
        mask |= special << (16 * index);
    }
    mask
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn special_mask_avx2(block: &[u8; BLOCK]) -> u64 {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_or_si256, _mm256_set1_epi8,
    };
    let mut mask = 0;
    for (index, lane) in block.chunks_exact(32).enumerate() {
        // SAFETY: `lane` is 32 readable bytes; `_mm256_loadu_si256` has no alignment demand.
        let bytes = unsafe { _mm256_loadu_si256(lane.as_ptr().cast::<__m256i>()) };
        // Unsigned `byte <= 0x1f` is `min(byte, 0x1f) == byte`.
        let control = _mm256_cmpeq_epi8(_mm256_min_epu8(bytes, _mm256_set1_epi8(0x1f)), bytes);
        // The sign bit of each byte is the non-ASCII test.
        let special = lane_mask_avx2(bytes, b'"', b'\\')
            | u64::from(_mm256_movemask_epi8(_mm256_or_si256(control, bytes)) as u32);
        mask |= special << (32 * index);
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn blocks_are_classified_as_a_byte_loop_classifies_them(
            bytes in prop::collection::vec(prop::sample::select(b"a\"\\\x00\x1f\x20\x7f\xff9".to_vec()), 0..=64),
        ) {
            let mut padded = [b' '; BLOCK];
            padded[..bytes.len()].copy_from_slice(&bytes);
            let expected = special_mask_bytewise(&padded);
            prop_assert_eq!(special_mask(&bytes), expected);
            // Each instruction set on its own, whichever `special_mask` chose.
            #[cfg(target_arch = "x86_64")]
            {
                // SAFETY: SSE2 is part of every x86_64 processor.
                prop_assert_eq!(unsafe { special_mask_sse2(&padded) }, expected);
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the processor has AVX2, checked just above.
                    prop_assert_eq!(unsafe { special_mask_avx2(&padded) }, expected);
                }
            }
        }

        #[test]
        fn special_bytes_are_found_as_a_byte_loop_finds_them(
            bytes in prop::collection::vec(prop::sample::select(b"a\"\\\x00\x1f\x20\x7f\xff9".to_vec()), 0..200),
            starts in prop::collection::vec(0usize..200, 1..6),
        ) {
            // Several searches through one cache, in any order: forwards, as a record's
            // strings come, and back to a block searched before.
            let mut special = SpecialBytes::default();
            for start in starts {
                let start = start.min(bytes.len());
                let slow = bytes[start..].iter().position(|&b| is_special(b)).map(|found| start + found);
                prop_assert_eq!(special.first_from(&bytes, start), slow);
            }
        }
    }
}
