//! Where the table holds the batch's keys, and what the batch does to each: decided before
//! anything is written.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use openhouse_parquet::TableFile;
use openhouse_parquet::columns::{DATE_MODIFIED, OPEN_HOUSE_DATE, OPEN_HOUSE_KEY};
use rayon::prelude::*;

use crate::Error;
use crate::merge::rule::{KeyColumns, KeyOutcome, outcome, same_row};
use crate::merge::winners::BatchWinners;

/// A row of the table's files that holds one of the batch's keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HeldRow {
    /// The file, as an index into the table's file list.
    pub file: usize,
    /// The row, counted from the file's first.
    pub row: u64,
    /// Its DateModified, microseconds.
    pub modified: i64,
}

/// What the batch does to the table.
#[derive(Debug, Clone, Default)]
pub(crate) struct MergePlan {
    /// The outcome of each of the batch's rows ([`BatchWinners`] order).
    pub outcomes: Vec<KeyOutcome>,
    /// The table's rows that the batch replaces, by file, each file's rows in order.
    pub superseded: BTreeMap<usize, Vec<HeldRow>>,
}

impl MergePlan {
    /// The batch's rows that go into the table, in table order.
    pub(crate) fn placed(&self) -> impl Iterator<Item = u32> + '_ {
        self.outcomes
            .iter()
            .enumerate()
            .filter(|(_, outcome)| outcome.places_the_batch_row())
            .map(|(row, _)| row as u32)
    }

    /// How many keys had `outcome`.
    pub(crate) fn count(&self, outcome: KeyOutcome) -> u64 {
        self.outcomes.iter().filter(|&&o| o == outcome).count() as u64
    }
}

/// Plans the merge of `winners` into a table made of `files`, of which only `candidates` may
/// hold any of the batch's keys (the others were ruled out, by their bloom filters say).
/// Reads the key, date and DateModified columns of the candidates, row groups in parallel,
/// and whole rows only where an instant is equal and the rows must be compared.
pub(crate) fn plan_merge(
    files: &[PathBuf],
    candidates: &[usize],
    winners: &BatchWinners,
) -> Result<MergePlan, Error> {
    let held = find_held_rows(files, candidates, winners)?;
    let batch = winners.columns()?;
    let latest = |held: &[HeldRow]| held.iter().copied().max_by_key(|held| held.modified);
    // The rule compares whole rows on an equal instant: those are read first, and only those.
    let ties: Vec<(usize, HeldRow)> = held
        .iter()
        .enumerate()
        .filter_map(|(row, held)| {
            let latest = latest(held)?;
            (latest.modified == batch.modified(row)).then_some((row, latest))
        })
        .collect();
    let same: HashMap<usize, bool> = compare_tied_rows(files, &ties, winners)?
        .into_iter()
        .collect();
    let mut plan = MergePlan {
        outcomes: held
            .iter()
            .enumerate()
            .map(|(row, held)| {
                outcome(
                    batch.modified(row),
                    latest(held).map(|held| held.modified),
                    || same.get(&row).copied().unwrap_or(false),
                )
            })
            .collect(),
        superseded: BTreeMap::new(),
    };
    for (row, held) in held.into_iter().enumerate() {
        if plan.outcomes[row] == KeyOutcome::Updated {
            for held in held {
                plan.superseded.entry(held.file).or_default().push(held);
            }
        }
    }
    for rows in plan.superseded.values_mut() {
        rows.sort_by_key(|held| held.row);
    }
    Ok(plan)
}

/// For each of the batch's rows, the table's rows with its key (one, in a table this project
/// wrote; more only if another engine added duplicates).
fn find_held_rows(
    files: &[PathBuf],
    candidates: &[usize],
    winners: &BatchWinners,
) -> Result<Vec<Vec<HeldRow>>, Error> {
    let index = winners.index()?;
    let columns = [OPEN_HOUSE_KEY, OPEN_HOUSE_DATE, DATE_MODIFIED];
    let opened = candidates
        .par_iter()
        .map(|&file| Ok((file, TableFile::open(&files[file], Some(&columns))?)))
        .collect::<Result<Vec<_>, Error>>()?;
    let tasks: Vec<(usize, &TableFile, usize, u64)> = opened
        .iter()
        .flat_map(|(file, table_file)| {
            let mut start = 0;
            table_file
                .row_group_rows()
                .into_iter()
                .enumerate()
                .map(move |(row_group, rows)| {
                    let task = (*file, table_file, row_group, start);
                    start += rows;
                    task
                })
        })
        .collect();
    let found = tasks
        .into_par_iter()
        .map(|(file, table_file, row_group, start)| {
            let mut found = Vec::new();
            let mut row = start;
            for batch in table_file.read(Some(vec![row_group]))? {
                let batch = batch.map_err(openhouse_parquet::Error::from)?;
                let columns = KeyColumns::of(&batch)?;
                for index_in_batch in 0..batch.num_rows() {
                    if let Some(&winner) = index.get(columns.keys.value(index_in_batch)) {
                        found.push((
                            winner,
                            HeldRow {
                                file,
                                row: row + index_in_batch as u64,
                                modified: columns.modified(index_in_batch),
                            },
                        ));
                    }
                }
                row += batch.num_rows() as u64;
            }
            Ok(found)
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let mut held = vec![Vec::new(); winners.len()];
    for (winner, row) in found.into_iter().flatten() {
        held[winner as usize].push(row);
    }
    Ok(held)
}

/// Whether each tied batch row equals the table's row in every column, reading whole rows of
/// the row groups that hold the table's side only.
fn compare_tied_rows(
    files: &[PathBuf],
    ties: &[(usize, HeldRow)],
    winners: &BatchWinners,
) -> Result<Vec<(usize, bool)>, Error> {
    let mut by_file: BTreeMap<usize, HashMap<u64, usize>> = BTreeMap::new();
    for &(winner, held) in ties {
        by_file
            .entry(held.file)
            .or_default()
            .insert(held.row, winner);
    }
    let mut compared = Vec::with_capacity(ties.len());
    for (file, wanted) in by_file {
        let table_file = TableFile::open(&files[file], None)?;
        let mut start = 0;
        for (row_group, rows) in table_file.row_group_rows().into_iter().enumerate() {
            let in_group = start..start + rows;
            if wanted.keys().any(|row| in_group.contains(row)) {
                let mut row = start;
                for batch in table_file.read(Some(vec![row_group]))? {
                    let batch = batch.map_err(openhouse_parquet::Error::from)?;
                    for index_in_batch in 0..batch.num_rows() {
                        if let Some(&winner) = wanted.get(&(row + index_in_batch as u64)) {
                            let same = same_row(winners.rows(), winner, &batch, index_in_batch);
                            compared.push((winner, same));
                        }
                    }
                    row += batch.num_rows() as u64;
                }
            }
            start += rows;
        }
    }
    Ok(compared)
}
