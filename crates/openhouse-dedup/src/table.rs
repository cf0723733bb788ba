//! The kept records in the table's order: by `OpenHouseDate`, then `OpenHouseKey`.

use std::cmp::Ordering;

use openhouse_model::{Date, OpenHouse, UtcTimestamp, Zip5, date_from_days_since_epoch};
use rayon::prelude::*;

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
}

/// The latest version of each open house, in the table's order
/// ([`openhouse_model::cmp_table_order`]): by `OpenHouseDate`, then `OpenHouseKey`.
///
/// The rows stay where deduplication kept them, column by column; the table is an order
/// over them. Read a row with [`Table::row`], or turn rows into Arrow columns (the
/// `openhouse-parquet` crate does) in parallel.
#[derive(Debug, Clone, Default)]
pub struct Table {
    partitions: Vec<OpenHouseRows>,
    order: Vec<RowRef>,
}

/// Where a row of the table is: its partition, and where its bytes start there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RowRef {
    partition: u32,
    start: u64,
}

impl Table {
    /// Orders the rows of `partitions`: by date and the first eight bytes of the key, as one
    /// 128-bit number each, in parallel; then, within runs where those are equal, by the
    /// whole key.
    pub(crate) fn sorted(partitions: Vec<OpenHouseRows>) -> Result<Table, TableError> {
        let rows: usize = partitions.iter().map(OpenHouseRows::len).sum();
        let max = u32::MAX as usize;
        if rows > max {
            return Err(TableError::TooManyRows { rows, max });
        }
        let mut bases = Vec::with_capacity(partitions.len());
        let mut base = 0u32;
        for partition in &partitions {
            bases.push(base);
            base += partition.len() as u32;
        }
        let mut keys: Vec<u128> = partitions
            .par_iter()
            .zip(&bases)
            .flat_map_iter(|(partition, &base)| {
                (0..partition.len()).map(move |row| {
                    // Flipping the sign bit makes the days order as unsigned numbers do.
                    let days = (partition.row(row).date_days() as u32) ^ 0x8000_0000;
                    let row_bytes = partition.row(row);
                    (u128::from(days) << 96)
                        | (u128::from(row_bytes.key().prefix()) << 32)
                        | u128::from(base + row as u32)
                })
            })
            .collect();
        keys.par_sort_unstable();
        let order: Vec<RowRef> = keys
            .par_iter()
            .map(|&key| {
                let global = key as u32;
                let partition = bases.partition_point(|&base| base <= global) - 1;
                RowRef {
                    partition: partition as u32,
                    start: partitions[partition].start((global - bases[partition]) as usize),
                }
            })
            .collect();
        let mut table = Table { partitions, order };
        table.order_ties_by_whole_key(&keys);
        Ok(table)
    }

    /// Sorts each run of rows whose date and key prefix are equal by the whole key.
    fn order_ties_by_whole_key(&mut self, keys: &[u128]) {
        let Table { partitions, order } = self;
        let mut start = 0;
        while start < keys.len() {
            let mut end = start + 1;
            while end < keys.len() && keys[end] >> 32 == keys[start] >> 32 {
                end += 1;
            }
            if end - start > 1 {
                order[start..end].sort_unstable_by(|a, b| {
                    let key = |r: &RowRef| partitions[r.partition as usize].at(r.start).key();
                    key(a).cmp_text(&key(b))
                });
            }
            start = end;
        }
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
        let RowRef { partition, start } = self.order[index];
        TableRow {
            row: self.partitions[partition as usize].at(start),
        }
    }

    /// Asks the processor to start loading row `index` into its caches, so that visiting
    /// rows in the table's order (which jumps between partitions) need not wait for memory
    /// at each row. A hint only: it changes no result, and an index past the end is ignored.
    pub fn prefetch(&self, index: usize) {
        let Some(&RowRef { partition, start }) = self.order.get(index) else {
            return;
        };
        prefetch(self.partitions[partition as usize].at(start).bytes());
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

#[cfg(target_arch = "x86_64")]
fn prefetch(row: &[u8]) {
    use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
    // A row spans two cache lines at most in real feeds.
    for line in [0, 64] {
        if let Some(byte) = row.get(line) {
            // SAFETY: a prefetch only hints the cache; the address is inside a live slice.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(byte).cast()) };
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn prefetch(_: &[u8]) {}
