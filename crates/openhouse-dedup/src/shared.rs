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

    /// A handle for offering many records from one thread, faster than [`offer`]: it
    /// gathers records and offers them a batch at a time, under one lock, with what their
    /// lookups read fetched into the cache together.
    ///
    /// [`offer`]: SharedLatestByKey::offer
    pub fn offers(&self) -> Offers<'_> {
        Offers {
            shared: self,
            bytes: Vec::new(),
            rows: Vec::new(),
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
    /// worst a batch unoffered, which the panic reports anyway, so poisoning is ignored.
    fn own_table(&self) -> MutexGuard<'_, LatestByKey> {
        let own = rayon::current_thread_index()
            .filter(|&index| index + 1 < self.tables.len())
            .unwrap_or(self.tables.len() - 1);
        self.tables[own]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// How many records [`Offers`] gathers before offering them: enough that their lookups'
/// trips to memory overlap, and that a table's lock is taken once per many records. 16 and
/// 64 measured the same as 32.
pub(crate) const BATCH: usize = 32;

/// Offers from one thread to a [`SharedLatestByKey`], a batch of records at a time: a record
/// reaches the table when the batch it is in is full, or on [`Offers::flush`] (or when the
/// handle is dropped).
#[derive(Debug)]
pub struct Offers<'a> {
    shared: &'a SharedLatestByKey,
    /// The gathered records, encoded one after another.
    bytes: Vec<u8>,
    /// Each gathered record's end in `bytes`, and its key's hash.
    rows: Vec<(usize, u64)>,
}

impl Offers<'_> {
    /// Offers `open_house`; it reaches the table when its batch is full, or on
    /// [`Offers::flush`].
    pub fn offer(&mut self, open_house: &OpenHouseFields<'_>) {
        let start = self.bytes.len();
        encode_row(open_house, &mut self.bytes);
        if start == 0 {
            // Grow once to a batch's size, not by doubling row by row; the size is kept.
            self.bytes.reserve(BATCH * self.bytes.len());
            self.rows.reserve(BATCH);
        }
        let hash = row_hash(&self.bytes[start..]);
        self.rows.push((self.bytes.len(), hash));
        if self.rows.len() == BATCH {
            self.flush();
        }
    }

    /// Offers every record gathered.
    pub fn flush(&mut self) {
        if self.rows.is_empty() {
            return;
        }
        let mut table = self.shared.own_table();
        // Each step of every record's lookup is asked for before the next step of any, so
        // that their trips to memory overlap.
        for step in [Prefetch::Slot, Prefetch::RowStart, Prefetch::Row] {
            for &(_, hash) in &self.rows {
                table.prefetch(hash, step);
            }
        }
        let mut start = 0;
        for &(end, hash) in &self.rows {
            table.offer_encoded(&self.bytes[start..end], hash);
            start = end;
        }
        self.bytes.clear();
        self.rows.clear();
    }
}

impl Drop for Offers<'_> {
    fn drop(&mut self) {
        self.flush();
    }
}
