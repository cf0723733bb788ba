//! Bit masks over 64-byte blocks: where the quotes, backslashes, brackets, commas and line
//! ends are, which quotes are escaped, and which bytes lie inside strings — the technique of
//! simdjson's first stage (Langdale and Lemire, "Parsing Gigabytes of JSON per Second",
//! 2019). Bit `i` of a mask stands for byte `i` of the block.

/// Bytes per block.
pub(crate) const BLOCK: usize = 64;

/// Where each kind of byte is in one block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Classes {
    pub quote: u64,
    pub backslash: u64,
    /// `{` and `[`.
    pub open: u64,
    /// `}` and `]`.
    pub close: u64,
    pub comma: u64,
    pub newline: u64,
}

/// Classifies a block; a short block is padded with spaces, which belong to no class.
pub(crate) fn classify(bytes: &[u8]) -> Classes {
    as_block(bytes, classify_block)
}

/// Applies `f` to `bytes` (at most a block) as a whole block, padded with spaces when short.
pub(crate) fn as_block<T>(bytes: &[u8], f: impl FnOnce(&[u8; BLOCK]) -> T) -> T {
    if let Ok(block) = <&[u8; BLOCK]>::try_from(bytes) {
        return f(block);
    }
    let mut block = [b' '; BLOCK];
    let len = bytes.len().min(BLOCK);
    block[..len].copy_from_slice(&bytes[..len]);
    f(&block)
}

#[cfg(target_arch = "x86_64")]
fn classify_block(block: &[u8; BLOCK]) -> Classes {
    by_instruction_set(block, classify_block_avx2, classify_block_sse2)
}

/// `avx2(block)` where the processor has AVX2, else `sse2(block)`. Each must be unsafe only
/// for the instruction set it enables.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn by_instruction_set<T>(
    block: &[u8; BLOCK],
    avx2: unsafe fn(&[u8; BLOCK]) -> T,
    sse2: unsafe fn(&[u8; BLOCK]) -> T,
) -> T {
    // std caches the detection, so asking per block costs a load and a predicted branch.
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        unsafe { avx2(block) }
    } else {
        // SAFETY: SSE2 is part of every x86_64 processor.
        unsafe { sse2(block) }
    }
}

/// Half the instructions of the SSE2 version: the array splitter classifies every byte of
/// a JSON array twice, and this is most of its work.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn classify_block_avx2(block: &[u8; BLOCK]) -> Classes {
    use std::arch::x86_64::{__m256i, _mm256_loadu_si256};
    classes_by_lane::<32, _>(block, |lane| {
        // SAFETY: `lane` is 32 readable bytes; `_mm256_loadu_si256` has no alignment demand.
        let bytes = unsafe { _mm256_loadu_si256(lane.as_ptr().cast::<__m256i>()) };
        move |one, other| lane_mask_avx2(bytes, one, other)
    })
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn classify_block_sse2(block: &[u8; BLOCK]) -> Classes {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128};
    classes_by_lane::<16, _>(block, |lane| {
        // SAFETY: `lane` is 16 readable bytes; `_mm_loadu_si128` has no alignment demand.
        let bytes = unsafe { _mm_loadu_si128(lane.as_ptr().cast::<__m128i>()) };
        move |one, other| lane_mask(bytes, one, other)
    })
}

/// The classes of a block read `LANE` bytes at a time: `load` takes a lane into registers
/// and returns what gives the bits of that lane equal to either of two bytes. Which bytes
/// make which class is written here once, for every instruction set.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn classes_by_lane<const LANE: usize, M: Fn(u8, u8) -> u64>(
    block: &[u8; BLOCK],
    load: impl Fn(&[u8]) -> M,
) -> Classes {
    let mut classes = Classes::default();
    for (index, lane) in block.chunks_exact(LANE).enumerate() {
        let matching = load(lane);
        let shift = LANE * index;
        classes.quote |= matching(b'"', b'"') << shift;
        classes.backslash |= matching(b'\\', b'\\') << shift;
        classes.open |= matching(b'{', b'[') << shift;
        classes.close |= matching(b'}', b']') << shift;
        classes.comma |= matching(b',', b',') << shift;
        classes.newline |= matching(b'\n', b'\n') << shift;
    }
    classes
}

/// Bit `i` set when byte `i` of the lane is `one` or `other`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
pub(crate) fn lane_mask(bytes: std::arch::x86_64::__m128i, one: u8, other: u8) -> u64 {
    use std::arch::x86_64::{_mm_cmpeq_epi8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    let matches = _mm_or_si128(
        _mm_cmpeq_epi8(bytes, _mm_set1_epi8(one as i8)),
        _mm_cmpeq_epi8(bytes, _mm_set1_epi8(other as i8)),
    );
    u64::from(_mm_movemask_epi8(matches) as u16)
}

/// Bit `i` set when byte `i` of the 32-byte lane is `one` or `other`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub(crate) fn lane_mask_avx2(bytes: std::arch::x86_64::__m256i, one: u8, other: u8) -> u64 {
    use std::arch::x86_64::{
        _mm256_cmpeq_epi8, _mm256_movemask_epi8, _mm256_or_si256, _mm256_set1_epi8,
    };
    let matches = _mm256_or_si256(
        _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(one as i8)),
        _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(other as i8)),
    );
    u64::from(_mm256_movemask_epi8(matches) as u32)
}

