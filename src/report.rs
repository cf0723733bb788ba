use std::collections::BTreeMap;

use openhouse_ingest::{Format, IngestSummary};
use openhouse_insights::Insights;
use openhouse_model::Rejection;
use serde::Serialize;

/// What a run read, kept, dropped and wrote. `records_read` always equals
/// `records_valid + records_rejected`; `open_houses` is the rows written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunReport {
    pub format: &'static str,
    pub records_read: u64,
    pub records_valid: u64,
    pub records_rejected: u64,
    /// Valid records that an equal or later version of the same open house replaced.
    pub versions_superseded: u64,
    pub open_houses: u64,
    /// Problems found, by field (`record` for a record that is not a JSON object) and reason.
    /// A rejected record with several problems counts under each.
    pub rejections_by_field: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
    pub insights: Insights,
}

impl RunReport {
    pub(crate) fn new(
        format: Format,
        summary: IngestSummary,
        open_houses: u64,
        rejections: &[Rejection],
        insights: Insights,
    ) -> Self {
        let mut rejections_by_field: BTreeMap<&'static str, BTreeMap<&'static str, u64>> =
            BTreeMap::new();
        for problem in rejections.iter().flat_map(|rejection| &rejection.problems) {
            let field = problem.field.map_or("record", |field| field.name());
            *rejections_by_field
                .entry(field)
                .or_default()
                .entry(problem.reason.code())
                .or_default() += 1;
        }
        RunReport {
            format: match format {
                Format::Array => "array",
                Format::Ndjson => "ndjson",
            },
            records_read: summary.records_read,
            records_valid: summary.records_valid,
            records_rejected: summary.records_rejected,
            versions_superseded: summary.records_valid - open_houses,
            open_houses,
            rejections_by_field,
            insights,
        }
    }

    /// A few lines for a terminal: counts and where the rejections went.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} records read ({} feed): {} valid, {} rejected; {} superseded versions dropped; {} open houses written\n",
            self.records_read,
            self.format,
            self.records_valid,
            self.records_rejected,
            self.versions_superseded,
            self.open_houses
        );
        for (field, reasons) in &self.rejections_by_field {
            for (reason, count) in reasons {
                text.push_str(&format!("  rejected: {field} {reason}: {count}\n"));
            }
        }
        text
    }
}
