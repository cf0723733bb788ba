//! Lowercase hex digits to the bytes they spell and back: every key of a real feed goes
//! through here twice (packed when offered, spelled out when the table is written), so both
//! directions take 16 digits per step with SSE2 on x86_64. The byte-at-a-time versions are
//! the definition; a property test holds the fast ones to them.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// The value of each byte as a lowercase hex digit; 0xFF for a byte that is not one.
const HEX_VALUES: [u8; 256] = {
    let mut values = [0xFF; 256];
    let mut digit = 0;
    while digit < 16 {
        values[DIGITS[digit] as usize] = digit as u8;
        digit += 1;
    }
    values
};

/// Digits a step of the fast versions takes: one 16-byte register of them.
const STEP_DIGITS: usize = 16;

/// Writes the bytes that the lowercase hex `digits` spell to `out` (half as long), or
/// returns false, with `out` unspecified, when one is not a lowercase hex digit.
pub(crate) fn decode(digits: &[u8], out: &mut [u8]) -> bool {
    let (steps, tail) = digits.as_chunks::<STEP_DIGITS>();
    let (out_steps, out_tail) = out.as_chunks_mut::<{ STEP_DIGITS / 2 }>();
    let mut valid = true;
    for (digits, out) in steps.iter().zip(out_steps.iter_mut()) {
        valid &= decode_step(digits, out);
    }
    valid && decode_bytewise(tail, out_tail)
}

/// Writes the lowercase hex digits of `bytes` to `out` (twice as long).
pub(crate) fn encode(bytes: &[u8], out: &mut [u8]) {
    let (steps, tail) = bytes.as_chunks::<{ STEP_DIGITS / 2 }>();
    let (out_steps, out_tail) = out.as_chunks_mut::<STEP_DIGITS>();
    for (bytes, out) in steps.iter().zip(out_steps.iter_mut()) {
        encode_step(bytes, out);
    }
    encode_bytewise(tail, out_tail);
}

fn decode_bytewise(digits: &[u8], out: &mut [u8]) -> bool {
    let mut invalid = 0;
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let (high, low) = (
            HEX_VALUES[usize::from(pair[0])],
            HEX_VALUES[usize::from(pair[1])],
        );
        invalid |= high | low;
        *byte = (high << 4) | (low & 0x0F);
    }
    invalid & 0x80 == 0
}

fn encode_bytewise(bytes: &[u8], out: &mut [u8]) {
    for (pair, &byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0F)];
    }
}

/// 16 digits to 8 bytes.
#[cfg(target_arch = "x86_64")]
fn decode_step(digits: &[u8; STEP_DIGITS], out: &mut [u8; STEP_DIGITS / 2]) -> bool {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8,
        _mm_movemask_epi8, _mm_or_si128, _mm_packus_epi16, _mm_set1_epi8, _mm_set1_epi16,
        _mm_slli_epi16, _mm_srli_epi16, _mm_storel_epi64, _mm_sub_epi8,
    };
    // SAFETY: SSE2 is part of every x86_64 processor; the load reads the 16 digits and the
    // store the 8 bytes of `out`, as their types say; neither needs alignment.
    unsafe {
        let text = _mm_loadu_si128(digits.as_ptr().cast::<__m128i>());
        // Unsigned "at most": equal to its minimum with the bound.
        let at_most = |value, bound: u8| {
            _mm_cmpeq_epi8(_mm_min_epu8(value, _mm_set1_epi8(bound as i8)), value)
        };
        let digit = _mm_sub_epi8(text, _mm_set1_epi8(b'0' as i8));
        let past_a = _mm_sub_epi8(text, _mm_set1_epi8(b'a' as i8));
        let is_digit = at_most(digit, 9);
        let is_letter = at_most(past_a, 5);
        let valid = _mm_or_si128(is_digit, is_letter);
        if _mm_movemask_epi8(valid) != 0xFFFF {
            return false;
        }
        let values = _mm_or_si128(
            _mm_and_si128(is_digit, digit),
            _mm_and_si128(is_letter, _mm_add_epi8(past_a, _mm_set1_epi8(10))),
        );
        // Each 16-bit lane holds a pair: the high digit's value in its low byte.
        let pairs = _mm_and_si128(
            _mm_or_si128(_mm_slli_epi16(values, 4), _mm_srli_epi16(values, 8)),
            _mm_set1_epi16(0xFF),
        );
        _mm_storel_epi64(
            out.as_mut_ptr().cast::<__m128i>(),
            _mm_packus_epi16(pairs, pairs),
        );
    }
    true
}

