//! Every input gets a defined answer (defects 5, 6, 7 and 10 of issue 6): compressed feeds
//! are read, what is not JSON fails naming what it looks like, a run that would publish
//! nothing useful refuses, well-formed JSON is never treated as malformed, dates are bounded,
//! and rejected bytes are kept exactly.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use openhouse::RejectsLine;

use crate::support::*;

/// The fields every valid record here shares, after its key.
const VALID_FIELDS: &str = r#""OpenHouseDate":"2024-05-04","OpenHouseStartTime":"2024-05-04T17:00:00Z","OpenHouseEndTime":"2024-05-04T19:00:00Z","DateModified":"2024-05-01T00:00:00Z","Zipcode":"94521""#;

fn record(key: &str, extra: &str) -> String {
    format!(r#"{{"OpenHouseKey":"{key}",{extra}{VALID_FIELDS}}}"#)
}

/// A folder with a feed written from `bytes` and the paths of a run's outputs.
struct Case {
    folder: tempfile::TempDir,
    feed: PathBuf,
}

impl Case {
    fn new(name: &str, bytes: &[u8]) -> Case {
        let folder = tempfile::tempdir().unwrap();
        let feed = folder.path().join(name);
        fs::write(&feed, bytes).unwrap();
        Case { folder, feed }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.folder.path().join(name)
    }

    /// `process` on the feed into `t.parquet`, `r.ndjson` and `report.json`.
    fn process(&self, extra: &[&str]) -> Command {
        self.process_feed(path_str(&self.feed), extra)
    }

    /// `process` on another feed into this case's outputs.
    fn process_feed(&self, feed: &str, extra: &[&str]) -> Command {
        let mut command = process([
            feed,
            "--output",
            path_str(&self.path("t.parquet")),
            "--rejects",
            path_str(&self.path("r.ndjson")),
            "--report",
            path_str(&self.path("report.json")),
        ]);
        command.args(extra);
        command
    }

    fn rejects(&self) -> Vec<RejectsLine> {
        fs::read_to_string(self.path("r.ndjson"))
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn report(&self) -> serde_json::Value {
        serde_json::from_slice(&fs::read(self.path("report.json")).unwrap()).unwrap()
    }

    fn published_nothing(&self) -> bool {
        ["t.parquet", "r.ndjson", "report.json"]
            .iter()
            .all(|name| !self.path(name).exists())
            && leftovers(self.folder.path()).is_empty()
    }
}

fn compress(tool: &str, feed: &Path) -> Vec<u8> {
    let output = Command::new(tool).arg("-c").arg(feed).output().unwrap();
    assert!(output.status.success(), "{tool} failed");
    output.stdout
}

fn reasons(line: &RejectsLine) -> Vec<String> {
    line.problems
        .iter()
        .map(|problem| serde_json::to_value(problem).unwrap()["reason"].to_string())
        .collect()
}

// Defect 5: input that is not JSON, empty feeds, too many rejected records.

#[test]
fn gzip_and_zstd_feeds_give_the_table_of_the_plain_feed() {
    let folder = tempfile::tempdir().unwrap();
    let plain = small_feed(folder.path());
    let mut tables = Vec::new();
    for (name, bytes) in [
        ("feed.ndjson", fs::read(&plain).unwrap()),
        ("feed.ndjson.gz", compress("gzip", &plain)),
        ("feed.ndjson.zst", compress("zstd", &plain)),
    ] {
        let case = Case::new(name, &bytes);
        run_ok(&mut case.process(&[]));
        tables.push(fs::read(case.path("t.parquet")).unwrap());
        let compression = &case.report()["compression"];
        assert_eq!(
            compression.as_str(),
            name.rsplit('.')
                .next()
                .filter(|ext| *ext != "ndjson")
                .map(|ext| match ext {
                    "gz" => "gzip",
                    _ => "zstd",
                }),
            "{name}"
        );
    }
    assert_eq!(tables[0], tables[1]);
    assert_eq!(tables[0], tables[2]);
}

#[test]
fn inputs_that_are_not_json_fail_with_exit_1_naming_what_they_look_like() {
    let table = {
        let case = Case::new("f.ndjson", record("A", "").as_bytes());
        run_ok(&mut case.process(&[]));
        fs::read(case.path("t.parquet")).unwrap()
    };
    let utf16: Vec<u8> = "\u{feff}[{\"OpenHouseKey\":\"A\"}]"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let mut binary: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    binary[0] = b'{';
    for (name, bytes, looks_like) in [
        ("table.parquet", table, "a Parquet file"),
        ("utf16.json", utf16, "UTF-16 text"),
        ("binary.json", binary, "binary data"),
    ] {
        let case = Case::new(name, &bytes);
        let done = run_failing(&mut case.process(&[]), 1);
        assert!(
            done.stderr.contains("not a JSON feed") && done.stderr.contains(looks_like),
            "{name}: {}",
            done.stderr
        );
        assert!(case.published_nothing(), "{name}");
    }
}

#[test]
fn corrupt_or_truncated_compressed_feeds_fail_with_exit_1() {
    let folder = tempfile::tempdir().unwrap();
    let plain = small_feed(folder.path());
    let gzip = compress("gzip", &plain);
    let zstd = compress("zstd", &plain);
    let mut corrupt_zstd = zstd.clone();
    for byte in &mut corrupt_zstd[20..60] {
        *byte ^= 0x5a;
    }
    for (name, bytes) in [
        ("truncated.gz", gzip[..gzip.len() / 2].to_vec()),
        ("truncated.zst", zstd[..zstd.len() / 2].to_vec()),
        ("corrupt.zst", corrupt_zstd),
    ] {
        let case = Case::new(name, &bytes);
        let done = run_failing(&mut case.process(&[]), 1);
        assert!(
            done.stderr.contains("reading the input failed"),
            "{name}: {}",
            done.stderr
        );
        assert!(case.published_nothing(), "{name}");
    }
}

#[test]
fn an_empty_feed_fails_unless_an_empty_table_is_allowed() {
    let case = Case::new("empty.json", b"");
    let blank = case.path("blank.json");
    fs::write(&blank, b" \n\r\n\t").unwrap();
    for feed in [path_str(&case.feed), "/dev/null", path_str(&blank)] {
        let done = run_failing(&mut case.process_feed(feed, &[]), 1);
        assert!(
            done.stderr.contains("holds no records"),
            "{feed}: {}",
            done.stderr
        );
        assert!(case.published_nothing(), "{feed}");

        run_ok(&mut case.process_feed(feed, &["--allow-empty"]));
        assert_eq!(table_rows(&case.path("t.parquet")).unwrap(), 0, "{feed}");
        assert_eq!(case.report()["records_read"], 0);
        for name in ["t.parquet", "r.ndjson", "report.json"] {
            fs::remove_file(case.path(name)).unwrap();
        }
    }
}

#[test]
fn a_feed_with_every_record_rejected_fails_by_default() {
    let case = Case::new(
        "f.ndjson",
        b"{\"OpenHouseKey\":null}\nnot json\n{\"OpenHouseKey\":\"A\"}\n",
    );
    let done = run_failing(&mut case.process(&[]), 1);
    assert!(done.stderr.contains("3 records"), "{}", done.stderr);
    assert!(case.published_nothing());
    run_ok(&mut case.process(&["--max-rejected", "1"]));
    assert_eq!(case.rejects().len(), 3);
}

#[test]
fn more_rejected_records_than_max_rejected_allows_publish_nothing() {
    let feed = format!(
        "{}\n{}\n{}\nnot json\n",
        record("A", ""),
        record("B", ""),
        record("C", "")
    );
    let case = Case::new("f.ndjson", feed.as_bytes());
    let done = run_failing(&mut case.process(&["--max-rejected", "0.2"]), 1);
    assert!(done.stderr.contains("1 of 4 records"), "{}", done.stderr);
    assert!(case.published_nothing());
    run_ok(&mut case.process(&["--max-rejected", "0.25"]));
    assert_eq!(table_rows(&case.path("t.parquet")).unwrap(), 3);
    for share in ["1.5", "-0.1", "lots"] {
        run_failing(&mut case.process(&["--max-rejected", share]), 2);
    }
}

// Defect 6: well-formed JSON treated as malformed.

#[test]
fn a_number_beyond_f64_is_accepted_in_an_ignored_field_and_not_a_string_in_a_listed_one() {
    let feed = format!(
        "[\n{},\n{}\n]\n",
        record("A", r#""Unlisted":1e400,"#),
        record("B", r#""State":-1e400,"#)
    );
    let case = Case::new("f.json", feed.as_bytes());
    run_ok(&mut case.process(&[]));
    assert_eq!(table_rows(&case.path("t.parquet")).unwrap(), 1);
    let rejects = case.rejects();
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].record, 1);
    assert_eq!(reasons(&rejects[0]), ["\"not_a_string\""]);
}

#[test]
fn an_ndjson_feed_whose_first_line_is_bracket_garbage_rejects_that_line_only() {
    let feed = format!("[garbage\n{}\n{}\n", record("A", ""), record("B", ""));
    let case = Case::new("f.ndjson", feed.as_bytes());
    run_ok(&mut case.process(&[]));
    assert_eq!(case.report()["format"], "ndjson");
    let rejects = case.rejects();
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].text.as_deref(), Some("[garbage"));
    assert_eq!(table_rows(&case.path("t.parquet")).unwrap(), 2);
}

