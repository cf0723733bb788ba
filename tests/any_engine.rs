//! Insights over any engine's Parquet: pyarrow, DuckDB, Polars, Spark and DataFusion each
//! write the committed fixture's table with their defaults, with zstd and in a few other
//! shapes (`tests/interop/write_with_engines.py`), and `insights_from_parquet` must give the
//! pipeline's insights for every one of them.

mod python;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use openhouse::{Pipeline, RunPaths};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn every_engines_output_gives_the_pipelines_insights() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("openhouses.parquet");
    let paths = RunPaths {
        input: Path::new(ROOT).join("fixtures/openhouses.json").into(),
        output: table.clone(),
        rejects: None,
        report: None,
    };
    let report = Pipeline::default().run(&paths).unwrap();
    let expected = serde_json::to_value(&report.insights).unwrap();

    let written = folder.path().join("engines");
    let outputs = python::output_json(
        Command::new(python::python("python-env"))
            .arg(Path::new(ROOT).join("tests/interop/write_with_engines.py"))
            .args([&table, &written]),
    );
    let outputs = outputs.as_array().unwrap();

    let mut seen = BTreeSet::new();
    for written in outputs {
        let (engine, variant) = (
            written["engine"].as_str().unwrap(),
            written["variant"].as_str().unwrap(),
        );
        let path = Path::new(written["path"].as_str().unwrap());
        let insights = openhouse::insights_from_parquet(path, 5)
            .unwrap_or_else(|error| panic!("{engine} {variant}: {error}"));
        assert_eq!(
            serde_json::to_value(&insights).unwrap(),
            expected,
            "{engine} {variant} ({})",
            written["codecs"]
        );
        seen.insert((
            engine.to_owned(),
            variant.to_owned(),
            written["codecs"].to_string(),
        ));
    }

    // What each engine writes by default, so that "default" means what it says.
    let codec = |name: &str| serde_json::json!([name]).to_string();
    for (engine, default) in [
        ("pyarrow", "SNAPPY"),
        ("duckdb", "SNAPPY"),
        ("polars", "ZSTD"),
        ("spark", "SNAPPY"),
        ("datafusion", "ZSTD"),
    ] {
        for (variant, codecs) in [("default", codec(default)), ("zstd", codec("ZSTD"))] {
            assert!(
                seen.contains(&(engine.to_owned(), variant.to_owned(), codecs.clone())),
                "{engine} {variant} with {codecs}"
            );
        }
    }
    // Spark and DataFusion write folders, Spark and DuckDB hive partitions.
    assert!(
        seen.iter()
            .any(|(engine, variant, _)| engine == "spark" && variant == "hive-by-month")
    );
    assert!(
        seen.iter()
            .any(|(engine, variant, _)| engine == "duckdb" && variant == "hive-by-month")
    );
}

#[test]
fn a_glob_over_a_spark_folder_reads_its_part_files() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("openhouses.parquet");
    let paths = RunPaths {
        input: Path::new(ROOT).join("fixtures/openhouses.json").into(),
        output: table.clone(),
        rejects: None,
        report: None,
    };
    let report = Pipeline::default().run(&paths).unwrap();
    // Spark writes its part files next to _SUCCESS and hidden .crc files; copy the table in
    // as a part file, the way Spark names them, and read it through a glob.
    let spark_like = folder.path().join("spark");
    std::fs::create_dir(&spark_like).unwrap();
    std::fs::copy(&table, spark_like.join("part-00000-1f2e.c000.zstd.parquet")).unwrap();
    std::fs::write(spark_like.join("_SUCCESS"), b"").unwrap();
    std::fs::write(
        spark_like.join(".part-00000-1f2e.c000.zstd.parquet.crc"),
        b"crc",
    )
    .unwrap();
    let pattern = spark_like.join("part-*.parquet");
    let insights = openhouse::insights_from_parquet(&pattern, 5).unwrap();
    assert_eq!(insights, report.insights);
    let whole_folder = openhouse::insights_from_parquet(&spark_like, 5).unwrap();
    assert_eq!(whole_folder, report.insights);
}
