//! The hand-written edge-case feed, `fixtures/edge-cases.ndjson`, against results worked out
//! by hand (the fixture's line and record numbers are given in the comments).

use std::collections::BTreeMap;

use openhouse::{Pipeline, Processed, RunPaths};

const FEED: &str = include_str!("../fixtures/edge-cases.ndjson");

/// Small blocks and chunks, so that records straddle both.
fn processed(feed: &[u8], threads: usize) -> Processed {
    Pipeline::builder()
        .threads(threads)
        .unwrap()
        .block_bytes(97)
        .chunk_bytes(300)
        .build()
        .process(feed)
        .unwrap()
}

fn kept(processed: &Processed) -> Vec<(String, String, Option<String>, u64)> {
    processed
        .table
        .rows()
        .map(|row| {
            (
                row.key().to_string(),
                row.date().to_string(),
                row.zip5().map(|z| z.to_string()),
                row.record(),
            )
        })
        .collect()
}

#[test]
fn counts_add_up() {
    let processed = processed(FEED.as_bytes(), 2);
    let summary = processed.summary;
    // 20 lines, 2 of them blank.
    assert_eq!(
        (
            summary.records_read,
            summary.records_valid,
            summary.records_rejected
        ),
        (18, 8, 10)
    );
}

#[test]
fn the_latest_valid_version_of_each_key_is_kept() {
    let processed = processed(FEED.as_bytes(), 2);
    let own = |s: &str| s.to_string();
    assert_eq!(
        kept(&processed),
        [
            // Records 0 and 1 have equal instants (02.2Z, 02.200+00:00): the later, 1, wins; 2
            // is earlier by a nanosecond; 17 is later but invalid, so it never competes.
            (own("A"), own("2024-01-06"), Some(own("94521")), 1),
            // An evening open house: the UTC start is on the 8th, the local date the 7th.
            (own("B"), own("2024-01-07"), Some(own("94598")), 3),
            // Record 12 replaces 10 and moves the open house from the 9th to the 10th.
            (own("G"), own("2024-01-10"), Some(own("94521")), 12),
            (own("H"), own("2024-01-12"), None, 11),
            // " A" is not "A": keys are not trimmed.
            (own(" A"), own("2024-01-15"), Some(own("94513")), 16),
        ]
    );
}

#[test]
fn every_rejection_names_its_problems_and_position() {
    let processed = processed(FEED.as_bytes(), 2);
    let rejections: Vec<(u64, u64, Vec<String>)> = processed
        .rejections
        .iter()
        .map(|r| {
            let problems = r
                .problems
                .iter()
                .map(|p| format!("{}:{}", p.field.map_or("record", |f| f.name()), p.reason))
                .collect();
            (r.position.record, r.position.line, problems)
        })
        .collect();
    let expected: Vec<(u64, u64, Vec<&str>)> = vec![
        (4, 6, vec!["OpenHouseKey:null"]),
        (5, 7, vec!["OpenHouseStartTime:malformed"]),
        (
            6,
            8,
            vec!["OpenHouseEndTime:not_utc", "DateModified:malformed"],
        ),
        (7, 9, vec!["record:malformed_json"]),
        (8, 10, vec!["record:not_an_object"]),
        (
            9,
            11,
            vec![
                "OpenHouseDate:out_of_range",
                "OpenHouseStartTime:out_of_range",
            ],
        ),
        (13, 15, vec!["OpenHouseKey:empty"]),
        (14, 16, vec!["Zipcode:not_a_string"]),
        (15, 17, vec!["State:repeated_field"]),
        (17, 20, vec!["OpenHouseEndTime:not_utc"]),
    ];
    let expected: Vec<(u64, u64, Vec<String>)> = expected
        .into_iter()
        .map(|(r, l, p)| (r, l, p.into_iter().map(String::from).collect()))
        .collect();
    assert_eq!(rejections, expected);
    let line_9 = FEED.lines().nth(8).unwrap();
    assert_eq!(processed.rejections[3].text, line_9.as_bytes());
    let byte_of_line_9: usize = FEED.lines().take(8).map(|line| line.len() + 1).sum();
    assert_eq!(processed.rejections[3].position.byte, byte_of_line_9 as u64);
}

#[test]
fn insights_match_the_hand_count() {
    let insights = processed(FEED.as_bytes(), 1).insights(5);
    assert_eq!(insights.total_open_houses, 5);
    // ISO 2024-W01 (Jan 1-7) holds A and B; W02 (Jan 8-14) holds G and H; W03 holds " A".
    let weeks: Vec<_> = insights
        .busiest_weeks
        .iter()
        .map(|w| {
            (
                w.iso_year,
                w.iso_week,
                w.week_start.to_string(),
                w.week_end.to_string(),
                w.open_houses,
            )
        })
        .collect();
    assert_eq!(
        weeks,
        [
            (
                2024,
                1,
                "2024-01-01".to_string(),
                "2024-01-07".to_string(),
                2
            ),
            (
                2024,
                2,
                "2024-01-08".to_string(),
                "2024-01-14".to_string(),
                2
            ),
        ]
    );
    let zips: Vec<_> = insights
        .top_zipcodes
        .iter()
        .map(|z| (z.rank, z.zipcode.to_string(), z.open_houses))
        .collect();
    assert_eq!(
        zips,
        [
            (1, "94521".to_string(), 2),
            (2, "94513".to_string(), 1),
            (2, "94598".to_string(), 1)
        ]
    );
    let daily: Vec<_> = insights
        .daily_cumulative
        .iter()
        .map(|d| (d.open_houses, d.cumulative_open_houses))
        .collect();
    assert_eq!(
        daily,
        [
            (1, 1),
            (1, 2),
            (0, 2),
            (0, 2),
            (1, 3),
            (0, 3),
            (1, 4),
            (0, 4),
            (0, 4),
            (1, 5)
        ]
    );
    assert_eq!(insights.daily_cumulative[0].date.to_string(), "2024-01-06");
    assert_eq!(insights.daily_cumulative[9].date.to_string(), "2024-01-15");
}