// Defect 7: unbounded outputs from tiny input.

#[test]
fn dates_at_the_ends_of_the_calendar_are_out_of_range_and_the_outputs_stay_small() {
    let at = |key: &str, date: &str| {
        format!(
            r#"{{"OpenHouseKey":"{key}","OpenHouseDate":"{date}","OpenHouseStartTime":"2024-05-04T17:00:00Z","OpenHouseEndTime":"2024-05-04T19:00:00Z","DateModified":"2024-05-01T00:00:00Z"}}"#
        )
    };
    let feed = format!("{}\n{}\n", at("A", "0000-01-01"), at("B", "9999-12-31"));
    let case = Case::new("f.ndjson", feed.as_bytes());
    run_failing(&mut case.process(&[]), 1);
    let done = run_ok(&mut case.process(&["--max-rejected", "1"]));
    let rejects = case.rejects();
    assert_eq!(rejects.len(), 2);
    for line in &rejects {
        assert_eq!(reasons(line), ["\"out_of_range\""]);
        assert_eq!(
            serde_json::to_value(line.problems[0]).unwrap()["field"],
            "OpenHouseDate"
        );
    }
    assert!(fs::metadata(case.path("report.json")).unwrap().len() < 10_000);
    assert!(
        done.stdout.len() < 10_000,
        "{} bytes printed",
        done.stdout.len()
    );
}

