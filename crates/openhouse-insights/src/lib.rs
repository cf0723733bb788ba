//! The three insights of the open-house dashboard, over any source of
//! (`OpenHouseDate`, Zip5) rows: validated records, a Parquet file, another engine's table.
//!
//! Rows are counted into a [`Tally`], which merges (for per-thread or per-file counting);
//! [`Tally::insights`] then derives the busiest ISO week(s), the top zip codes (SQL `RANK()`
//! semantics, so ties at the cut are all kept) and the daily cumulative total.
//!
//! ```
//! use openhouse_insights::Tally;
//! use openhouse_model::{Date, Zip5};
//!
//! let day = |text: &str| openhouse_model::parse_date(text).unwrap();
//! let mut tally = Tally::default();
//! tally.add(day("2024-05-04"), Zip5::from_zipcode("94521"));
//! tally.add(day("2024-05-06"), Zip5::from_zipcode("94521-3711"));
//! tally.add(day("2024-05-06"), None);
//! let insights = tally.insights(5);
//! assert_eq!(insights.total_open_houses, 3);
//! assert_eq!(insights.busiest_weeks[0].iso_week, 19); // Monday 2024-05-06
//! assert_eq!(insights.top_zipcodes[0].open_houses, 2);
//! assert_eq!(insights.daily_cumulative.len(), 3); // the 5th is a gap day
//! assert_eq!(insights.daily_cumulative[2].cumulative_open_houses, 3);
//! ```

#![warn(missing_docs)]

mod table;

use std::collections::{BTreeMap, HashMap};

use foldhash::fast::FixedState;

use openhouse_model::{Date, OpenHouse, Zip5};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Duration;

/// Counts of open houses by local date and by Zip5: all three insights derive from these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    // Hash maps with a fast hasher: a table's every row is counted; the dates are put in
    // order once, when the insights are derived.
    by_date: HashMap<Date, u64, FixedState>,
    by_zip5: HashMap<Zip5, u64, FixedState>,
}

impl Tally {
    /// Counts one open house.
    pub fn add(&mut self, date: Date, zip5: Option<Zip5>) {
        *self.by_date.entry(date).or_default() += 1;
        if let Some(zip5) = zip5 {
            *self.by_zip5.entry(zip5).or_default() += 1;
        }
    }

    /// Adds another tally's counts: the same as adding each of its rows.
    pub fn merge(&mut self, other: Tally) {
        for (date, count) in other.by_date {
            *self.by_date.entry(date).or_default() += count;
        }
        for (zip5, count) in other.by_zip5 {
            *self.by_zip5.entry(zip5).or_default() += count;
        }
    }

    /// How many open houses were counted.
    pub fn total(&self) -> u64 {
        self.by_date.values().sum()
    }

    /// All three insights, keeping zip codes ranked `top` or better.
    pub fn insights(&self, top: u64) -> Insights {
        Insights {
            total_open_houses: self.total(),
            busiest_weeks: self.busiest_weeks(),
            top_zipcodes: self.top_zipcodes(top),
            daily_cumulative: self.daily_cumulative(),
        }
    }

    /// The counts by date, in date order.
    fn dates_in_order(&self) -> BTreeMap<Date, u64> {
        self.by_date
            .iter()
            .map(|(&date, &count)| (date, count))
            .collect()
    }

    /// Every ISO week tied at the highest count, earliest first.
    pub fn busiest_weeks(&self) -> Vec<BusiestWeek> {
        let mut by_week = BTreeMap::<(i32, u8), (Date, u64)>::new();
        for (date, count) in self.dates_in_order() {
            let (iso_year, iso_week, weekday) = date.to_iso_week_date();
            // The week's Monday; at the very start of the calendar the week is cut short.
            let monday =
                date.saturating_sub(Duration::days(i64::from(weekday.number_days_from_monday())));
            by_week.entry((iso_year, iso_week)).or_insert((monday, 0)).1 += count;
        }
        let Some(most) = by_week.values().map(|&(_, count)| count).max() else {
            return Vec::new();
        };
        by_week
            .into_iter()
            .filter(|&(_, (_, count))| count == most)
            .map(
                |((iso_year, iso_week), (week_start, open_houses))| BusiestWeek {
                    iso_year,
                    iso_week,
                    week_start,
                    // At the very end of the calendar (9999-12-31) the week is cut short too.
                    week_end: week_start.saturating_add(Duration::days(6)),
                    open_houses,
                },
            )
            .collect()
    }

