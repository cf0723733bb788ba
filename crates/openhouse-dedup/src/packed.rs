//! Text cells: how the row store keeps one optional string in as few bytes as it can.
//!
//! Real feeds key open houses and listings by 32 lowercase hex digits; holding those as the
//! 16 bytes they encode halves the memory of the largest columns, and the encoding is
//! canonical (a text has exactly one cell), so two keys are equal exactly when their cells
//! are, and a key's hash is the hash of its cell.
//!
//! A cell is a header byte, then its payload:
//! - `0x00..=0x7F`: raw UTF-8 text of that many bytes;
//! - `0x80..=0xBF`: lowercase hex text of `2 * (header - 0x7F)` digits (2 to 128), stored as
//!   `header - 0x7F` bytes;
//! - `0xFE`: raw UTF-8 text whose length follows as a little-endian `u32`;
//! - `0xFF`: no value (a null or absent field); no payload.

use std::fmt;

use crate::hex;

const HEX_FIRST: u8 = 0x80;
const HEX_LAST: u8 = 0xBF;
const LONG_RAW: u8 = 0xFE;
const ABSENT: u8 = 0xFF;
const SHORT_RAW_MAX: usize = 0x7F;
/// Hex texts longer than this are kept raw.
pub const MAX_HEX_DIGITS: usize = 2 * (HEX_LAST - HEX_FIRST + 1) as usize;

/// One text as the row store holds it: its UTF-8 bytes, or the bytes that its lowercase hex
/// digits encode, two digits a byte.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Text<'a>(Repr<'a>);

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Repr<'a> {
    /// UTF-8, as every cell was written from a `str`.
    Raw(&'a [u8]),
    Hex(&'a [u8]),
}

/// Room to spell out any packed hex text ([`Text::as_str`]).
pub type TextBuffer = [u8; MAX_HEX_DIGITS];

impl<'a> Text<'a> {
    /// The text, spelled out in `buffer` when it is packed.
    pub fn as_str<'b>(&'b self, buffer: &'b mut TextBuffer) -> &'b str
    where
        'a: 'b,
    {
        let bytes = match self.0 {
            Repr::Raw(bytes) => bytes,
            Repr::Hex(bytes) => {
                let digits = &mut buffer[..2 * bytes.len()];
                hex::encode(bytes, digits);
                digits
            }
        };
        // Cells are written from `str`s, and hex digits are ASCII: never fails.
        std::str::from_utf8(bytes).unwrap_or_default()
    }

    /// Appends the text's UTF-8 bytes to `out`.
    pub fn write_utf8(&self, out: &mut Vec<u8>) {
        match self.0 {
            Repr::Raw(bytes) => out.extend_from_slice(bytes),
            Repr::Hex(bytes) => {
                let start = out.len();
                out.resize(start + 2 * bytes.len(), 0);
                hex::encode(bytes, &mut out[start..]);
            }
        }
    }

    /// The text's length in bytes.
    pub fn len(&self) -> usize {
        match self.0 {
            Repr::Raw(bytes) => bytes.len(),
            Repr::Hex(bytes) => 2 * bytes.len(),
        }
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text's bytes when it is held as they are (not packed).
    pub fn raw_bytes(&self) -> Option<&'a [u8]> {
        match self.0 {
            Repr::Raw(bytes) => Some(bytes),
            Repr::Hex(_) => None,
        }
    }

    /// The first eight bytes of the text, big-endian and zero-padded: orders most pairs of
    /// texts as their bytes would, without spelling them out.
    pub fn prefix(&self) -> u64 {
        let mut head = [0u8; 8];
        match self.0 {
            Repr::Raw(bytes) => {
                let bytes = &bytes[..bytes.len().min(8)];
                head[..bytes.len()].copy_from_slice(bytes);
            }
            Repr::Hex(bytes) => {
                let bytes = &bytes[..bytes.len().min(4)];
                hex::encode(bytes, &mut head[..2 * bytes.len()]);
            }
        }
        u64::from_be_bytes(head)
    }

    /// Orders two texts as `str` orders them.
    pub fn cmp_text(&self, other: &Text<'_>) -> std::cmp::Ordering {
        match (self.0, other.0) {
            (Repr::Raw(a), Repr::Raw(b)) => a.cmp(b),
            // Lowercase hex digits sort as the values they encode, digit by digit.
            (Repr::Hex(a), Repr::Hex(b)) => a.cmp(b),
            _ => {
                let (mut left, mut right) = ([0; MAX_HEX_DIGITS], [0; MAX_HEX_DIGITS]);
                self.as_str(&mut left).cmp(other.as_str(&mut right))
            }
        }
    }

    /// The empty text.
    pub const EMPTY: Text<'static> = Text(Repr::Raw(b""));
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str(&mut [0; MAX_HEX_DIGITS]))
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(&mut [0; MAX_HEX_DIGITS]), f)
    }
}

/// Appends the cell of `text` to `out`.
pub(crate) fn push_cell(out: &mut Vec<u8>, text: Option<&str>) {
    let Some(text) = text else {
        out.push(ABSENT);
        return;
    };
    let bytes = text.as_bytes();
    if !bytes.is_empty()
        && bytes.len() % 2 == 0
        && bytes.len() <= MAX_HEX_DIGITS
        && push_hex(out, bytes)
    {
        return;
    }
    if bytes.len() <= SHORT_RAW_MAX {
        out.push(bytes.len() as u8);
        out.extend_from_slice(bytes);
    } else {
        out.push(LONG_RAW);
        // Records are capped far below 4 GiB by ingestion; saturate rather than wrap.
        let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&bytes[..len as usize]);
    }
}

