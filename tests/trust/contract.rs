//! The command line's contract (issue 6): exit codes as `--help` documents them, bounded
//! threads (defect 8), `--version`, `-q`, the feed as a positional argument, from standard
//! input, `--summary json`, and defaults that do not depend on the current folder.

use std::fs;
use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn help_documents_every_exit_code() {
    let help = run_ok(&mut process(["--help"])).stdout;
    let codes = help
        .split("Exit codes:")
        .nth(1)
        .unwrap_or_else(|| panic!("no exit codes in --help: {help}"));
    for (code, meaning) in [
        ("0", "written"),
        ("1", "bad input"),
        ("2", "usage"),
        ("3", "I/O"),
        ("130", "interrupted"),
    ] {
        assert!(
            codes
                .lines()
                .any(|line| line.trim_start().starts_with(&format!("{code} "))
                    && line.contains(meaning)),
            "exit code {code} ({meaning}) in: {codes}"
        );
    }
    assert!(help.contains("Examples:"), "{help}");
}

#[test]
fn threads_beyond_four_per_core_are_a_usage_error_at_once() {
    let folder = tempfile::tempdir().unwrap();
    let feed = small_feed(folder.path());
    let started = Instant::now();
    let done = run_failing(
        &mut process([
            path_str(&feed),
            "--output",
            path_str(&folder.path().join("t.parquet")),
            "--threads",
            "100000",
        ]),
        2,
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(done.stderr.contains("threads"), "{}", done.stderr);
    assert!(names(folder.path()) == ["feed.ndjson"], "nothing written");
}

#[test]
fn version_prints_the_crate_version() {
    let done = run_ok(&mut process(["--version"]));
    assert!(
        done.stdout.contains(env!("CARGO_PKG_VERSION")),
        "{}",
        done.stdout
    );
}

#[test]
fn quiet_prints_nothing_on_success() {
    let folder = tempfile::tempdir().unwrap();
    let feed = small_feed(folder.path());
    let done = run_ok(&mut process([
        path_str(&feed),
        "-q",
        "-o",
        path_str(&folder.path().join("t.parquet")),
        "--rejects",
        path_str(&folder.path().join("r.ndjson")),
    ]));
    assert_eq!((done.stdout.as_str(), done.stderr.as_str()), ("", ""));
    assert!(folder.path().join("t.parquet").exists());
}

#[test]
fn the_feed_as_an_argument_as_input_and_on_standard_input_gives_one_table() {
    let folder = tempfile::tempdir().unwrap();
    let feed = small_feed(folder.path());
    let table = |name: &str| folder.path().join(name);
    let outputs = |name: &str| {
        vec![
            "-o".to_owned(),
            path_str(&table(name)).to_owned(),
            "--rejects".to_owned(),
            "/dev/null".to_owned(),
        ]
    };
    run_ok(process([path_str(&feed)]).args(outputs("positional.parquet")));
    run_ok(process(["--input", path_str(&feed)]).args(outputs("input.parquet")));
    run_ok(
        process(["-"])
            .args(outputs("stdin.parquet"))
            .stdin(fs::File::open(&feed).unwrap()),
    );
    let positional = fs::read(table("positional.parquet")).unwrap();
    assert_eq!(positional, fs::read(table("input.parquet")).unwrap());
    assert_eq!(positional, fs::read(table("stdin.parquet")).unwrap());

    let both = run_failing(
        process([path_str(&feed), "--input", path_str(&feed)]).args(outputs("both.parquet")),
        2,
    );
    assert!(
        both.stderr.contains("cannot be used with"),
        "{}",
        both.stderr
    );
}

#[test]
fn a_piped_feed_is_read_from_standard_input() {
    let folder = tempfile::tempdir().unwrap();
    let feed = fs::read(small_feed(folder.path())).unwrap();
    let table = folder.path().join("t.parquet");
    let mut child = process(["-", "-q", "-o", path_str(&table), "--rejects", "/dev/null"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&feed).unwrap();
    assert!(child.wait().unwrap().success());
    assert!(table_rows(&table).unwrap() > 0);
}

#[test]
fn summary_json_prints_the_report_on_stdout_and_status_lines_on_stderr() {
    let folder = tempfile::tempdir().unwrap();
    let feed = small_feed(folder.path());
    let report_path = folder.path().join("report.json");
    let done = run_ok(&mut process([
        path_str(&feed),
        "--summary",
        "json",
        "-o",
        path_str(&folder.path().join("t.parquet")),
        "--rejects",
        path_str(&folder.path().join("r.ndjson")),
        "--report",
        path_str(&report_path),
    ]));
    let printed: openhouse::RunReport = serde_json::from_str(&done.stdout).unwrap();
    let written: openhouse::RunReport =
        serde_json::from_slice(&fs::read(&report_path).unwrap()).unwrap();
    assert_eq!(printed.records_read, 200);
    assert_eq!(printed.records_read, written.records_read);
    assert_eq!(printed.insights, written.insights);
    assert!(done.stderr.contains("wrote "), "{}", done.stderr);
    assert!(!done.stdout.contains("wrote "));
}

#[test]
fn a_misspelt_option_gets_a_suggestion_and_exit_2() {
    let done = run_failing(&mut process(["--outptu", "t.parquet"]), 2);
    assert!(done.stderr.contains("'--output'"), "{}", done.stderr);
}

#[test]
fn the_default_feed_does_not_depend_on_the_current_folder() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("t.parquet");
    let done = run_ok(
        process([
            "-o",
            path_str(&table),
            "--rejects",
            "/dev/null",
            "--summary",
            "json",
        ])
        .current_dir(folder.path()),
    );
    let report: serde_json::Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(report["records_read"], 3000, "the committed fixture");
}
