//! The kept records in the table's order: by `OpenHouseDate`, then `OpenHouseKey`.

use std::cmp::Ordering;

use openhouse_model::{Date, OpenHouse, UtcTimestamp, Zip5, date_from_days_since_epoch};
use rayon::prelude::*;

use crate::key::PARTITIONS;
use crate::packed::Text;
use crate::rows::{OpenHouseRows, RowBytes, TextField};

/// Why the kept records cannot form a table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// The table orders rows by a 32-bit number; more rows than that would not fit in one
    /// machine's memory anyway.
    #[error("{rows} open houses are more than one table holds ({max})")]
    TooManyRows {
        /// How many rows there were.
        rows: usize,
        /// The most a table holds.
        max: usize,
    },
    /// A row reference holds a row's address in 60 bits: a partition's rows spread over more
    /// than 2^20 blocks of memory (256 GiB of rows in blocks of 256 KiB) would not fit.
    #[error("the open houses take more memory than one table addresses")]
    TooManyBytes,
}

/// The latest version of each open house, in the table's order
/// ([`openhouse_model::cmp_table_order`]): by `OpenHouseDate`, then `OpenHouseKey`.
///
/// The rows stay where deduplication kept them, in its arenas; the table is an order
/// over them. Read a row with [`Table::row`], or turn rows into Arrow columns (the
/// `openhouse-parquet` crate does) in parallel.
#[derive(Debug, Clone, Default)]
pub struct Table {
    partitions: Vec<OpenHouseRows>,
    order: Vec<RowRef>,
}

/// Where a row of the table is: its partition in the top bits, its address in the
/// partition's arena in the others.
type RowRef = u64;
const ADDRESS_BITS: u32 = u64::BITS - PARTITIONS.trailing_zeros();
const ADDRESS_MASK: u64 = (1 << ADDRESS_BITS) - 1;
/// While sorting, a row is its partition in the top bits and its row number in the others.
const ROW_BITS: u32 = u32::BITS - PARTITIONS.trailing_zeros();
const ROW_MASK: u32 = (1 << ROW_BITS) - 1;

impl Table {
    /// Orders the rows of `partitions`: by date and the first eight bytes of the key, as one
    /// 128-bit number each (the row's place in its low bits), sorted in parallel; then, within
    /// runs where date and prefix are equal, by the whole key; then resolves each place to the
    /// row's address.
    pub(crate) fn sorted(partitions: Vec<OpenHouseRows>) -> Result<Table, TableError> {
        let max = 1usize << ROW_BITS;
        if let Some(full) = partitions.iter().find(|partition| partition.len() > max) {
            return Err(TableError::TooManyRows {
                rows: full.len() * partitions.len(),
                max: max * partitions.len(),
            });
        }
        let mut keys: Vec<u128> = partitions
            .par_iter()
            .enumerate()
            .flat_map_iter(|(index, partition)| {
                (0..partition.len()).map(move |row| {
                    let row_bytes = partition.row(row);
                    // Flipping the sign bit makes the days order as unsigned numbers do.
                    let days = (row_bytes.date_days() as u32) ^ 0x8000_0000;
                    (u128::from(days) << 96)
                        | (u128::from(row_bytes.key().prefix()) << 32)
                        | u128::from(((index as u32) << ROW_BITS) | row as u32)
                })
            })
            .collect();
        keys.par_sort_unstable();
        let row_of = |&key: &u128| -> RowBytes<'_> {
            let (partition, row) = place_of(key);
            partitions[partition].row(row)
        };
        keys.par_chunk_by_mut(|a, b| a >> 32 == b >> 32)
            .filter(|run| run.len() > 1)
            .for_each(|run| {
                run.sort_unstable_by(|a, b| row_of(a).key().cmp_text(&row_of(b).key()))
            });
        // Resolved once here, each row's address saves every later visit a dependent trip to
        // memory (the row's start, then the row).
        let mut order = vec![0; keys.len()];
        order
            .par_chunks_mut(RESOLVE_CHUNK)
            .zip(keys.par_chunks(RESOLVE_CHUNK))
            .try_for_each(|(order, keys)| {
                for (at, (resolved, &key)) in order.iter_mut().zip(keys).enumerate() {
                    if let Some(&ahead) = keys.get(at + PREFETCH_DISTANCE) {
                        let (partition, row) = place_of(ahead);
                        partitions[partition].prefetch_start(row);
                    }
                    let (partition, row) = place_of(key);
                    let address = partitions[partition].address(row);
                    if address > ADDRESS_MASK {
                        return Err(TableError::TooManyBytes);
                    }
                    *resolved = ((partition as u64) << ADDRESS_BITS) | address;
                }
                Ok(())
            })?;
        Ok(Table { partitions, order })
    }

    /// How many open houses the table holds.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the table holds none.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The `index`-th row in the table's order.
    ///
    /// # Panics
    /// When `index` is not below [`Table::len`], as slice indexing does.
    pub fn row(&self, index: usize) -> TableRow<'_> {
        TableRow {
            row: self.row_at(self.order[index]),
        }
    }

    /// Asks the processor to start loading row `index` into its caches, so that visiting
    /// rows in the table's order (which jumps between partitions) need not wait for memory
    /// at each row. A hint only: it changes no result, and an index past the end is ignored.
    pub fn prefetch(&self, index: usize) {
        if let Some(&row) = self.order.get(index) {
            let row = self.row_at(row);
            // A real feed's row is about 100 bytes: three lines hold a row of up to 128 bytes
            // wherever it starts.
            for line in [0, 64, 127] {
                if let Some(byte) = row.bytes().get(line) {
                    crate::prefetch(byte);
                }
            }
        }
    }

    fn row_at(&self, row: RowRef) -> RowBytes<'_> {
        self.partitions[(row >> ADDRESS_BITS) as usize].at(row & ADDRESS_MASK)
    }

    /// Every row in the table's order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = TableRow<'_>> + '_ {
        (0..self.len()).map(|index| self.row(index))
    }

    /// Every row as an owned record, in the table's order.
    pub fn to_open_houses(&self) -> Vec<OpenHouse> {
        (0..self.len())
            .into_par_iter()
            .map(|index| self.row(index).to_open_house())
            .collect()
    }

    /// Calls `each` with every row of one partition at a time, partitions in parallel, in no
    /// particular order: for counting what does not depend on order (the insights).
    pub fn par_fold_rows<T, F, R>(&self, identity: F, fold: R) -> Vec<T>
    where
        T: Send,
        F: Fn() -> T + Sync + Send,
        R: Fn(T, TableRow<'_>) -> T + Sync + Send,
    {
        self.partitions
            .par_iter()
            .map(|rows| {
                (0..rows.len()).fold(identity(), |acc, row| {
                    fold(acc, TableRow { row: rows.row(row) })
                })
            })
            .collect()
    }
}

