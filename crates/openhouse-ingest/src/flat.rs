//! The fast path for the common record: one flat JSON object whose strings need no
//! unescaping. Such a record is read in place, with no copy and no tape; anything else
//! (escapes, control characters, nested values, malformed text, invalid UTF-8) is left to
//! simd-json, so this scanner only ever has to recognise, never to report an error.
//!
//! A record is read one of two ways. An ASCII record of at most a kilobyte with no
//! backslash (every record of the benchmark feeds) is read from its blocks' masks alone:
//! each string runs from one quote to the next ([`scan_plain_object`]). Any other text is
//! read with a cursor that searches for each string's end ([`scan_by_cursor`]), which
//! decides every text; the first way only takes the texts it can read exactly as the second
//! does. Neither checks the text as UTF-8 as a whole: outside strings only ASCII bytes are
//! accepted, and a string is checked only when its block masks found a byte of 0x80 or
//! above in it.

use openhouse_model::{Field, JsonType, RawRecord, RawValue};

use crate::mask::{BLOCK, as_block, prefix_xor};
#[cfg(target_arch = "x86_64")]
use crate::mask::{by_instruction_set, lane_mask, lane_mask_avx2};
use crate::parse::number_token;
use crate::split::skip_whitespace;

/// Whether `text` is a flat object this scanner reads exactly as simd-json would, its nine
/// fields then in `raw`; `false` when simd-json must decide. The record is filled in place,
/// not returned: it is 224 bytes, and each copy of it on the way out cost a `memcpy` call
/// per record.
pub(crate) fn scan_flat_object<'a>(text: &'a [u8], raw: &mut RawRecord<'a>) -> bool {
    scan_plain_object(text, raw) || scan_by_cursor(text, raw)
}

/// The longest text [`scan_plain_object`] reads, in blocks: a benchmark record is 326 bytes
/// as NDJSON and about 400 in a pretty-printed array.
pub(crate) const PLAIN_MAX_BLOCKS: usize = 16;

/// The common record, read from its blocks' masks: a text of at most [`PLAIN_MAX_BLOCKS`]
/// blocks with no backslash, no byte of 0x80 or above, and no control byte inside a string
/// has every string running from one quote to the next. All its blocks are classified
/// first, together; the walk then takes each string from the quotes' bits in order, with
/// no search per string and no look at the byte a search stops at. `false` for anything
/// else, which [`scan_by_cursor`] decides: as that scanner decides every text, this one
/// need only agree with it on the texts it reads, which a property test checks. `raw` is
/// reset and filled as [`scan_flat_object`] fills it.
pub(crate) fn scan_plain_object<'a>(text: &'a [u8], raw: &mut RawRecord<'a>) -> bool {
    let blocks = text.len().div_ceil(BLOCK);
    if blocks > PLAIN_MAX_BLOCKS {
        return false;
    }
    let mut quotes = [0u64; PLAIN_MAX_BLOCKS];
    let mut refused = 0;
    let mut in_string_carry = 0u64;
    for (index, quotes) in quotes.iter_mut().enumerate().take(blocks) {
        let found = string_bytes_at(text, index * BLOCK);
        // With no backslash, no quote is escaped: the bytes from each odd quote to the next
        // are a string's.
        let in_string = prefix_xor(found.quotes) ^ in_string_carry;
        in_string_carry = ((in_string as i64) >> 63) as u64;
        refused |= found.escapes_and_non_ascii | (found.controls & in_string);
        *quotes = found.quotes;
    }
    if refused != 0 {
        return false;
    }
    *raw = RawRecord::default();
    read_plain_object(text, &mut Quotes::new(quotes, blocks), raw).is_some()
}

