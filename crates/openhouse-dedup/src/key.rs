//! Which partition a key belongs to: each key is hashed once, and the hash picks both its
//! partition and its tag in that partition's index.

use std::hash::BuildHasher;

use foldhash::quality::FixedState;

/// How many partitions a table is split into. Each partition appends its rows to an arena
/// of its own, so a worker offering records writes to this many places at once; 16 measured
/// fastest (on a 1M-event feed, two threads took 11% to 13% longer with 256 partitions, and
/// 8 or 32 were no faster: docs/performance.md). Tables still merge as 16 independent tasks.
pub(crate) const PARTITIONS: usize = 16;
// `partition_of` masks the hash.
const _: () = assert!(PARTITIONS.is_power_of_two());

/// Hashes key cells; fixed, so that every table sends a key to the same partition.
const KEY_HASH: FixedState = FixedState::with_seed(0x6f70_656e_686f_7573);

pub(crate) fn hash_key(cell: &[u8]) -> u64 {
    KEY_HASH.hash_one(cell)
}

/// The partition of a key hash, from bit 40 upwards (as many bits as [`PARTITIONS`] needs): a
/// partition's index takes the low 32 bits as its tag, so the partition must come from others.
pub(crate) fn partition_of(hash: u64) -> usize {
    ((hash >> 40) as usize) & (PARTITIONS - 1)
}
