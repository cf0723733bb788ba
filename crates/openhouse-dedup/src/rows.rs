//! Valid open houses, each stored as one run of bytes in an arena: no allocation per
//! record, about a hundred bytes a record, and one cache miss to reach everything a record
//! holds — which is what deduplication (key and version) and gathering the table's columns
//! (every field of a row, rows in the table's order) both need.

use openhouse_model::{
    OpenHouse, OpenHouseFields, Position, UtcTimestamp, Version, date_from_days_since_epoch,
    days_since_epoch,
};

use crate::packed::{Text, cell_len, push_cell, read_cell};

/// The five text fields, in the order their cells follow one another in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextField {
    /// `OpenHouseKey` (never absent).
    OpenHouseKey,
    /// `ListingKey`.
    ListingKey,
    /// `OpenHouseMethod`.
    OpenHouseMethod,
    /// `State`.
    State,
    /// `Zipcode`.
    Zipcode,
}

// A row: these fixed fields, little-endian, then the five text cells.
const DATE: usize = 0;
const START: usize = 4;
const END: usize = 12;
const MODIFIED_SECONDS: usize = 20;
const MODIFIED_NANOS: usize = 28;
const RECORD: usize = 32;
const HEADER: usize = 40;

/// One row, read in place: its fixed fields at known offsets, then its cells.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowBytes<'a> {
    /// From the row's first byte to the end of the arena.
    bytes: &'a [u8],
}

impl<'a> RowBytes<'a> {
    /// A row encoded by [`encode_row`], read in place.
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        RowBytes { bytes }
    }

    fn field<const N: usize>(&self, offset: usize) -> [u8; N] {
        let mut value = [0; N];
        if let Some(bytes) = self.bytes.get(offset..offset + N) {
            value.copy_from_slice(bytes);
        }
        value
    }

    fn cells(&self) -> &'a [u8] {
        self.bytes.get(HEADER..).unwrap_or_default()
    }

    /// From the row's first byte to the end of its block.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The row's length in bytes.
    pub(crate) fn len(&self) -> usize {
        let cells = self.cells();
        let mut len = 0;
        for _ in 0..5 {
            len += cell_len(&cells[len..]);
        }
        HEADER + len
    }

    /// The key's cell: equal keys have equal cells.
    pub(crate) fn key_cell(&self) -> &'a [u8] {
        let cells = self.cells();
        &cells[..cell_len(cells)]
    }

    pub(crate) fn text(&self, field: TextField) -> Option<Text<'a>> {
        let mut cells = self.cells();
        for _ in 0..field as usize {
            cells = &cells[cell_len(cells)..];
        }
        read_cell(cells).0
    }

    /// All five texts, in [`TextField`] order, read in one walk over the cells.
    pub(crate) fn texts(&self) -> [Option<Text<'a>>; 5] {
        let mut cells = self.cells();
        [(); 5].map(|()| {
            let (text, len) = read_cell(cells);
            cells = &cells[len..];
            text
        })
    }

    /// The key, which every row has.
    pub(crate) fn key(&self) -> Text<'a> {
        self.text(TextField::OpenHouseKey).unwrap_or(Text::EMPTY)
    }

    pub(crate) fn version(&self) -> Version {
        Version {
            modified: self.modified(),
            record: self.record(),
        }
    }

    /// `OpenHouseDate` as days since 1970-01-01.
    pub(crate) fn date_days(&self) -> i32 {
        i32::from_le_bytes(self.field(DATE))
    }

    pub(crate) fn start_micros(&self) -> i64 {
        i64::from_le_bytes(self.field(START))
    }

    pub(crate) fn end_micros(&self) -> i64 {
        i64::from_le_bytes(self.field(END))
    }

    pub(crate) fn modified(&self) -> UtcTimestamp {
        let seconds = i64::from_le_bytes(self.field(MODIFIED_SECONDS));
        let nanos = u32::from_le_bytes(self.field(MODIFIED_NANOS));
        // Only ever written from a valid instant, whose nanoseconds are below one second.
        UtcTimestamp::from_unix(seconds, nanos).unwrap_or(UtcTimestamp::UNIX_EPOCH)
    }

    pub(crate) fn record(&self) -> u64 {
        u64::from_le_bytes(self.field(RECORD))
    }

    /// The row as an owned record (its position holds only the record index).
    pub(crate) fn to_open_house(self) -> OpenHouse {
        let [key, listing_key, method, state, zipcode] =
            self.texts().map(|text| text.map(|text| text.to_string()));
        let micros = |micros: i64| {
            UtcTimestamp::from_unix(
                micros.div_euclid(1_000_000),
                (micros.rem_euclid(1_000_000) * 1_000) as u32,
            )
            .unwrap_or(UtcTimestamp::UNIX_EPOCH)
        };
        OpenHouse::new(OpenHouseFields {
            key: key.as_deref().unwrap_or_default(),
            listing_key: listing_key.as_deref(),
            method: method.as_deref(),
            date: date_from_days_since_epoch(i64::from(self.date_days()))
                .unwrap_or(openhouse_model::Date::MIN),
            start: micros(self.start_micros()),
            end: micros(self.end_micros()),
            modified: self.modified(),
            state: state.as_deref(),
            zipcode: zipcode.as_deref(),
            position: Position {
                record: self.record(),
                ..Position::default()
            },
        })
    }
}

