//! The fast path for the common record: one flat JSON object whose strings need no
//! unescaping. Such a record is read in place, with no copy and no tape; anything else
//! (escapes, control characters, nested values, malformed text, invalid UTF-8) is left to
//! simd-json, so this scanner only ever has to recognise, never to report an error.

use openhouse_model::{Field, JsonType, RawRecord, RawValue};

#[cfg(target_arch = "x86_64")]
use crate::mask::lane_mask;
use crate::parse::number_token;

/// The record's nine fields when `text` is a flat object this scanner reads exactly as
/// simd-json would; `None` when simd-json must decide.
pub(crate) fn scan_flat_object(text: &[u8]) -> Option<RawRecord<'_>> {
    let text = std::str::from_utf8(text).ok()?;
    let mut cursor = Cursor { text, at: 0 };
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
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
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
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    /// The text up to the closing quote, which is consumed; `None` at an escape or a control
    /// character (simd-json unescapes the one and rejects the other).
    fn string_body(&mut self) -> Option<&'a str> {
        let start = self.at;
        let length = first_special_byte(self.text.as_bytes().get(start..)?)?;
        if self.text.as_bytes()[start + length] != b'"' {
            return None;
        }
        self.at = start + length + 1;
        // Both ends are ASCII quotes, so they are character boundaries.
        self.text.get(start..start + length)
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
                let (length, is_number) = number_token(&self.text.as_bytes()[self.at..]);
                self.at += length;
                is_number.then_some(RawValue::Other(JsonType::Number))
            }
            _ => None,
        }
    }

    fn literal(&mut self, word: &str, value: RawValue<'a>) -> Option<RawValue<'a>> {
        self.text.as_bytes()[self.at..]
            .starts_with(word.as_bytes())
            .then(|| {
                self.at += word.len();
                value
            })
    }
}

/// Where the first quote, backslash or control character of `bytes` is. Feed strings are
/// short (keys of 32 bytes, timestamps of 24), so this looks at 16 bytes a step rather than
/// paying for a general search's setup on every string.
fn first_special_byte(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    #[cfg(target_arch = "x86_64")]
    while let Some(lane) = bytes
        .get(at..at + 16)
        .and_then(|lane| <&[u8; 16]>::try_from(lane).ok())
    {
        // SAFETY: SSE2 is part of every x86_64 processor.
        let found = unsafe { special_bytes_sse2(lane) };
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize);
        }
        at += 16;
    }
    bytes[at..]
        .iter()
        .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
        .map(|found| at + found)
}

/// Bit `i` set when byte `i` of the 16-byte `lane` is a quote, a backslash or below 0x20.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn special_bytes_sse2(lane: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_set1_epi8,
    };
    // SAFETY: `lane` has 16 readable bytes; `_mm_loadu_si128` has no alignment demand.
    let bytes = unsafe { _mm_loadu_si128(lane.as_ptr().cast::<__m128i>()) };
    // Unsigned `byte <= 0x1f` is `min(byte, 0x1f) == byte`.
    let control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, _mm_set1_epi8(0x1f)), bytes);
    lane_mask(bytes, b'"', b'\\') as u32 | _mm_movemask_epi8(control) as u16 as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn special_bytes_are_found_as_a_byte_loop_finds_them(
            bytes in prop::collection::vec(prop::sample::select(b"a\"\\\x00\x1f\x20\x7f\xff9".to_vec()), 0..70),
        ) {
            let slow = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            prop_assert_eq!(first_special_byte(&bytes), slow);
        }
    }
}
