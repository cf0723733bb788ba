//! The rejects file and the run report, each written whole or not at all.

use std::io::{self, Write};
use std::path::Path;

use openhouse_model::Rejection;
use openhouse_parquet::write_atomically;
use serde::Serialize;

use crate::Error;

/// Writes a JSON-lines or JSON output file crash-safely, through the same mechanism as the
/// Parquet table.
pub(crate) fn write_output(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    write_atomically(path, |out| {
        write(out).map_err(openhouse_parquet::Error::io("writing", path))
    })?;
    Ok(())
}

/// One line of the rejects file.
#[derive(Serialize)]
struct RejectLine<'a> {
    record: u64,
    line: u64,
    byte: u64,
    problems: Vec<ProblemEntry>,
    text: &'a str,
}

#[derive(Serialize)]
struct ProblemEntry {
    field: Option<&'static str>,
    reason: &'static str,
}

/// The rejects file: NDJSON, one rejection a line, in input order.
pub(crate) fn write_rejects(out: &mut dyn Write, rejections: &[Rejection]) -> io::Result<()> {
    for rejection in rejections {
        let line = RejectLine {
            record: rejection.position.record,
            line: rejection.position.line,
            byte: rejection.position.byte,
            problems: rejection
                .problems
                .iter()
                .map(|problem| ProblemEntry {
                    field: problem.field.map(|field| field.name()),
                    reason: problem.reason.code(),
                })
                .collect(),
            text: &rejection.text,
        };
        write_json(out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

pub(crate) fn write_json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::from)
}

pub(crate) fn write_json_pretty(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
    out.write_all(b"\n")
}
