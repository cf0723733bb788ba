//! The page as a specification: what it shows for given insights, and what it never does.

mod common;

use common::{element, occurrences, write_table};
use openhouse_dashboard::{DashboardQuery, DataQuality, OpenHouseCounts, Page, TableDashboard};
use openhouse_insights::Insights;
use openhouse_model::{Zip5, parse_date};

const SCRIPT: &str = "<script>alert(1)</script>";

fn counts(rows: &[(&str, Option<&str>)]) -> OpenHouseCounts {
    rows.iter()
        .map(|(date, zip)| (parse_date(date).unwrap(), zip.and_then(Zip5::from_zipcode)))
        .collect()
}

/// Two ISO weeks of two open houses each (tied), zips 94521 twice and two others once.
fn tied() -> Insights {
    counts(&[
        ("2024-05-06", Some("94521")),
        ("2024-05-07", Some("94521")),
        ("2024-05-15", Some("10001")),
        ("2024-05-16", Some("20002")),
    ])
    .insights(&DashboardQuery {
        top: 2,
        ..DashboardQuery::default()
    })
}

fn quality_with(field: &str) -> DataQuality {
    let mut quality = DataQuality {
        records_read: 7,
        records_valid: 5,
        records_rejected: 2,
        versions_superseded: 1,
        open_houses: 4,
        ..DataQuality::default()
    };
    quality
        .rejections_by_field
        .entry(field.to_owned())
        .or_default()
        .insert("malformed".to_owned(), 2);
    quality
}

#[test]
fn every_tied_busiest_week_is_shown_with_its_dates_and_count() {
    let html = Page::new(&tied()).render().unwrap();
    let weeks = element(&html, "section", "busiest-week");
    assert!(weeks.contains("Busiest weeks (2 tied)"));
    for (week, start, end) in [
        ("2024-W19", "2024-05-06", "2024-05-12"),
        ("2024-W20", "2024-05-13", "2024-05-19"),
    ] {
        assert!(
            weeks.contains(&format!(
                "data-iso-week=\"{week}\" data-week-start=\"{start}\" data-week-end=\"{end}\" data-open-houses=\"2\""
            )),
            "{week}"
        );
    }
}

#[test]
fn zip_codes_tied_at_the_cut_are_all_ranked_in_the_table_and_the_chart() {
    let html = Page::new(&tied()).with_top(2).render().unwrap();
    let zips = element(&html, "section", "top-zip-codes");
    assert!(zips.contains("Top 2 zip codes"));
    for (rank, zip, count) in [(1, "94521", 2), (2, "10001", 1), (2, "20002", 1)] {
        assert!(zips.contains(&format!(
            "data-rank=\"{rank}\" data-zipcode=\"{zip}\" data-open-houses=\"{count}\""
        )));
    }
    assert_eq!(occurrences(zips, "<span class=\"tie\">tie</span>"), 2);
    let chart = element(&html, "figure", "zip-chart");
    assert_eq!(occurrences(chart, "class=\"bar\""), 3);
    assert!(chart.contains("<title>10001: rank 2 (tied), 1 open houses</title>"));
    assert!(
        chart.contains("#2 20002"),
        "bars are labelled with rank and zip"
    );
}

#[test]
fn the_daily_charts_have_a_titled_point_and_bar_for_every_day_gap_days_included() {
    let insights = tied();
    let days = insights.daily_cumulative.len();
    assert_eq!(days, 11);
    let html = Page::new(&insights).render().unwrap();
    let cumulative = element(&html, "figure", "cumulative-chart");
    assert_eq!(occurrences(cumulative, "class=\"point\""), days);
    assert!(cumulative.contains("<title>2024-05-16: 4 open houses to date (1 that day)</title>"));
    assert!(cumulative.contains("OpenHouseDate") && cumulative.contains("Open houses, cumulative"));
    assert!(
        cumulative.contains("\n2024-05-16\n</text>"),
        "every day of a short range labels the axis"
    );
    let daily = element(&html, "figure", "daily-chart");
    assert_eq!(occurrences(daily, "class=\"bar\""), days);
    assert_eq!(occurrences(daily, "<title>"), days);
    assert!(daily.contains("<title>2024-05-10: 0 open houses</title>"));
}

#[test]
fn the_data_quality_panel_shows_the_report() {
    let html = Page::new(&tied())
        .with_quality(&quality_with("OpenHouseDate"))
        .render()
        .unwrap();
    let panel = element(&html, "section", "data-quality");
    for attribute in [
        "data-records-read=\"7\"",
        "data-records-rejected=\"2\"",
        "data-versions-superseded=\"1\"",
        "data-open-houses-kept=\"4\"",
    ] {
        assert!(panel.contains(attribute), "{attribute}");
    }
    assert!(panel.contains("<td>OpenHouseDate</td><td>malformed</td><td class=\"number\">2</td>"));
}

#[test]
fn every_string_from_the_data_is_escaped() {
    let insights = tied();
    let summary = Default::default();
    let quality = quality_with(SCRIPT);
    let html = Page::new(&insights)
        .with_source(SCRIPT, &summary)
        .with_quality(&quality)
        .render()
        .unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert_eq!(
        occurrences(&html, "&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        2,
        "the source name and the report's field"
    );
}

#[test]
fn a_zipcode_that_is_markup_is_never_markup_on_the_page() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("table.parquet");
    write_table(
        &path,
        &[("2024-05-06", Some(SCRIPT)), ("2024-05-06", Some("94521"))],
    );
    let dashboard = TableDashboard::load(&path, None).unwrap();
    assert_eq!(dashboard.summary().unrecognised_zipcodes, 1);
    let html = dashboard.render(&DashboardQuery::default(), false).unwrap();
    assert!(!html.contains("<script") && !html.contains("alert(1)"));
    assert!(element(&html, "p", "read-summary").contains("1 with one that is not a ZIP"));
    assert_eq!(
        occurrences(element(&html, "figure", "zip-chart"), "class=\"bar\""),
        1
    );
}

#[test]
fn the_page_is_self_contained() {
    let html = Page::new(&tied())
        .with_quality(&quality_with("Zipcode"))
        .with_query_form(&DashboardQuery::default())
        .render()
        .unwrap();
    for outside in [
        "http:",
        "https:",
        "//",
        "src=",
        "url(",
        "@import",
        "<script",
        "<link rel=\"stylesheet\"",
    ] {
        let found = html
            .match_indices(outside)
            .map(|(at, _)| &html[at.saturating_sub(40)..(at + 40).min(html.len())])
            .collect::<Vec<_>>();
        assert!(found.is_empty(), "{outside}: {found:?}");
    }
}

#[test]
fn a_range_without_open_houses_says_so() {
    let insights = counts(&[]).insights(&DashboardQuery::default());
    let html = Page::new(&insights).render().unwrap();
    assert_eq!(occurrences(&html, "No open houses"), 3, "one per section");
    assert_eq!(occurrences(&html, "<svg"), 0);
}
