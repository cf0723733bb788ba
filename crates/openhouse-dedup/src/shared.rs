//! One table per worker thread, so that parsing threads hand over records without waiting
//! for one another.

use std::sync::{Mutex, MutexGuard, PoisonError};

use openhouse_model::OpenHouseFields;

use crate::LatestByKey;
use crate::latest::{Appended, row_hash};
use crate::rows::encode_row;

/// A [`LatestByKey`] that many threads offer records to at once.
///
/// Each rayon worker thread of the pool it was made in fills a table of its own (threads
/// outside the pool share one more), so offers never wait on one another. Records offered
/// through [`Offers`] are appended to their key's partition and looked up later, a
/// partition's rows together: at [`into_latest`], which does it partition by partition in
/// parallel and merges the tables, or on the offering thread whenever its appended rows
/// take more than their share of a fixed budget. Looked up together, a partition's lookups
/// follow one another in that partition's index alone, where a batch of parsed records
/// looked up as it came went to every partition's (docs/performance.md measures the
/// difference). As the order of versions is total, the result is the same whichever thread
/// saw which record, and whenever it was looked up.
///
/// [`into_latest`]: SharedLatestByKey::into_latest
#[derive(Debug)]
pub struct SharedLatestByKey {
    tables: Vec<Mutex<WorkerTable>>,
    /// How many bytes of rows a table takes before its rows are looked up.
    append_limit: usize,
}

/// One thread's table, and the rows offered to it through [`Offers`] and not yet looked up.
#[derive(Debug, Default)]
struct WorkerTable {
    latest: LatestByKey,
    appended: Appended,
}

/// How many bytes of appended rows the tables of one pool hold at most, shared equally
/// between its threads, beyond the rows the tables keep: about 1.4 million rows of a real
/// feed, so that a feed of a million events is looked up once, at the end, partitions in
/// parallel, while memory still follows the number of distinct open houses.
pub(crate) const APPEND_BUDGET: usize = 128 << 20;

impl Default for SharedLatestByKey {
    fn default() -> Self {
        SharedLatestByKey::new()
    }
}

impl SharedLatestByKey {
    /// Tables for the threads of the current rayon pool.
    pub fn new() -> SharedLatestByKey {
        SharedLatestByKey::with_append_limit(APPEND_BUDGET / rayon::current_num_threads())
    }

    /// Tables that each look their appended rows up once they take `append_limit` bytes.
    pub(crate) fn with_append_limit(append_limit: usize) -> SharedLatestByKey {
        let threads = rayon::current_num_threads() + 1;
        SharedLatestByKey {
            tables: (0..threads).map(|_| Mutex::default()).collect(),
            append_limit,
        }
    }

    /// Keeps `open_house` if it is the first version of its key or supersedes the one kept.
    pub fn offer(&self, open_house: &OpenHouseFields<'_>) {
        self.own_table().latest.offer(open_house);
    }

    /// A handle for offering many records from one thread, faster than [`offer`]: it
    /// gathers records and appends them to the thread's table a batch at a time, under one
    /// lock, to be looked up later.
    ///
    /// [`offer`]: SharedLatestByKey::offer
    pub fn offers(&self) -> Offers<'_> {
        Offers {
            shared: self,
            bytes: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// All tables merged into one, and every row appended to them looked up in it,
    /// partition by partition in parallel.
    pub fn into_latest(self) -> LatestByKey {
        let mut latest: Option<LatestByKey> = None;
        let mut appended = Vec::with_capacity(self.tables.len());
        for table in self.tables {
            let table = table.into_inner().unwrap_or_else(PoisonError::into_inner);
            appended.push(table.appended);
            match &mut latest {
                None => latest = Some(table.latest),
                Some(latest) if !table.latest.is_empty() => latest.merge(table.latest),
                Some(_) => {}
            }
        }
        let mut latest = latest.unwrap_or_default();
        latest.absorb_in_parallel(appended);
        latest
    }

    /// The table of this worker thread, or the last one for threads outside the pool (or of
    /// another pool). A thread holds the lock only while it offers, so the table of a
    /// worker is free whenever that worker asks for it. A panic while offering leaves at
    /// worst a batch unoffered, which the panic reports anyway, so poisoning is ignored.
    fn own_table(&self) -> MutexGuard<'_, WorkerTable> {
        let own = rayon::current_thread_index()
            .filter(|&index| index + 1 < self.tables.len())
            .unwrap_or(self.tables.len() - 1);
        self.tables[own]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// How many records [`Offers`] gathers before appending them: enough that a table's lock is
/// taken once per many records.
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
        let mut start = 0;
        for &(end, hash) in &self.rows {
            table.appended.push(&self.bytes[start..end], hash);
            start = end;
        }
        if table.appended.bytes() > self.shared.append_limit {
            // On this thread, not in parallel: the table's lock is held, and a task taken
            // from the pool while waiting could ask for it.
            let appended = std::mem::take(&mut table.appended);
            table.latest.absorb_here(appended);
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
