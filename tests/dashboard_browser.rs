//! The served dashboard in a real browser: Debian's chromium, headless, against the page the
//! dashboard server serves for the committed fixture's table. The DOM must hold the
//! pipeline's numbers and one chart mark per value, a range query must change them, nothing
//! may be fetched but the pages asked for, and a screenshot is kept under `target/`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use openhouse::{Insights, Pipeline, RunPaths, Tally};
use openhouse_dashboard::serve::{DashboardServer, ServeConfig, ServedRequest};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Runs chromium headless with a fresh profile and no background traffic; returns stdout.
fn chromium(arguments: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(arguments)
        .output()
        .expect("running chromium (.ci/run installs Debian's chromium)");
    assert!(
        output.status.success(),
        "chromium {arguments:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The part of `dom` from `<tag id="id"` to the next `</tag>`.
fn element<'a>(dom: &'a str, tag: &str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("<{tag} id=\"{id}\""))
        .unwrap_or_else(|| panic!("no <{tag} id={id}> in the DOM"));
    let rest = &dom[start..];
    &rest[..rest.find(&format!("</{tag}>")).unwrap_or(rest.len())]
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

/// Checks that the DOM shows `insights`: the total, every busiest week, every ranked zip
/// and one titled mark per value in each chart.
fn assert_shows(dom: &str, insights: &Insights, what: &str) {
    assert!(
        dom.contains(&format!(
            "id=\"total\" data-open-houses=\"{}\"",
            insights.total_open_houses
        )),
        "{what}: total"
    );
    let weeks = element(dom, "section", "busiest-week");
    assert_eq!(
        count(weeks, "data-iso-week="),
        insights.busiest_weeks.len(),
        "{what}"
    );
    for week in &insights.busiest_weeks {
        assert!(
            weeks.contains(&format!(
                "data-iso-week=\"{}-W{:02}\" data-week-start=\"{}\" data-week-end=\"{}\" data-open-houses=\"{}\"",
                week.iso_year, week.iso_week, week.week_start, week.week_end, week.open_houses
            )),
            "{what}: {week:?}"
        );
    }
    let zips = element(dom, "section", "top-zip-codes");
    assert_eq!(
        count(zips, "data-zipcode="),
        insights.top_zipcodes.len(),
        "{what}"
    );
    for zip in &insights.top_zipcodes {
        assert!(
            zips.contains(&format!(
                "data-rank=\"{}\" data-zipcode=\"{}\" data-open-houses=\"{}\"",
                zip.rank, zip.zipcode, zip.open_houses
            )),
            "{what}: {zip:?}"
        );
    }
    let zip_chart = element(dom, "figure", "zip-chart");
    assert_eq!(
        count(zip_chart, "class=\"bar\""),
        insights.top_zipcodes.len(),
        "{what}"
    );
    let days = insights.daily_cumulative.len();
    let cumulative = element(dom, "figure", "cumulative-chart");
    assert_eq!(count(cumulative, "class=\"point\""), days, "{what}");
    assert_eq!(count(cumulative, "<title>"), days, "{what}");
    let last = insights.daily_cumulative.last().unwrap();
    assert!(
        cumulative.contains(&format!(
            "<title>{}: {} open houses to date",
            last.date, last.cumulative_open_houses
        )),
        "{what}"
    );
    let daily = element(dom, "figure", "daily-chart");
    assert_eq!(count(daily, "class=\"bar\""), days, "{what}");
}

#[test]
fn the_served_dashboard_shows_the_insights_in_chromium_and_fetches_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let paths = RunPaths {
        input: Path::new(ROOT).join("fixtures/openhouses.json").into(),
        output: folder.path().join("openhouses.parquet"),
        rejects: None,
        report: Some(folder.path().join("report.json")),
    };
    let report = Pipeline::default().run(&paths).unwrap();

    let served = Arc::new(Mutex::new(Vec::<ServedRequest>::new()));
    let log = Arc::clone(&served);
    let config = ServeConfig::new(&paths.output)
        .report(paths.report.as_ref().unwrap())
        .on_request(move |request| log.lock().unwrap().push(request.clone()));
    let server = DashboardServer::start("127.0.0.1:0".parse().unwrap(), config).unwrap();
    let page = format!("http://{}/", server.address());

    // The whole table: the pipeline's own insights.
    let dom = chromium(&["--dump-dom", &page]);
    assert_shows(&dom, &report.insights, "the whole table");
    let quality = element(&dom, "section", "data-quality");
    assert!(quality.contains(&format!("data-records-read=\"{}\"", report.records_read)));
    assert!(quality.contains(&format!("data-open-houses-kept=\"{}\"", report.open_houses)));

    // A range: the three weeks from the busiest week's Monday, three zip ranks; expected
    // from the table's rows, filtered here.
    let busiest = report.insights.busiest_weeks[0];
    let (from, to) = (
        busiest.week_start,
        busiest.week_end.saturating_add(time::Duration::days(14)),
    );
    let mut tally = Tally::default();
    openhouse::parquet::read_insight_rows(&paths.output, |date, zip5| {
        if (from..=to).contains(&date) {
            tally.add(date, zip5);
        }
    })
    .unwrap();
    let ranged = tally.insights(3);
    assert_ne!(ranged.total_open_houses, report.insights.total_open_houses);
    let query = format!("?from={from}&to={to}&top=3");
    let ranged_dom = chromium(&["--dump-dom", &format!("{page}{query}")]);
    assert_shows(&ranged_dom, &ranged, "the range");
    assert_eq!(ranged.daily_cumulative.len(), 21);

    // A screenshot at the size the page is laid out for, kept as a test artifact.
    let screenshot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard-1280x800.png");
    let _ = std::fs::remove_file(&screenshot);
    chromium(&[
        &format!("--screenshot={}", screenshot.display()),
        "--window-size=1280,800",
        &page,
    ]);
    let png = std::fs::read(&screenshot).expect("chromium wrote the screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    println!("screenshot: {}", screenshot.display());

    server.stop();
    // Nothing but the pages asked for: no favicon, no font, no script, no stylesheet.
    let served: Vec<(String, String, u16)> = served
        .lock()
        .unwrap()
        .iter()
        .map(|request| (request.method.clone(), request.url.clone(), request.status))
        .collect();
    let get = |url: &str| ("GET".to_owned(), url.to_owned(), 200);
    assert_eq!(served, [get("/"), get(&format!("/{query}")), get("/")]);
    for dom in [&dom, &ranged_dom] {
        for outside in [
            "http:",
            "https:",
            "src=",
            "url(",
            "<script",
            "<link rel=\"stylesheet\"",
        ] {
            assert!(!dom.contains(outside), "{outside} in the page");
        }
    }
}
