//! The page's three charts, drawn by plotters' SVG backend.
//!
//! Text is drawn by the browser: without plotters' `ttf` feature the SVG backend writes
//! `<text font-family="sans-serif">` elements and plotters lays labels out from an estimate
//! of their width, so no font file is read or shipped. Days are numbers (days since
//! 1970-01-01) on the x axes, labelled as `YYYY-MM-DD` at calendar key points.

mod axis;
mod marks;

use openhouse_insights::{DailyTotal, ZipcodeRank};
use openhouse_model::{Date, date_from_days_since_epoch, days_since_epoch};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use time::Weekday;

use crate::Error;
use axis::KeyedAxis;
pub(crate) use marks::MarkKind;
use marks::title_marks;

const INK: RGBColor = RGBColor(0x1f, 0x29, 0x37);
const ACCENT: RGBColor = RGBColor(0x25, 0x63, 0xeb);
const GRID: RGBColor = RGBColor(0xe5, 0xe7, 0xeb);
const FONT: &str = "sans-serif";

/// Chart sizes in SVG pixels; the page scales them to its column widths.
const CUMULATIVE_SIZE: (u32, u32) = (1200, 215);
const DAILY_SIZE: (u32, u32) = (1200, 150);
const ZIP_SIZE: (u32, u32) = (460, 230);

/// Counts are integers: the y axes run from 0 to a little above the largest value.
fn headroom(most: u64) -> u64 {
    (most + most / 10).max(most + 1)
}

/// What drawing on the SVG backend fails with.
type DrawError = DrawingAreaErrorKind<std::io::Error>;

/// The running total by day: a line with one titled point a day.
pub(crate) fn cumulative_chart(days: &[DailyTotal]) -> Result<String, Error> {
    const CHART: &str = "daily cumulative total";
    let mut svg = String::new();
    draw_cumulative(&mut svg, days).map_err(chart_error(CHART))?;
    let titles: Vec<String> = days
        .iter()
        .map(|day| {
            format!(
                "{}: {} open houses to date ({} that day)",
                day.date, day.cumulative_open_houses, day.open_houses
            )
        })
        .collect();
    title_marks(&svg, MarkKind::Circle, "point", &titles).map_err(chart_error(CHART))
}

/// Open houses per day: one titled bar a day, gap days as bars of height 0.
pub(crate) fn daily_chart(days: &[DailyTotal]) -> Result<String, Error> {
    const CHART: &str = "open houses per day";
    let mut svg = String::new();
    draw_daily(&mut svg, days).map_err(chart_error(CHART))?;
    let titles: Vec<String> = days
        .iter()
        .map(|day| format!("{}: {} open houses", day.date, day.open_houses))
        .collect();
    title_marks(&svg, MarkKind::Rect, "bar", &titles).map_err(chart_error(CHART))
}

/// The top zip codes: one titled bar each, labelled with its rank, so ties show as equal
/// ranks side by side.
pub(crate) fn zip_chart(zips: &[ZipcodeRank]) -> Result<String, Error> {
    const CHART: &str = "top zip codes";
    let mut svg = String::new();
    draw_zips(&mut svg, zips).map_err(chart_error(CHART))?;
    let titles: Vec<String> = zips
        .iter()
        .map(|zip| {
            let tied = zips.iter().filter(|other| other.rank == zip.rank).count() > 1;
            format!(
                "{}: rank {}{}, {} open houses",
                zip.zipcode,
                zip.rank,
                if tied { " (tied)" } else { "" },
                zip.open_houses
            )
        })
        .collect();
    title_marks(&svg, MarkKind::Rect, "bar", &titles).map_err(chart_error(CHART))
}

fn draw_cumulative(svg: &mut String, days: &[DailyTotal]) -> Result<(), DrawError> {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok(());
    };
    let root = SVGBackend::with_string(svg, CUMULATIVE_SIZE).into_drawing_area();
    let mut chart = day_chart(&root, first.date, last.date, last.cumulative_open_houses)?;
    configure_day_mesh(&mut chart, "Open houses, cumulative")?;
    let points = days
        .iter()
        .map(|day| (day_x(day.date), day.cumulative_open_houses));
    chart.draw_series(LineSeries::new(points.clone(), ACCENT.stroke_width(2)))?;
    // The points are the last series: `marks` titles the last elements drawn.
    chart.draw_series(points.map(|point| Circle::new(point, 3, ACCENT.filled())))?;
    root.present()
}

fn draw_daily(svg: &mut String, days: &[DailyTotal]) -> Result<(), DrawError> {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok(());
    };
    let most = days.iter().map(|day| day.open_houses).max().unwrap_or(0);
    let root = SVGBackend::with_string(svg, DAILY_SIZE).into_drawing_area();
    let mut chart = day_chart(&root, first.date, last.date, most)?;
    configure_day_mesh(&mut chart, "Open houses")?;
    // The bars are the last series: `marks` titles the last elements drawn.
    chart.draw_series(days.iter().map(|day| {
        let x = day_x(day.date);
        Rectangle::new([(x - 0.4, 0), (x + 0.4, day.open_houses)], ACCENT.filled())
    }))?;
    root.present()
}

