//! The open-house dashboard: one self-contained HTML page of the three insights (the
//! busiest ISO week, the top zip codes, the daily cumulative total) and, when a run report
//! is given, a data-quality panel.
//!
//! The page has no scripts and fetches nothing: styles and charts are inline. Charts are
//! SVG drawn by plotters, with each bar and point titled for hover; the page comes from a
//! minijinja template that escapes every value. [`OpenHouseCounts`] reads a Parquet table
//! (any engine's, see `openhouse_parquet`; with the `delta` feature, a Delta Lake table through
//! its log) and answers the insights of any date range
//! ([`DashboardQuery`]); with the `serve` feature (on by default), [`serve::DashboardServer`]
//! serves the page, re-reading the table when it changes.
//!
//! ```
//! use openhouse_dashboard::{DashboardQuery, DataQuality, OpenHouseCounts, Page};
//! use openhouse_model::{Zip5, parse_date};
//!
//! let counts: OpenHouseCounts = [("2024-05-04", "94521"), ("2024-05-06", "10001")]
//!     .into_iter()
//!     .map(|(date, zip)| (parse_date(date).unwrap(), Zip5::from_zipcode(zip)))
//!     .collect();
//! let query = DashboardQuery::parse("from=2024-05-05&top=3")?;
//! let insights = counts.insights(&query);
//! let report = DataQuality::from_json(r#"{"records_read": 3, "records_valid": 2,
//!     "records_rejected": 1, "versions_superseded": 0, "open_houses": 2,
//!     "rejections_by_field": {"Zipcode": {"<script>": 1}}}"#)?;
//!
//! let html = Page::new(&insights).with_quality(&report).render()?;
//! assert!(html.contains(r#"data-zipcode="10001""#));
//! assert!(!html.contains(r#"data-zipcode="94521""#)); // before the range
//! assert!(html.contains("&lt;script&gt;") && !html.contains("<script"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(missing_docs)]

mod charts;
mod counts;
mod page;
mod quality;
mod query;
#[cfg(feature = "serve")]
pub mod serve;
mod table;

use std::path::PathBuf;

pub use counts::OpenHouseCounts;
pub use page::{Page, error_page};
pub use quality::DataQuality;
pub use query::{DashboardQuery, QueryError, QueryProblem};
pub use table::TableDashboard;

/// Why a page could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// plotters could not draw a chart.
    #[error("drawing the {chart} chart: {message}")]
    Chart {
        /// Which chart.
        chart: &'static str,
        /// What plotters said.
        message: String,
    },
    /// The page template failed to render.
    #[error("rendering the page")]
    Template(#[from] minijinja::Error),
    /// The Parquet table could not be read.
    #[error(transparent)]
    Table(#[from] openhouse_parquet::Error),
    /// The Delta Lake table could not be read.
    #[cfg(feature = "delta")]
    #[error(transparent)]
    Delta(#[from] openhouse_delta::Error),
    /// The run report could not be read.
    #[error("reading the run report {path}")]
    ReadReport {
        /// The report's path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The run report is not the JSON that `process --report` writes.
    #[error("the run report {path} is not a report")]
    ParseReport {
        /// The report's path.
        path: PathBuf,
        /// What is wrong with it.
        source: serde_json::Error,
    },
}

/// The README's example, run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
