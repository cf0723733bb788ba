//! The table's Delta schema: the Parquet table's columns plus the `month` partition column.

use std::path::Path;

use deltalake::DeltaTableError;
use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::kernel::{DataType, StructField, StructType};
use deltalake::table::state::DeltaTableState;

use crate::{Error, MONTH_COLUMN};

/// The Delta schema: [`openhouse_parquet::schema`]'s columns, mapped by delta-rs (`Utf8` →
/// `string`, `Date32` → `date`, UTC microsecond timestamps → `timestamp`), then `month`.
pub(crate) fn delta_schema() -> Result<StructType, Error> {
    let schema = openhouse_parquet::schema();
    let mut fields = schema
        .fields()
        .iter()
        .map(|field| field.as_ref().try_into_kernel())
        .collect::<Result<Vec<StructField>, _>>()?;
    fields.push(StructField::new(MONTH_COLUMN, DataType::STRING, false));
    Ok(StructType::try_new(fields).map_err(DeltaTableError::from)?)
}

/// Checks that a loaded table is one whose active files this crate can read directly: the
/// open-house columns, partitioned by `month`, with reader protocol 1 (so no deletion vectors
/// and no column mapping, either of which would make a data file differ from its rows).
pub(crate) fn check_table(path: &Path, state: &DeltaTableState) -> Result<(), Error> {
    let unsupported = |reason: String| Error::UnsupportedTable {
        path: path.into(),
        reason,
    };
    let reader_version = state.protocol().min_reader_version();
    if reader_version != 1 {
        return Err(unsupported(format!(
            "it needs Delta reader version {reader_version}; files are read directly, which is right only for version 1"
        )));
    }
    let partitions = state.metadata().partition_columns();
    if partitions != [MONTH_COLUMN] {
        return Err(unsupported(format!(
            "it is partitioned by {partitions:?}, not [\"{MONTH_COLUMN}\"]"
        )));
    }
    let expected = delta_schema()?;
    let found = state.schema();
    let shape = |schema: &StructType| -> Vec<(String, DataType, bool)> {
        schema
            .fields()
            .map(|field| {
                (
                    field.name().clone(),
                    field.data_type().clone(),
                    field.is_nullable(),
                )
            })
            .collect()
    };
    if shape(&expected) != shape(&found) {
        return Err(unsupported(format!("its columns are {:?}", shape(&found))));
    }
    Ok(())
}
