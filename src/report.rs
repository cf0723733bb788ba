//! What a run read, kept, dropped and wrote, and where its time went.

use std::collections::BTreeMap;
use std::fmt::Write;

use openhouse_ingest::{Compression, Format, IngestSummary, StageTime};
use openhouse_insights::Insights;
use openhouse_model::Rejection;
use openhouse_parquet::WriteSummary;
use serde::{Deserialize, Serialize};

/// What a run read, kept, dropped and wrote. `records_read` always equals
/// `records_valid + records_rejected`, and `records_valid` equals
/// `open_houses + versions_superseded`.
///
/// A run that merges a batch into an existing table ([`Pipeline::merge`](crate::Pipeline::merge))
/// counts the batch in these fields (`open_houses` is then the batch's own latest versions),
/// says what became of them in [`RunReport::merge`], and gives the insights of the whole
/// table after the merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunReport {
    /// The feed's layout.
    pub format: Format,
    /// The compression the feed came in, if any.
    #[serde(default)]
    pub compression: Option<Compression>,
    /// Records read: array elements, or non-blank NDJSON lines.
    pub records_read: u64,
    /// Records that passed every rule.
    pub records_valid: u64,
    /// Records dropped, each with its problems (in the rejects file).
    pub records_rejected: u64,
    /// Valid records that an equal or later version of the same open house replaced.
    pub versions_superseded: u64,
    /// Rows of the table: the latest version of each open house (in a merge, of the batch).
    pub open_houses: u64,
    /// Problems found, by field (`record` for a record that is not a JSON object) and
    /// reason. A rejected record with several problems counts under each.
    pub rejections_by_field: BTreeMap<String, BTreeMap<String, u64>>,
    /// The three insights of the table (in a merge, of the whole table after it).
    pub insights: Insights,
    /// The Parquet table as written, when the run wrote one file.
    #[serde(default)]
    pub table: Option<WriteSummary>,
    /// What merging the batch into an existing table did, when the run was a merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<MergeReport>,
    /// Worker threads the run used.
    #[serde(default)]
    pub threads: usize,
    /// Wall and CPU time of each stage.
    #[serde(default)]
    pub stages: StageTimes,
}

/// The layout of a table a batch is merged into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TableLayout {
    /// One Parquet file, rewritten whole.
    Parquet,
    /// A Delta Lake table partitioned by month of OpenHouseDate.
    Delta,
}

/// What merging one batch into an existing table did, key by key (docs/incremental.md).
/// `keys_inserted + keys_updated + keys_unchanged` is the batch's open houses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MergeReport {
    /// The table's layout.
    pub layout: TableLayout,
    /// Keys the table did not hold: their rows were added.
    pub keys_inserted: u64,
    /// Keys whose row the batch replaced: a later `DateModified` (at the table's microsecond
    /// precision), or an equal one with other values.
    pub keys_updated: u64,
    /// Keys the batch left as they were: the table's version is later (a late, older version
    /// arrived), or equal in every column.
    pub keys_unchanged: u64,
    /// Rows of the table after the merge.
    pub table_rows: u64,
    /// The month partitions (`YYYY-MM`) whose files the merge replaced or added, in order
    /// (Delta layout; a single file has no partitions and is rewritten whole).
    pub partitions_rewritten: Vec<String>,
    /// Whether the table already held this batch (Delta layout, known by the SHA-256 of the
    /// batch's bytes), so that nothing was changed and every count above is zero.
    pub already_applied: bool,
    /// The table's Delta version after the merge (Delta layout).
    pub delta_version: Option<u64>,
}

/// Wall and CPU time of each stage of a run. A stage whose CPU time is close to its wall
/// time ran on one core.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StageTimes {
    /// Reading (and decompressing) the input, on its own thread: the wall time is how long
    /// the run waited for it, the CPU time all the reader thread spent, most of it while the
    /// other stages ran.
    pub read: StageTime,
    /// Finding the records.
    pub split: StageTime,
    /// Parsing and validating them, each valid record then offered to its worker thread's
    /// table of latest versions.
    pub parse: StageTime,
    /// Merging the worker threads' tables into one.
    pub dedup: StageTime,
    /// Putting the table in order.
    pub sort: StageTime,
    /// Gathering and encoding the table's columns (in a merge, also reading the rows of the
    /// table it rewrites and merging the batch into them).
    pub encode: StageTime,
    /// Writing the rejects and the encoded table out: the time spent in `write` calls. The
    /// table's row groups are written while the next ones are encoded, so for the table this
    /// overlaps encoding, whose time is the rest of the table's.
    pub write: StageTime,
    /// Counting the insights.
    pub insights: StageTime,
    /// Syncing the outputs and putting them in place.
    pub publish: StageTime,
}