fn draw_zips(svg: &mut String, zips: &[ZipcodeRank]) -> Result<(), DrawError> {
    if zips.is_empty() {
        return Ok(());
    }
    let most = zips.iter().map(|zip| zip.open_houses).max().unwrap_or(0);
    let labels: Vec<String> = zips
        .iter()
        .map(|zip| format!("#{} {}", zip.rank, zip.zipcode))
        .collect();
    let label = |x: &f64| labels.get(x.round() as usize).cloned().unwrap_or_default();
    let root = SVGBackend::with_string(svg, ZIP_SIZE).into_drawing_area();
    let centres: Vec<f64> = (0..zips.len()).map(|index| index as f64).collect();
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(
            KeyedAxis::new(-0.5..zips.len() as f64 - 0.5, centres),
            // Room above the tallest bar for its count.
            0..headroom(most) + most / 10,
        )?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(INK)
        .x_label_formatter(&label)
        .y_labels(5)
        .x_desc("Zip code, by rank")
        .y_desc("Open houses")
        .label_style((FONT, 17).into_font().color(&INK))
        .axis_desc_style((FONT, 17).into_font().color(&INK))
        .draw()?;
    let above = TextStyle::from((FONT, 17).into_font())
        .color(&INK)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    chart.draw_series(zips.iter().enumerate().map(|(index, zip)| {
        Text::new(
            zip.open_houses.to_string(),
            (index as f64, zip.open_houses),
            above.clone(),
        )
    }))?;
    // The bars are the last series: `marks` titles the last elements drawn.
    chart.draw_series(zips.iter().enumerate().map(|(index, zip)| {
        let x = index as f64;
        Rectangle::new(
            [(x - 0.35, 0), (x + 0.35, zip.open_houses)],
            ACCENT.filled(),
        )
    }))?;
    root.present()
}

type DayChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<KeyedAxis, plotters::coord::types::RangedCoordu64>,
>;

/// A chart with days on the x axis (one unit a day, centred on the day) and counts up to
/// `most` on the y axis; the cumulative and the daily charts share it, so they line up.
fn day_chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    first: Date,
    last: Date,
    most: u64,
) -> Result<DayChart<'a, 'b>, DrawError> {
    let x = KeyedAxis::new(
        day_x(first) - 0.5..day_x(last) + 0.5,
        date_ticks(first, last),
    );
    ChartBuilder::on(root)
        .margin(12)
        .margin_right(24)
        .x_label_area_size(44)
        .y_label_area_size(72)
        .build_cartesian_2d(x, 0..headroom(most))
}

fn configure_day_mesh(chart: &mut DayChart<'_, '_>, y_description: &str) -> Result<(), DrawError> {
    chart
        .configure_mesh()
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(INK)
        .x_label_formatter(&day_label)
        .y_labels(5)
        .x_desc("OpenHouseDate")
        .y_desc(y_description)
        .label_style((FONT, 14).into_font().color(&INK))
        .axis_desc_style((FONT, 15).into_font().color(&INK))
        .draw()
}

fn day_x(date: Date) -> f64 {
    f64::from(days_since_epoch(date))
}

fn day_label(x: &f64) -> String {
    date_from_days_since_epoch(x.round() as i64)
        .map(|date| date.to_string())
        .unwrap_or_default()
}

/// Calendar key points for a span of days: every day for two weeks, Mondays (ISO week
/// starts) for up to nine weeks, first days of months for up to a year, of quarters for up
/// to three years, of years beyond; about 4 to 14 labels.
fn date_ticks(first: Date, last: Date) -> Vec<f64> {
    let span = (last - first).whole_days() + 1;
    let keep = |date: Date| match span {
        ..=14 => true,
        15..=63 => date.weekday() == Weekday::Monday,
        64..=366 => date.day() == 1,
        367..=1096 => date.day() == 1 && u8::from(date.month()) % 3 == 1,
        _ => date.ordinal() == 1,
    };
    let mut ticks = Vec::new();
    let mut day = Some(first);
    while let Some(date) = day.filter(|date| *date <= last) {
        if keep(date) {
            ticks.push(day_x(date));
        }
        day = date.next_day();
    }
    ticks
}

fn chart_error<E: std::fmt::Display>(chart: &'static str) -> impl Fn(E) -> Error {
    move |error| Error::Chart {
        chart,
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openhouse_model::parse_date;

    fn day(text: &str) -> Date {
        parse_date(text).unwrap()
    }

    fn labels(first: &str, last: &str) -> Vec<String> {
        date_ticks(day(first), day(last))
            .iter()
            .map(day_label)
            .collect()
    }

    #[test]
    fn key_points_follow_the_calendar() {
        assert_eq!(labels("2024-05-01", "2024-05-03").len(), 3);
        assert_eq!(
            labels("2024-05-01", "2024-05-20"),
            ["2024-05-06", "2024-05-13", "2024-05-20"]
        );
        assert_eq!(
            labels("2024-02-26", "2024-05-25"),
            ["2024-03-01", "2024-04-01", "2024-05-01"]
        );
        assert_eq!(labels("2020-06-01", "2024-05-25")[0], "2021-01-01");
    }
}