/// Rows of valid open houses.
///
/// Timestamps are kept as the table stores them: `OpenHouseStartTime` and
/// `OpenHouseEndTime` in microseconds, `DateModified` at full precision because it decides
/// which version wins.
#[derive(Debug, Clone, Default)]
pub(crate) struct OpenHouseRows {
    /// Where each row starts in `arena`.
    starts: Vec<u64>,
    arena: Arena,
    /// Bytes of the arena that no row points to any more.
    garbage: usize,
}

/// Bytes kept in blocks that never move: growing adds a block rather than copying the whole
/// arena, and never holds more than one block of slack, whatever the arena's size.
#[derive(Debug, Clone, Default)]
struct Arena {
    blocks: Vec<Vec<u8>>,
    used: usize,
}

/// The first block's size; each further block is twice the last, up to [`MAX_BLOCK_BYTES`],
/// so that the partitions of a small table stay small and a large table wastes little.
/// A longer row gets a block of its own size.
const FIRST_BLOCK_BYTES: usize = 4 << 10;
/// The largest block made for rows that fit in it.
const MAX_BLOCK_BYTES: usize = 256 << 10;
/// An address is a block number above these bits and an offset in the block below.
const OFFSET_BITS: u32 = 40;

impl Arena {
    /// Makes room for `len` bytes in one block and returns the address they will start at;
    /// the bytes are then appended to [`Arena::last`].
    fn make_room(&mut self, len: usize) -> u64 {
        let fits = self
            .blocks
            .last()
            .is_some_and(|block| block.capacity() - block.len() >= len);
        if !fits {
            let next = self.blocks.last().map_or(FIRST_BLOCK_BYTES, |block| {
                (2 * block.capacity()).min(MAX_BLOCK_BYTES)
            });
            self.blocks.push(Vec::with_capacity(len.max(next)));
        }
        let block = self.blocks.len() - 1;
        ((block as u64) << OFFSET_BITS) | self.blocks[block].len() as u64
    }

    /// The block being filled.
    fn last(&mut self) -> &mut Vec<u8> {
        if self.blocks.is_empty() {
            self.blocks.push(Vec::with_capacity(FIRST_BLOCK_BYTES));
        }
        let last = self.blocks.len() - 1;
        &mut self.blocks[last]
    }

    /// The bytes from `address` to the end of its block.
    fn tail(&self, address: u64) -> &[u8] {
        let block = (address >> OFFSET_BITS) as usize;
        let offset = (address & ((1 << OFFSET_BITS) - 1)) as usize;
        self.blocks
            .get(block)
            .and_then(|block| block.get(offset..))
            .unwrap_or_default()
    }

    fn tail_mut(&mut self, address: u64) -> &mut [u8] {
        let block = (address >> OFFSET_BITS) as usize;
        let offset = (address & ((1 << OFFSET_BITS) - 1)) as usize;
        self.blocks
            .get_mut(block)
            .and_then(|block| block.get_mut(offset..))
            .unwrap_or_default()
    }

    /// Appends `bytes` in one block and returns their address.
    fn push(&mut self, bytes: &[u8]) -> u64 {
        let address = self.make_room(bytes.len());
        self.last().extend_from_slice(bytes);
        self.used += bytes.len();
        address
    }

    fn capacity(&self) -> usize {
        self.blocks.iter().map(Vec::capacity).sum()
    }
}

