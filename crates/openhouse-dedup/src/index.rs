//! The index of one partition: from a key's hash to the row that holds the key.
//!
//! An open-addressing table of (32-bit tag, row) pairs, probed linearly. Each pair is eight
//! bytes, so a lookup reads one cache line in nearly every case, and the line of a key about
//! to be looked up can be fetched ahead ([`KeyIndex::prefetch`]): a merge offers a partition's rows
//! one after another, and the next keys' hashes are known in advance. (A general hash table
//! keeps its control bytes apart from its entries, which costs a second trip to memory per
//! lookup, and cannot say where a key's entry will be.) The table grows by rehashing the tags
//! alone; it never reads the rows.

/// The tag of an empty slot; [`tag_of`] never gives it.
const EMPTY: u32 = 0;
/// The table grows past this share of slots in use: short probes, yet few wasted slots.
const MAX_LOAD_PERCENT: usize = 75;
const MIN_SLOTS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    tag: u32,
    row: u32,
}

const EMPTY_SLOT: Slot = Slot { tag: EMPTY, row: 0 };

/// Rows found by 32 bits of their key's hash; the caller confirms a match on the key itself.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyIndex {
    slots: Vec<Slot>,
    len: usize,
}

/// The tag of a key hash: its low 32 bits (the partition came from others), never zero.
pub(crate) fn tag_of(hash: u64) -> u32 {
    (hash as u32) | 1
}

impl KeyIndex {
    /// The row of the first slot whose tag is `tag` and whose row `is_key` accepts.
    pub(crate) fn find(&self, tag: u32, mut is_key: impl FnMut(u32) -> bool) -> Option<u32> {
        self.candidates(tag).find(|&row| is_key(row))
    }

    /// The rows of the slots whose tag is `tag`, in probe order: the rows a lookup of `tag`
    /// compares, which can also be fetched ahead of it.
    pub(crate) fn candidates(&self, tag: u32) -> impl Iterator<Item = u32> + '_ {
        let mask = self.slots.len().wrapping_sub(1);
        let mut at = self.home(tag);
        std::iter::from_fn(move || {
            loop {
                let slot = self.slots.get(at)?;
                if slot.tag == EMPTY {
                    return None;
                }
                at = (at + 1) & mask;
                if slot.tag == tag {
                    return Some(slot.row);
                }
            }
        })
    }

    /// Adds a key known not to be in the index.
    pub(crate) fn insert_new(&mut self, tag: u32, row: u32) {
        if (self.len + 1) * 100 > self.slots.len() * MAX_LOAD_PERCENT {
            self.grow();
        }
        self.place(Slot { tag, row });
        self.len += 1;
    }

    /// Asks the processor to start loading the slot where a lookup of `tag` begins.
    pub(crate) fn prefetch(&self, tag: u32) {
        if let Some(slot) = self.slots.get(self.home(tag)) {
            crate::prefetch(std::ptr::from_ref(slot).cast());
        }
    }

    /// How many rows the index holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Slot>()
    }

    /// The slot a lookup of `tag` starts at: the tag spread over 64 bits, its top bits.
    fn home(&self, tag: u32) -> usize {
        let bits = self.slots.len().trailing_zeros();
        if bits == 0 {
            return 0;
        }
        (u64::from(tag).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    fn place(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut at = self.home(slot.tag);
        while self.slots[at].tag != EMPTY {
            at = (at + 1) & mask;
        }
        self.slots[at] = slot;
    }

    fn grow(&mut self) {
        let slots = (2 * self.slots.len()).max(MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY_SLOT; slots]);
        for slot in old.into_iter().filter(|slot| slot.tag != EMPTY) {
            self.place(slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        #[test]
        fn finds_what_was_inserted_and_nothing_else(hashes in prop::collection::vec(any::<u64>(), 0..2000)) {
            let mut index = KeyIndex::default();
            let mut expected: HashMap<u64, u32> = HashMap::new();
            for (row, &hash) in hashes.iter().enumerate() {
                let key_row = |row: u32| hashes[row as usize] == hash;
                if index.find(tag_of(hash), key_row).is_none() {
                    index.insert_new(tag_of(hash), row as u32);
                    expected.insert(hash, row as u32);
                }
            }
            prop_assert_eq!(index.len(), expected.len());
            for (&hash, &row) in &expected {
                prop_assert_eq!(index.find(tag_of(hash), |found| hashes[found as usize] == hash), Some(row));
            }
            prop_assert_eq!(index.find(tag_of(7), |_| false), None);
        }
    }

    #[test]
    fn keys_sharing_a_tag_are_told_apart_by_the_caller() {
        let mut index = KeyIndex::default();
        for row in 0..100 {
            index.insert_new(tag_of(42), row);
        }
        assert_eq!(index.find(tag_of(42), |row| row == 57), Some(57));
        assert_eq!(index.find(tag_of(42), |row| row == 100), None);
    }
}