    /// Zip codes by count, ranked as SQL `RANK()` does; ranks above `top` are cut, so every
    /// zip tied at the cut is kept. Ties are ordered by zip code.
    pub fn top_zipcodes(&self, top: u64) -> Vec<ZipcodeRank> {
        let mut counts: Vec<(Zip5, u64)> = self
            .by_zip5
            .iter()
            .map(|(&zip, &count)| (zip, count))
            .collect();
        counts.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut ranked = Vec::new();
        let mut rank = 0;
        for (index, &(zipcode, open_houses)) in counts.iter().enumerate() {
            if index == 0 || counts[index - 1].1 != open_houses {
                rank = index as u64 + 1;
            }
            if rank > top {
                break;
            }
            ranked.push(ZipcodeRank {
                rank,
                zipcode,
                open_houses,
            });
        }
        ranked
    }

    /// One row per calendar day from the first to the last date, gap days included.
    pub fn daily_cumulative(&self) -> Vec<DailyTotal> {
        let by_date = self.dates_in_order();
        let (Some((&first, _)), Some((&last, _))) =
            (by_date.first_key_value(), by_date.last_key_value())
        else {
            return Vec::new();
        };
        let mut rows = Vec::new();
        let mut cumulative = 0;
        let mut day = Some(first);
        while let Some(date) = day.filter(|date| *date <= last) {
            let open_houses = by_date.get(&date).copied().unwrap_or(0);
            cumulative += open_houses;
            rows.push(DailyTotal {
                date,
                open_houses,
                cumulative_open_houses: cumulative,
            });
            day = date.next_day();
        }
        rows
    }
}

impl<'a> FromIterator<&'a OpenHouse> for Tally {
    fn from_iter<I: IntoIterator<Item = &'a OpenHouse>>(open_houses: I) -> Self {
        let mut tally = Tally::default();
        for open_house in open_houses {
            tally.add(open_house.date, open_house.zip5());
        }
        tally
    }
}

impl FromIterator<(Date, Option<Zip5>)> for Tally {
    fn from_iter<I: IntoIterator<Item = (Date, Option<Zip5>)>>(rows: I) -> Self {
        let mut tally = Tally::default();
        for (date, zip5) in rows {
            tally.add(date, zip5);
        }
        tally
    }
}

/// The three insights. Serializes (and deserializes) with dates as `YYYY-MM-DD`;
/// `Display` renders plain-text tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Insights {
    /// How many open houses were counted.
    pub total_open_houses: u64,
    /// Every ISO week tied at the highest count, earliest first.
    pub busiest_weeks: Vec<BusiestWeek>,
    /// Zip codes ranked by count, SQL `RANK()` ties kept at the cut.
    pub top_zipcodes: Vec<ZipcodeRank>,
    /// One row per day from the first date to the last, gap days included.
    pub daily_cumulative: Vec<DailyTotal>,
}

/// An ISO week (Monday to Sunday) of `OpenHouseDate` and its open houses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusiestWeek {
    /// The ISO week-numbering year, which differs from the calendar year around New Year.
    pub iso_year: i32,
    /// The ISO week, 1 to 53.
    pub iso_week: u8,
    /// The week's Monday.
    #[serde(serialize_with = "iso_date", deserialize_with = "parse_iso_date")]
    pub week_start: Date,
    /// The week's Sunday.
    #[serde(serialize_with = "iso_date", deserialize_with = "parse_iso_date")]
    pub week_end: Date,
    /// Open houses in the week.
    pub open_houses: u64,
}

/// A zip code's place among the busiest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZipcodeRank {
    /// 1 for the busiest; tied zip codes share a rank, and the next rank skips (SQL `RANK()`).
    pub rank: u64,
    /// The 5-digit ZIP.
    pub zipcode: Zip5,
    /// Open houses in it.
    pub open_houses: u64,
}

/// One day of the daily series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyTotal {
    /// The day (`OpenHouseDate`).
    #[serde(serialize_with = "iso_date", deserialize_with = "parse_iso_date")]
    pub date: Date,
    /// Open houses on the day.
    pub open_houses: u64,
    /// Open houses on the day and every day before it.
    pub cumulative_open_houses: u64,
}

fn iso_date<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(date)
}

fn parse_iso_date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
    let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
    openhouse_model::parse_date(&text).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests;

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