// Defect 10: rejected bytes kept exactly.

#[test]
fn a_rejected_record_that_is_not_utf8_is_kept_as_base64_of_its_exact_bytes() {
    let bad: &[u8] = b"{\"OpenHouseKey\":\"\xff\xfeA\",\"Zipcode\":\"\xc3\x28\"}";
    let mut feed = record("A", "").into_bytes();
    feed.extend_from_slice(b"\r\n");
    feed.extend_from_slice(bad);
    feed.extend_from_slice(b"\r\n");
    let case = Case::new("f.ndjson", &feed);
    run_ok(&mut case.process(&[]));
    let rejects = case.rejects();
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].text, None);
    assert!(rejects[0].text_base64.is_some());
    assert_eq!(rejects[0].bytes().unwrap(), bad);
}

// Corrupt Parquet given to `insights`.

#[test]
fn insights_on_a_damaged_or_foreign_file_exits_1_naming_it() {
    let case = Case::new("f.ndjson", record("A", "").as_bytes());
    run_ok(&mut case.process(&[]));
    let table = fs::read(case.path("t.parquet")).unwrap();
    for (name, bytes) in [
        ("truncated.parquet", table[..table.len() / 2].to_vec()),
        ("feed.parquet", record("A", "").into_bytes()),
        ("footer-only.parquet", table[table.len() - 8..].to_vec()),
    ] {
        let path = case.path(name);
        fs::write(&path, bytes).unwrap();
        let done = run_failing(example("insights").args(["--input", path_str(&path)]), 1);
        assert!(done.stderr.contains(name), "{name}: {}", done.stderr);
    }
    let missing = run_failing(
        example("insights").args(["--input", path_str(&case.path("absent.parquet"))]),
        3,
    );
    assert!(
        missing.stderr.contains("absent.parquet"),
        "{}",
        missing.stderr
    );
}
