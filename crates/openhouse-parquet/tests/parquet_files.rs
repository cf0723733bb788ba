use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, TimestampMicrosecondType};
use arrow_array::{Date64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use openhouse_model::{OpenHouse, OpenHouseFields, Position, UtcTimestamp, parse_date};
use openhouse_parquet::{Error, WriteOptions, read_insight_rows, write_parquet};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, LogicalType, TimeUnit as ParquetTimeUnit, TimestampType};
use parquet::file::reader::{FileReader, SerializedFileReader};

fn open_house(key: &str, date: &str, zipcode: Option<&str>) -> OpenHouse {
    let at = |text: &str| UtcTimestamp::parse(text).unwrap();
    OpenHouse::new(OpenHouseFields {
        key,
        listing_key: None,
        method: Some("In-Person"),
        date: parse_date(date).unwrap(),
        start: at("2024-05-05T00:00:00.1234567Z"),
        end: at("2024-05-05T02:00:00Z"),
        modified: at("1969-12-31T23:59:59.9999999Z"),
        state: Some("CA"),
        zipcode,
        position: Position::default(),
    })
}

fn sample() -> Vec<OpenHouse> {
    vec![
        open_house("B", "2024-05-04", Some("94521-3711")),
        open_house("C", "2024-05-04", Some("9452")),
        open_house("A", "2024-05-05", None),
    ]
}

fn strings<'a>(batch: &'a RecordBatch, column: &str) -> Vec<Option<&'a str>> {
    batch
        .column_by_name(column)
        .unwrap()
        .as_string::<i32>()
        .iter()
        .collect()
}

fn read_all(path: &Path) -> RecordBatch {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let mut batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    assert_eq!(batches.len(), 1, "the sample fits one batch");
    batches.remove(0)
}

#[test]
fn values_and_types_round_trip() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("nested/out.parquet");
    let summary = write_parquet(&path, &sample(), &WriteOptions::default()).unwrap();
    assert_eq!((summary.rows, summary.row_groups), (3, 1));

    let batch = read_all(&path);
    let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    assert_eq!(
        batch
            .schema()
            .field_with_name("DateModified")
            .unwrap()
            .data_type(),
        &utc
    );
    assert!(
        !batch
            .schema()
            .field_with_name("OpenHouseKey")
            .unwrap()
            .is_nullable()
    );
    assert_eq!(
        strings(&batch, "OpenHouseKey"),
        [Some("B"), Some("C"), Some("A")]
    );
    assert_eq!(strings(&batch, "Zip5"), [Some("94521"), None, None]);
    assert_eq!(
        strings(&batch, "Zipcode"),
        [Some("94521-3711"), Some("9452"), None]
    );
    let start = batch
        .column_by_name("OpenHouseStartTime")
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>();
    assert_eq!(start.value(0), 1_714_867_200_123_456);
    let modified = batch
        .column_by_name("DateModified")
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>();
    assert_eq!(
        modified.value(0),
        -1,
        "sub-microsecond digits round toward the past"
    );
    let dates = batch
        .column_by_name("OpenHouseDate")
        .unwrap()
        .as_primitive::<Date32Type>();
    assert_eq!(dates.value(2), 19_848); // 2024-05-05
}

#[test]
fn file_metadata_is_what_other_engines_expect() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("out.parquet");
    write_parquet(&path, &sample(), &WriteOptions::default()).unwrap();
    let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
    let metadata = reader.metadata();
    let row_group = metadata.row_group(0);
    assert!(
        row_group
            .columns()
            .iter()
            .all(|column| matches!(column.compression(), Compression::ZSTD(_)))
    );
    let sorting: Vec<_> = row_group
        .sorting_columns()
        .unwrap()
        .iter()
        .map(|c| (c.column_idx, c.descending))
        .collect();
    assert_eq!(sorting, [(3, false), (0, false)]);
    let schema = metadata.file_metadata().schema_descr();
    let logical = |index: usize| schema.column(index).logical_type_ref().cloned();
    assert_eq!(
        logical(6),
        Some(LogicalType::Timestamp(TimestampType {
            is_adjusted_to_u_t_c: true,
            unit: ParquetTimeUnit::MICROS
        }))
    );
    assert_eq!(logical(3), Some(LogicalType::Date));
    assert_eq!(logical(0), Some(LogicalType::String));
}

#[test]
fn unsorted_rows_are_refused() {
    let folder = tempfile::tempdir().unwrap();
    let mut rows = sample();
    rows.swap(0, 2);
    let error = write_parquet(
        &folder.path().join("out.parquet"),
        &rows,
        &WriteOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(error, Error::NotSorted { row: 1 }), "{error}");
}

#[test]
fn a_failed_write_leaves_the_old_file_and_no_temporary() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("out.parquet");
    std::fs::write(&path, b"the previous table").unwrap();
    let error =
        write_parquet(&path, &sample(), &WriteOptions::default().zstd_level(99)).unwrap_err();
    assert!(matches!(error, Error::Parquet(_)), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), b"the previous table");
    let names: Vec<_> = std::fs::read_dir(folder.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(names, [std::ffi::OsString::from("out.parquet")]);
}

#[test]
fn many_row_groups_read_back_in_order() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("out.parquet");
    let rows: Vec<_> = (0..25)
        .map(|i| open_house(&format!("K{i:02}"), "2024-05-04", Some("94521")))
        .collect();
    let options = WriteOptions::default().row_group_rows(std::num::NonZeroUsize::new(10).unwrap());
    assert_eq!(write_parquet(&path, &rows, &options).unwrap().row_groups, 3);
    let mut count = 0;
    read_insight_rows(&path, |_, zip5| {
        assert_eq!(zip5.unwrap().as_str(), "94521");
        count += 1;
    })
    .unwrap();
    assert_eq!(count, 25);
}

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

#[test]
fn record_batches_carry_the_table_schema_for_other_writers() {
    let batch = openhouse_parquet::record_batch(&sample()).unwrap();
    assert_eq!(batch.schema(), openhouse_parquet::schema());
    assert_eq!((batch.num_rows(), batch.num_columns()), (3, 10));
    assert_eq!(strings(&batch, "Zip5"), [Some("94521"), None, None]);
}
