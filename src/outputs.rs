//! The rejects file and the run report, each written whole or not at all.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use openhouse_model::Rejection;
use serde::Serialize;

use crate::Error;

/// Writes through `write` to a temporary file beside `path`, then renames it into place.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Error> {
    let fail = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(folder).map_err(fail)?;
    let temporary = tempfile::Builder::new()
        .prefix(".openhouse-")
        .suffix(".tmp")
        .tempfile_in(folder)
        .map_err(fail)?;
    let mut out = BufWriter::new(temporary.as_file());
    write(&mut out).and_then(|()| out.flush()).map_err(fail)?;
    drop(out);
    temporary.as_file().sync_all().map_err(fail)?;
    temporary.persist(path).map_err(|error| fail(error.error))?;
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