/// The walk of [`scan_plain_object`], setting `raw`'s fields; `None` at anything but a flat
/// object.
fn read_plain_object<'a>(
    text: &'a [u8],
    quotes: &mut Quotes,
    raw: &mut RawRecord<'a>,
) -> Option<()> {
    let skip = |at| skip_whitespace(text, at);
    let mut at = skip(0);
    (text.get(at) == Some(&b'{')).then_some(())?;
    at = skip(at + 1);
    if text.get(at) == Some(&b'}') {
        at += 1;
    } else {
        loop {
            let key;
            (key, at) = quoted(text, quotes, at)?;
            at = skip(at);
            (text.get(at) == Some(&b':')).then_some(())?;
            at = skip(at + 1);
            let value;
            (value, at) = match text.get(at)? {
                b'"' => quoted(text, quotes, at).map(|(body, end)| (RawValue::Str(body), end))?,
                _ => scalar(text, at)?,
            };
            if let Some(field) = Field::from_name(key) {
                raw.set(field, value);
            }
            at = skip(at);
            match text.get(at)? {
                b',' => at = skip(at + 1),
                b'}' => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    (skip(at) == text.len()).then_some(())
}

/// The string whose opening quote is at `at`, and where its closing quote ends: the next
/// two quotes must be that opening one and the closing one.
#[inline(always)]
fn quoted<'a>(text: &'a [u8], quotes: &mut Quotes, at: usize) -> Option<(&'a str, usize)> {
    if quotes.next()? != at {
        return None;
    }
    let close = quotes.next()?;
    // SAFETY: the text has no byte of 0x80 or above (its masks found none): it is ASCII,
    // which is UTF-8.
    let body = unsafe { std::str::from_utf8_unchecked(&text[at + 1..close]) };
    Some((body, close + 1))
}

/// `null`, `true`, `false` or a number at `at`, and where it ends; `None` for a string, a
/// container or anything malformed. What follows it is the caller's to check.
#[inline(always)]
fn scalar(text: &[u8], at: usize) -> Option<(RawValue<'_>, usize)> {
    let literal = |word: &[u8], value| {
        text[at..]
            .starts_with(word)
            .then(|| (value, at + word.len()))
    };
    match *text.get(at)? {
        b'n' => literal(b"null", RawValue::Null),
        b't' => literal(b"true", RawValue::Other(JsonType::Bool)),
        b'f' => literal(b"false", RawValue::Other(JsonType::Bool)),
        b'-' | b'0'..=b'9' => {
            let (length, is_number) = number_token(&text[at..]);
            is_number.then_some((RawValue::Other(JsonType::Number), at + length))
        }
        _ => None,
    }
}

/// The quotes of a text, in order, from its blocks' masks.
struct Quotes {
    masks: [u64; PLAIN_MAX_BLOCKS],
    blocks: usize,
    /// The block `current` came from.
    block: usize,
    /// That block's quotes not yet taken: kept apart from `masks`, in a register, as every
    /// string takes two.
    current: u64,
}

impl Quotes {
    fn new(masks: [u64; PLAIN_MAX_BLOCKS], blocks: usize) -> Quotes {
        Quotes {
            masks,
            blocks,
            block: 0,
            current: masks[0],
        }
    }

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        while self.current == 0 {
            self.block += 1;
            if self.block >= self.blocks {
                return None;
            }
            self.current = self.masks[self.block];
        }
        let bit = self.current.trailing_zeros() as usize;
        self.current &= self.current - 1;
        Some(self.block * BLOCK + bit)
    }
}

/// [`scan_flat_object`] for any text, read with a cursor that searches for each string's
/// end. `raw` is reset and filled as [`scan_flat_object`] fills it.
pub(crate) fn scan_by_cursor<'a>(text: &'a [u8], raw: &mut RawRecord<'a>) -> bool {
    *raw = RawRecord::default();
    read_by_cursor(text, raw).is_some()
}

/// The walk of [`scan_by_cursor`], setting `raw`'s fields; `None` at anything but a flat
/// object.
fn read_by_cursor<'a>(text: &'a [u8], raw: &mut RawRecord<'a>) -> Option<()> {
    let mut cursor = Cursor {
        text,
        at: 0,
        special: SpecialBytes::default(),
    };
    cursor.skip_whitespace();
    cursor.expect(b'{')?;
    cursor.skip_whitespace();
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
    (cursor.at == text.len()).then_some(())
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
                self.mask = string_bytes_at(bytes, block_start).all();
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
        self.at = skip_whitespace(self.text, self.at);
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
        if self.peek()? == b'"' {
            self.at += 1;
            return self.string_body().map(RawValue::Str);
        }
        let (value, end) = scalar(self.text, self.at)?;
        self.at = end;
        Some(value)
    }
}

/// Where the bytes that matter inside a string are in one block, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct StringBytes {
    quotes: u64,
    /// Backslashes, and bytes of 0x80 and above.
    escapes_and_non_ascii: u64,
    /// Bytes below 0x20: JSON's whitespace outside strings, an error inside them.
    controls: u64,
}

impl StringBytes {
    fn all(self) -> u64 {
        self.quotes | self.escapes_and_non_ascii | self.controls
    }

    /// The masks moved down by `bits`: bit `i` becomes bit `i - bits`, and the top `bits`
    /// bits are clear, as for bytes that are none of these.
    fn shifted_down(self, bits: u32) -> StringBytes {
        StringBytes {
            quotes: self.quotes >> bits,
            escapes_and_non_ascii: self.escapes_and_non_ascii >> bits,
            controls: self.controls >> bits,
        }
    }
}

/// The masks of the block of `text` that starts at `start`, as if padded with spaces past
/// the text's end: both readings classify a text's blocks with it. A short last block of a text of a block or more is classified as the
/// text's last 64 bytes, its masks moved down, rather than copied into a padded block: the
/// copy cost a `memcpy` call per record.
fn string_bytes_at(text: &[u8], start: usize) -> StringBytes {
    let rest = text.get(start..).unwrap_or_default();
    if let Some(block) = rest.first_chunk::<BLOCK>() {
        return string_bytes(block);
    }
    match text.last_chunk::<BLOCK>() {
        // The text's last 64 bytes end where `rest` does: `rest` is their top bytes.
        Some(last) if !rest.is_empty() => {
            string_bytes(last).shifted_down((BLOCK - rest.len()) as u32)
        }
        _ => as_block(rest, string_bytes),
    }
}

