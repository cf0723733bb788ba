//! One table per worker thread, so that parsing threads deduplicate as they go without
//! waiting for one another.

use std::sync::{Mutex, MutexGuard, PoisonError};

use openhouse_model::OpenHouseFields;

use crate::LatestByKey;
use crate::latest::{Prefetch, row_hash};
use crate::rows::encode_row;

/// A [`LatestByKey`] that many threads offer records to at once.
///
/// Each rayon worker thread of the pool it was made in fills a table of its own (threads
/// outside the pool share one more), so offers never wait on one another and each record is
/// deduplicated while its bytes are still in the parsing core's cache. [`into_latest`]
/// merges the tables, partition by partition in parallel. As the order of versions is total,
/// the result is the same whichever thread saw which record.
///
/// [`into_latest`]: SharedLatestByKey::into_latest
#[derive(Debug)]
pub struct SharedLatestByKey {
    tables: Vec<Mutex<LatestByKey>>,
}

impl Default for SharedLatestByKey {
    fn default() -> Self {
        SharedLatestByKey::new()
    }
}

impl SharedLatestByKey {
    /// Tables for the threads of the current rayon pool.
    pub fn new() -> SharedLatestByKey {
        let threads = rayon::current_num_threads() + 1;
        SharedLatestByKey {
            tables: (0..threads).map(|_| Mutex::default()).collect(),
        }
    }

    /// Keeps `open_house` if it is the first version of its key or supersedes the one kept.
    pub fn offer(&self, open_house: &OpenHouseFields<'_>) {
        self.own_table().offer(open_house);
    }

    /// A handle for offering many records from one thread, faster than [`offer`]: it keeps
    /// the last few records back while what their lookups read is fetched into the cache.
    ///
    /// [`offer`]: SharedLatestByKey::offer
    pub fn offers(&self) -> Offers<'_> {
        Offers {
            shared: self,
            waiting: Default::default(),
            oldest: 0,
            held: 0,
        }
    }

    /// All tables merged into one.
    pub fn into_latest(self) -> LatestByKey {
        let mut tables = self
            .tables
            .into_iter()
            .map(|table| table.into_inner().unwrap_or_else(PoisonError::into_inner));
        let mut latest = tables.next().unwrap_or_default();
        for table in tables {
            if !table.is_empty() {
                latest.merge(table);
            }
        }
        latest
    }

    /// The table of this worker thread, or the last one for threads outside the pool (or of
    /// another pool). A thread holds the lock only while it offers, so the table of a
    /// worker is free whenever that worker asks for it. A panic while offering leaves at
    /// worst one record unoffered, which the panic reports anyway, so poisoning is ignored.
    fn own_table(&self) -> MutexGuard<'_, LatestByKey> {
        let own = rayon::current_thread_index()
            .filter(|&index| index + 1 < self.tables.len())
            .unwrap_or(self.tables.len() - 1);
        self.tables[own]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// How many records [`Offers`] holds back: enough for the three steps of a lookup (index
/// slot, row start, row) each to arrive from memory while the next records are parsed.
const HELD: usize = 8;

/// Offers from one thread to a [`SharedLatestByKey`], each record held back until
/// eight more have arrived, so that what its lookup reads is in the cache by then.
/// [`Offers::flush`] (or dropping the handle) offers the records still held.
#[derive(Debug)]
pub struct Offers<'a> {
    shared: &'a SharedLatestByKey,
    /// Encoded rows and their key hashes, a ring starting at `oldest`.
    waiting: [(Vec<u8>, u64); HELD],
    oldest: usize,
    held: usize,
}

impl Offers<'_> {
    /// Offers `open_house`; it reaches the table by the time eight more records were
    /// offered, or on [`Offers::flush`].
    pub fn offer(&mut self, open_house: &OpenHouseFields<'_>) {
        let mut table = self.shared.own_table();
        let slot = if self.held == HELD {
            let (row, hash) = &self.waiting[self.oldest];
            table.offer_encoded(row, *hash);
            let slot = self.oldest;
            self.oldest = (self.oldest + 1) % HELD;
            slot
        } else {
            self.held += 1;
            (self.oldest + self.held - 1) % HELD
        };
        let (row, hash) = &mut self.waiting[slot];
        row.clear();
        encode_row(open_house, row);
        *hash = row_hash(row);
        table.prefetch(*hash, Prefetch::Slot);
        // The records offered before this one take their next steps, so that each lookup
        // finds what it reads in cache by the time its record leaves the queue.
        for (age, step) in [
            (HELD / 3, Prefetch::RowStart),
            (2 * HELD / 3, Prefetch::Row),
        ] {
            if age < self.held {
                table.prefetch(self.waiting[(slot + HELD - age) % HELD].1, step);
            }
        }
    }

    /// Offers every record held back.
    pub fn flush(&mut self) {
        if self.held == 0 {
            return;
        }
        let mut table = self.shared.own_table();
        while self.held > 0 {
            let (row, hash) = &self.waiting[self.oldest];
            table.offer_encoded(row, *hash);
            self.oldest = (self.oldest + 1) % HELD;
            self.held -= 1;
        }
    }
}

impl Drop for Offers<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}