/// Appends `fields` to `out` as one row: the fixed fields, then the cells from key to
/// zipcode.
pub(crate) fn encode_row(fields: &OpenHouseFields<'_>, out: &mut Vec<u8>) {
    let mut header = [0u8; HEADER];
    header[DATE..START].copy_from_slice(&days_since_epoch(fields.date).to_le_bytes());
    header[START..END].copy_from_slice(&fields.start.unix_micros().to_le_bytes());
    header[END..MODIFIED_SECONDS].copy_from_slice(&fields.end.unix_micros().to_le_bytes());
    header[MODIFIED_SECONDS..MODIFIED_NANOS]
        .copy_from_slice(&fields.modified.unix_seconds().to_le_bytes());
    header[MODIFIED_NANOS..RECORD].copy_from_slice(&fields.modified.subsec_nanos().to_le_bytes());
    header[RECORD..HEADER].copy_from_slice(&fields.position.record.to_le_bytes());
    out.extend_from_slice(&header);
    push_cell(out, Some(fields.key));
    for text in [
        fields.listing_key,
        fields.method,
        fields.state,
        fields.zipcode,
    ] {
        push_cell(out, text);
    }
}

impl OpenHouseRows {
    pub(crate) fn len(&self) -> usize {
        self.starts.len()
    }

    /// Appends a record and returns its row.
    #[cfg(test)]
    pub(crate) fn push(&mut self, fields: &OpenHouseFields<'_>) -> usize {
        let mut row = Vec::new();
        encode_row(fields, &mut row);
        self.push_encoded(&row)
    }

    /// Appends an encoded row and returns its row number.
    pub(crate) fn push_encoded(&mut self, row: &[u8]) -> usize {
        let here = self.len();
        let address = self.arena.push(row);
        self.starts.push(address);
        here
    }

    /// Takes over the arena of `other` without copying it, and returns where each of its
    /// rows now is. The caller then settles each of those rows once: listed
    /// ([`OpenHouseRows::list`]), pointed to by a row ([`OpenHouseRows::repoint`]) or left
    /// out ([`OpenHouseRows::discard`]). Only the rows that end up garbage are measured, so
    /// that the rows kept, most of them, are not read again.
    pub(crate) fn adopt(&mut self, other: OpenHouseRows) -> Vec<u64> {
        // Existing addresses stay valid: the other arena's blocks go after this one's.
        let base = (self.arena.blocks.len() as u64) << OFFSET_BITS;
        self.arena.blocks.extend(other.arena.blocks);
        self.arena.used += other.arena.used;
        self.garbage += other.garbage;
        other.starts.into_iter().map(|start| start + base).collect()
    }

    /// Appends the adopted row at `address` and returns its row number.
    pub(crate) fn list(&mut self, address: u64) -> usize {
        self.starts.push(address);
        self.len() - 1
    }

    /// Points row `row` to the adopted row at `address`; the row it pointed to is garbage.
    pub(crate) fn repoint(&mut self, row: usize, address: u64) {
        self.garbage += self.row(row).len();
        self.starts[row] = address;
    }

    /// Leaves the adopted row at `address` out: it is garbage.
    pub(crate) fn discard(&mut self, address: u64) {
        self.garbage += self.at(address).len();
    }

    /// Replaces row `row` with the encoded row `new`: in place when it fits, which it does
    /// for another version of the same open house unless a text grew.
    pub(crate) fn replace(&mut self, row: usize, new: &[u8]) {
        let old_len = self.row_bytes(row).len();
        if new.len() <= old_len {
            self.arena.tail_mut(self.starts[row])[..new.len()].copy_from_slice(new);
            self.garbage += old_len - new.len();
        } else {
            self.garbage += old_len;
            self.starts[row] = self.arena.push(new);
        }
    }

    /// Rewrites the arena without the bytes no row points to, once they are the larger
    /// part of it.
    pub(crate) fn compact_when_mostly_garbage(&mut self) {
        if self.garbage * 2 <= self.arena.used {
            return;
        }
        let mut arena = Arena::default();
        for row in 0..self.len() {
            self.starts[row] = arena.push(self.row_bytes(row));
        }
        self.arena = arena;
        self.garbage = 0;
    }

    /// The bytes of row `row`: its fixed fields, then its cells from key to zipcode.
    pub(crate) fn row_bytes(&self, row: usize) -> &[u8] {
        let bytes = self.arena.tail(self.starts[row]);
        &bytes[..self.row(row).len().min(bytes.len())]
    }