impl StageTimes {
    /// Each stage with its name, in the order a run goes through them.
    pub fn named(&self) -> [(&'static str, StageTime); 9] {
        [
            ("read", self.read),
            ("split", self.split),
            ("parse", self.parse),
            ("dedup", self.dedup),
            ("sort", self.sort),
            ("encode", self.encode),
            ("write", self.write),
            ("insights", self.insights),
            ("publish", self.publish),
        ]
    }
}

/// Problem counts by field and reason, filled as rejections stream past.
#[derive(Debug, Clone, Default)]
pub(crate) struct RejectionCounts(BTreeMap<String, BTreeMap<String, u64>>);

impl RejectionCounts {
    pub fn add(&mut self, rejection: &Rejection) {
        for problem in &rejection.problems {
            let field = problem.field.map_or("record", |field| field.name());
            *self
                .0
                .entry(field.to_owned())
                .or_default()
                .entry(problem.reason.code().to_owned())
                .or_default() += 1;
        }
    }
}

impl RunReport {
    pub(crate) fn new(
        summary: &IngestSummary,
        open_houses: u64,
        rejections: RejectionCounts,
        insights: Insights,
    ) -> RunReport {
        RunReport {
            format: summary.format,
            compression: summary.compression,
            records_read: summary.records_read,
            records_valid: summary.records_valid,
            records_rejected: summary.records_rejected,
            versions_superseded: summary.records_valid.saturating_sub(open_houses),
            open_houses,
            rejections_by_field: rejections.0,
            insights,
            table: None,
            merge: None,
            threads: 0,
            stages: StageTimes::default(),
        }
    }

    /// A few lines for a terminal: counts and where the rejections went.
    pub fn summary(&self) -> String {
        let kept = if self.merge.is_some() {
            "in the batch"
        } else {
            "written"
        };
        let mut text = format!(
            "{} records read ({} feed): {} valid, {} rejected; {} superseded versions dropped; {} open houses {kept}\n",
            self.records_read,
            self.format,
            self.records_valid,
            self.records_rejected,
            self.versions_superseded,
            self.open_houses
        );
        for (field, reasons) in &self.rejections_by_field {
            for (reason, count) in reasons {
                let _ = writeln!(text, "  rejected: {field} {reason}: {count}");
            }
        }
        if let Some(merge) = &self.merge {
            text.push_str(&merge.summary());
        }
        text
    }

    /// The stage times as a small table: wall, CPU, cores kept busy by the stage's own
    /// work, and cores kept busy counting the reader thread's reading ahead meanwhile
    /// ([`StageTime::alongside_cpu`]). The reader runs alongside the other stages, so its
    /// own row has no cores figures ([`StageTimes::read`]).
    pub fn stage_table(&self) -> String {
        let mut text = format!(
            "{:<9} {:>10} {:>10} {:>6} {:>12}\n",
            "stage", "wall ms", "cpu ms", "cores", "with reader"
        );
        for (name, time) in self.stages.named() {
            let wall = time.wall.as_secs_f64() * 1000.0;
            let cpu = time.cpu.as_secs_f64() * 1000.0;
            let alongside = time.alongside_cpu.as_secs_f64() * 1000.0;
            let busy = |cpu: f64| match name {
                "read" => "-".to_owned(),
                _ if wall > 0.0 => format!("{:.2}", cpu / wall),
                _ => "0.00".to_owned(),
            };
            let (cores, with_reader) = (busy(cpu), busy(cpu + alongside));
            let _ = writeln!(
                text,
                "{name:<9} {wall:>10.1} {cpu:>10.1} {cores:>6} {with_reader:>12}"
            );
        }
        text.push_str(
            "(read: wall is the wait for the reader thread, whose CPU overlaps the other stages; \
             with reader: cores busy counting the reader's CPU time during the stage)\n",
        );
        text
    }
}

impl MergeReport {
    /// A few lines for a terminal: what the merge did to the table.
    pub fn summary(&self) -> String {
        let version = self
            .delta_version
            .map(|version| format!(" (Delta version {version})"))
            .unwrap_or_default();
        if self.already_applied {
            return format!(
                "merge: the table already holds this batch; nothing changed{version}\n"
            );
        }
        let mut text = format!(
            "merge: {} keys inserted, {} updated, {} unchanged; the table has {} rows{version}\n",
            self.keys_inserted, self.keys_updated, self.keys_unchanged, self.table_rows
        );
        if self.layout == TableLayout::Delta {
            let months = match self.partitions_rewritten.as_slice() {
                [] => "none".to_owned(),
                months => months.join(", "),
            };
            let _ = writeln!(text, "  partitions rewritten: {months}");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use openhouse_insights::Tally;

    use super::*;

    fn stage(wall_ms: u64, cpu_ms: u64, alongside_ms: u64) -> StageTime {
        StageTime {
            wall: Duration::from_millis(wall_ms),
            cpu: Duration::from_millis(cpu_ms),
            alongside_cpu: Duration::from_millis(alongside_ms),
        }
    }

    #[test]
    fn the_stage_table_counts_the_reader_only_in_its_own_column() {
        let mut report = RunReport::new(
            &IngestSummary::default(),
            0,
            RejectionCounts::default(),
            Tally::default().insights(5),
        );
        report.stages.read = stage(5, 300, 0);
        report.stages.split = stage(100, 110, 90);
        report.stages.sort = stage(50, 85, 0);
        let table = report.stage_table();
        let row = |name: &str| -> Vec<String> {
            let line = table.lines().find(|line| line.starts_with(name)).unwrap();
            line.split_whitespace().map(str::to_owned).collect()
        };
        assert_eq!(
            row("stage")[1..],
            ["wall", "ms", "cpu", "ms", "cores", "with", "reader"]
        );
        assert_eq!(row("read")[1..], ["5.0", "300.0", "-", "-"]);
        assert_eq!(row("split")[1..], ["100.0", "110.0", "1.10", "2.00"]);
        assert_eq!(row("sort")[1..], ["50.0", "85.0", "1.70", "1.70"]);
        assert_eq!(row("dedup")[1..], ["0.0", "0.0", "0.00", "0.00"]);
    }
}
