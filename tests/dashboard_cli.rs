//! The `dashboard` example end to end: a written page, a served page, and its exit codes.

mod example_binaries;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use example_binaries::example;
use openhouse::{Pipeline, RunPaths};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The dashboard example.
fn dashboard() -> Command {
    example("dashboard")
}

/// The fixture's table and run report in `folder`.
fn fixture_table(folder: &Path) -> (PathBuf, PathBuf) {
    let paths = RunPaths {
        input: Path::new(ROOT).join("fixtures/openhouses.json").into(),
        output: folder.join("openhouses.parquet"),
        rejects: None,
        report: Some(folder.join("report.json")),
    };
    Pipeline::default().run(&paths).unwrap();
    (paths.output, paths.report.unwrap())
}

#[test]
fn out_writes_the_page_with_the_report_panel() {
    let folder = tempfile::tempdir().unwrap();
    let (table, report) = fixture_table(folder.path());
    let page = folder.path().join("pages/dashboard.html");
    let output = dashboard()
        .args(["--input".as_ref(), table.as_os_str()])
        .args(["--report".as_ref(), report.as_os_str()])
        .args(["--out".as_ref(), page.as_os_str()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("data-records-read=\"3000\""));
    assert!(
        !html.contains("<form"),
        "a written page has no form: nothing answers it"
    );
}

#[test]
fn a_missing_table_exits_with_1_and_says_which() {
    let folder = tempfile::tempdir().unwrap();
    let missing = folder.path().join("absent.parquet");
    let output = dashboard()
        .args(["--input".as_ref(), missing.as_os_str()])
        .args(["--out".as_ref(), folder.path().join("d.html").as_os_str()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("absent.parquet"));
    let usage = dashboard().args(["--serve", "nowhere"]).output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn serve_answers_on_the_address_it_prints_until_stopped() {
    let folder = tempfile::tempdir().unwrap();
    let (table, _) = fixture_table(folder.path());
    let mut server = dashboard()
        .args(["--input".as_ref(), table.as_os_str()])
        .args(["--serve", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("serving http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("printed {line:?}"))
        .to_owned();
    assert!(address.starts_with("127.0.0.1:"));
    let mut stream = TcpStream::connect(&address).unwrap();
    write!(stream, "GET /?top=2 HTTP/1.0\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    // The server logs a request after answering it: read the line before stopping it, or
    // the kill can come between the answer and the log.
    let mut log = String::new();
    BufReader::new(server.stderr.take().unwrap())
        .read_line(&mut log)
        .unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(
        answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200"),
        "{answer}"
    );
    assert!(answer.contains("Top 2 zip codes"));
    assert!(log.contains("200 GET /?top=2"), "{log}");
}