#[cfg(target_arch = "x86_64")]
fn string_bytes(block: &[u8; BLOCK]) -> StringBytes {
    by_instruction_set(block, string_bytes_avx2, string_bytes_sse2)
}

#[cfg(not(target_arch = "x86_64"))]
fn string_bytes(block: &[u8; BLOCK]) -> StringBytes {
    string_bytes_bytewise(block)
}

/// The masks a byte at a time: the definition the vector versions are tested against.
#[cfg(any(test, not(target_arch = "x86_64")))]
fn string_bytes_bytewise(block: &[u8]) -> StringBytes {
    let mut found = StringBytes::default();
    for (index, &byte) in block.iter().enumerate() {
        let bit = 1u64 << index;
        match byte {
            b'"' => found.quotes |= bit,
            b'\\' | 0x80.. => found.escapes_and_non_ascii |= bit,
            ..0x20 => found.controls |= bit,
            _ => {}
        }
    }
    found
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn string_bytes_sse2(block: &[u8; BLOCK]) -> StringBytes {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8,
    };
    let mut found = StringBytes::default();
    for (index, lane) in block.chunks_exact(16).enumerate() {
        // SAFETY: `lane` is 16 readable bytes; `_mm_loadu_si128` has no alignment demand.
        let bytes = unsafe { _mm_loadu_si128(lane.as_ptr().cast::<__m128i>()) };
        // Unsigned `byte <= 0x1f` is `min(byte, 0x1f) == byte`.
        let controls = _mm_cmpeq_epi8(_mm_min_epu8(bytes, _mm_set1_epi8(0x1f)), bytes);
        let shift = 16 * index;
        found.quotes |= lane_mask(bytes, b'"', b'"') << shift;
        // The sign bit of each byte is the non-ASCII test.
        found.escapes_and_non_ascii |=
            (lane_mask(bytes, b'\\', b'\\') | u64::from(_mm_movemask_epi8(bytes) as u16)) << shift;
        found.controls |= u64::from(_mm_movemask_epi8(controls) as u16) << shift;
    }
    found
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn string_bytes_avx2(block: &[u8; BLOCK]) -> StringBytes {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
        _mm256_set1_epi8,
    };
    let mut found = StringBytes::default();
    for (index, lane) in block.chunks_exact(32).enumerate() {
        // SAFETY: `lane` is 32 readable bytes; `_mm256_loadu_si256` has no alignment demand.
        let bytes = unsafe { _mm256_loadu_si256(lane.as_ptr().cast::<__m256i>()) };
        // Unsigned `byte <= 0x1f` is `min(byte, 0x1f) == byte`.
        let controls = _mm256_cmpeq_epi8(_mm256_min_epu8(bytes, _mm256_set1_epi8(0x1f)), bytes);
        let shift = 32 * index;
        found.quotes |= lane_mask_avx2(bytes, b'"', b'"') << shift;
        // The sign bit of each byte is the non-ASCII test.
        found.escapes_and_non_ascii |= (lane_mask_avx2(bytes, b'\\', b'\\')
            | u64::from(_mm256_movemask_epi8(bytes) as u32))
            << shift;
        found.controls |= u64::from(_mm256_movemask_epi8(controls) as u32) << shift;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn blocks_are_classified_as_a_byte_loop_classifies_them(
            bytes in prop::collection::vec(prop::sample::select(b"a\"\\\x00\x1f\x20\x7f\x80\xff\n\r\t\x0b9".to_vec()), 0..=64),
        ) {
            let mut padded = [b' '; BLOCK];
            padded[..bytes.len()].copy_from_slice(&bytes);
            let expected = string_bytes_bytewise(&padded);
            prop_assert_eq!(as_block(&bytes, string_bytes), expected);
            // Each instruction set on its own, whichever `string_bytes` chose.
            #[cfg(target_arch = "x86_64")]
            {
                // SAFETY: SSE2 is part of every x86_64 processor.
                prop_assert_eq!(unsafe { string_bytes_sse2(&padded) }, expected);
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the processor has AVX2, checked just above.
                    prop_assert_eq!(unsafe { string_bytes_avx2(&padded) }, expected);
                }
            }
        }

        /// Every block of a text, the short last one included, is classified as if padded
        /// with spaces, whether or not it is read as the text's last 64 bytes.
        #[test]
        fn a_texts_blocks_are_classified_as_padded_blocks(
            bytes in prop::collection::vec(prop::sample::select(b"a\"\\\x00\x1f\x20\x80\xff\n".to_vec()), 1..300),
        ) {
            for start in (0..bytes.len()).step_by(BLOCK) {
                let mut padded = [b' '; BLOCK];
                let block = &bytes[start..bytes.len().min(start + BLOCK)];
                padded[..block.len()].copy_from_slice(block);
                prop_assert_eq!(string_bytes_at(&bytes, start), string_bytes_bytewise(&padded), "block at {}", start);
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
                let slow = bytes[start..].iter().position(|&b| string_bytes_bytewise(&[b]).all() != 0).map(|found| start + found);
                prop_assert_eq!(special.first_from(&bytes, start), slow);
            }
        }
    }
}
