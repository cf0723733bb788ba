//! The table writer: types, metadata, order, row groups, and where the bytes go.

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, TimestampMicrosecondType};
use arrow_array::{RecordBatch, RecordBatchWriter};
use arrow_schema::{DataType, TimeUnit};
use openhouse_dedup::{LatestByKey, Table};
use openhouse_model::{OpenHouseFields, Position, UtcTimestamp, parse_date};
use openhouse_parquet::{
    Error, TableWriter, WriteOptions, WriteSummary, read_insight_rows, record_batch,
    record_batches, schema, write_table,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{
    Compression, Encoding, LogicalType, TimeUnit as ParquetTimeUnit, TimestampType,
};
use parquet::file::reader::{FileReader, SerializedFileReader};

fn fields<'a>(key: &'a str, date: &str, zipcode: Option<&'a str>) -> OpenHouseFields<'a> {
    let at = |text: &str| UtcTimestamp::parse(text).unwrap();
    OpenHouseFields {
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
    }
}

fn table(records: &[OpenHouseFields<'_>]) -> Table {
    records
        .iter()
        .copied()
        .collect::<LatestByKey>()
        .into_table()
        .unwrap()
}

/// B and C on the 4th, A on the 5th: table order is B, C, A.
fn sample() -> Table {
    table(&[
        fields("A", "2024-05-05", None),
        fields("C", "2024-05-04", Some("9452")),
        fields("B", "2024-05-04", Some("94521-3711")),
    ])
}

/// Writes the table to a new file at `path`.
fn write_parquet(
    path: &Path,
    table: &Table,
    options: &WriteOptions,
) -> Result<WriteSummary, Error> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).unwrap();
    }
    let (_, summary) = write_table(File::create(path).unwrap(), table, options)?;
    Ok(summary)
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
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    assert_eq!(batches.len(), 1, "the samples fit one batch");
    batches[0].clone()
}

#[test]
fn values_and_types_round_trip() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("nested/out.parquet");
    let summary = write_parquet(&path, &sample(), &WriteOptions::default()).unwrap();
    assert_eq!((summary.rows, summary.row_groups), (3, 1));
    assert_eq!(summary.bytes, std::fs::metadata(&path).unwrap().len());

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
    assert_eq!(strings(&batch, "ListingKey"), [None, None, None]);
    let micros = |column| {
        batch
            .column_by_name(column)
            .unwrap()
            .as_primitive::<TimestampMicrosecondType>()
            .value(0)
    };
    assert_eq!(micros("OpenHouseStartTime"), 1_714_867_200_123_456);
    assert_eq!(
        micros("DateModified"),
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
fn packed_hex_keys_are_written_as_text() {
    let key = "0f3a9c1e5b7d2f4a6c8e0a1b3c5d7e9f";
    let table = table(&[fields(key, "2024-05-04", Some("94521"))]);
    let batch = record_batch(&table, 0..1).unwrap();
    assert_eq!(strings(&batch, "OpenHouseKey"), [Some(key)]);
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
    let encodings = |index: usize| row_group.column(index).encodings().collect::<Vec<_>>();
    assert!(
        !encodings(0).contains(&Encoding::RLE_DICTIONARY),
        "keys are not dictionary-encoded"
    );
    assert!(encodings(7).contains(&Encoding::RLE_DICTIONARY), "State is");
}

#[test]
fn unsorted_batches_are_refused() {
    let mut writer = TableWriter::try_new(Vec::new(), &WriteOptions::default()).unwrap();
    let table = sample();
    let (first, rest) = (
        record_batch(&table, 2..3).unwrap(),
        record_batch(&table, 0..2).unwrap(),
    );
    writer.write(&first).unwrap();
    let error = writer.write(&rest).unwrap_err();
    assert!(matches!(error, Error::NotSorted { row: 1 }), "{error}");
    let batch = record_batch(&table, 0..3).unwrap();
    let reversed: Vec<_> = (0..3).rev().map(|row| batch.slice(row, 1)).collect();
    let reversed = arrow_select_concat(&reversed);
    let mut writer = TableWriter::try_new(Vec::new(), &WriteOptions::default()).unwrap();
    assert!(matches!(
        writer.write(&reversed),
        Err(Error::NotSorted { row: 1 })
    ));
}

/// Rows of several batches as one batch, through the Parquet writer's own reader.
fn arrow_select_concat(batches: &[RecordBatch]) -> RecordBatch {
    let mut bytes = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut bytes, schema(), None).unwrap();
    for batch in batches {
        writer.write(batch).unwrap();
    }
    writer.close().unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes))
        .unwrap()
        .build()
        .unwrap();
    reader.map(Result::unwrap).next().unwrap()
}

