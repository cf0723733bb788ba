//! Files that are not what they claim: the reader returns an error or the rows, never
//! panics. The cases come from fuzzing the reader (fuzz/, target `parquet_insight_rows`).

use std::fs::File;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::{Arc, mpsc};
use std::time::Duration;

use arrow_array::TimestampMicrosecondArray;
use arrow_array::{ArrayRef, Date32Array, Date64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use openhouse_parquet::{Error, TableFile, read_insight_rows};
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::{ArrowWriter, encode_arrow_schema};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};

/// 2024-05-04 as days since 1970-01-01.
const MAY_4: i32 = 19_847;

/// A batch with a date column of `date_type`, a zip code and a timestamp (whose unit is what
/// arrow-ipc's schema decoder panicked on when corrupt).
fn batch(date_type: &DataType) -> RecordBatch {
    let dates: ArrayRef = match date_type {
        DataType::Date64 => Arc::new(Date64Array::from(vec![i64::from(MAY_4) * 86_400_000])),
        _ => Arc::new(Date32Array::from(vec![MAY_4])),
    };
    let schema = Schema::new(vec![
        Field::new("OpenHouseDate", date_type.clone(), true),
        Field::new("Zip5", DataType::Utf8, true),
        Field::new(
            "OpenHouseStartTime",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            dates,
            Arc::new(StringArray::from(vec![Some("94521")])),
            Arc::new(TimestampMicrosecondArray::from(vec![0]).with_timezone("UTC")),
        ],
    )
    .unwrap()
}

/// Writes `batch` with `arrow_schema` as its embedded Arrow schema, whatever that says.
fn write_with_embedded_schema(path: &Path, batch: &RecordBatch, arrow_schema: &str) {
    let properties = WriterProperties::builder()
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "ARROW:schema".to_owned(),
            arrow_schema.to_owned(),
        )]))
        .build();
    let options = ArrowWriterOptions::new()
        .with_properties(properties)
        .with_skip_arrow_metadata(true);
    let mut writer =
        ArrowWriter::try_new_with_options(File::create(path).unwrap(), batch.schema(), options)
            .unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

fn dates_read(path: &Path) -> Result<Vec<String>, String> {
    let mut dates = Vec::new();
    read_insight_rows(path, |date, _| dates.push(date.to_string()))
        .map(|_| dates)
        .map_err(|error| error.to_string())
}

#[test]
fn a_corrupt_embedded_arrow_schema_never_panics_the_reader() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("t.parquet");
    for date_type in [DataType::Date32, DataType::Date64] {
        let batch = batch(&date_type);
        let encoded = encode_arrow_schema(&batch.schema());
        write_with_embedded_schema(&path, &batch, &encoded);
        assert_eq!(dates_read(&path).unwrap(), ["2024-05-04"], "{date_type}");

        // Every one-character change of the base64 text: each changes a few bits of one or
        // two bytes of the schema's flatbuffer (type tags, time units, offsets).
        for at in 0..encoded.len() {
            for replacement in ['A', 'E', '/'] {
                let mut corrupt = encoded.clone().into_bytes();
                if corrupt[at] == replacement as u8 {
                    continue;
                }
                corrupt[at] = replacement as u8;
                let corrupt = String::from_utf8(corrupt).unwrap();
                write_with_embedded_schema(&path, &batch, &corrupt);
                let read =
                    catch_unwind(AssertUnwindSafe(|| dates_read(&path))).unwrap_or_else(|_| {
                        panic!(
                            "{date_type}: the reader panicked with character {at} as {replacement}"
                        )
                    });
                // A date column stored as a date is read whatever the embedded schema says;
                // a Date64 (plain INT64) needs it, and fails cleanly without it.
                match (&date_type, read) {
                    (_, Ok(dates)) => assert_eq!(dates, ["2024-05-04"], "{date_type} at {at}"),
                    (DataType::Date64, Err(_)) => {}
                    (_, Err(error)) => panic!("{date_type} at {at}: {error}"),
                }
            }
        }
    }
}

/// One row of the table's own schema.
fn table_batch() -> RecordBatch {
    let schema = openhouse_parquet::schema();
    let columns = schema
        .fields()
        .iter()
        .map(|field| -> ArrayRef {
            match field.data_type() {
                DataType::Date32 => Arc::new(Date32Array::from(vec![MAY_4])),
                DataType::Timestamp(_, _) => {
                    Arc::new(TimestampMicrosecondArray::from(vec![0]).with_timezone("UTC"))
                }
                _ => Arc::new(StringArray::from(vec!["94521"])),
            }
        })
        .collect();
    RecordBatch::try_new(schema, columns).unwrap()
}

