//! What the splitters share: a record's place in its window, and JSON's whitespace.

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