#[test]
fn batches_of_another_schema_are_refused() {
    let mut writer = TableWriter::try_new(Vec::new(), &WriteOptions::default()).unwrap();
    let other = record_batch(&sample(), 0..3)
        .unwrap()
        .project(&[0, 1])
        .unwrap();
    assert!(matches!(
        writer.write(&other),
        Err(Error::WrongSchema { .. })
    ));
}

#[test]
fn an_invalid_level_is_refused_when_set() {
    assert!(WriteOptions::default().zstd_level(99).is_err());
    assert!(WriteOptions::default().zstd_level(22).is_ok());
}

/// `rows` open houses on one day, keyed `K00`, `K01`, … in the table's order, and their keys.
fn keyed_table(rows: usize) -> (Vec<String>, Table) {
    let keys: Vec<String> = (0..rows).map(|i| format!("K{i:02}")).collect();
    let records: Vec<_> = keys
        .iter()
        .map(|key| fields(key, "2024-05-04", Some("94521")))
        .collect();
    let table = table(&records);
    (keys, table)
}

#[test]
fn rows_split_into_row_groups_read_back_in_order() {
    let (_, table) = keyed_table(25);
    let options = WriteOptions::default().row_group_rows(10);
    // Batches of 7 rows fill row groups of 10 across batch boundaries.
    let mut writer = TableWriter::try_new(Vec::new(), &options).unwrap();
    for pieces in record_batches(&table, 7) {
        for piece in pieces.unwrap() {
            writer.write(&piece).unwrap();
        }
    }
    let (bytes, summary) = writer.into_inner().unwrap();
    assert_eq!((summary.rows, summary.row_groups), (25, 3));
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("out.parquet");
    std::fs::write(&path, &bytes).unwrap();
    let mut count = 0;
    read_insight_rows(&path, |_, zip5| {
        assert_eq!(zip5.unwrap().as_str(), "94521");
        count += 1;
    })
    .unwrap();
    assert_eq!(count, 25);
    let (same, _) = write_table(Vec::new(), &table, &options).unwrap();
    assert_eq!(
        same, bytes,
        "the same rows give the same bytes however they are batched"
    );
}

#[test]
fn row_groups_written_whole_and_by_batches_keep_their_order() {
    let (keys, table) = keyed_table(45);
    let options = WriteOptions::default().row_group_rows(10);
    let group = |rows: std::ops::Range<usize>| vec![record_batch(&table, rows).unwrap()];
    // Whole row groups wait encoded while the next are encoded; rows given batch by batch
    // in between, and a flush, must still land after them.
    let mut writer = TableWriter::try_new(Vec::new(), &options).unwrap();
    writer
        .write_row_groups(&[group(0..10), group(10..20)])
        .unwrap();
    writer
        .write(&record_batch(&table, 20..25).unwrap())
        .unwrap();
    writer.write_row_groups(&[group(25..30)]).unwrap();
    writer.flush().unwrap();
    writer.write_row_groups(&[group(30..40)]).unwrap();
    writer
        .write(&record_batch(&table, 40..45).unwrap())
        .unwrap();
    let (bytes, summary) = writer.into_inner().unwrap();
    assert_eq!((summary.rows, summary.row_groups), (45, 6));
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes)).unwrap();
    let sizes: Vec<i64> = reader
        .metadata()
        .row_groups()
        .iter()
        .map(|row_group| row_group.num_rows())
        .collect();
    assert_eq!(sizes, [10, 10, 5, 5, 10, 5]);
    let read: Vec<String> = reader
        .build()
        .unwrap()
        .flat_map(|batch| {
            let batch = batch.unwrap();
            let keys = batch.column(0).as_string::<i32>().clone();
            (0..batch.num_rows()).map(move |row| keys.value(row).to_owned())
        })
        .collect();
    assert_eq!(read, keys);
}

#[test]
fn the_writer_is_an_arrow_record_batch_writer() {
    fn write_all(mut writer: impl RecordBatchWriter, batch: &RecordBatch) {
        writer.write(batch).unwrap();
        writer.close().unwrap();
    }
    let batch = record_batch(&sample(), 0..3).unwrap();
    write_all(
        TableWriter::try_new(Vec::new(), &WriteOptions::default()).unwrap(),
        &batch,
    );
    assert_eq!(batch.schema(), schema());
}
