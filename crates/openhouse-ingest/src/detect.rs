//! What the input is, from its first bytes: compressed, not JSON at all, or a JSON feed in
//! one of the two layouts.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::split::is_json_whitespace;

/// How a feed holds its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Format {
    /// One JSON array of records, as providers deliver it (usually pretty-printed).
    Array,
    /// One JSON value per line.
    Ndjson,
}

impl Format {
    /// `array` or `ndjson`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Array => "array",
            Format::Ndjson => "ndjson",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A compression the reader undoes on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Compression {
    /// gzip, one member or several.
    Gzip,
    /// Zstandard, one frame or several.
    Zstd,
}

/// What a non-JSON input looks like, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NotJson {
    /// A Parquet file (`PAR1`).
    Parquet,
    /// Text in UTF-16 (a byte-order mark says so).
    Utf16,
    /// Text in UTF-32 (a byte-order mark says so).
    Utf32,
    /// A ZIP archive.
    Zip,
    /// bzip2-compressed data.
    Bzip2,
    /// xz-compressed data.
    Xz,
    /// LZ4-compressed data (frame format).
    Lz4,
    /// A 7-Zip archive.
    SevenZip,
    /// A PDF document.
    Pdf,
    /// An executable (ELF).
    Executable,
    /// Other binary data: a NUL byte among the first bytes, which JSON text never has.
    Binary,
}

impl fmt::Display for NotJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotJson::Parquet => "a Parquet file",
            NotJson::Utf16 => "UTF-16 text (JSON feeds must be UTF-8)",
            NotJson::Utf32 => "UTF-32 text (JSON feeds must be UTF-8)",
            NotJson::Zip => "a ZIP archive",
            NotJson::Bzip2 => "bzip2-compressed data",
            NotJson::Xz => "xz-compressed data",
            NotJson::Lz4 => "LZ4-compressed data",
            NotJson::SevenZip => "a 7-Zip archive",
            NotJson::Pdf => "a PDF document",
            NotJson::Executable => "an executable",
            NotJson::Binary => "binary data (it holds NUL bytes)",
        })
    }
}

/// How many leading bytes [`sniff`] looks at for NUL bytes; detection never depends on how
/// the input arrives in blocks, because the reader gathers this many bytes first.
pub(crate) const SNIFF_BYTES: usize = 4096;

const GZIP: &[u8] = b"\x1f\x8b";
const ZSTD: &[u8] = b"\x28\xb5\x2f\xfd";

/// The compression of a stream that starts with `head` (at least 4 bytes, unless the stream
/// is shorter).
pub(crate) fn compression(head: &[u8]) -> Option<Compression> {
    if head.starts_with(GZIP) {
        Some(Compression::Gzip)
    } else if head.starts_with(ZSTD) {
        Some(Compression::Zstd)
    } else {
        None
    }
}

