//! Reading the rows insights need from files other engines write.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{Date64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use openhouse_parquet::{Error, read_insight_rows};
use parquet::arrow::ArrowWriter;

/// A file as another engine might write it: plain arrow-rs, default properties.
fn write_as_another_engine(path: &Path, batch: &RecordBatch) {
    let mut writer =
        ArrowWriter::try_new(File::create(path).unwrap(), batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn insight_rows_come_from_another_engines_columns() {
    // Another engine's file: date64 dates, no Zip5, a Zipcode column instead.
    let schema = Arc::new(Schema::new(vec![
        Field::new("OpenHouseDate", DataType::Date64, true),
        Field::new("Zipcode", DataType::Utf8, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Date64Array::from(vec![19_847 * 86_400_000, 0])),
            Arc::new(StringArray::from(vec![Some("94521-3711"), Some("n/a")])),
        ],
    )
    .unwrap();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("other.parquet");
    write_as_another_engine(&path, &batch);

    let mut rows = Vec::new();
    read_insight_rows(&path, |date, zip5| {
        rows.push((date.to_string(), zip5.map(|z| z.to_string())))
    })
    .unwrap();
    assert_eq!(
        rows,
        [
            ("2024-05-04".into(), Some("94521".into())),
            ("1970-01-01".into(), None)
        ]
    );
}

#[test]
fn a_file_without_dates_is_a_typed_error() {
    let schema = Arc::new(Schema::new(vec![Field::new("Zip5", DataType::Utf8, true)]));
    let batch =
        RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(vec!["94521"]))]).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("other.parquet");
    write_as_another_engine(&path, &batch);
    let error = read_insight_rows(&path, |_, _| {}).unwrap_err();
    assert!(
        matches!(
            error,
            Error::MissingColumn {
                column: "OpenHouseDate",
                ..
            }
        ),
        "{error}"
    );
    let missing = read_insight_rows(&folder.path().join("absent.parquet"), |_, _| {}).unwrap_err();
    assert!(matches!(missing, Error::Io { .. }), "{missing}");
}
