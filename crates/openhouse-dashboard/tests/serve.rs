//! The server, driven over plain HTTP from the test: pages, range queries, 400 pages, the
//! policy that forbids fetching, and re-reading a table that changed.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};

use common::{element, write_table};
use openhouse_dashboard::serve::{
    CONTENT_SECURITY_POLICY, DashboardServer, ServeConfig, ServedRequest,
};

struct Answer {
    status: u16,
    head: String,
    body: String,
}

fn get(address: SocketAddr, target: &str) -> Answer {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(stream, "GET {target} HTTP/1.0\r\nHost: {address}\r\n\r\n").unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

fn total(body: &str) -> String {
    let at = body.find("id=\"total\" data-open-houses=\"").unwrap() + 29;
    body[at..].split('"').next().unwrap().to_owned()
}

const MAY: [(&str, Option<&str>); 4] = [
    ("2024-05-06", Some("94521")),
    ("2024-05-07", Some("94521")),
    ("2024-05-15", Some("10001")),
    ("2024-06-01", None),
];

fn start(table: &std::path::Path) -> (DashboardServer, Arc<Mutex<Vec<ServedRequest>>>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let heard = Arc::clone(&log);
    let config = ServeConfig::new(table)
        .on_request(move |served| heard.lock().unwrap().push(served.clone()));
    let server = DashboardServer::start("127.0.0.1:0".parse().unwrap(), config).unwrap();
    (server, log)
}

#[test]
fn the_page_is_served_with_a_policy_that_forbids_fetching() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("t.parquet");
    write_table(&table, &MAY);
    let (server, log) = start(&table);
    let answer = get(server.address(), "/");
    assert_eq!(answer.status, 200);
    assert!(answer.head.contains(&format!(
        "Content-Security-Policy: {CONTENT_SECURITY_POLICY}"
    )));
    assert!(
        answer
            .head
            .contains("Content-Type: text/html; charset=utf-8")
    );
    assert_eq!(total(&answer.body), "4");
    assert!(answer.body.contains("<form method=\"get\">"));
    server.stop();
    let log = log.lock().unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].method.as_str(), log[0].url.as_str(), log[0].status),
        ("GET", "/", 200)
    );
}

#[test]
fn a_range_query_recomputes_the_insights_for_that_range() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("t.parquet");
    write_table(&table, &MAY);
    let (server, _) = start(&table);
    let answer = get(server.address(), "/?from=2024-05-07&to=2024-05-31&top=1");
    assert_eq!(answer.status, 200);
    assert_eq!(total(&answer.body), "2");
    let zips = element(&answer.body, "section", "top-zip-codes");
    assert!(zips.contains("Top 1 zip codes"));
    assert!(zips.contains("data-zipcode=\"10001\"") && zips.contains("data-zipcode=\"94521\""));
    assert!(answer.body.contains("name=\"from\" value=\"2024-05-07\""));
}

#[test]
fn bad_parameters_get_a_400_page_that_names_them() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("t.parquet");
    write_table(&table, &MAY);
    let (server, _) = start(&table);
    let cases = [
        ("/?top=0", "top", "not a whole number from 1 to 100"),
        (
            "/?from=2024-02-30",
            "from",
            "not a YYYY-MM-DD calendar date",
        ),
        (
            "/?from=2024-06-01&to=2024-05-01",
            "to",
            "before from (2024-06-01)",
        ),
        (
            "/?%3Cscript%3E=1",
            "&lt;script&gt;",
            "not a parameter of this page",
        ),
    ];
    for (target, parameter, why) in cases {
        let answer = get(server.address(), target);
        assert_eq!(answer.status, 400, "{target}");
        let message = element(&answer.body, "p", "message");
        assert!(
            message.contains(&format!("parameter &quot;{parameter}&quot;")),
            "{target}: {message}"
        );
        assert!(message.contains(why), "{target}: {message}");
        assert!(!answer.body.contains("<script"));
    }
    assert_eq!(get(server.address(), "/favicon.ico").status, 404);
}

#[test]
fn a_table_that_changes_is_read_again() {
    let folder = tempfile::tempdir().unwrap();
    let table = folder.path().join("t.parquet");
    write_table(&table, &MAY);
    let (server, _) = start(&table);
    assert_eq!(total(&get(server.address(), "/").body), "4");
    write_table(&table, &MAY[..1]);
    assert_eq!(total(&get(server.address(), "/").body), "1");
    std::fs::remove_file(&table).unwrap();
    let gone = get(server.address(), "/");
    assert_eq!(gone.status, 500);
    assert!(element(&gone.body, "p", "message").contains("t.parquet"));
}

#[test]
fn a_table_that_cannot_be_read_stops_the_start() {
    let folder = tempfile::tempdir().unwrap();
    let missing = folder.path().join("absent.parquet");
    let started =
        DashboardServer::start("127.0.0.1:0".parse().unwrap(), ServeConfig::new(&missing));
    assert!(started.is_err());
}