/// What decoded input that starts with `head` is. `head` holds [`SNIFF_BYTES`] bytes, or
/// the whole input when it is shorter.
pub(crate) fn not_json(head: &[u8]) -> Option<NotJson> {
    const SIGNATURES: [(&[u8], NotJson); 12] = [
        (b"PAR1", NotJson::Parquet),
        (b"\xff\xfe\x00\x00", NotJson::Utf32),
        (b"\x00\x00\xfe\xff", NotJson::Utf32),
        (b"\xff\xfe", NotJson::Utf16),
        (b"\xfe\xff", NotJson::Utf16),
        (b"PK\x03\x04", NotJson::Zip),
        (b"BZh", NotJson::Bzip2),
        (b"\xfd7zXZ\x00", NotJson::Xz),
        (b"\x04\x22\x4d\x18", NotJson::Lz4),
        (b"7z\xbc\xaf\x27\x1c", NotJson::SevenZip),
        (b"%PDF-", NotJson::Pdf),
        (b"\x7fELF", NotJson::Executable),
    ];
    if let Some(&(_, kind)) = SIGNATURES.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(kind);
    }
    let head = &head[..head.len().min(SNIFF_BYTES)];
    memchr::memchr(0, head).map(|_| NotJson::Binary)
}

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// Where the feed's content starts (past a UTF-8 byte-order mark and leading whitespace),
/// and its layout; `None` when `bytes` holds only whitespace so far.
///
/// A feed is an array when its first non-blank byte is `[` and the next byte that is not a
/// space or tab is a line end, `{`, `[`, `]`, or the end of the input: the layouts that
/// providers' arrays of records have (`[` alone on its line, `[{...}, ...]`, `[ ]`).
/// Anything else is NDJSON, so that a first line like `[garbage` or `[1, 2]` is one rejected
/// record rather than a failed run.
pub(crate) fn layout(bytes: &[u8], at_end: bool) -> Option<(Format, usize)> {
    let content = if bytes.starts_with(BYTE_ORDER_MARK) {
        BYTE_ORDER_MARK.len()
    } else {
        0
    };
    let first = content
        + bytes[content..]
            .iter()
            .position(|&byte| !is_json_whitespace(byte))?;
    if bytes[first] != b'[' {
        return Some((Format::Ndjson, content));
    }
    let after = first + 1;
    match bytes[after..]
        .iter()
        .find(|&&byte| byte != b' ' && byte != b'\t')
    {
        Some(b'\n' | b'\r' | b'{' | b'[' | b']') => Some((Format::Array, first)),
        Some(_) => Some((Format::Ndjson, content)),
        None if at_end => Some((Format::Array, first)),
        // Only spaces so far after the `[`: the next bytes decide.
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_follows_the_bytes_after_the_first_bracket() {
        assert_eq!(layout(b"  \n [\n {}", true), Some((Format::Array, 4)));
        assert_eq!(layout(b"\xEF\xBB\xBF[]", true), Some((Format::Array, 3)));
        assert_eq!(layout(b"[{\"a\":1}]", true), Some((Format::Array, 0)));
        assert_eq!(layout(b"[ \t]", true), Some((Format::Array, 0)));
        assert_eq!(layout(b"[", true), Some((Format::Array, 0)));
        assert_eq!(layout(b"{\"a\":1}\n", true), Some((Format::Ndjson, 0)));
        assert_eq!(layout(b"garbage\n{}", true), Some((Format::Ndjson, 0)));
        assert_eq!(layout(b"[garbage\n{}", true), Some((Format::Ndjson, 0)));
        assert_eq!(layout(b"[1, 2]\n{}", true), Some((Format::Ndjson, 0)));
        assert_eq!(
            layout(b"\xEF\xBB\xBF[\"x\"]", true),
            Some((Format::Ndjson, 3))
        );
        assert_eq!(layout(b" \n\r\n", true), None);
        assert_eq!(layout(b"[   ", false), None);
    }

    #[test]
    fn magic_numbers_name_what_the_input_is() {
        assert_eq!(compression(b"\x1f\x8b\x08\x00"), Some(Compression::Gzip));
        assert_eq!(
            compression(b"\x28\xb5\x2f\xfd\x00"),
            Some(Compression::Zstd)
        );
        assert_eq!(compression(b"[{}]"), None);
        assert_eq!(not_json(b"PAR1\x00\x00"), Some(NotJson::Parquet));
        assert_eq!(not_json(b"\xff\xfe[\x00"), Some(NotJson::Utf16));
        assert_eq!(
            not_json(b"\xff\xfe\x00\x00[\x00\x00\x00"),
            Some(NotJson::Utf32)
        );
        assert_eq!(not_json(b"[\x00{\x00"), Some(NotJson::Binary));
        assert_eq!(not_json(b"%PDF-1.7"), Some(NotJson::Pdf));
        assert_eq!(not_json(b"{\"a\": 1}\n"), None);
        assert_eq!(not_json(b""), None);
    }
}
