//! Tables for the tests, written as another engine would: arrow-rs with default properties.
// Each test file uses a part of this module.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, Date32Array, RecordBatch, StringArray};
use openhouse_model::{days_since_epoch, parse_date};
use parquet::arrow::ArrowWriter;

/// Writes `rows` of (`OpenHouseDate`, `Zipcode`) to a Parquet file at `path`, through a
/// temporary file renamed into place, as a table writer that readers may watch does.
pub fn write_table(path: &Path, rows: &[(&str, Option<&str>)]) {
    let dates: Vec<i32> = rows
        .iter()
        .map(|(date, _)| days_since_epoch(parse_date(date).unwrap()))
        .collect();
    let zips: Vec<Option<&str>> = rows.iter().map(|(_, zip)| *zip).collect();
    let batch = RecordBatch::try_from_iter([
        (
            "OpenHouseDate",
            Arc::new(Date32Array::from(dates)) as ArrayRef,
        ),
        ("Zipcode", Arc::new(StringArray::from(zips)) as ArrayRef),
    ])
    .unwrap();
    let temporary = path.with_extension("tmp");
    let mut writer = ArrowWriter::try_new(
        std::fs::File::create(&temporary).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    std::fs::rename(&temporary, path).unwrap();
}

/// The number of times `needle` occurs in `haystack`.
pub fn occurrences(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The part of `html` from the element with `id` to its closing tag, `</tag>` (the page
/// nests no element of the same tag inside sections and figures).
pub fn element<'a>(html: &'a str, tag: &str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<{tag} id=\"{id}\""))
        .unwrap_or_else(|| panic!("no <{tag}> with id {id}"));
    let rest = &html[start..];
    let end = rest.find(&format!("</{tag}>")).unwrap_or(rest.len());
    &rest[..end]
}
