//! The kept records in the table's order: by `OpenHouseDate`, then `OpenHouseKey`.

use std::cmp::Ordering;

use openhouse_model::{Date, OpenHouse, UtcTimestamp, Zip5, date_from_days_since_epoch};
use rayon::prelude::*;

use crate::packed::Text;
use crate::rows::{OpenHouseRows, TextField};

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RowRef {
    partition: u32,
    row: u32,
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
                    let days = (partition.date_days(row) as u32) ^ 0x8000_0000;
                    (u128::from(days) << 96)
                        | (u128::from(partition.key(row).prefix()) << 32)
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
                    row: global - bases[partition],
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
                    let key = |r: &RowRef| partitions[r.partition as usize].key(r.row as usize);
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
        let RowRef { partition, row } = self.order[index];
        TableRow {
            rows: &self.partitions[partition as usize],
            row: row as usize,
        }
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
                (0..rows.len()).fold(identity(), |acc, row| fold(acc, TableRow { rows, row }))
            })
            .collect()
    }
}

/// One row of a [`Table`].
#[derive(Debug, Clone, Copy)]
pub struct TableRow<'a> {
    rows: &'a OpenHouseRows,
    row: usize,
}

impl<'a> TableRow<'a> {
    /// `OpenHouseKey`.
    pub fn key(&self) -> Text<'a> {
        self.rows.key(self.row)
    }

    /// One of the text fields; `None` when the feed had none.
    pub fn text(&self, field: TextField) -> Option<Text<'a>> {
        self.rows.text(self.row, field)
    }

    /// `OpenHouseDate` as days since 1970-01-01.
    pub fn date_days(&self) -> i32 {
        self.rows.date_days(self.row)
    }

    /// `OpenHouseDate`.
    pub fn date(&self) -> Date {
        date_from_days_since_epoch(i64::from(self.date_days())).unwrap_or(Date::MIN)
    }

    /// `OpenHouseStartTime` in microseconds since the epoch.
    pub fn start_micros(&self) -> i64 {
        self.rows.start_micros(self.row)
    }

    /// `OpenHouseEndTime` in microseconds since the epoch.
    pub fn end_micros(&self) -> i64 {
        self.rows.end_micros(self.row)
    }

    /// `DateModified` at full precision.
    pub fn modified(&self) -> UtcTimestamp {
        self.rows.modified(self.row)
    }

    /// The index of the record in its feed.
    pub fn record(&self) -> u64 {
        self.rows.record(self.row)
    }

    /// The 5-digit ZIP of `Zipcode`, if it is one.
    pub fn zip5(&self) -> Option<Zip5> {
        let zipcode = self.text(TextField::Zipcode)?;
        match zipcode {
            Text::Raw(text) => Zip5::from_zipcode(text),
            Text::Hex(_) => Zip5::from_zipcode(&zipcode.to_string()),
        }
    }

    /// The row as an owned record, its timestamps at the table's precision (microseconds for
    /// start and end) and its position holding only the record index.
    pub fn to_open_house(&self) -> OpenHouse {
        self.rows.to_open_house(self.row)
    }

    /// Orders two rows as the table does.
    pub fn cmp_table_order(&self, other: &TableRow<'_>) -> Ordering {
        (self.date_days(), self.key().prefix())
            .cmp(&(other.date_days(), other.key().prefix()))
            .then_with(|| self.key().cmp_text(&other.key()))
    }
}
