//! The latest version of every open house seen so far, split by key hash into partitions
//! that fill and merge in parallel, one task a partition.

use std::convert::Infallible;

use openhouse_model::{OpenHouse, OpenHouseFields, RejectedRecord, Sink};
use rayon::prelude::*;

use crate::index::{KeyIndex, tag_of};
use crate::key::{PARTITIONS, hash_key, partition_of};
use crate::rows::{OpenHouseRows, RowBytes, encode_row};
use crate::{Table, TableError};

/// The latest version of every open house seen so far: per `OpenHouseKey` (exact string
/// match), the record with the greatest [`openhouse_model::Version`] — the latest
/// `DateModified` instant, and on equal instants the record later in the input.
///
/// That order is total, so the result does not depend on the order records arrive in:
/// tables can be filled independently and merged. Each partition holds only the winning row
/// of each of its keys, replaced in place when a later version arrives, so memory follows
/// the number of distinct open houses, not the number of records.
#[derive(Debug, Clone)]
pub struct LatestByKey {
    partitions: Vec<Partition>,
    /// The record being offered, encoded as a row; reused.
    row: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
struct Partition {
    rows: OpenHouseRows,
    /// Each kept row by 32 bits of its key's hash.
    index: KeyIndex,
}

/// Rows kept in their keys' partitions, in the order they came, and not yet looked up, so
/// that a partition's rows are later looked up together, in its index alone.
#[derive(Debug, Default)]
pub(crate) struct Appended {
    /// One per partition, once a row came: its rows, and their keys' hashes in order.
    partitions: Vec<(OpenHouseRows, Vec<u64>)>,
    bytes: usize,
}

impl Appended {
    /// Appends a row encoded by [`encode_row`], whose key hashes to `hash`.
    pub(crate) fn push(&mut self, row: &[u8], hash: u64) {
        if self.partitions.is_empty() {
            self.partitions = vec![Default::default(); PARTITIONS];
        }
        let (rows, hashes) = &mut self.partitions[partition_of(hash)];
        rows.push_encoded(row);
        hashes.push(hash);
        self.bytes += row.len();
    }

    /// The bytes of the rows appended.
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}

/// How many rows ahead a merge asks for the index slot of the row it will look up.
const PREFETCH_DISTANCE: usize = 8;

impl Default for LatestByKey {
    fn default() -> Self {
        LatestByKey {
            partitions: vec![Partition::default(); PARTITIONS],
            row: Vec::new(),
        }
    }
}

impl LatestByKey {
    /// An empty table.
    pub fn new() -> LatestByKey {
        LatestByKey::default()
    }

    /// Keeps `open_house` if it is the first version of its key or supersedes the one kept.
    pub fn offer(&mut self, open_house: &OpenHouseFields<'_>) {
        let mut row = std::mem::take(&mut self.row);
        row.clear();
        encode_row(open_house, &mut row);
        let hash = row_hash(&row);
        self.offer_encoded(&row, hash);
        self.row = row;
    }

    /// Offers a row encoded by [`encode_row`], whose key hashes to `hash`.
    pub(crate) fn offer_encoded(&mut self, row: &[u8], hash: u64) {
        self.partitions[partition_of(hash)].offer(row, hash);
    }

    /// Offers every row of `appended`, one partition after another on this thread.
    pub(crate) fn absorb_here(&mut self, appended: Appended) {
        for (partition, (rows, hashes)) in self.partitions.iter_mut().zip(appended.partitions) {
            partition.absorb_hashed(rows, &hashes);
        }
    }

    /// Offers every row of every one of `appended`, partitions in parallel on the current
    /// rayon pool, one task a partition.
    pub(crate) fn absorb_in_parallel(&mut self, appended: Vec<Appended>) {
        let mut by_partition: Vec<Vec<(OpenHouseRows, Vec<u64>)>> = vec![Vec::new(); PARTITIONS];
        for table in appended {
            for (rows, partition) in table.partitions.into_iter().zip(&mut by_partition) {
                partition.push(rows);
            }
        }
        self.partitions
            .par_iter_mut()
            .zip(by_partition)
            .for_each(|(partition, appended)| {
                for (rows, hashes) in appended {
                    partition.absorb_hashed(rows, &hashes);
                }
            });
    }

    /// Absorbs another table; the same as offering each of its records. Partitions merge
    /// in parallel on the current rayon pool, one task a partition; rows are not copied,
    /// the other table's storage is taken over.
    pub fn merge(&mut self, other: LatestByKey) {
        self.partitions
            .par_iter_mut()
            .zip(other.partitions)
            .for_each(|(mine, theirs)| mine.absorb(theirs.rows));
    }

