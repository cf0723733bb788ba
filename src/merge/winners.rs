//! The batch's latest version of each key, as the rows the table would store.

use std::collections::HashMap;

use arrow_array::{Array, RecordBatch};
use openhouse_dedup::Table;
use openhouse_parquet::{record_batches, schema};

use crate::Error;
use crate::merge::rule::KeyColumns;

/// The batch after validation and deduplication, in table order, at the table's precision
/// (its instants rounded to microseconds as the table stores them), so that its rows compare
/// with the table's column for column.
#[derive(Debug, Clone)]
pub(crate) struct BatchWinners {
    rows: RecordBatch,
}

impl BatchWinners {
    /// The rows of `table`, gathered in parallel.
    pub(crate) fn new(table: &Table) -> Result<BatchWinners, Error> {
        let mut pieces = Vec::new();
        for batch in record_batches(table, table.len().max(1)) {
            pieces.extend(batch?);
        }
        let rows = arrow_select::concat::concat_batches(&schema(), &pieces)
            .map_err(openhouse_parquet::Error::from)?;
        Ok(BatchWinners { rows })
    }

    /// The rows, one per key, in table order.
    pub(crate) fn rows(&self) -> &RecordBatch {
        &self.rows
    }

    pub(crate) fn len(&self) -> usize {
        self.rows.num_rows()
    }

    pub(crate) fn columns(&self) -> Result<KeyColumns<'_>, Error> {
        KeyColumns::of(&self.rows)
    }

    /// Each key's row.
    pub(crate) fn index(&self) -> Result<HashMap<&str, u32>, Error> {
        let keys = self.columns()?.keys;
        Ok((0..keys.len())
            .map(|row| (keys.value(row), row as u32))
            .collect())
    }
}
