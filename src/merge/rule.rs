//! The merge's rule: what the batch's latest version of a key does to the table's row of that
//! key. Defined here once; docs/incremental.md states it, and the SQL `MERGE INTO` there is
//! its second copy for engines that continue the table.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, TimestampMicrosecondType};
use arrow_array::{Array, Date32Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, TimeUnit};
use openhouse_parquet::columns::{DATE_MODIFIED, OPEN_HOUSE_DATE, OPEN_HOUSE_KEY};

use crate::Error;

/// What a batch did to one key of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyOutcome {
    /// The table had no row of the key: the batch's row is added.
    Inserted,
    /// The batch's row replaces the table's.
    Updated,
    /// The table's row stays.
    Unchanged,
}

impl KeyOutcome {
    /// Whether the batch's row goes into the table.
    pub(crate) fn places_the_batch_row(self) -> bool {
        self != KeyOutcome::Unchanged
    }
}

/// The outcome for a key whose latest version in the batch was modified at `batch_micros`,
/// against the table's row modified at `table_micros` (`None`: no row), both at the table's
/// precision, microseconds rounded toward the past:
///
/// - no row in the table: inserted;
/// - a later instant in the batch: updated;
/// - an earlier one: unchanged (a late, older version never overwrites a newer one);
/// - the same instant: the later batch wins (updated), unless `same_row` says that the two
///   rows are equal in every column, which leaves the key unchanged.
pub(crate) fn outcome(
    batch_micros: i64,
    table_micros: Option<i64>,
    same_row: impl FnOnce() -> bool,
) -> KeyOutcome {
    match table_micros {
        None => KeyOutcome::Inserted,
        Some(table) if batch_micros > table => KeyOutcome::Updated,
        Some(table) if batch_micros < table => KeyOutcome::Unchanged,
        Some(_) if same_row() => KeyOutcome::Unchanged,
        Some(_) => KeyOutcome::Updated,
    }
}

/// Whether row `a` of `left` and row `b` of `right`, both batches of the table's schema, hold
/// the same value (or both null) in every column.
pub(crate) fn same_row(left: &RecordBatch, a: usize, right: &RecordBatch, b: usize) -> bool {
    left.num_columns() == right.num_columns()
        && left
            .columns()
            .iter()
            .zip(right.columns())
            .all(|(left, right)| same_value(left.as_ref(), a, right.as_ref(), b))
}

fn same_value(left: &dyn Array, a: usize, right: &dyn Array, b: usize) -> bool {
    if left.data_type() != right.data_type() {
        return false;
    }
    match (left.is_valid(a), right.is_valid(b)) {
        (false, false) => return true,
        (true, true) => {}
        _ => return false,
    }
    match left.data_type() {
        DataType::Utf8 => left.as_string::<i32>().value(a) == right.as_string::<i32>().value(b),
        DataType::Date32 => {
            left.as_primitive::<Date32Type>().value(a)
                == right.as_primitive::<Date32Type>().value(b)
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => {
            left.as_primitive::<TimestampMicrosecondType>().value(a)
                == right.as_primitive::<TimestampMicrosecondType>().value(b)
        }
        // The table has no other types; a file that did would have failed to read.
        _ => false,
    }
}

/// The columns the merge orders and compares rows by, of one batch of the table's schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyColumns<'a> {
    pub keys: &'a StringArray,
    pub dates: &'a Date32Array,
    pub modified: Option<&'a TimestampMicrosecondArray>,
}

impl<'a> KeyColumns<'a> {
    /// The key and date columns of `batch` (which may be a projection), and `DateModified`
    /// when it has it.
    pub(crate) fn of(batch: &'a RecordBatch) -> Result<KeyColumns<'a>, Error> {
        let missing = |column: &'static str| Error::MergeColumn { column };
        let keys = batch
            .column_by_name(OPEN_HOUSE_KEY)
            .and_then(|keys| keys.as_string_opt::<i32>())
            .ok_or_else(|| missing(OPEN_HOUSE_KEY))?;
        let dates = batch
            .column_by_name(OPEN_HOUSE_DATE)
            .and_then(|dates| dates.as_primitive_opt::<Date32Type>())
            .ok_or_else(|| missing(OPEN_HOUSE_DATE))?;
        if keys.null_count() > 0 {
            return Err(missing(OPEN_HOUSE_KEY));
        }
        if dates.null_count() > 0 {
            return Err(missing(OPEN_HOUSE_DATE));
        }
        let modified = batch
            .column_by_name(DATE_MODIFIED)
            .and_then(|modified| modified.as_primitive_opt::<TimestampMicrosecondType>());
        Ok(KeyColumns {
            keys,
            dates,
            modified,
        })
    }

    /// Row `row`'s place in the table's order.
    pub(crate) fn order(&self, row: usize) -> (i32, &'a str) {
        (self.dates.value(row), self.keys.value(row))
    }

    /// Row `row`'s `DateModified` in microseconds; a null one (only another engine could write
    /// it) counts as the earliest instant.
    pub(crate) fn modified(&self, row: usize) -> i64 {
        self.modified
            .filter(|modified| modified.is_valid(row))
            .map_or(i64::MIN, |modified| modified.value(row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_the_table_lacks_is_inserted() {
        assert_eq!(outcome(5, None, || unreachable!()), KeyOutcome::Inserted);
    }

    #[test]
    fn a_later_instant_updates_and_an_earlier_one_changes_nothing() {
        assert_eq!(outcome(6, Some(5), || unreachable!()), KeyOutcome::Updated);
        assert_eq!(
            outcome(4, Some(5), || unreachable!()),
            KeyOutcome::Unchanged
        );
    }

    #[test]
    fn on_an_equal_instant_the_later_batch_wins_unless_the_rows_are_equal() {
        assert_eq!(outcome(5, Some(5), || false), KeyOutcome::Updated);
        assert_eq!(outcome(5, Some(5), || true), KeyOutcome::Unchanged);
    }
}