/// The 5-digit ZIP of a zipcode text, if it is one.
pub fn zip5_of(zipcode: Option<Text<'_>>) -> Option<Zip5> {
    let zipcode = zipcode?;
    match zipcode.raw_bytes() {
        Some(bytes) => Zip5::from_bytes(bytes),
        // Hex digits that happen to be all decimal, such as `945210`: never a ZIP's form,
        // but checked the same way rather than assumed.
        None => Zip5::from_zipcode(&zipcode.to_string()),
    }
}

/// One row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct TableRow<'a> {
    row: RowBytes<'a>,
}

impl<'a> TableRow<'a> {
    /// `OpenHouseKey`.
    pub fn key(&self) -> Text<'a> {
        self.row.key()
    }

    /// One of the text fields; `None` when the feed had none.
    pub fn text(&self, field: TextField) -> Option<Text<'a>> {
        self.row.text(field)
    }

    /// All five text fields, in [`TextField`] order: cheaper than asking for each.
    pub fn texts(&self) -> [Option<Text<'a>>; 5] {
        self.row.texts()
    }

    /// `OpenHouseDate` as days since 1970-01-01.
    pub fn date_days(&self) -> i32 {
        self.row.date_days()
    }

    /// `OpenHouseDate`.
    pub fn date(&self) -> Date {
        date_from_days_since_epoch(i64::from(self.date_days())).unwrap_or(Date::MIN)
    }

    /// `OpenHouseStartTime` in microseconds since the epoch.
    pub fn start_micros(&self) -> i64 {
        self.row.start_micros()
    }

    /// `OpenHouseEndTime` in microseconds since the epoch.
    pub fn end_micros(&self) -> i64 {
        self.row.end_micros()
    }

    /// `DateModified` at full precision.
    pub fn modified(&self) -> UtcTimestamp {
        self.row.modified()
    }

    /// The index of the record in its feed.
    pub fn record(&self) -> u64 {
        self.row.record()
    }

    /// The 5-digit ZIP of `Zipcode`, if it is one.
    pub fn zip5(&self) -> Option<Zip5> {
        zip5_of(self.text(TextField::Zipcode))
    }

    /// The row as an owned record, its timestamps at the table's precision (microseconds for
    /// start and end) and its position holding only the record index.
    pub fn to_open_house(&self) -> OpenHouse {
        self.row.to_open_house()
    }

    /// Orders two rows as the table does.
    pub fn cmp_table_order(&self, other: &TableRow<'_>) -> Ordering {
        (self.date_days(), self.key().prefix())
            .cmp(&(other.date_days(), other.key().prefix()))
            .then_with(|| self.key().cmp_text(&other.key()))
    }
}

/// The partition and row number in the low 32 bits of a sort key.
fn place_of(key: u128) -> (usize, usize) {
    let place = key as u32;
    ((place >> ROW_BITS) as usize, (place & ROW_MASK) as usize)
}

/// Rows whose addresses one task resolves.
const RESOLVE_CHUNK: usize = 1 << 14;
/// How many rows ahead the resolving asks for where a row starts.
const PREFETCH_DISTANCE: usize = 16;
