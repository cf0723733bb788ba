//! Valid open houses stored column by column, their text in one arena: no allocation per
//! record, and a record costs about a hundred bytes however it is held.

use openhouse_model::{
    OpenHouse, OpenHouseFields, Position, UtcTimestamp, Version, date_from_days_since_epoch,
    days_since_epoch,
};

use crate::packed::{Text, push_cell, read_cell};

/// The five text fields, in the order their cells follow one another in a row's text.
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

/// Rows of valid open houses.
///
/// Timestamps are kept as the table stores them: `OpenHouseStartTime` and
/// `OpenHouseEndTime` in microseconds, `DateModified` at full precision because it decides
/// which version wins.
#[derive(Debug, Clone, Default)]
pub(crate) struct OpenHouseRows {
    dates: Vec<i32>,
    start_micros: Vec<i64>,
    end_micros: Vec<i64>,
    modified: Vec<UtcTimestamp>,
    records: Vec<u64>,
    /// Where each row's cells start in `text`.
    text_starts: Vec<usize>,
    text: Vec<u8>,
    /// Bytes of `text` that no row points to any more.
    garbage: usize,
}

impl OpenHouseRows {
    pub(crate) fn len(&self) -> usize {
        self.dates.len()
    }

    /// Appends a record and returns its row.
    pub(crate) fn push(&mut self, fields: &OpenHouseFields<'_>) -> usize {
        let row = self.len();
        self.dates.push(days_since_epoch(fields.date));
        self.start_micros.push(fields.start.unix_micros());
        self.end_micros.push(fields.end.unix_micros());
        self.modified.push(fields.modified);
        self.records.push(fields.position.record);
        self.text_starts.push(self.text.len());
        for text in [
            Some(fields.key),
            fields.listing_key,
            fields.method,
            fields.state,
            fields.zipcode,
        ] {
            push_cell(&mut self.text, text);
        }
        row
    }

    /// Appends row `row` of `other` and returns its row here.
    pub(crate) fn push_from(&mut self, other: &OpenHouseRows, row: usize) -> usize {
        let here = self.len();
        self.dates.push(other.dates[row]);
        self.start_micros.push(other.start_micros[row]);
        self.end_micros.push(other.end_micros[row]);
        self.modified.push(other.modified[row]);
        self.records.push(other.records[row]);
        self.text_starts.push(self.text.len());
        self.text.extend_from_slice(other.row_text(row));
        here
    }

    /// Replaces row `row` with row `other_row` of `other`. The cells are rewritten in place
    /// when they fit, which they do for another version of the same open house unless a
    /// text grew.
    pub(crate) fn replace_from(&mut self, row: usize, other: &OpenHouseRows, other_row: usize) {
        self.dates[row] = other.dates[other_row];
        self.start_micros[row] = other.start_micros[other_row];
        self.end_micros[row] = other.end_micros[other_row];
        self.modified[row] = other.modified[other_row];
        self.records[row] = other.records[other_row];
        let new_text = other.row_text(other_row);
        let old_len = self.row_text(row).len();
        if new_text.len() <= old_len {
            let start = self.text_starts[row];
            self.text[start..start + new_text.len()].copy_from_slice(new_text);
            self.garbage += old_len - new_text.len();
        } else {
            self.garbage += old_len;
            self.text_starts[row] = self.text.len();
            self.text.extend_from_slice(new_text);
        }
    }

    /// Rewrites the text arena without the bytes no row points to, once they are the
    /// larger part of it.
    pub(crate) fn compact_text_when_mostly_garbage(&mut self) {
        if self.garbage * 2 <= self.text.len() {
            return;
        }
        let mut text = Vec::with_capacity(self.text.len() - self.garbage);
        for row in 0..self.len() {
            let cells = self.row_text(row);
            let start = text.len();
            text.extend_from_slice(cells);
            self.text_starts[row] = start;
        }
        self.text = text;
        self.garbage = 0;
    }

    /// The cells of row `row`, from its key to its zipcode.
    fn row_text(&self, row: usize) -> &[u8] {
        let start = self.text_starts[row];
        let cells = &self.text[start..];
        let mut len = 0;
        for _ in 0..5 {
            len += read_cell(&cells[len..]).1;
        }
        &cells[..len]
    }

    /// The key's cell: equal keys have equal cells.
    pub(crate) fn key_cell(&self, row: usize) -> &[u8] {
        let cells = &self.text[self.text_starts[row]..];
        &cells[..read_cell(cells).1]
    }

