//! Cross-checks against code that shares nothing with this crate: an independent Python
//! implementation of the rules (`tests/interop/reference.py`), DuckDB, pyarrow and Polars
//! reading the Parquet table (`tests/interop/engines.py`), and Apache Spark
//! (`tests/interop/spark.py`, which needs a Java runtime). The Python environment comes from
//! `scripts/python-env`, which `.ci/run` and the README's test command run first.

mod python;
mod tables;

use std::path::{Path, PathBuf};
use std::process::Command;

use openhouse::{Pipeline, RunPaths};
use openhouse_generate::{Generator, Layout};
use serde_json::{Value, json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn python_json(script: &str, args: &[&Path]) -> Value {
    python::output_json(
        Command::new(python::python("python-env"))
            .arg(Path::new(ROOT).join("tests/interop").join(script))
            .args(args),
    )
}

/// Runs the pipeline and both Python checks on `feed`, compares everything they say, and
/// returns the run report (`None` when the feed is a malformed array).
fn cross_check(name: &str, feed: &[u8]) -> Option<Value> {
    let folder = tempfile::tempdir().unwrap();
    let input = folder.path().join(name);
    std::fs::write(&input, feed).unwrap();
    let reference = python_json("reference.py", &[&input]);
    let paths = RunPaths {
        input: input.clone().into(),
        output: folder.path().join("table.parquet"),
        rejects: Some(folder.path().join("rejects.ndjson")),
        report: Some(folder.path().join("report.json")),
    };
    // The reference has no publishing policy: empty and all-rejected feeds publish too.
    let result = tables::permissive().run(&paths);
    if reference.get("error").is_some() {
        assert_eq!(reference["error"], "malformed_array", "{name}");
        assert!(
            result.is_err(),
            "{name}: the reference rejects the array, the pipeline did not"
        );
        assert!(!paths.output.exists());
        return None;
    }
    let report = result.unwrap_or_else(|error| panic!("{name}: {error}"));
    let report = serde_json::to_value(&report).unwrap();

    for count in [
        "format",
        "records_read",
        "records_valid",
        "records_rejected",
        "rejections_by_field",
        "insights",
    ] {
        assert_eq!(report[count], reference[count], "{name}: {count}");
    }
    assert_eq!(
        report["open_houses"],
        json!(reference["open_houses"].as_array().unwrap().len()),
        "{name}"
    );

    let rejects: Vec<Value> = std::fs::read_to_string(paths.rejects.as_ref().unwrap())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .map(|line| json!({"record": line["record"], "problems": line["problems"]}))
        .collect();
    assert_eq!(
        Value::Array(rejects),
        reference["rejected"],
        "{name}: rejected records and their problems"
    );

    let engines = python_json("engines.py", &[&paths.output]);
    let reference_rows: Vec<Value> = reference["open_houses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let mut row = row.clone();
            row.as_object_mut().unwrap().remove("record");
            row
        })
        .collect();
    assert_eq!(
        engines["rows"],
        Value::Array(reference_rows),
        "{name}: Parquet rows (pyarrow) against the reference"
    );
    assert_eq!(
        engines["duckdb"]["insights"], report["insights"],
        "{name}: insights in DuckDB SQL"
    );
    assert_eq!(engines["pyarrow"]["num_rows"], report["open_houses"]);
    assert_eq!(engines["polars"]["num_rows"], report["open_houses"]);
    Some(report)
}

#[test]
fn the_committed_fixture_agrees_with_the_reference_and_the_engines() {
    let feed = std::fs::read(Path::new(ROOT).join("fixtures/openhouses.json")).unwrap();
    let report = cross_check("openhouses.json", &feed).expect("the fixture is a well-formed array");
    assert_eq!(report["records_read"], 3000);
}

#[test]
fn the_edge_case_fixture_agrees() {
    cross_check(
        "edge-cases.ndjson",
        &std::fs::read(Path::new(ROOT).join("fixtures/edge-cases.ndjson")).unwrap(),
    );
}