#[test]
fn a_table_file_never_decodes_the_embedded_arrow_schema() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("t.parquet");
    let batch = table_batch();
    let encoded = encode_arrow_schema(&batch.schema());
    // Every one-character change of the base64 text, as above: the merge reads other
    // engines' files through `TableFile`, and the table's own types are all it uses.
    for at in (0..encoded.len()).step_by(3) {
        let mut corrupt = encoded.clone().into_bytes();
        corrupt[at] = if corrupt[at] == b'A' { b'/' } else { b'A' };
        write_with_embedded_schema(&path, &batch, &String::from_utf8(corrupt).unwrap());
        let read = catch_unwind(AssertUnwindSafe(|| {
            let file = TableFile::open(&path, None).map_err(|error| error.to_string())?;
            let batches: Result<Vec<RecordBatch>, _> = file.read(None).unwrap().collect();
            batches.map_err(|error| error.to_string())
        }))
        .unwrap_or_else(|_| panic!("a TableFile panicked with character {at} changed"));
        assert_eq!(
            read.unwrap(),
            std::slice::from_ref(&batch),
            "character {at} changed"
        );
    }
}

/// A small table whose dates are dictionary-encoded, and where its date column's dictionary
/// page header starts.
fn dictionary_encoded_table() -> (Vec<u8>, usize) {
    let dates = Date32Array::from(vec![MAY_4; 100]);
    let zips = StringArray::from(vec!["94521"; 100]);
    let batch = RecordBatch::try_from_iter([
        ("OpenHouseDate", Arc::new(dates) as ArrayRef),
        ("Zip5", Arc::new(zips) as ArrayRef),
    ])
    .unwrap();
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let reader = SerializedFileReader::new(bytes::Bytes::from(bytes.clone())).unwrap();
    let offset = reader
        .metadata()
        .row_group(0)
        .column(0)
        .dictionary_page_offset();
    let at = usize::try_from(offset.expect("a dictionary page")).unwrap();
    (bytes, at)
}

/// Reads `bytes` as a file on another thread; `None` if that takes longer than `limit`.
fn read_within(bytes: Vec<u8>, limit: Duration) -> Option<Result<(), Error>> {
    let (done, outcome) = mpsc::channel();
    std::thread::spawn(move || {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("damaged.parquet");
        std::fs::write(&path, &bytes).unwrap();
        let read = catch_unwind(AssertUnwindSafe(|| read_insight_rows(&path, |_, _| {})))
            .unwrap_or_else(|_| panic!("the reader panicked"));
        let _ = done.send(read.map(drop));
    });
    outcome.recv_timeout(limit).ok()
}

#[test]
fn a_data_page_whose_dictionary_is_missing_is_a_damaged_file_not_a_panic() {
    // The dictionary page turned into an index page (which readers skip): the data page
    // refers to a dictionary the column chunk no longer has, on which the parquet crate's
    // decoder panics.
    let (mut bytes, at) = dictionary_encoded_table();
    // The page header's first field, its type in Thrift's compact encoding: 2 is a
    // dictionary page, 1 an index page.
    assert_eq!(&bytes[at..at + 2], [0x15, 0x04]);
    bytes[at + 1] = 0x02;
    let error = read_within(bytes, Duration::from_secs(60))
        .expect("the read ends")
        .unwrap_err();
    assert!(matches!(error, Error::Damaged { .. }), "{error}");
    assert!(error.to_string().contains("damaged.parquet"), "{error}");
}

#[test]
fn a_page_header_that_skips_past_the_end_of_the_file_fails_at_once() {
    // An unknown field first in the page header (id 15, a list), holding 2^31 - 1 doubles:
    // the parquet crate skips them 8 bytes at a time, and past the end of the file it used
    // to go on "skipping" nothing, once for each.
    let (mut bytes, at) = dictionary_encoded_table();
    bytes[at..at + 7].copy_from_slice(&[0xf9, 0xf7, 0xff, 0xff, 0xff, 0xff, 0x07]);
    let read = read_within(bytes, Duration::from_secs(20))
        .expect("the reader stops at the end of the file");
    assert!(read.is_err());
}
