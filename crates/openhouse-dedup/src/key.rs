//! Which partition a key belongs to: each key is hashed once, and the hash picks both its
//! partition and its tag in that partition's index.

use std::hash::BuildHasher;

use foldhash::quality::FixedState;

/// How many partitions a table is split into: enough that merging tables runs as many
/// independent tasks and each partition's index stays small (a 10-million-event feed keeps
/// about 30,000 keys a partition), few enough that an empty table stays cheap.
pub(crate) const PARTITIONS: usize = 256;

/// Hashes key cells; fixed, so that every table sends a key to the same partition.
const KEY_HASH: FixedState = FixedState::with_seed(0x6f70_656e_686f_7573);

pub(crate) fn hash_key(cell: &[u8]) -> u64 {
    KEY_HASH.hash_one(cell)
}

/// The partition of a key hash. Bits 40 to 47: a partition's index takes the low 32 bits as
/// its tag, so the partition must come from others.
pub(crate) fn partition_of(hash: u64) -> usize {
    ((hash >> 40) as usize) & (PARTITIONS - 1)
}
