//! The latest version of every open house seen so far, split by key hash into partitions
//! that fill and merge in parallel, one task a partition.

use openhouse_model::{OpenHouse, OpenHouseFields};
use rayon::prelude::*;

use crate::batch::{KeyedBatch, PARTITIONS, hash_key, partition_of};
use crate::index::{KeyIndex, tag_of};
use crate::rows::OpenHouseRows;
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
}

#[derive(Debug, Clone, Default)]
struct Partition {
    rows: OpenHouseRows,
    /// Each kept row by 32 bits of its key's hash.
    index: KeyIndex,
}

/// How many rows ahead a partition asks for the index slot of the row it will look up.
const PREFETCH_DISTANCE: usize = 8;

impl Default for LatestByKey {
    fn default() -> Self {
        LatestByKey {
            partitions: vec![Partition::default(); PARTITIONS],
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
        let mut batch = KeyedBatch::default();
        batch.push(open_house);
        self.absorb(std::slice::from_ref(&batch));
    }

    /// Offers every record of `batches`, partitions in parallel on the current rayon pool.
    pub fn absorb(&mut self, batches: &[KeyedBatch]) {
        self.partitions
            .par_iter_mut()
            .enumerate()
            .for_each(|(partition, table)| {
                for part in batches.iter().map(|batch| &batch.parts[partition]) {
                    for (row, &hash) in part.hashes.iter().enumerate() {
                        if let Some(&ahead) = part.hashes.get(row + PREFETCH_DISTANCE) {
                            table.index.prefetch(tag_of(ahead));
                        }
                        table.offer(&part.rows, row, hash);
                    }
                }
                table.rows.compact_when_mostly_garbage();
            });
    }

    /// Absorbs another table; the same as offering each of its records.
    pub fn merge(&mut self, other: LatestByKey) {
        self.partitions
            .par_iter_mut()
            .zip(other.partitions)
            .for_each(|(mine, theirs)| {
                for row in 0..theirs.rows.len() {
                    let hash = hash_key(theirs.rows.key_cell(row));
                    mine.offer(&theirs.rows, row, hash);
                }
                mine.rows.compact_when_mostly_garbage();
            });
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
    fn offer(&mut self, rows: &OpenHouseRows, row: usize, hash: u64) {
        debug_assert_eq!(
            partition_of(hash),
            partition_of(hash_key(rows.key_cell(row)))
        );
        let key = rows.key_cell(row);
        let tag = tag_of(hash);
        let Partition { rows: kept, index } = self;
        match index.find(tag, |kept_row| kept.key_cell(kept_row as usize) == key) {
            Some(kept_row) => {
                let kept_row = kept_row as usize;
                if rows.version(row) > kept.version(kept_row) {
                    kept.replace_from(kept_row, rows, row);
                }
            }
            None => {
                // The table refuses to sort partitions of more than 2^24 rows, far below 2^32.
                let new_row = kept.push_from(rows, row) as u32;
                index.insert_new(tag, new_row);
            }
        }
    }
}

impl<'a> Extend<OpenHouseFields<'a>> for LatestByKey {
    fn extend<I: IntoIterator<Item = OpenHouseFields<'a>>>(&mut self, records: I) {
        let mut batch = KeyedBatch::default();
        for record in records {
            batch.push(&record);
        }
        self.absorb(std::slice::from_ref(&batch));
    }
}

impl<'a> FromIterator<OpenHouseFields<'a>> for LatestByKey {
    fn from_iter<I: IntoIterator<Item = OpenHouseFields<'a>>>(records: I) -> Self {
        let mut latest = LatestByKey::default();
        latest.extend(records);
        latest
    }
}