    pub(crate) fn text(&self, row: usize, field: TextField) -> Option<Text<'_>> {
        let mut cells = &self.text[self.text_starts[row]..];
        for _ in 0..field as usize {
            cells = &cells[read_cell(cells).1..];
        }
        read_cell(cells).0
    }

    /// The key, which every row has.
    pub(crate) fn key(&self, row: usize) -> Text<'_> {
        self.text(row, TextField::OpenHouseKey)
            .unwrap_or(Text::Raw(""))
    }

    pub(crate) fn version(&self, row: usize) -> Version {
        Version {
            modified: self.modified[row],
            record: self.records[row],
        }
    }

    /// `OpenHouseDate` as days since 1970-01-01.
    pub(crate) fn date_days(&self, row: usize) -> i32 {
        self.dates[row]
    }

    pub(crate) fn start_micros(&self, row: usize) -> i64 {
        self.start_micros[row]
    }

    pub(crate) fn end_micros(&self, row: usize) -> i64 {
        self.end_micros[row]
    }

    pub(crate) fn modified(&self, row: usize) -> UtcTimestamp {
        self.modified[row]
    }

    pub(crate) fn record(&self, row: usize) -> u64 {
        self.records[row]
    }

    /// Row `row` as an owned record (its position holds only the record index).
    pub(crate) fn to_open_house(&self, row: usize) -> OpenHouse {
        let text = |field| self.text(row, field).map(|text| text.to_string());
        let key = self.key(row).to_string();
        let [listing_key, method, state, zipcode] = [
            TextField::ListingKey,
            TextField::OpenHouseMethod,
            TextField::State,
            TextField::Zipcode,
        ]
        .map(text);
        let micros = |micros: i64| {
            UtcTimestamp::from_unix(micros.div_euclid(1_000_000), (micros.rem_euclid(1_000_000) * 1_000) as u32)
                .unwrap_or(self.modified[row])
        };
        OpenHouse::new(OpenHouseFields {
            key: &key,
            listing_key: listing_key.as_deref(),
            method: method.as_deref(),
            date: date_from_days_since_epoch(i64::from(self.dates[row]))
                .unwrap_or(openhouse_model::Date::MIN),
            start: micros(self.start_micros[row]),
            end: micros(self.end_micros[row]),
            modified: self.modified[row],
            state: state.as_deref(),
            zipcode: zipcode.as_deref(),
            position: Position {
                record: self.records[row],
                ..Position::default()
            },
        })
    }

    /// Bytes held, roughly: for memory accounting and tests.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.dates.capacity() * 4
            + (self.start_micros.capacity() + self.end_micros.capacity()) * 8
            + self.modified.capacity() * std::mem::size_of::<UtcTimestamp>()
            + self.records.capacity() * 8
            + self.text_starts.capacity() * 8
            + self.text.capacity()
    }

    pub(crate) fn clear(&mut self) {
        self.dates.clear();
        self.start_micros.clear();
        self.end_micros.clear();
        self.modified.clear();
        self.records.clear();
        self.text_starts.clear();
        self.text.clear();
        self.garbage = 0;
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
        let back = rows.to_open_house(0);
        assert_eq!(back.key(), key);
        assert_eq!(back.listing_key(), Some("L-1"));
        assert_eq!(back.state(), None);
        assert_eq!(back.zipcode(), Some("94521-3711"));
        assert_eq!(back.start.to_string(), "2024-05-04T17:00:00.123456Z");
        assert_eq!(back.modified.subsec_nanos(), 123_456_789);
        assert_eq!(back.position.record, 7);
        assert_eq!(rows.text(0, TextField::OpenHouseMethod).unwrap().to_string(), "In-Person");
    }

    #[test]
    fn replacing_a_row_with_longer_text_moves_it_and_compaction_reclaims_the_old() {
        let mut rows = OpenHouseRows::default();
        let mut other = OpenHouseRows::default();
        rows.push(&fields("A", Some("L"), 0));
        rows.push(&fields("B", Some("L"), 1));
        other.push(&fields("A", Some("a much longer listing key"), 2));
        rows.replace_from(0, &other, 0);
        assert_eq!(
            rows.to_open_house(0).listing_key(),
            Some("a much longer listing key")
        );
        assert!(rows.garbage > 0);
        rows.compact_text_when_mostly_garbage();
        assert!(rows.garbage > 0, "a little garbage is left in place");
        for length in [40, 60, 80] {
            other.push(&fields("B", Some(&"L".repeat(length)), 3));
            rows.replace_from(1, &other, other.len() - 1);
        }
        rows.compact_text_when_mostly_garbage();
        assert_eq!(rows.garbage, 0);
        assert_eq!(rows.to_open_house(1).listing_key(), Some("L".repeat(80).as_str()));
        assert_eq!(rows.to_open_house(0).position.record, 2);
    }
}
