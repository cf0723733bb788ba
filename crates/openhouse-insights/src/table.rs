//! Plain-text tables of the insights, for terminals and logs.

use std::fmt;

use crate::Insights;

impl fmt::Display for Insights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Open houses: {}", self.total_open_houses)?;
        writeln!(f)?;
        writeln!(
            f,
            "Busiest week{}:",
            if self.busiest_weeks.len() > 1 {
                "s (tied)"
            } else {
                ""
            }
        )?;
        writeln!(
            f,
            "  {:<9} {:<10} {:<10} {:>11}",
            "ISO week", "from", "to", "open houses"
        )?;
        for week in &self.busiest_weeks {
            let label = format!("{}-W{:02}", week.iso_year, week.iso_week);
            writeln!(
                f,
                "  {label:<9} {:<10} {:<10} {:>11}",
                week.week_start, week.week_end, week.open_houses
            )?;
        }
        writeln!(f)?;
        writeln!(f, "Top zip codes:")?;
        writeln!(f, "  {:>4}  {:<7} {:>11}", "rank", "zip", "open houses")?;
        for zip in &self.top_zipcodes {
            writeln!(
                f,
                "  {:>4}  {:<7} {:>11}",
                zip.rank, zip.zipcode, zip.open_houses
            )?;
        }
        writeln!(f)?;
        writeln!(f, "Daily cumulative total:")?;
        writeln!(
            f,
            "  {:<10} {:>11} {:>10}",
            "date", "open houses", "cumulative"
        )?;
        for day in &self.daily_cumulative {
            writeln!(
                f,
                "  {:<10} {:>11} {:>10}",
                day.date, day.open_houses, day.cumulative_open_houses
            )?;
        }
        Ok(())
    }
}
