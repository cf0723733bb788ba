//! The Delta Lake layout: the months a batch touches rewritten, their old files removed and the
//! new ones added in one commit that also marks the batch as applied.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use openhouse_delta::{
    ActiveFile, BatchCommit, BatchHash, CommitOutcome, Month, Table, WrittenFile,
};
use openhouse_ingest::{CancelFlag, IngestError};
use rayon::prelude::*;

use crate::merge::MergeOutcome;
use crate::merge::plan::{MergePlan, plan_merge};
use crate::merge::rewrite::Rewrite;
use crate::merge::rule::KeyOutcome;
use crate::merge::winners::BatchWinners;
use crate::pipeline::tally_files;
use crate::report::{MergeReport, TableLayout};
use crate::{Error, Pipeline};

/// Merges `winners`, the batch whose bytes hash to `batch`, into the Delta table at `path`
/// (created if there is none). Stops before the commit when `cancel` is raised.
pub(crate) fn merge_into_delta(
    pipeline: &Pipeline,
    path: &Path,
    batch: BatchHash,
    winners: &BatchWinners,
    cancel: &CancelFlag,
) -> Result<MergeOutcome, Error> {
    let mut table = Table::open_or_create(path)?;
    if table.contains_batch(&batch)? {
        return already_applied(&table);
    }
    let active = table.active_files()?;
    let locations: Vec<PathBuf> = active
        .iter()
        .map(|file| file.location().to_path_buf())
        .collect();
    let columns = winners.columns()?;
    let keys: Vec<&str> = (0..winners.len())
        .map(|row| columns.keys.value(row))
        .collect();
    let mut candidates = Vec::new();
    for (index, file) in active.iter().enumerate() {
        if table.file_may_contain_any(file, &keys)? {
            candidates.push(index);
        }
    }
    let plan = plan_merge(&locations, &candidates, winners)?;

    // The months the batch's rows go to, and the months that lose a row the batch replaces
    // (a key whose OpenHouseDate moved leaves its old month in the same commit), each with the
    // batch's rows that go into it.
    let mut months: BTreeMap<Month, Vec<u32>> = BTreeMap::new();
    for row in plan.placed() {
        let month = month_of(columns.dates.value(row as usize))?;
        months.entry(month).or_default().push(row);
    }
    for &file in plan.superseded.keys() {
        months.entry(active[file].month()).or_default();
    }

    let written = rewrite_months(
        pipeline, &table, &active, &locations, &plan, &months, winners,
    )?;
    if cancel.is_cancelled() {
        discard(&written);
        return Err(Error::Ingest(IngestError::Cancelled));
    }
    let mut commit = BatchCommit::new(batch);
    commit.removed = active
        .iter()
        .filter(|file| months.contains_key(&file.month()))
        .cloned()
        .collect();
    commit.added = written;
    for (name, outcome) in [
        ("keys_inserted", KeyOutcome::Inserted),
        ("keys_updated", KeyOutcome::Updated),
        ("keys_unchanged", KeyOutcome::Unchanged),
    ] {
        commit.counts.insert(name.to_owned(), plan.count(outcome));
    }
    match table.commit(commit)? {
        // Another writer applied the same batch meanwhile; the new files were deleted.
        CommitOutcome::AlreadyApplied => already_applied(&table),
        CommitOutcome::Committed { version } => {
            let report = MergeReport {
                layout: TableLayout::Delta,
                keys_inserted: plan.count(KeyOutcome::Inserted),
                keys_updated: plan.count(KeyOutcome::Updated),
                keys_unchanged: plan.count(KeyOutcome::Unchanged),
                table_rows: 0,
                partitions_rewritten: months.keys().map(Month::to_string).collect(),
                already_applied: false,
                delta_version: Some(version),
            };
            with_table_state(&table, report)
        }
    }
}

/// Writes one new data file for each month of `months` (none for a month left empty): its
/// files now, less the rows the batch replaces, with the batch's rows listed for it; months in
/// parallel. On a failure, deletes the files already written.
fn rewrite_months(
    pipeline: &Pipeline,
    table: &Table,
    active: &[ActiveFile],
    locations: &[PathBuf],
    plan: &MergePlan,
    months: &BTreeMap<Month, Vec<u32>>,
    winners: &BatchWinners,
) -> Result<Vec<WrittenFile>, Error> {
    let mut jobs = Vec::with_capacity(months.len());
    for (&month, placed) in months {
        let rewrite = Rewrite {
            files: active
                .iter()
                .enumerate()
                .filter(|(_, file)| file.month() == month)
                .map(|(index, _)| (index, &locations[index]))
                .collect(),
            superseded: &plan.superseded,
            batch: winners.rows(),
            placed: placed.clone(),
        };
        let writer = table.create_data_file_with(month, pipeline.write_options())?;
        jobs.push((rewrite, writer));
    }
    let results: Vec<Result<Option<WrittenFile>, Error>> = jobs
        .into_par_iter()
        .map(|(rewrite, mut writer)| {
            let rows = rewrite.run(&mut |rows| Ok(writer.write(&rows)?))?;
            // A month that lost its last row gets no file; dropping the writer removes it.
            Ok((rows > 0).then(|| writer.finish()).transpose()?)
        })
        .collect();
    let mut written = Vec::with_capacity(results.len());
    let mut failure = None;
    for result in results {
        match result {
            Ok(file) => written.extend(file),
            Err(error) => failure = failure.or(Some(error)),
        }
    }
    match failure {
        Some(error) => {
            discard(&written);
            Err(error)
        }
        None => Ok(written),
    }
}

/// The report of a batch the table already holds.
fn already_applied(table: &Table) -> Result<MergeOutcome, Error> {
    let report = MergeReport {
        layout: TableLayout::Delta,
        keys_inserted: 0,
        keys_updated: 0,
        keys_unchanged: 0,
        table_rows: 0,
        partitions_rewritten: Vec::new(),
        already_applied: true,
        delta_version: Some(table.version()),
    };
    with_table_state(table, report)
}

/// Completes `report` with the table's rows, and tallies the insights of the table as
/// committed, reading its active files.
fn with_table_state(table: &Table, mut report: MergeReport) -> Result<MergeOutcome, Error> {
    let (tally, read) = tally_files(&table.parquet_files()?)?;
    report.table_rows = read.rows;
    Ok(MergeOutcome { report, tally })
}

fn month_of(days: i32) -> Result<Month, Error> {
    // Validated dates are in 1900..=2199, so every row of a batch has a month.
    Month::of_days_since_epoch(days).ok_or(Error::MergeColumn {
        column: openhouse_parquet::columns::OPEN_HOUSE_DATE,
    })
}

/// Deletes files written for a commit that will not happen; one that cannot be deleted stays
/// unreferenced, which VACUUM removes.
fn discard(files: &[WrittenFile]) {
    for file in files {
        let _ = std::fs::remove_file(file.location());
    }
}