    /// The number of distinct open houses.
    pub fn len(&self) -> usize {
        self.partitions.iter().map(|p| p.rows.len()).sum()
    }

    /// Whether no record was kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held by the rows and their indexes, roughly.
    pub fn heap_bytes(&self) -> usize {
        self.partitions
            .iter()
            .map(|p| p.rows.heap_bytes() + p.index.heap_bytes())
            .sum()
    }

    /// The kept records in the table's order, sorted in parallel.
    pub fn into_table(self) -> Result<Table, TableError> {
        let partitions: Vec<OpenHouseRows> = self
            .partitions
            .into_par_iter()
            .map(|mut partition| {
                partition.rows.compact_when_mostly_garbage();
                partition.rows
            })
            .collect();
        Table::sorted(partitions)
    }

    /// The kept records as owned values, in the table's order.
    pub fn into_sorted_vec(self) -> Result<Vec<OpenHouse>, TableError> {
        Ok(self.into_table()?.to_open_houses())
    }
}

impl Partition {
    /// Offers every row of `rows`, all of this partition's keys, taking over their storage.
    fn absorb(&mut self, rows: OpenHouseRows) {
        let hashes: Vec<u64> = (0..rows.len())
            .map(|row| hash_key(rows.key_cell(row)))
            .collect();
        self.absorb_hashed(rows, &hashes);
    }

    /// [`Partition::absorb`] of rows whose keys' hashes are known, in order.
    fn absorb_hashed(&mut self, rows: OpenHouseRows, hashes: &[u64]) {
        let addresses = self.rows.adopt(rows);
        let Partition { rows: kept, index } = self;
        for (at, (&address, &hash)) in addresses.iter().zip(hashes).enumerate() {
            if let Some(&ahead) = hashes.get(at + PREFETCH_DISTANCE) {
                index.prefetch(tag_of(ahead));
            }
            let offered = kept.at(address);
            let key = offered.key_cell();
            let tag = tag_of(hash);
            match index.find(tag, |kept_row| kept.key_cell(kept_row as usize) == key) {
                Some(kept_row) => {
                    let kept_row = kept_row as usize;
                    if offered.version() > kept.version(kept_row) {
                        kept.repoint(kept_row, address);
                    } else {
                        kept.discard(address);
                    }
                }
                None => {
                    let new_row = kept.list(address) as u32;
                    index.insert_new(tag, new_row);
                }
            }
        }
        kept.compact_when_mostly_garbage();
    }

    fn offer(&mut self, row: &[u8], hash: u64) {
        let offered = RowBytes::new(row);
        let key = offered.key_cell();
        debug_assert_eq!(hash, hash_key(key));
        let tag = tag_of(hash);
        let Partition { rows: kept, index } = self;
        match index.find(tag, |kept_row| kept.key_cell(kept_row as usize) == key) {
            Some(kept_row) => {
                let kept_row = kept_row as usize;
                if offered.version() > kept.version(kept_row) {
                    kept.replace(kept_row, row);
                    kept.compact_when_mostly_garbage();
                }
            }
            None => {
                // The table refuses to sort a partition of more rows than its row references hold,
                // fewer than 2^32.
                let new_row = kept.push_encoded(row) as u32;
                index.insert_new(tag, new_row);
            }
        }
    }
}

/// The hash of an encoded row's key.
pub(crate) fn row_hash(row: &[u8]) -> u64 {
    hash_key(RowBytes::new(row).key_cell())
}

impl<'a> Extend<OpenHouseFields<'a>> for LatestByKey {
    fn extend<I: IntoIterator<Item = OpenHouseFields<'a>>>(&mut self, records: I) {
        for record in records {
            self.offer(&record);
        }
    }
}

impl<'a> FromIterator<OpenHouseFields<'a>> for LatestByKey {
    fn from_iter<I: IntoIterator<Item = OpenHouseFields<'a>>>(records: I) -> Self {
        let mut latest = LatestByKey::default();
        latest.extend(records);
        latest
    }
}

/// A table is a sink that keeps the latest version of each valid record and ignores
/// rejections; merging in any order gives the same table, as the order of versions is total.
impl Sink for LatestByKey {
    type Error = Infallible;

    fn open_house(&mut self, open_house: &OpenHouseFields<'_>) -> Result<bool, Infallible> {
        self.offer(open_house);
        Ok(true)
    }

    fn rejection(&mut self, _: &RejectedRecord<'_>) -> Result<bool, Infallible> {
        Ok(true)
    }

    fn merge(&mut self, later: Self) -> Result<(), Infallible> {
        LatestByKey::merge(self, later);
        Ok(())
    }
}
