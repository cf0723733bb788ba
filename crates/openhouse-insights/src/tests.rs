use super::*;
use proptest::prelude::*;

fn day(text: &str) -> Date {
    openhouse_model::parse_date(text).unwrap()
}

fn zip(text: &str) -> Option<Zip5> {
    Zip5::from_zipcode(text)
}

fn tally(rows: &[(&str, &str)]) -> Tally {
    rows.iter()
        .map(|&(date, zipcode)| (day(date), zip(zipcode)))
        .collect()
}

#[test]
fn busiest_week_uses_iso_weeks_across_year_ends() {
    // 2024-12-30 (Mon) to 2025-01-05 (Sun) is ISO 2025-W01.
    let insights = tally(&[
        ("2024-12-29", ""),
        ("2024-12-30", ""),
        ("2025-01-05", ""),
        ("2025-01-06", ""),
    ])
    .insights(5);
    assert_eq!(insights.busiest_weeks.len(), 1);
    let week = insights.busiest_weeks[0];
    assert_eq!(
        (week.iso_year, week.iso_week, week.open_houses),
        (2025, 1, 2)
    );
    assert_eq!(
        (week.week_start, week.week_end),
        (day("2024-12-30"), day("2025-01-05"))
    );
}

#[test]
fn every_week_tied_at_the_top_is_returned_earliest_first() {
    let insights = tally(&[("2021-01-03", ""), ("2021-01-04", ""), ("2021-01-20", "")]).insights(5);
    let weeks: Vec<_> = insights
        .busiest_weeks
        .iter()
        .map(|w| (w.iso_year, w.iso_week))
        .collect();
    // 2021-01-03 is a Sunday of ISO 2020-W53.
    assert_eq!(weeks, [(2020, 53), (2021, 1), (2021, 3)]);
}

#[test]
fn zip_ranks_follow_sql_rank_and_keep_ties_at_the_cut() {
    let rows: Vec<(&str, &str)> = [
        ("11111", 4),
        ("22222", 3),
        ("33333", 3),
        ("44444", 2),
        ("55555", 1),
        ("66666", 1),
        ("77777", 1),
    ]
    .iter()
    .flat_map(|&(zip, count)| std::iter::repeat_n(("2024-05-04", zip), count))
    .collect();
    let ranked: Vec<_> = tally(&rows)
        .top_zipcodes(5)
        .iter()
        .map(|z| (z.rank, z.zipcode.to_string(), z.open_houses))
        .collect();
    assert_eq!(
        ranked,
        [
            (1, "11111".into(), 4),
            (2, "22222".into(), 3),
            (2, "33333".into(), 3),
            (4, "44444".into(), 2),
            (5, "55555".into(), 1),
            (5, "66666".into(), 1),
            (5, "77777".into(), 1),
        ]
    );
    assert_eq!(tally(&rows).top_zipcodes(3).len(), 3);
    assert_eq!(tally(&rows).top_zipcodes(0).len(), 0);
}

#[test]
fn zip_plus_four_counts_as_its_zip_and_other_zipcodes_are_excluded() {
    let ranked = tally(&[
        ("2024-05-04", "94521-3711"),
        ("2024-05-04", "94521"),
        ("2024-05-04", "CA 94521"),
        ("2024-05-04", ""),
    ])
    .top_zipcodes(5);
    assert_eq!(ranked.len(), 1);
    assert_eq!(ranked[0].open_houses, 2);
}

#[test]
fn daily_cumulative_fills_gap_days_with_zero() {
    let rows =
        tally(&[("2024-02-28", ""), ("2024-03-01", ""), ("2024-03-01", "")]).daily_cumulative();
    let shown: Vec<_> = rows
        .iter()
        .map(|r| (r.date.to_string(), r.open_houses, r.cumulative_open_houses))
        .collect();
    assert_eq!(
        shown,
        [
            ("2024-02-28".into(), 1, 1),
            ("2024-02-29".into(), 0, 1),
            ("2024-03-01".into(), 2, 3)
        ]
    );
}

