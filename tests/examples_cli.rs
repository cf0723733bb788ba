//! The example binaries end to end: arguments in, files and text out, exit codes.

mod example_binaries;

use std::path::Path;
use std::process::{Command, Output};

use example_binaries::example;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        text(&output.stderr)
    );
    output
}

fn path_arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn process_then_insights_on_the_committed_fixture() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("table.parquet");
    let rejects = folder.path().join("rejects.ndjson");
    let report = folder.path().join("report.json");
    let output = run(example("process").args([
        "--output",
        path_arg(&table),
        "--rejects",
        path_arg(&rejects),
        "--report",
        path_arg(&report),
        "--threads",
        "2",
    ]));
    let printed = text(&output.stdout);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let read = report["records_read"].as_u64().unwrap();
    assert_eq!(read, 3000);
    assert_eq!(
        read,
        report["records_valid"].as_u64().unwrap() + report["records_rejected"].as_u64().unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap().lines().count() as u64,
        report["records_rejected"].as_u64().unwrap()
    );
    assert!(
        printed.contains("3000 records read (array feed)"),
        "{printed}"
    );
    assert!(
        printed.contains("Busiest week")
            && printed.contains("Top zip codes")
            && printed.contains("Daily cumulative")
    );

    let json = run(example("insights").args(["--input", path_arg(&table), "--format", "json"]));
    let insights: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        insights, report["insights"],
        "insights from the Parquet file equal the run's"
    );
    assert_eq!(insights["total_open_houses"], report["open_houses"]);

    let top3 = run(example("insights").args(["--input", path_arg(&table), "--top", "3"]));
    let table_text = text(&top3.stdout);
    let top_rows = table_text
        .split("Top zip codes:")
        .nth(1)
        .unwrap()
        .split("Daily")
        .next()
        .unwrap()
        .lines()
        .count();
    assert_eq!(
        top_rows,
        2 + 3 + 1,
        "heading line, column line, three ranks, blank line: {table_text}"
    );
}

#[test]
fn generate_writes_the_committed_fixture_exactly() {
    let folder = tempfile::tempdir().unwrap();
    let feed = folder.path().join("feed.json");
    run(example("generate").args([
        "--events",
        "3000",
        "--seed",
        "2024",
        "--output",
        path_arg(&feed),
    ]));
    assert_eq!(
        std::fs::read(&feed).unwrap(),
        std::fs::read("fixtures/openhouses.json").unwrap()
    );
    let ndjson = run(example("generate").args(["--events", "10", "--format", "ndjson"]));
    assert_eq!(text(&ndjson.stdout).lines().count(), 10);
}

#[test]
fn generate_rejects_shares_outside_zero_to_one_as_usage_errors() {
    for (flag, share) in [
        ("--adversarial", "3"),
        ("--invalid", "-0.1"),
        ("--invalid", "1.5"),
        ("--invalid", "nan"),
        ("--adversarial", "lots"),
    ] {
        let output = example("generate")
            .args(["--events", "10", flag, share])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{flag} {share}");
        assert!(output.stdout.is_empty(), "{flag} {share}: no feed written");
        assert!(text(&output.stderr).contains(flag), "{flag} {share}");
    }
    let edges = run(example("generate").args([
        "--events",
        "10",
        "--format",
        "ndjson",
        "--invalid",
        "1",
        "--adversarial",
        "0",
    ]));
    assert_eq!(
        text(&edges.stdout).lines().count(),
        10,
        "0 and 1 are shares"
    );
}

#[test]
fn failures_exit_non_zero_with_a_message_and_write_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let feed = folder.path().join("broken.json");
    std::fs::write(
        &feed,
        "[\n  {\"OpenHouseKey\": \"A\"}\n  {\"OpenHouseKey\": \"B\"}\n]\n",
    )
    .unwrap();
    let out = folder.path().join("out");
    let output = example("process")
        .args([
            "--input",
            path_arg(&feed),
            "--output",
            path_arg(&out.join("t.parquet")),
            "--rejects",
            path_arg(&out.join("r.ndjson")),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let message = text(&output.stderr);
    assert!(
        message.contains("malformed JSON array at byte 28 (line 3)"),
        "{message}"
    );
    assert!(!out.exists());

    let missing = example("insights")
        .args(["--input", path_arg(&folder.path().join("absent.parquet"))])
        .output()
        .unwrap();
    assert_eq!(
        missing.status.code(),
        Some(3),
        "a file that cannot be read is an I/O failure"
    );
    assert!(text(&missing.stderr).contains("absent.parquet"));

    let usage = example("insights")
        .args(["--format", "xml"])
        .output()
        .unwrap();
    assert_eq!(
        usage.status.code(),
        Some(2),
        "clap reports usage errors with 2"
    );
}
