//! The HTML page: a minijinja template (HTML auto-escaping on) filled from the insights.

use minijinja::{Environment, Value, context};
use openhouse_insights::Insights;
use openhouse_parquet::ReadSummary;
use serde::Serialize;

use crate::{DashboardQuery, DataQuality, Error, charts};

const PAGE: &str = "dashboard.html";
const ERROR_PAGE: &str = "error.html";

/// Templates named `.html` are auto-escaped: every value from the data is escaped unless it
/// is marked safe in Rust, as only the charts (SVG this crate drew) are.
fn environment() -> Result<Environment<'static>, Error> {
    let mut environment = Environment::new();
    environment.add_template(PAGE, include_str!("templates/dashboard.html"))?;
    environment.add_template(ERROR_PAGE, include_str!("templates/error.html"))?;
    Ok(environment)
}

/// One dashboard page: the insights, and what else it shows when given.
///
/// ```
/// # use openhouse_dashboard::Page;
/// let insights = openhouse_insights::Tally::default().insights(5);
/// let html = Page::new(&insights).render()?;
/// assert!(html.contains("No open houses"));
/// # Ok::<(), openhouse_dashboard::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    insights: &'a Insights,
    quality: Option<&'a DataQuality>,
    source: Option<(&'a str, &'a ReadSummary)>,
    query: Option<&'a DashboardQuery>,
    top: u64,
}

impl<'a> Page<'a> {
    /// A page of `insights`, with no data-quality panel.
    pub fn new(insights: &'a Insights) -> Self {
        Page {
            insights,
            quality: None,
            source: None,
            query: None,
            top: DashboardQuery::DEFAULT_TOP,
        }
    }

    /// Adds the data-quality panel of a run report.
    pub fn with_quality(mut self, quality: &'a DataQuality) -> Self {
        self.quality = Some(quality);
        self
    }

    /// Names the table the insights come from and what reading it skipped.
    pub fn with_source(mut self, name: &'a str, summary: &'a ReadSummary) -> Self {
        self.source = Some((name, summary));
        self
    }

    /// Says how many zip-code ranks the insights kept (the default is
    /// [`DashboardQuery::DEFAULT_TOP`]); a query form says it too.
    pub fn with_top(mut self, top: u64) -> Self {
        self.top = top;
        self
    }

    /// Adds a form to change the date range and zip-code ranks, filled with `query`: for a
    /// served page, which answers the form's query string.
    pub fn with_query_form(mut self, query: &'a DashboardQuery) -> Self {
        self.query = Some(query);
        self.top = query.top;
        self
    }

    /// The page as one self-contained HTML document: styles and charts inline, no scripts,
    /// nothing fetched.
    pub fn render(&self) -> Result<String, Error> {
        let insights = self.insights;
        let top = self.top;
        let zipcodes: Vec<ZipRow> = insights
            .top_zipcodes
            .iter()
            .map(|zip| ZipRow {
                rank: zip.rank,
                zipcode: zip.zipcode.to_string(),
                open_houses: zip.open_houses,
                tied: insights
                    .top_zipcodes
                    .iter()
                    .filter(|other| other.rank == zip.rank)
                    .count()
                    > 1,
            })
            .collect();
        let days = &insights.daily_cumulative;
        let safe = Value::from_safe_string;
        let page = environment()?.get_template(PAGE)?.render(context! {
            total => insights.total_open_houses,
            weeks => serialized(insights.busiest_weeks.iter().map(WeekView::new).collect::<Vec<_>>()),
            first_day => days.first().map(|day| day.date.to_string()),
            last_day => days.last().map(|day| day.date.to_string()),
            days => days.len(),
            top => top,
            zipcodes => serialized(&zipcodes),
            zip_chart => safe(charts::zip_chart(&insights.top_zipcodes)?),
            cumulative_chart => safe(charts::cumulative_chart(days)?),
            daily_chart => safe(charts::daily_chart(days)?),
            quality => self.quality.map(|quality| serialized(QualityView::new(quality))),
            source => self.source.map(|(name, summary)| serialized(SourceView::new(name, summary))),
            form => self.query.map(|query| serialized(FormView::new(query))),
        })?;
        Ok(page)
    }
}

/// A template value from anything serde can serialize.
fn serialized(value: impl Serialize) -> Value {
    Value::from(minijinja::value::Serde(value))
}

/// A page that says why a request failed (a bad query parameter, a table that cannot be
/// read), escaped like every other page.
pub fn error_page(status: u16, heading: &str, message: &str) -> Result<String, Error> {
    Ok(environment()?.get_template(ERROR_PAGE)?.render(context! {
        status => status,
        heading => heading,
        message => message,
    })?)
}

#[derive(Serialize)]
struct WeekView {
    /// `2024-W19`, as ISO 8601 writes a week.
    iso_week: String,
    week_start: String,
    week_end: String,
    open_houses: u64,
}

impl WeekView {
    fn new(week: &openhouse_insights::BusiestWeek) -> Self {
        WeekView {
            iso_week: format!("{}-W{:02}", week.iso_year, week.iso_week),
            week_start: week.week_start.to_string(),
            week_end: week.week_end.to_string(),
            open_houses: week.open_houses,
        }
    }
}

#[derive(Serialize)]
struct ZipRow {
    rank: u64,
    zipcode: String,
    open_houses: u64,
    tied: bool,
}

#[derive(Serialize)]
struct QualityView<'a> {
    #[serde(flatten)]
    report: &'a DataQuality,
    rejections: Vec<(&'a str, &'a str, u64)>,
}

impl<'a> QualityView<'a> {
    fn new(report: &'a DataQuality) -> Self {
        QualityView {
            report,
            rejections: report.rejections().collect(),
        }
    }
}

#[derive(Serialize)]
struct SourceView<'a> {
    name: &'a str,
    files: u64,
    rows: u64,
    null_dates: u64,
    null_zipcodes: u64,
    unrecognised_zipcodes: u64,
}

impl<'a> SourceView<'a> {
    fn new(name: &'a str, summary: &ReadSummary) -> Self {
        SourceView {
            name,
            files: summary.files,
            rows: summary.rows,
            null_dates: summary.null_dates,
            null_zipcodes: summary.null_zipcodes,
            unrecognised_zipcodes: summary.unrecognised_zipcodes,
        }
    }
}

#[derive(Serialize)]
struct FormView {
    from: String,
    to: String,
    top: u64,
    max_top: u64,
}

impl FormView {
    fn new(query: &DashboardQuery) -> Self {
        let text =
            |date: Option<openhouse_model::Date>| date.map(|d| d.to_string()).unwrap_or_default();
        FormView {
            from: text(query.from),
            to: text(query.to),
            top: query.top,
            max_top: DashboardQuery::MAX_TOP,
        }
    }
}