#[test]
fn no_rows_give_empty_insights() {
    let insights = Tally::default().insights(5);
    assert_eq!(insights.total_open_houses, 0);
    assert!(
        insights.busiest_weeks.is_empty()
            && insights.top_zipcodes.is_empty()
            && insights.daily_cumulative.is_empty()
    );
}

#[test]
fn serializes_dates_as_iso_text() {
    let insights = tally(&[("2024-05-04", "94521")]).insights(5);
    let json = serde_json::to_string(&insights).unwrap();
    assert!(json.contains(r#""week_start":"2024-04-29""#), "{json}");
    assert!(json.contains(r#""zipcode":"94521""#), "{json}");
    assert!(json.contains(r#""date":"2024-05-04""#), "{json}");
}

#[test]
fn insights_round_trip_through_json() {
    let insights = tally(&[("2024-05-04", "94521"), ("2024-05-06", "94598")]).insights(5);
    let json = serde_json::to_string(&insights).unwrap();
    assert_eq!(serde_json::from_str::<Insights>(&json).unwrap(), insights);
}

#[test]
fn weeks_at_the_ends_of_the_calendar_are_kept() {
    let insights = tally(&[("9999-12-31", ""), ("0000-01-01", ""), ("0000-01-02", "")]).insights(5);
    let weeks: Vec<_> = insights
        .busiest_weeks
        .iter()
        .map(|w| (w.iso_year, w.iso_week, w.open_houses))
        .collect();
    // 0000-01-01 is a Saturday of ISO week -0001-W52; 0000-01-02 its Sunday.
    assert_eq!(weeks, [(-1, 52, 2)]);
    let last = tally(&[("9999-12-31", "")]).insights(5);
    assert_eq!(
        last.busiest_weeks.len(),
        1,
        "the week of 9999-12-31 is not lost"
    );
    assert_eq!(last.busiest_weeks[0].week_start, day("9999-12-27"));
}

#[test]
fn table_shows_every_insight() {
    let text = tally(&[("2024-05-04", "94521")]).insights(5).to_string();
    assert!(text.contains("2024-W18"), "{text}");
    assert!(text.contains("94521"), "{text}");
    assert!(text.contains("2024-05-04"), "{text}");
}

fn rows() -> impl Strategy<Value = Vec<(Date, Option<Zip5>)>> {
    let date =
        (0..400i32).prop_map(|offset| day("2023-12-01") + time::Duration::days(offset.into()));
    let zip5 =
        prop::option::of((0..8u32).prop_map(|z| Zip5::from_zipcode(&format!("9450{z}")).unwrap()));
    prop::collection::vec((date, zip5), 0..200)
}

proptest! {
    #[test]
    fn totals_agree_with_the_row_count(rows in rows()) {
        let insights = rows.iter().copied().collect::<Tally>().insights(5);
        prop_assert_eq!(insights.total_open_houses, rows.len() as u64);
        let last = insights.daily_cumulative.last().map_or(0, |d| d.cumulative_open_houses);
        prop_assert_eq!(last, rows.len() as u64);
        let daily_sum: u64 = insights.daily_cumulative.iter().map(|d| d.open_houses).sum();
        prop_assert_eq!(daily_sum, rows.len() as u64);
        let with_zip = rows.iter().filter(|(_, zip)| zip.is_some()).count() as u64;
        prop_assert!(insights.top_zipcodes.iter().map(|z| z.open_houses).sum::<u64>() <= with_zip);
        for week in &insights.busiest_weeks {
            let in_week = rows.iter().filter(|(date, _)| (week.week_start..=week.week_end).contains(date)).count() as u64;
            prop_assert_eq!(in_week, week.open_houses);
        }
    }

    #[test]
    fn merged_tallies_equal_one_tally(rows in rows(), cut in any::<prop::sample::Index>()) {
        let cut = cut.index(rows.len() + 1);
        let mut merged: Tally = rows[..cut].iter().copied().collect();
        merged.merge(rows[cut..].iter().copied().collect());
        prop_assert_eq!(merged, rows.iter().copied().collect::<Tally>());
    }
}
