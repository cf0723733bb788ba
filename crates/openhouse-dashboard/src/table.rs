//! A table and its run report, read once and re-read when their files change.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use openhouse_parquet::{ParquetFiles, ReadSummary};

use crate::{DashboardQuery, DataQuality, Error, OpenHouseCounts, Page};

/// A file's identity for change detection: its path, modification time and size.
type FileStamp = (PathBuf, Option<SystemTime>, Option<u64>);

/// The dashboard of one table: its counts, what reading it skipped, and the run report.
#[derive(Debug, Clone)]
pub struct TableDashboard {
    table: PathBuf,
    report: Option<PathBuf>,
    stamps: Vec<FileStamp>,
    counts: OpenHouseCounts,
    summary: ReadSummary,
    quality: Option<DataQuality>,
}

impl TableDashboard {
    /// Reads the table at `table` (a Parquet file, a folder of them or a glob, see
    /// `openhouse_parquet::ParquetFiles::locate`; with the `delta` feature also a Delta Lake
    /// table, through its log's active files) and the run report at `report`.
    pub fn load(table: &Path, report: Option<&Path>) -> Result<Self, Error> {
        let files = table_files(table)?;
        // Stamped before reading: a file that changes during the read is read again later.
        let stamps = stamps(&files, report);
        let (counts, summary) = OpenHouseCounts::read(&files)?;
        let quality = report.map(DataQuality::read).transpose()?;
        Ok(TableDashboard {
            table: table.to_path_buf(),
            report: report.map(Path::to_path_buf),
            stamps,
            counts,
            summary,
            quality,
        })
    }

    /// Reads the table and report again if a file was added, removed or changed (by
    /// modification time or size) since they were read; says whether it did.
    pub fn refresh(&mut self) -> Result<bool, Error> {
        let files = table_files(&self.table)?;
        if stamps(&files, self.report.as_deref()) == self.stamps {
            return Ok(false);
        }
        *self = TableDashboard::load(&self.table, self.report.as_deref())?;
        Ok(true)
    }

    /// The open-house counts read.
    pub fn counts(&self) -> &OpenHouseCounts {
        &self.counts
    }

    /// What reading the table found and skipped.
    pub fn summary(&self) -> &ReadSummary {
        &self.summary
    }

    /// The page for `query`'s date range and ranks; `with_form` adds the form that changes
    /// them (for a served page).
    pub fn render(&self, query: &DashboardQuery, with_form: bool) -> Result<String, Error> {
        let insights = self.counts.insights(query);
        let name = self.table.display().to_string();
        let mut page = Page::new(&insights).with_source(&name, &self.summary);
        if with_form {
            page = page.with_query_form(query);
        } else {
            page = page.with_top(query.top);
        }
        if let Some(quality) = &self.quality {
            page = page.with_quality(quality);
        }
        page.render()
    }
}

/// The table's files: a Delta Lake table's from its log (a commit changes the list, and so
/// the stamps), anything else as `openhouse-parquet` locates it.
#[cfg(feature = "delta")]
fn table_files(table: &Path) -> Result<ParquetFiles, Error> {
    Ok(openhouse_delta::locate_table_files(table)?)
}

#[cfg(not(feature = "delta"))]
fn table_files(table: &Path) -> Result<ParquetFiles, Error> {
    Ok(ParquetFiles::locate(table)?)
}

fn stamps(files: &ParquetFiles, report: Option<&Path>) -> Vec<FileStamp> {
    let paths = files.files().iter().map(|file| file.path()).chain(report);
    paths
        .map(|path| {
            let metadata = std::fs::metadata(path).ok();
            (
                path.to_path_buf(),
                metadata.as_ref().and_then(|m| m.modified().ok()),
                metadata.map(|m| m.len()),
            )
        })
        .collect()
}
