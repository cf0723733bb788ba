//! One chunk's valid records, keyed for deduplication.

use std::convert::Infallible;
use std::hash::BuildHasher;

use foldhash::quality::FixedState;
use openhouse_model::{OpenHouseFields, RejectedRecord, Sink};

use crate::rows::OpenHouseRows;

/// How many partitions a table is split into: enough for every core to take its share,
/// few enough that an empty one costs nothing.
pub(crate) const PARTITIONS: usize = 64;

/// Hashes key cells; fixed, so that every batch and table sends a key to the same partition.
pub(crate) const KEY_HASH: FixedState = FixedState::with_seed(0x6f70_656e_686f_7573);

pub(crate) fn hash_key(cell: &[u8]) -> u64 {
    KEY_HASH.hash_one(cell)
}

/// The partition of a key hash. Bits 40 to 45: the hash tables inside a partition index by
/// the low bits and tag entries with the top seven, so those must vary within a partition.
pub(crate) fn partition_of(hash: u64) -> usize {
    ((hash >> 40) as usize) & (PARTITIONS - 1)
}

/// Valid records of one stretch of input, in input order, each with its key hashed once
/// and its row listed under its partition, ready for [`crate::LatestByKey::absorb`].
///
/// A batch is a [`Sink`] that keeps valid records and ignores rejections; its capacity is
/// kept by [`KeyedBatch::clear`], so batches can be reused from chunk to chunk.
#[derive(Debug, Clone)]
pub struct KeyedBatch {
    pub(crate) rows: OpenHouseRows,
    pub(crate) hashes: Vec<u64>,
    /// For each partition, its rows in input order.
    pub(crate) by_partition: Vec<Vec<u32>>,
}

impl Default for KeyedBatch {
    fn default() -> Self {
        KeyedBatch {
            rows: OpenHouseRows::default(),
            hashes: Vec::new(),
            by_partition: vec![Vec::new(); PARTITIONS],
        }
    }
}

impl KeyedBatch {
    /// Adds a valid record.
    pub fn push(&mut self, open_house: &OpenHouseFields<'_>) {
        let row = self.rows.push(open_house);
        let hash = hash_key(self.rows.key_cell(row));
        self.hashes.push(hash);
        // A batch holds at most one chunk of input, far below 2^32 records.
        self.by_partition[partition_of(hash)].push(row as u32);
    }

    /// How many records the batch holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the batch holds no record.
    pub fn is_empty(&self) -> bool {
        self.rows.len() == 0
    }

    /// Empties the batch, keeping its allocations.
    pub fn clear(&mut self) {
        self.rows.clear();
        self.hashes.clear();
        for rows in &mut self.by_partition {
            rows.clear();
        }
    }

    /// Appends another batch's records after this one's.
    pub fn append(&mut self, later: &KeyedBatch) {
        for row in 0..later.rows.len() {
            let here = self.rows.push_from(&later.rows, row);
            let hash = later.hashes[row];
            self.hashes.push(hash);
            self.by_partition[partition_of(hash)].push(here as u32);
        }
    }
}

impl Sink for KeyedBatch {
    type Error = Infallible;

    fn open_house(&mut self, open_house: &OpenHouseFields<'_>) -> Result<bool, Infallible> {
        self.push(open_house);
        Ok(true)
    }

    fn rejection(&mut self, _: &RejectedRecord<'_>) -> Result<bool, Infallible> {
        Ok(true)
    }

    fn merge(&mut self, later: Self) -> Result<(), Infallible> {
        self.append(&later);
        Ok(())
    }
}
