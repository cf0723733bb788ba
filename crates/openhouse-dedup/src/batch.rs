//! One chunk's valid records, keyed for deduplication.

use std::convert::Infallible;
use std::hash::BuildHasher;

use foldhash::quality::FixedState;
use openhouse_model::{OpenHouseFields, RejectedRecord, Sink};

use crate::packed::push_cell;
use crate::rows::OpenHouseRows;

/// How many partitions a table is split into: enough that each partition's index stays in
/// a core's cache while it absorbs its rows (a 10-million-event feed keeps about 30,000 keys
/// a partition), few enough that a chunk's batch, split as many ways, stays cheap.
pub(crate) const PARTITIONS: usize = 256;

/// Hashes key cells; fixed, so that every batch and table sends a key to the same partition.
pub(crate) const KEY_HASH: FixedState = FixedState::with_seed(0x6f70_656e_686f_7573);

pub(crate) fn hash_key(cell: &[u8]) -> u64 {
    KEY_HASH.hash_one(cell)
}

/// The partition of a key hash. Bits 40 to 47: a partition's index takes the low 32 bits as
/// its tag, so the partition must come from others.
pub(crate) fn partition_of(hash: u64) -> usize {
    ((hash >> 40) as usize) & (PARTITIONS - 1)
}

/// Valid records of one stretch of input, each with its key hashed once and filed under
/// its partition, ready for [`crate::LatestByKey::absorb`], which then reads each partition's
/// rows in one sequential sweep.
///
/// A batch is a [`Sink`] that keeps valid records and ignores rejections. [`KeyedBatch::clear`]
/// keeps its allocations, so a batch can be reused from chunk to chunk.
#[derive(Debug, Clone)]
pub struct KeyedBatch {
    pub(crate) parts: Vec<Part>,
    /// The key cell of the record being pushed, reused.
    scratch: Vec<u8>,
}

/// One partition's share of a batch, in input order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Part {
    pub rows: OpenHouseRows,
    pub hashes: Vec<u64>,
}

impl Default for KeyedBatch {
    fn default() -> Self {
        KeyedBatch {
            parts: vec![Part::default(); PARTITIONS],
            scratch: Vec::new(),
        }
    }
}

impl KeyedBatch {
    /// Adds a valid record.
    pub fn push(&mut self, open_house: &OpenHouseFields<'_>) {
        self.scratch.clear();
        push_cell(&mut self.scratch, Some(open_house.key));
        let hash = hash_key(&self.scratch);
        let part = &mut self.parts[partition_of(hash)];
        part.rows.push_with_key_cell(open_house, &self.scratch);
        part.hashes.push(hash);
    }

    /// How many records the batch holds.
    pub fn len(&self) -> usize {
        self.parts.iter().map(|part| part.rows.len()).sum()
    }

    /// Whether the batch holds no record.
    pub fn is_empty(&self) -> bool {
        self.parts.iter().all(|part| part.rows.len() == 0)
    }

    /// Empties the batch, keeping its allocations.
    pub fn clear(&mut self) {
        for part in &mut self.parts {
            part.rows.clear();
            part.hashes.clear();
        }
    }

    /// Appends another batch's records after this one's.
    pub fn append(&mut self, later: &KeyedBatch) {
        for (mine, theirs) in self.parts.iter_mut().zip(&later.parts) {
            for row in 0..theirs.rows.len() {
                mine.rows.push_from(&theirs.rows, row);
            }
            mine.hashes.extend_from_slice(&theirs.hashes);
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