#[cfg(not(target_arch = "x86_64"))]
fn classify_block(block: &[u8; BLOCK]) -> Classes {
    let mut classes = Classes::default();
    for (index, &byte) in block.iter().enumerate() {
        let bit = 1u64 << index;
        match byte {
            b'"' => classes.quote |= bit,
            b'\\' => classes.backslash |= bit,
            b'{' | b'[' => classes.open |= bit,
            b'}' | b']' => classes.close |= bit,
            b',' => classes.comma |= bit,
            b'\n' => classes.newline |= bit,
            _ => {}
        }
    }
    classes
}

const EVEN_BITS: u64 = 0x5555_5555_5555_5555;

/// The bytes that a backslash escapes, given the block's backslashes and whether the block's
/// first byte is escaped (an odd run of backslashes ended the previous block). Updates
/// `escape_carry` for the next block. This is simdjson's branchless escape finder: a run of
/// backslashes escapes the byte after it when the run is odd.
pub(crate) fn escaped(backslash: u64, escape_carry: &mut bool) -> u64 {
    let carried = u64::from(*escape_carry);
    let backslash = backslash & !carried;
    let follows_escape = (backslash << 1) | carried;
    let odd_sequence_starts = backslash & !EVEN_BITS & !follows_escape;
    let (sequences_starting_on_even_bits, overflow) =
        odd_sequence_starts.overflowing_add(backslash);
    *escape_carry = overflow;
    let invert_mask = sequences_starting_on_even_bits << 1;
    (EVEN_BITS ^ invert_mask) & follows_escape
}

/// Each bit set when an odd number of the mask's bits are at or below it: for the unescaped
/// quotes of a block, the bytes from an opening quote up to (not including) its closing one.
pub(crate) fn prefix_xor(mut bits: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        bits ^= bits << shift;
    }
    bits
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bits_of(bytes: &[u8], wanted: impl Fn(u8) -> bool) -> u64 {
        bytes
            .iter()
            .enumerate()
            .filter(|&(_, &byte)| wanted(byte))
            .fold(0, |mask, (index, _)| mask | 1 << index)
    }

    /// Escaped bytes and in-string bytes the slow way, byte by byte.
    fn slow(bytes: &[u8], mut escape_carry: bool) -> (u64, bool) {
        let mut escaped = 0u64;
        for (index, &byte) in bytes.iter().enumerate() {
            if escape_carry {
                escaped |= 1 << index;
                escape_carry = false;
            } else if byte == b'\\' {
                escape_carry = true;
            }
        }
        (escaped, escape_carry)
    }

    fn assert_classes(classes: Classes, bytes: &[u8]) -> Result<(), TestCaseError> {
        prop_assert_eq!(classes.quote, bits_of(bytes, |b| b == b'"'));
        prop_assert_eq!(classes.backslash, bits_of(bytes, |b| b == b'\\'));
        prop_assert_eq!(classes.open, bits_of(bytes, |b| b == b'{' || b == b'['));
        prop_assert_eq!(classes.close, bits_of(bytes, |b| b == b'}' || b == b']'));
        prop_assert_eq!(classes.comma, bits_of(bytes, |b| b == b','));
        prop_assert_eq!(classes.newline, bits_of(bytes, |b| b == b'\n'));
        Ok(())
    }

    proptest! {
        #[test]
        fn classes_are_the_bytes_they_name(bytes in prop::collection::vec(prop::sample::select(b"\"\\{}[],\n a".to_vec()), 0..=64)) {
            assert_classes(classify(&bytes), &bytes)?;
            // Each instruction set on its own, whichever `classify` chose.
            #[cfg(target_arch = "x86_64")]
            {
                let mut block = [b' '; BLOCK];
                block[..bytes.len()].copy_from_slice(&bytes);
                // SAFETY: SSE2 is part of every x86_64 processor.
                assert_classes(unsafe { classify_block_sse2(&block) }, &bytes)?;
                if std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the processor has AVX2, checked just above.
                    assert_classes(unsafe { classify_block_avx2(&block) }, &bytes)?;
                }
            }
        }

        #[test]
        fn escapes_match_a_byte_by_byte_scan(
            bytes in prop::collection::vec(prop::sample::select(b"\\\\\\a\"".to_vec()), 64),
            carry in any::<bool>(),
        ) {
            let mut fast_carry = carry;
            let fast = escaped(classify(&bytes).backslash, &mut fast_carry);
            let (expected, expected_carry) = slow(&bytes, carry);
            prop_assert_eq!(fast, expected);
            prop_assert_eq!(fast_carry, expected_carry);
        }
    }

    #[test]
    fn prefix_xor_marks_string_interiors() {
        let quotes = 0b1000_0100u64;
        assert_eq!(prefix_xor(quotes), 0b0111_1100);
    }
}