/// Appends the hex cell of `bytes` (an even number of them, at most [`MAX_HEX_DIGITS`]),
/// or nothing and false when they are not all lowercase hex digits.
fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    let mut packed = [0u8; MAX_HEX_DIGITS / 2 + 1];
    let len = bytes.len() / 2;
    packed[0] = HEX_FIRST + (len - 1) as u8;
    if !hex::decode(bytes, &mut packed[1..=len]) {
        return false;
    }
    out.extend_from_slice(&packed[..=len]);
    true
}

/// The length in bytes of the cell at the start of `cells`, without reading its text.
pub(crate) fn cell_len(cells: &[u8]) -> usize {
    let len = match cells.first() {
        None => 0,
        Some(&ABSENT) => 1,
        Some(&header @ HEX_FIRST..=HEX_LAST) => 2 + usize::from(header - HEX_FIRST),
        Some(&LONG_RAW) => {
            5 + cells
                .get(1..5)
                .and_then(|bytes| bytes.try_into().ok())
                .map_or(0, |bytes| u32::from_le_bytes(bytes) as usize)
        }
        Some(&header) => 1 + usize::from(header),
    };
    len.min(cells.len())
}

/// The text of the cell at the start of `cells` and the cell's length in bytes. Cells are
/// only ever read back from what [`push_cell`] wrote; a truncated or foreign cell reads as
/// no value rather than panicking.
pub(crate) fn read_cell(cells: &[u8]) -> (Option<Text<'_>>, usize) {
    let Some(&header) = cells.first() else {
        return (None, 0);
    };
    let (text, len) = match header {
        ABSENT => (None, 1),
        HEX_FIRST..=HEX_LAST => {
            let len = usize::from(header - HEX_FIRST) + 1;
            (
                cells.get(1..1 + len).map(|bytes| Text(Repr::Hex(bytes))),
                1 + len,
            )
        }
        LONG_RAW => {
            let len = cells
                .get(1..5)
                .and_then(|bytes| bytes.try_into().ok())
                .map_or(0, |bytes| u32::from_le_bytes(bytes) as usize);
            (
                cells.get(5..5 + len).map(|bytes| Text(Repr::Raw(bytes))),
                5 + len,
            )
        }
        _ => {
            let len = usize::from(header);
            (
                cells.get(1..1 + len).map(|bytes| Text(Repr::Raw(bytes))),
                1 + len,
            )
        }
    };
    (text, len.min(cells.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cell(text: Option<&str>) -> Vec<u8> {
        let mut out = Vec::new();
        push_cell(&mut out, text);
        out
    }

    fn round_trip(text: Option<&str>) -> Option<String> {
        let cell = cell(text);
        let (read, len) = read_cell(&cell);
        assert_eq!(len, cell.len());
        read.map(|text| text.to_string())
    }

    #[test]
    fn real_keys_take_half_their_length() {
        let key = "0f3a9c1e5b7d2f4a6c8e0a1b3c5d7e9f";
        assert_eq!(cell(Some(key)).len(), 1 + 16);
        assert_eq!(round_trip(Some(key)).as_deref(), Some(key));
    }

    #[test]
    fn other_texts_are_kept_as_given() {
        for text in [
            "",
            "a",
            "ABCDEF12",
            "abc",
            "12345",
            "In-Person",
            "é\u{1F3E1}",
            &"x".repeat(127),
            &"y".repeat(128),
            &"ab".repeat(64),
            &"ab".repeat(65),
        ] {
            assert_eq!(round_trip(Some(text)).as_deref(), Some(text), "{text}");
        }
        assert_eq!(round_trip(None), None);
    }

    #[test]
    fn cells_are_canonical_so_equal_texts_have_equal_cells() {
        assert_eq!(cell(Some("00ff")), cell(Some("00ff")));
        assert_ne!(cell(Some("00ff")), cell(Some("00FF")));
        assert_ne!(cell(Some("00")), cell(Some("0")));
    }

    #[test]
    fn a_truncated_cell_reads_as_no_value() {
        let full = cell(Some("0f3a9c1e5b7d2f4a"));
        assert_eq!(read_cell(&full[..3]).0, None);
        assert_eq!(read_cell(&[]).0, None);
    }

    fn texts() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9a-f]{0,10}",
            "[0-9a-fA-F]{0,6}",
            "[a-z0-9\\-]{0,12}",
            ".{0,10}",
            "[0-9a-f]{126,130}",
        ]
    }

    proptest! {
        #[test]
        fn any_text_round_trips(text in texts()) {
            prop_assert_eq!(round_trip(Some(&text)), Some(text));
        }

        #[test]
        fn packed_texts_order_and_prefix_as_str_does(a in texts(), b in texts()) {
            let (cell_a, cell_b) = (cell(Some(&a)), cell(Some(&b)));
            let (text_a, text_b) = (read_cell(&cell_a).0.unwrap(), read_cell(&cell_b).0.unwrap());
            let mut written = Vec::new();
            text_a.write_utf8(&mut written);
            prop_assert_eq!(written, a.as_bytes());
            prop_assert_eq!(text_a.cmp_text(&text_b), a.cmp(&b));
            prop_assert!(text_a.prefix() <= text_b.prefix() || a > b);
            prop_assert_eq!(cell_a == cell_b, a == b);
        }
    }
}
