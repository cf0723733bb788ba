//! The rows of a rewritten part of the table: its rows that the batch leaves, and the batch's
//! rows that go into it, in table order.

use std::collections::BTreeMap;
use std::path::PathBuf;

use arrow_array::{Array, RecordBatch};
use arrow_select::interleave::interleave;
use openhouse_parquet::{READ_BATCH_ROWS, TableFile, schema};

use crate::Error;
use crate::merge::plan::HeldRow;
use crate::merge::rule::KeyColumns;

/// One part of the table to rewrite: a single file's whole table, or one month of a Delta
/// table.
pub(crate) struct Rewrite<'a> {
    /// The part's files now, each with its index in the table's file list.
    pub files: Vec<(usize, &'a PathBuf)>,
    /// The rows the batch replaces, by file index, each file's in row order.
    pub superseded: &'a BTreeMap<usize, Vec<HeldRow>>,
    /// The batch's rows (table order) and which of them go into this part, ascending.
    pub batch: &'a RecordBatch,
    pub placed: Vec<u32>,
}

impl Rewrite<'_> {
    /// Reads the part's files and hands `write` its rows after the merge, in table order, in
    /// batches of at most [`READ_BATCH_ROWS`] rows; returns how many rows it handed over.
    ///
    /// The part's rows are held in memory while they are merged. A part whose files are not
    /// in table order together (several files, as another engine may add) is put in order.
    pub(crate) fn run(
        &self,
        write: &mut dyn FnMut(RecordBatch) -> Result<(), Error>,
    ) -> Result<u64, Error> {
        let PartRows {
            batches: table,
            kept,
        } = self.kept_rows()?;
        let table_columns = table
            .iter()
            .map(KeyColumns::of)
            .collect::<Result<Vec<_>, _>>()?;
        let batch_columns = KeyColumns::of(self.batch)?;
        let table_order =
            |&(batch, row): &(u32, u32)| table_columns[batch as usize].order(row as usize);
        let mut kept = kept;
        if !kept.is_sorted_by(|a, b| table_order(a) <= table_order(b)) {
            kept.sort_by(|a, b| table_order(a).cmp(&table_order(b)));
        }

        // Every source array of each column: the table's batches, then the batch's rows.
        let from_batch = table.len();
        let sources: Vec<Vec<&dyn Array>> = (0..schema().fields().len())
            .map(|column| {
                table
                    .iter()
                    .chain(std::iter::once(self.batch))
                    .map(|batch| batch.column(column).as_ref())
                    .collect()
            })
            .collect();
        let emit = |indices: &mut Vec<(usize, usize)>,
                    write: &mut dyn FnMut(RecordBatch) -> Result<(), Error>|
         -> Result<(), Error> {
            if indices.is_empty() {
                return Ok(());
            }
            let columns = sources
                .iter()
                .map(|arrays| interleave(arrays, indices))
                .collect::<Result<Vec<_>, _>>()
                .map_err(openhouse_parquet::Error::from)?;
            let rows =
                RecordBatch::try_new(schema(), columns).map_err(openhouse_parquet::Error::from)?;
            indices.clear();
            write(rows)
        };

        let mut indices = Vec::with_capacity(READ_BATCH_ROWS);
        let (mut next_kept, mut next_placed) = (kept.iter().peekable(), self.placed.iter());
        let mut placed = next_placed.next();
        let mut rows = 0u64;
        loop {
            let take_kept = match (next_kept.peek(), placed) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(kept), Some(&placed)) => {
                    table_order(kept) <= batch_columns.order(placed as usize)
                }
            };
            if take_kept {
                if let Some(&(batch, row)) = next_kept.next() {
                    indices.push((batch as usize, row as usize));
                }
            } else if let Some(&row) = placed {
                indices.push((from_batch, row as usize));
                placed = next_placed.next();
            }
            rows += 1;
            if indices.len() == READ_BATCH_ROWS {
                emit(&mut indices, write)?;
            }
        }
        emit(&mut indices, write)?;
        Ok(rows)
    }

    /// The part's rows as read, and which of them stay.
    fn kept_rows(&self) -> Result<PartRows, Error> {
        let mut batches = Vec::new();
        let mut kept = Vec::new();
        for &(file, path) in &self.files {
            let superseded = self.superseded.get(&file).map_or(&[][..], Vec::as_slice);
            let mut superseded = superseded.iter().map(|held| held.row).peekable();
            let mut row_in_file = 0u64;
            for batch in TableFile::open(path, None)?.read(None)? {
                let batch = batch.map_err(openhouse_parquet::Error::from)?;
                let index = batches.len() as u32;
                for row in 0..batch.num_rows() {
                    if superseded.peek() == Some(&row_in_file) {
                        superseded.next();
                    } else {
                        kept.push((index, row as u32));
                    }
                    row_in_file += 1;
                }
                batches.push(batch);
            }
        }
        Ok(PartRows { batches, kept })
    }
}

/// A row of a part: its batch, and its index in the batch.
type RowAt = (u32, u32);

/// A part's rows as read, and the ones the batch leaves, in file order.
struct PartRows {
    batches: Vec<RecordBatch>,
    kept: Vec<RowAt>,
}