#[test]
fn adversarial_feeds_in_both_formats_agree() {
    for seed in 1..=3 {
        for (layout, name) in [
            (Layout::Ndjson, "feed.ndjson"),
            (Layout::PrettyArray, "feed.json"),
        ] {
            let feed = Generator::new(seed)
                .events(1500)
                .adversarial(0.3)
                .layout(layout)
                .to_bytes();
            let report = cross_check(name, &feed).expect("generated arrays are well-formed");
            // About 30% of the records get a quirk, about three in four of which break a
            // rule (the others are odd but valid): some 330 rejections.
            let rejected = report["records_rejected"].as_u64().unwrap();
            assert!(
                (260..=420).contains(&rejected),
                "{name}, seed {seed}: {rejected} rejected"
            );
        }
    }
}

#[test]
fn benchmark_feeds_with_an_invalid_share_agree_and_reject_that_share() {
    for (layout, name) in [
        (Layout::Ndjson, "feed.ndjson"),
        (Layout::PrettyArray, "feed.json"),
    ] {
        let feed = Generator::new(4)
            .events(2000)
            .invalid(0.2)
            .layout(layout)
            .to_bytes();
        let report = cross_check(name, &feed).expect("generated arrays are well-formed");
        // Every record given an invalid quirk breaks a rule (about 400), plus the real
        // sample's few bare times and null keys.
        let rejected = report["records_rejected"].as_u64().unwrap();
        assert!(
            (340..=470).contains(&rejected),
            "{name}: {rejected} rejected"
        );
    }
}

#[test]
fn malformed_and_degenerate_feeds_agree() {
    let record = r#"{"OpenHouseKey":"A","OpenHouseDate":"2024-05-04","OpenHouseStartTime":"2024-05-04T17:00:00Z","OpenHouseEndTime":"2024-05-04T19:00:00Z","DateModified":"2024-05-01T00:00:00Z"}"#;
    let feeds: Vec<(&str, String)> = vec![
        ("empty.ndjson", String::new()),
        ("blank.ndjson", " \n\r\n".to_owned()),
        ("empty-array.json", " [ ] ".to_owned()),
        ("bom.json", format!("\u{feff}[{record}]")),
        ("trailing-comma.json", format!("[{record},]")),
        ("unclosed.json", format!("[{record}")),
        ("garbage-after.json", format!("[{record}] x")),
        ("bad-element.json", format!("[{record}, {{\"a\":}}]")),
        (
            "scalars.json",
            format!("[{record}, 1, \"x\", null, [], true]"),
        ),
        ("crlf.ndjson", format!("{record}\r\n\r\n{record}\r\n")),
        ("no-final-newline.ndjson", format!("{record}\n{record}")),
        (
            "huge-number.ndjson",
            format!(
                "{}\n{{\"OpenHouseKey\": 1e400}}\n{{\"Zipcode\": 123456789012345678901234567890}}",
                record
            ),
        ),
        (
            "surrogate.ndjson",
            format!(
                "{record}\n{{\"OpenHouseKey\": \"\\ud800\"}}\n{{\"OpenHouseKey\": \"\\ud83c\\udfe1\"}}"
            ),
        ),
        (
            "year-zero.ndjson",
            record.replace("2024-05-04", "0000-02-29"),
        ),
    ];
    let failed: Vec<&str> = feeds
        .iter()
        .filter(|(name, feed)| cross_check(name, feed.as_bytes()).is_none())
        .map(|(name, _)| *name)
        .collect();
    assert_eq!(
        failed,
        [
            "trailing-comma.json",
            "unclosed.json",
            "garbage-after.json",
            "bad-element.json"
        ]
    );
}

