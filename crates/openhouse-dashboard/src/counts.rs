//! Open houses counted by day and zip code: the insights of any date range derive from these.

use std::collections::{BTreeMap, HashMap};

use openhouse_insights::{Insights, Tally};
use openhouse_model::{Date, Zip5};
use openhouse_parquet::{ParquetFiles, ReadSummary, fold_insight_rows};

use crate::DashboardQuery;

/// Open houses by `OpenHouseDate` and Zip5. A [`Tally`] keeps dates and zips apart, which is
/// all one set of insights needs; a date range needs to know which zips fall on which days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenHouseCounts {
    by_day: BTreeMap<Date, HashMap<Option<Zip5>, u64>>,
}

impl OpenHouseCounts {
    /// Reads the rows of `files` in parallel on the current rayon pool.
    pub fn read(files: &ParquetFiles) -> Result<(Self, ReadSummary), openhouse_parquet::Error> {
        fold_insight_rows(
            files,
            OpenHouseCounts::default,
            OpenHouseCounts::add,
            |mut left, right| {
                left.merge(right);
                left
            },
        )
    }

    /// Counts one open house.
    pub fn add(&mut self, date: Date, zip5: Option<Zip5>) {
        *self
            .by_day
            .entry(date)
            .or_default()
            .entry(zip5)
            .or_default() += 1;
    }

    /// Adds `other`'s counts to these.
    pub fn merge(&mut self, other: OpenHouseCounts) {
        for (date, zips) in other.by_day {
            let day = self.by_day.entry(date).or_default();
            for (zip5, count) in zips {
                *day.entry(zip5).or_default() += count;
            }
        }
    }

    /// The first and last day with an open house.
    pub fn first_and_last(&self) -> Option<(Date, Date)> {
        Some((
            *self.by_day.first_key_value()?.0,
            *self.by_day.last_key_value()?.0,
        ))
    }

    /// The open houses from `query.from` to `query.to` (both included; open ends reach the
    /// first or last day) as a [`Tally`].
    pub fn tally(&self, query: &DashboardQuery) -> Tally {
        let mut tally = Tally::default();
        let Some((first, last)) = self.first_and_last() else {
            return tally;
        };
        let from = query.from.unwrap_or(first);
        let to = query.to.unwrap_or(last);
        if from > to {
            return tally;
        }
        for (&date, zips) in self.by_day.range(from..=to) {
            for (&zip5, &count) in zips {
                // Tally counts one row at a time; the counts here are per day and zip.
                for _ in 0..count {
                    tally.add(date, zip5);
                }
            }
        }
        tally
    }

    /// The insights of the query's date range, with its top zip-code ranks.
    pub fn insights(&self, query: &DashboardQuery) -> Insights {
        self.tally(query).insights(query.top)
    }
}

impl FromIterator<(Date, Option<Zip5>)> for OpenHouseCounts {
    fn from_iter<I: IntoIterator<Item = (Date, Option<Zip5>)>>(rows: I) -> Self {
        let mut counts = OpenHouseCounts::default();
        for (date, zip5) in rows {
            counts.add(date, zip5);
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openhouse_model::parse_date;

    fn counts() -> OpenHouseCounts {
        [
            ("2024-05-04", Some("94521")),
            ("2024-05-06", Some("94521")),
            ("2024-05-06", Some("10001")),
            ("2024-05-20", None),
        ]
        .into_iter()
        .map(|(date, zip)| (parse_date(date).unwrap(), zip.and_then(Zip5::from_zipcode)))
        .collect()
    }

    fn query(text: &str) -> DashboardQuery {
        DashboardQuery::parse(text).unwrap()
    }

    #[test]
    fn no_range_gives_the_insights_of_every_row() {
        let all: Tally = counts().tally(&query(""));
        assert_eq!(all.total(), 4);
        assert_eq!(all.daily_cumulative().len(), 17);
    }

    #[test]
    fn a_range_keeps_the_days_within_it_both_ends_included() {
        let insights = counts().insights(&query("from=2024-05-05&to=2024-05-06&top=1"));
        assert_eq!(insights.total_open_houses, 2);
        let zips: Vec<&str> = insights
            .top_zipcodes
            .iter()
            .map(|z| z.zipcode.as_str())
            .collect();
        assert_eq!(zips, ["10001", "94521"], "both tied at rank 1");
        assert_eq!(
            insights.daily_cumulative[0].date,
            parse_date("2024-05-06").unwrap()
        );
    }

    #[test]
    fn an_open_ended_range_reaches_the_last_day() {
        let insights = counts().insights(&query("from=2024-05-06"));
        assert_eq!(insights.total_open_houses, 3);
    }

    #[test]
    fn a_range_without_open_houses_has_empty_insights() {
        let insights = counts().insights(&query("from=2025-01-01"));
        assert_eq!(insights.total_open_houses, 0);
        assert!(insights.busiest_weeks.is_empty() && insights.daily_cumulative.is_empty());
    }
}
