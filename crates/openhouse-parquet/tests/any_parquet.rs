//! Insight rows from Parquet as other engines write it: every codec, every date and string
//! type, folders, globs, hive partitions, nulls, and Delta Lake tables refused.

use std::fs::{self, File};
use std::path::Path;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, Date32Array, Date64Array, DictionaryArray, LargeStringArray, RecordBatch,
    StringArray, StringViewArray, TimestampMicrosecondArray, TimestampMillisecondArray,
    TimestampNanosecondArray, TimestampSecondArray,
};
use openhouse_parquet::{
    Error, ParquetFile, ParquetFiles, ReadSummary, fold_insight_rows, read_insight_rows,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;

const DAY: i64 = 86_400;
/// 2024-05-04 as days since 1970-01-01.
const MAY_4: i64 = 19_847;

/// Writes one file whose columns are `columns`, with `compression`, as arrow-rs does for any
/// engine, in row groups of at most two rows so that parallel reads have several tasks.
fn write(path: &Path, columns: Vec<(&str, ArrayRef)>, compression: Compression) {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let properties = WriterProperties::builder()
        .set_compression(compression)
        .set_max_row_group_row_count(Some(2))
        .build();
    if let Some(folder) = path.parent() {
        fs::create_dir_all(folder).unwrap();
    }
    let mut writer = ArrowWriter::try_new(
        File::create(path).unwrap(),
        batch.schema(),
        Some(properties),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn zipcodes(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

/// Rows in reading order, dates and zips as text.
fn rows_of(path: &Path) -> (Vec<(String, Option<String>)>, ReadSummary) {
    let mut rows = Vec::new();
    let summary = read_insight_rows(path, |date, zip5| {
        rows.push((date.to_string(), zip5.map(|zip| zip.to_string())))
    })
    .unwrap();
    (rows, summary)
}

fn row(date: &str, zip: Option<&str>) -> (String, Option<String>) {
    (date.to_owned(), zip.map(str::to_owned))
}

/// A small table in the shape of another engine's output: date32 dates, a Zip5 column.
fn simple_table(path: &Path, compression: Compression) {
    write(
        path,
        vec![
            (
                "OpenHouseDate",
                Arc::new(Date32Array::from(vec![MAY_4 as i32, MAY_4 as i32 + 1])),
            ),
            ("Zip5", zipcodes(&[Some("94521"), Some("10001")])),
        ],
        compression,
    );
}

#[test]
fn every_codec_the_ecosystem_writes_is_read() {
    let folder = tempfile::tempdir().unwrap();
    let codecs = [
        Compression::UNCOMPRESSED,
        Compression::SNAPPY,
        Compression::GZIP(GzipLevel::default()),
        Compression::LZ4,
        Compression::LZ4_RAW,
        Compression::BROTLI(BrotliLevel::default()),
        Compression::ZSTD(ZstdLevel::default()),
    ];
    for codec in codecs {
        let path = folder.path().join(format!("{codec}.parquet"));
        simple_table(&path, codec);
        assert_eq!(
            rows_of(&path).0,
            [
                row("2024-05-04", Some("94521")),
                row("2024-05-05", Some("10001"))
            ],
            "{codec}"
        );
    }
}

#[test]
fn dates_are_read_from_every_date_and_timestamp_type_as_stored() {
    // 2024-05-04T23:30 as stored: its date is the 4th whatever zone the column names, as
    // the date was written; no shift to another zone's calendar.
    let late = (MAY_4 * DAY + 23 * 3600 + 1800, "2024-05-04");
    let before_epoch = (-1, "1969-12-31");
    let seconds = [late.0, before_epoch.0];
    let expected = [late.1, before_epoch.1];
    let millis: Vec<i64> = seconds.iter().map(|s| s * 1_000).collect();
    let columns: Vec<(&str, ArrayRef)> = vec![
        (
            "date32",
            Arc::new(Date32Array::from(vec![MAY_4 as i32, -1])),
        ),
        ("date64", Arc::new(Date64Array::from(millis.clone()))),
        (
            "seconds",
            Arc::new(TimestampSecondArray::from(seconds.to_vec())),
        ),
        (
            "millis_in_a_zone",
            Arc::new(
                TimestampMillisecondArray::from(millis.clone())
                    .with_timezone("America/Los_Angeles"),
            ),
        ),
        (
            "micros_in_utc",
            Arc::new(
                TimestampMicrosecondArray::from(seconds.map(|s| s * 1_000_000).to_vec())
                    .with_timezone("UTC"),
            ),
        ),
        (
            "nanos",
            Arc::new(TimestampNanosecondArray::from(
                seconds.map(|s| s * 1_000_000_000).to_vec(),
            )),
        ),
    ];
    let folder = tempfile::tempdir().unwrap();
    for (name, dates) in columns {
        let path = folder.path().join(format!("{name}.parquet"));
        write(
            &path,
            vec![("OpenHouseDate", dates), ("Zip5", zipcodes(&[None, None]))],
            Compression::SNAPPY,
        );
        let dates: Vec<String> = rows_of(&path).0.into_iter().map(|(date, _)| date).collect();
        assert_eq!(dates, expected, "{name}");
    }
}

#[test]
fn dates_and_zips_are_read_from_every_string_type() {
    let dates = [Some("2024-05-04"), Some("2024-05-06")];
    let zips = [Some("94521-3711"), Some("10001")];
    let dictionary = |values: [Option<&str>; 2]| -> ArrayRef {
        Arc::new(values.into_iter().collect::<DictionaryArray<Int32Type>>())
    };
    let kinds: Vec<(&str, ArrayRef, ArrayRef)> = vec![
        (
            "utf8",
            Arc::new(StringArray::from(dates.to_vec())),
            Arc::new(StringArray::from(zips.to_vec())),
        ),
        (
            "large",
            Arc::new(LargeStringArray::from(dates.to_vec())),
            Arc::new(LargeStringArray::from(zips.to_vec())),
        ),
        (
            "view",
            Arc::new(StringViewArray::from(dates.to_vec())),
            Arc::new(StringViewArray::from(zips.to_vec())),
        ),
        ("dictionary", dictionary(dates), dictionary(zips)),
    ];
    let folder = tempfile::tempdir().unwrap();
    for (name, dates, zips) in kinds {
        let path = folder.path().join(format!("{name}.parquet"));
        write(
            &path,
            vec![("OpenHouseDate", dates), ("Zipcode", zips)],
            Compression::GZIP(GzipLevel::default()),
        );
        assert_eq!(
            rows_of(&path).0,
            [
                row("2024-05-04", Some("94521")),
                row("2024-05-06", Some("10001"))
            ],
            "{name}"
        );
    }
}

#[test]
fn null_dates_are_skipped_and_null_or_unrecognised_zips_counted() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("nulls.parquet");
    write(
        &path,
        vec![
            (
                "OpenHouseDate",
                Arc::new(Date32Array::from(vec![
                    Some(MAY_4 as i32),
                    None,
                    Some(MAY_4 as i32),
                    Some(MAY_4 as i32),
                ])),
            ),
            (
                "Zip5",
                zipcodes(&[None, Some("94521"), Some("<script>"), Some("94521")]),
            ),
        ],
        Compression::SNAPPY,
    );
    let (rows, summary) = rows_of(&path);
    assert_eq!(
        rows,
        [
            row("2024-05-04", None),
            row("2024-05-04", None),
            row("2024-05-04", Some("94521"))
        ]
    );
    assert_eq!(
        (summary.rows, summary.null_dates, summary.rows_with_date()),
        (4, 1, 3)
    );
    assert_eq!(
        (summary.null_zipcodes, summary.unrecognised_zipcodes),
        (1, 1)
    );
    assert_eq!((summary.files, summary.row_groups), (1, 2));
}

#[test]
fn a_text_date_that_is_not_a_calendar_date_is_an_error_naming_its_row() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("bad.parquet");
    write(
        &path,
        vec![
            (
                "OpenHouseDate",
                Arc::new(StringArray::from(vec![
                    "2024-05-04",
                    "2024-05-04",
                    "2024-02-30",
                ])),
            ),
            ("Zip5", zipcodes(&[None, None, None])),
        ],
        Compression::SNAPPY,
    );
    let error = read_insight_rows(&path, |_, _| {}).unwrap_err();
    match error {
        Error::InvalidDate { row, value, .. } => {
            assert_eq!((row, value.as_str()), (2, "2024-02-30"))
        }
        other => panic!("{other}"),
    }
}

/// A folder as Spark writes it: part files, `_SUCCESS`, hidden checksums, a temporary folder.
fn spark_like_folder(root: &Path) {
    for (index, month) in ["2024-05", "2024-06"].iter().enumerate() {
        let partition = root.join(format!("month={month}"));
        simple_table(
            &partition.join(format!("part-0000{index}-abc.c000.snappy.parquet")),
            Compression::SNAPPY,
        );
        fs::write(
            partition.join(format!(".part-0000{index}-abc.c000.snappy.parquet.crc")),
            b"crc",
        )
        .unwrap();
    }
    fs::write(root.join("_SUCCESS"), b"").unwrap();
    fs::create_dir_all(root.join("_temporary/0")).unwrap();
    fs::write(
        root.join("_temporary/0/part-broken.parquet"),
        b"not parquet",
    )
    .unwrap();
}

#[test]
fn a_folder_is_read_without_bookkeeping_files_and_with_hive_partitions() {
    let folder = tempfile::tempdir().unwrap();
    spark_like_folder(folder.path());
    let files = ParquetFiles::locate(folder.path()).unwrap();
    let names: Vec<String> = files
        .files()
        .iter()
        .map(|file| {
            let relative = file.path().strip_prefix(folder.path()).unwrap();
            relative.to_string_lossy().into_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "month=2024-05/part-00000-abc.c000.snappy.parquet",
            "month=2024-06/part-00001-abc.c000.snappy.parquet"
        ]
    );
    assert_eq!(
        files.files()[1].partition_value("month"),
        Some(Some("2024-06"))
    );
    let (rows, summary) = rows_of(folder.path());
    assert_eq!((rows.len(), summary.files), (4, 2));
}

#[test]
fn a_glob_names_files_and_its_folders_give_partition_values() {
    let folder = tempfile::tempdir().unwrap();
    spark_like_folder(folder.path());
    let pattern = folder.path().join("month=2024-0*/*.parquet");
    let files = ParquetFiles::locate(&pattern).unwrap();
    assert_eq!(files.files().len(), 2);
    assert_eq!(
        files.files()[0].partition_value("month"),
        Some(Some("2024-05"))
    );
    assert_eq!(rows_of(&pattern).0.len(), 4);
}

#[test]
fn columns_missing_from_the_files_come_from_hive_partition_folders() {
    // Partitioned by OpenHouseDate and Zip5, as `partitionBy` writes it: neither column is
    // in the files. A null partition is Hive's default partition name.
    let folder = tempfile::tempdir().unwrap();
    for (date, zip, rows) in [
        ("2024-05-04", "94521", 2),
        ("2024-05-05", "__HIVE_DEFAULT_PARTITION__", 1),
    ] {
        let keys: Vec<String> = (0..rows).map(|key| format!("K{key}")).collect();
        write(
            &folder
                .path()
                .join(format!("OpenHouseDate={date}/Zip5={zip}/part-0.parquet")),
            vec![("OpenHouseKey", Arc::new(StringArray::from(keys)))],
            Compression::SNAPPY,
        );
    }
    let (rows, summary) = rows_of(folder.path());
    assert_eq!(
        rows,
        [
            row("2024-05-04", Some("94521")),
            row("2024-05-04", Some("94521")),
            row("2024-05-05", None)
        ]
    );
    assert_eq!(summary.null_zipcodes, 1);
}

#[test]
fn a_delta_lake_table_is_refused_but_its_listed_files_are_read() {
    let folder = tempfile::tempdir().unwrap();
    simple_table(&folder.path().join("part-0.parquet"), Compression::SNAPPY);
    simple_table(
        &folder.path().join("part-1-removed.parquet"),
        Compression::SNAPPY,
    );
    fs::create_dir(folder.path().join("_delta_log")).unwrap();
    let error = ParquetFiles::locate(folder.path()).unwrap_err();
    assert!(matches!(error, Error::DeltaTable { .. }), "{error}");

    let listed = ParquetFiles::from_files([ParquetFile::new(folder.path().join("part-0.parquet"))]);
    let (count, summary) =
        fold_insight_rows(&listed, || 0u64, |count, _, _| *count += 1, |a, b| a + b).unwrap();
    assert_eq!((count, summary.files), (2, 1));
}

#[test]
fn a_parallel_fold_sees_every_row_once() {
    let folder = tempfile::tempdir().unwrap();
    for file in 0..4 {
        let dates: Vec<i32> = (0..7).map(|day| MAY_4 as i32 + day).collect();
        let zips: Vec<String> = (0..7).map(|i| format!("{:05}", file * 10 + i)).collect();
        write(
            &folder.path().join(format!("part-{file}.parquet")),
            vec![
                ("OpenHouseDate", Arc::new(Date32Array::from(dates))),
                ("Zip5", Arc::new(StringArray::from(zips))),
            ],
            Compression::LZ4_RAW,
        );
    }
    let mut sequential = Vec::new();
    read_insight_rows(folder.path(), |date, zip| sequential.push((date, zip))).unwrap();
    let files = ParquetFiles::locate(folder.path()).unwrap();
    let (parallel, summary) = fold_insight_rows(
        &files,
        Vec::new,
        |rows, date, zip| rows.push((date, zip)),
        |mut left, right| {
            left.extend(right);
            left
        },
    )
    .unwrap();
    assert_eq!(
        parallel, sequential,
        "merged left to right, rows keep file order"
    );
    assert_eq!(
        (summary.files, summary.row_groups, summary.rows),
        (4, 16, 28)
    );
}

#[test]
fn empty_folders_unmatched_globs_and_bad_types_are_typed_errors() {
    let folder = tempfile::tempdir().unwrap();
    let empty = ParquetFiles::locate(folder.path()).unwrap_err();
    assert!(matches!(empty, Error::NoParquetFiles { .. }), "{empty}");
    let unmatched = ParquetFiles::locate(&folder.path().join("*.parquet")).unwrap_err();
    assert!(
        matches!(unmatched, Error::NoParquetFiles { .. }),
        "{unmatched}"
    );

    let path = folder.path().join("numbers.parquet");
    write(
        &path,
        vec![
            ("OpenHouseDate", Arc::new(Date32Array::from(vec![0]))),
            ("Zip5", Arc::new(Date32Array::from(vec![94521]))),
        ],
        Compression::SNAPPY,
    );
    let error = read_insight_rows(&path, |_, _| {}).unwrap_err();
    assert!(
        matches!(error, Error::UnsupportedColumnType { column: "Zip5", .. }),
        "{error}"
    );
    assert!(error.to_string().contains(&*path.to_string_lossy()));
}
