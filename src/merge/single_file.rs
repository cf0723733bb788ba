//! The single-file layout: the base table read, the batch merged, the whole table written to
//! the output (a temporary file renamed into place by the publish module, so the output may be
//! the base itself).

use std::path::Path;

use openhouse_insights::Tally;
use openhouse_parquet::{TableWriter, WriteSummary};

use crate::merge::plan::plan_merge;
use crate::merge::rewrite::Rewrite;
use crate::merge::rule::KeyOutcome;
use crate::merge::winners::BatchWinners;
use crate::merge::{MergeOutcome, tally_rows};
use crate::publish::OutputWriter;
use crate::report::{MergeReport, TableLayout};
use crate::{Error, Pipeline};

/// Merges `winners` into the table at `base`, writing the result to `out`.
pub(crate) fn merge_into_file(
    pipeline: &Pipeline,
    base: &Path,
    winners: &BatchWinners,
    out: &mut OutputWriter,
) -> Result<(MergeOutcome, WriteSummary), Error> {
    let files = [base.to_path_buf()];
    let plan = plan_merge(&files, &[0], winners)?;
    let rewrite = Rewrite {
        files: vec![(0, &files[0])],
        superseded: &plan.superseded,
        batch: winners.rows(),
        placed: plan.placed().collect(),
    };
    let mut writer =
        TableWriter::try_new(out, pipeline.write_options()).map_err(Error::from_storage)?;
    let mut tally = Tally::default();
    rewrite.run(&mut |rows| {
        tally_rows(&rows, &mut tally)?;
        writer.write(&rows).map_err(Error::from_storage)
    })?;
    let (_, written) = writer.into_inner().map_err(Error::from_storage)?;
    let report = MergeReport {
        layout: TableLayout::Parquet,
        keys_inserted: plan.count(KeyOutcome::Inserted),
        keys_updated: plan.count(KeyOutcome::Updated),
        keys_unchanged: plan.count(KeyOutcome::Unchanged),
        table_rows: written.rows,
        partitions_rewritten: Vec::new(),
        already_applied: false,
        delta_version: None,
    };
    Ok((MergeOutcome { report, tally }, written))
}