#[test]
fn the_same_records_as_an_array_give_the_same_result() {
    // The array holds every line that is JSON, pretty-printed over several lines.
    let elements: Vec<&str> = FEED
        .lines()
        .filter(|line| !line.trim().is_empty() && *line != "this line is not JSON")
        .collect();
    let array = format!(
        "[\n  {}\n]\n",
        elements.join(",\n  ").replace("\",\"", "\",\n    \"")
    );
    let from_array = processed(array.as_bytes(), 2);
    let from_ndjson = processed(FEED.as_bytes(), 2);
    let keys_and_dates = |p: &Processed| {
        kept(p)
            .into_iter()
            .map(|(k, d, z, _)| (k, d, z))
            .collect::<Vec<_>>()
    };
    assert_eq!(keys_and_dates(&from_array), keys_and_dates(&from_ndjson));
    assert_eq!(from_array.summary.records_read, 17);
    assert_eq!(from_array.summary.records_rejected, 9);
    assert_eq!(from_array.insights(5), from_ndjson.insights(5));
}

#[test]
fn a_run_writes_the_rejects_file_and_report() {
    let folder = tempfile::tempdir().unwrap();
    let paths = RunPaths {
        input: "fixtures/edge-cases.ndjson".into(),
        output: folder.path().join("table.parquet"),
        rejects: Some(folder.path().join("rejects.ndjson")),
        report: Some(folder.path().join("report.json")),
    };
    let report = Pipeline::default().run(&paths).unwrap();
    assert_eq!(report.table.unwrap().rows, 5);
    assert_eq!(
        (
            report.records_read,
            report.records_valid,
            report.records_rejected
        ),
        (18, 8, 10)
    );
    assert_eq!((report.versions_superseded, report.open_houses), (3, 5));

    let by_field: BTreeMap<String, BTreeMap<String, u64>> = [
        ("DateModified", vec![("malformed", 1)]),
        ("OpenHouseDate", vec![("out_of_range", 1)]),
        ("OpenHouseEndTime", vec![("not_utc", 2)]),
        ("OpenHouseKey", vec![("empty", 1), ("null", 1)]),
        (
            "OpenHouseStartTime",
            vec![("malformed", 1), ("out_of_range", 1)],
        ),
        ("State", vec![("repeated_field", 1)]),
        ("Zipcode", vec![("not_a_string", 1)]),
        ("record", vec![("malformed_json", 1), ("not_an_object", 1)]),
    ]
    .into_iter()
    .map(|(field, reasons)| {
        let reasons = reasons
            .into_iter()
            .map(|(reason, count)| (reason.to_owned(), count));
        (field.to_owned(), reasons.collect())
    })
    .collect();
    assert_eq!(report.rejections_by_field, by_field);

    let rejects = std::fs::read_to_string(folder.path().join("rejects.ndjson")).unwrap();
    let lines: Vec<serde_json::Value> = rejects
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 10);
    assert_eq!(lines[2]["record"], 6);
    assert_eq!(lines[2]["line"], 8);
    assert_eq!(lines[2]["problems"][1]["field"], "DateModified");
    assert_eq!(lines[2]["problems"][1]["reason"], "malformed");
    assert_eq!(lines[3]["problems"][0]["field"], serde_json::Value::Null);
    assert_eq!(lines[3]["text"], "this line is not JSON");

    let report_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report_json["records_read"], 18);
    assert_eq!(report_json["open_houses"], 5);
    assert_eq!(
        report_json["rejections_by_field"]["OpenHouseKey"]["null"],
        1
    );
    assert_eq!(
        report_json["insights"]["top_zipcodes"][0]["zipcode"],
        "94521"
    );
    // The file says what the returned report says, the thread count included.
    assert_eq!(report_json["threads"], report.threads);
    assert!(report.threads > 0);
}

#[test]
fn a_malformed_array_fails_the_run_and_writes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let input = folder.path().join("feed.json");
    let first = FEED.lines().next().unwrap();
    std::fs::write(
        &input,
        format!("[\n  {first},\n  {{\"OpenHouseKey\": \"X\",, }}\n]\n"),
    )
    .unwrap();
    let paths = RunPaths {
        input: input.into(),
        output: folder.path().join("out/table.parquet"),
        rejects: Some(folder.path().join("out/rejects.ndjson")),
        report: Some(folder.path().join("out/report.json")),
    };
    let error = Pipeline::default().run(&paths).unwrap_err();
    let message = error.to_string();
    let offset = "[\n  ".len() + first.len() + ",\n  ".len() + "{\"OpenHouseKey\": \"X\",".len();
    assert!(
        message.contains(&format!("at byte {offset} (line 3)")),
        "{message}"
    );
    assert!(!folder.path().join("out").exists(), "not even the folder");
}