    /// Row `row`.
    pub(crate) fn row(&self, row: usize) -> RowBytes<'_> {
        self.at(self.starts[row])
    }

    /// Where row `row` starts in the arena, as [`OpenHouseRows::at`] reads it: valid until
    /// the rows are compacted.
    pub(crate) fn address(&self, row: usize) -> u64 {
        self.starts[row]
    }

    /// Starts loading where row `row` starts.
    pub(crate) fn prefetch_start(&self, row: usize) {
        if let Some(start) = self.starts.get(row) {
            crate::prefetch(std::ptr::from_ref(start).cast());
        }
    }

    /// The row at `address` in the arena.
    pub(crate) fn at(&self, address: u64) -> RowBytes<'_> {
        RowBytes {
            bytes: self.arena.tail(address),
        }
    }

    /// The key's cell: equal keys have equal cells.
    pub(crate) fn key_cell(&self, row: usize) -> &[u8] {
        self.row(row).key_cell()
    }

    pub(crate) fn version(&self, row: usize) -> Version {
        self.row(row).version()
    }

    /// Bytes held, roughly: for memory accounting and tests.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.starts.capacity() * std::mem::size_of::<u64>() + self.arena.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openhouse_model::parse_date;

    fn fields<'a>(key: &'a str, listing_key: Option<&'a str>, record: u64) -> OpenHouseFields<'a> {
        let at = |text| UtcTimestamp::parse(text).unwrap();
        OpenHouseFields {
            key,
            listing_key,
            method: Some("In-Person"),
            date: parse_date("2024-05-04").unwrap(),
            start: at("2024-05-04T17:00:00.1234567Z"),
            end: at("2024-05-04T19:00:00Z"),
            modified: at("2024-05-01T00:00:00.123456789Z"),
            state: None,
            zipcode: Some("94521-3711"),
            position: Position {
                record,
                ..Position::default()
            },
        }
    }

    #[test]
    fn rows_give_back_what_was_pushed_at_table_precision() {
        let mut rows = OpenHouseRows::default();
        let key = "0f3a9c1e5b7d2f4a6c8e0a1b3c5d7e9f";
        rows.push(&fields(key, Some("L-1"), 7));
        let back = rows.row(0).to_open_house();
        assert_eq!(back.key(), key);
        assert_eq!(back.listing_key(), Some("L-1"));
        assert_eq!(back.state(), None);
        assert_eq!(back.zipcode(), Some("94521-3711"));
        assert_eq!(back.start.to_string(), "2024-05-04T17:00:00.123456Z");
        assert_eq!(back.modified.subsec_nanos(), 123_456_789);
        assert_eq!(back.position.record, 7);
        assert_eq!(
            rows.row(0)
                .text(TextField::OpenHouseMethod)
                .unwrap()
                .to_string(),
            "In-Person"
        );
        assert_eq!(rows.row(0).texts()[4].unwrap().to_string(), "94521-3711");
    }

    #[test]
    fn adopted_rows_left_out_are_garbage_and_kept_ones_keep_their_bytes() {
        let live = |rows: &OpenHouseRows| {
            (0..rows.len())
                .map(|row| rows.row(row).len())
                .sum::<usize>()
        };
        let mut rows = OpenHouseRows::default();
        rows.push(&fields("A", Some("L"), 0));
        let mut other = OpenHouseRows::default();
        other.push(&fields("A", Some("a longer listing key"), 1));
        other.push(&fields("B", None, 2));
        other.push(&fields("B", Some("an older version"), 1));
        let addresses = rows.adopt(other);
        rows.repoint(0, addresses[0]);
        rows.list(addresses[1]);
        rows.discard(addresses[2]);
        assert_eq!(rows.garbage, rows.arena.used - live(&rows));
        assert_eq!(rows.row(0).to_open_house().position.record, 1);
        assert_eq!(rows.row(1).to_open_house().key(), "B");
        rows.push(&fields("C", None, 3));
        assert_eq!(rows.row(2).to_open_house().key(), "C");
        assert_eq!(rows.garbage, rows.arena.used - live(&rows));
    }

    #[test]
    fn replacing_a_row_with_longer_text_moves_it_and_compaction_reclaims_the_old() {
        let mut rows = OpenHouseRows::default();
        let mut other = OpenHouseRows::default();
        rows.push(&fields("A", Some("L"), 0));
        rows.push(&fields("B", Some("L"), 1));
        other.push(&fields("A", Some("a much longer listing key"), 2));
        rows.replace(0, other.row_bytes(0));
        assert_eq!(
            rows.row(0).to_open_house().listing_key(),
            Some("a much longer listing key")
        );
        assert!(rows.garbage > 0);
        rows.compact_when_mostly_garbage();
        assert!(rows.garbage > 0, "a little garbage is left in place");
        for length in [40, 60, 80, 100] {
            other.push(&fields("B", Some(&"L".repeat(length)), 3));
            rows.replace(1, other.row_bytes(other.len() - 1));
        }
        rows.compact_when_mostly_garbage();
        assert_eq!(rows.garbage, 0);
        assert_eq!(
            rows.row(1).to_open_house().listing_key(),
            Some("L".repeat(100).as_str())
        );
        assert_eq!(rows.row(0).to_open_house().position.record, 2);
    }
}