/// 8 bytes to 16 digits.
#[cfg(target_arch = "x86_64")]
fn encode_step(bytes: &[u8; STEP_DIGITS / 2], out: &mut [u8; STEP_DIGITS]) {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_and_si128, _mm_cmpgt_epi8, _mm_loadl_epi64, _mm_set1_epi8,
        _mm_srli_epi16, _mm_storeu_si128, _mm_unpacklo_epi8,
    };
    // SAFETY: SSE2 is part of every x86_64 processor; the load reads the 8 bytes and the
    // store the 16 of `out`, as their types say; neither needs alignment.
    unsafe {
        let value = _mm_loadl_epi64(bytes.as_ptr().cast::<__m128i>());
        let nibble = _mm_set1_epi8(0x0F);
        let high = _mm_and_si128(_mm_srli_epi16(value, 4), nibble);
        let low = _mm_and_si128(value, nibble);
        let nibbles = _mm_unpacklo_epi8(high, low);
        let letters = _mm_and_si128(
            _mm_cmpgt_epi8(nibbles, _mm_set1_epi8(9)),
            _mm_set1_epi8((b'a' - b'0' - 10) as i8),
        );
        let digits = _mm_add_epi8(_mm_add_epi8(nibbles, _mm_set1_epi8(b'0' as i8)), letters);
        _mm_storeu_si128(out.as_mut_ptr().cast::<__m128i>(), digits);
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn decode_step(digits: &[u8; STEP_DIGITS], out: &mut [u8; STEP_DIGITS / 2]) -> bool {
    decode_bytewise(digits, out)
}

#[cfg(not(target_arch = "x86_64"))]
fn encode_step(bytes: &[u8; STEP_DIGITS / 2], out: &mut [u8; STEP_DIGITS]) {
    encode_bytewise(bytes, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Texts near the hex digits: every byte next to a digit range's ends, upper case, and
    /// bytes above 0x7F.
    fn near_hex() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            8 => prop::sample::select(DIGITS.to_vec()),
            1 => prop::sample::select(b"/:`g@AFG\x00\x7f\x80\xb0\xe1\xff".to_vec()),
            1 => any::<u8>(),
        ];
        prop::collection::vec(byte, 0..80).prop_map(|mut text| {
            text.truncate(text.len() / 2 * 2);
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        #[test]
        fn decoding_matches_the_bytewise_definition(digits in near_hex()) {
            let (mut fast, mut slow) = (vec![0; digits.len() / 2], vec![0; digits.len() / 2]);
            let valid = decode_bytewise(&digits, &mut slow);
            prop_assert_eq!(decode(&digits, &mut fast), valid);
            prop_assert_eq!(valid, digits.iter().all(|byte| DIGITS.contains(byte)));
            if valid {
                prop_assert_eq!(fast, slow);
            }
        }

        #[test]
        fn encoding_matches_the_bytewise_definition_and_decodes_back(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            let (mut fast, mut slow) = (vec![0; bytes.len() * 2], vec![0; bytes.len() * 2]);
            encode(&bytes, &mut fast);
            encode_bytewise(&bytes, &mut slow);
            prop_assert_eq!(&fast, &slow);
            let mut back = vec![0; bytes.len()];
            prop_assert!(decode(&fast, &mut back));
            prop_assert_eq!(back, bytes);
        }
    }

    #[test]
    fn every_single_byte_decodes_as_the_table_says() {
        for byte in 0..=255u8 {
            let digits = [byte; STEP_DIGITS];
            let mut out = [0; STEP_DIGITS / 2];
            assert_eq!(
                decode(&digits, &mut out),
                DIGITS.contains(&byte),
                "byte {byte:#04x}"
            );
        }
    }
}