#[test]
fn the_engines_read_the_types_as_written() {
    let folder = tempfile::tempdir().unwrap();
    let output = folder.path().join("table.parquet");
    let paths = RunPaths {
        input: Path::new(ROOT).join("fixtures/edge-cases.ndjson").into(),
        output: output.clone(),
        rejects: None,
        report: None,
    };
    Pipeline::default().run(&paths).unwrap();
    let engines = python_json("engines.py", &[&output]);

    let strings = [
        "OpenHouseKey",
        "ListingKey",
        "OpenHouseMethod",
        "State",
        "Zipcode",
        "Zip5",
    ];
    let timestamps = ["OpenHouseStartTime", "OpenHouseEndTime", "DateModified"];
    let arrow = &engines["pyarrow"]["schema"];
    let logical = &engines["pyarrow"]["parquet_logical_types"];
    for column in strings {
        assert_eq!(arrow[column], "string", "{column}");
        assert_eq!(logical[column], "String", "{column}");
        assert_eq!(engines["duckdb"]["schema"][column], "VARCHAR", "{column}");
        assert_eq!(engines["polars"]["schema"][column], "String", "{column}");
    }
    for column in timestamps {
        assert_eq!(arrow[column], "timestamp[us, tz=UTC]", "{column}");
        assert!(
            logical[column]
                .as_str()
                .unwrap()
                .starts_with("Timestamp(isAdjustedToUTC=true, timeUnit=microseconds"),
            "{column}"
        );
        assert_eq!(
            engines["duckdb"]["schema"][column], "TIMESTAMP WITH TIME ZONE",
            "{column}"
        );
        assert_eq!(
            engines["polars"]["schema"][column], "Datetime(time_unit='us', time_zone='UTC')",
            "{column}"
        );
    }
    assert_eq!(arrow["OpenHouseDate"], "date32[day]");
    assert_eq!(logical["OpenHouseDate"], "Date");
    assert_eq!(engines["duckdb"]["schema"]["OpenHouseDate"], "DATE");
    assert_eq!(engines["polars"]["schema"]["OpenHouseDate"], "Date");
    assert_eq!(engines["pyarrow"]["nullable"]["OpenHouseKey"], false);
    assert_eq!(engines["pyarrow"]["nullable"]["Zipcode"], true);
    assert_eq!(engines["pyarrow"]["compression"], json!(["ZSTD"]));
}

#[test]
fn spark_reads_the_types_and_computes_the_same_insights() {
    let folder = tempfile::tempdir().unwrap();
    let mut tables = Vec::new();
    let mut expected = Vec::new();
    // The committed fixture, and the edge cases with their tied weeks and zip ranks.
    for (index, feed) in ["fixtures/openhouses.json", "fixtures/edge-cases.ndjson"]
        .into_iter()
        .enumerate()
    {
        let output = folder.path().join(format!("table-{index}.parquet"));
        let paths = RunPaths {
            input: Path::new(ROOT).join(feed).into(),
            output: output.clone(),
            rejects: None,
            report: None,
        };
        let report = Pipeline::default().run(&paths).unwrap();
        expected.push(serde_json::to_value(&report.insights).unwrap());
        tables.push(output);
    }
    let table_paths: Vec<&Path> = tables.iter().map(PathBuf::as_path).collect();
    let spark = python_json("spark.py", &table_paths);
    for (index, insights) in expected.iter().enumerate() {
        let read = &spark[index];
        assert_eq!(
            read["insights"], *insights,
            "table {index}: insights in Spark SQL"
        );
        assert_eq!(read["num_rows"], insights["total_open_houses"]);
        let schema = &read["schema"];
        assert_eq!(schema["OpenHouseKey"], "string");
        assert_eq!(schema["Zip5"], "string");
        assert_eq!(schema["OpenHouseDate"], "date");
        for column in ["OpenHouseStartTime", "OpenHouseEndTime", "DateModified"] {
            assert_eq!(
                schema[column], "timestamp",
                "{column}: Spark's TIMESTAMP is UTC-adjusted"
            );
        }
    }
}
