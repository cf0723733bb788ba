//! The data-quality panel's numbers, read from the run report that `process --report` writes.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Error;

/// What a pipeline run read, rejected and kept: the report fields the data-quality panel
/// shows. Other fields of the report (its insights, the feed format) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct DataQuality {
    /// Records (events) in the feed.
    pub records_read: u64,
    /// Records that passed validation.
    pub records_valid: u64,
    /// Records dropped for breaking a rule.
    pub records_rejected: u64,
    /// Valid records replaced by a later version of the same open house.
    pub versions_superseded: u64,
    /// Open houses kept: the table's rows.
    pub open_houses: u64,
    /// Problems found, by field and reason; a record with several problems counts under each.
    #[serde(default)]
    pub rejections_by_field: BTreeMap<String, BTreeMap<String, u64>>,
}

impl DataQuality {
    /// Reads the report JSON at `path`.
    pub fn read(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::ReadReport {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&text).map_err(|source| Error::ParseReport {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Parses a report's JSON text.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The problems as (field, reason, count) rows, by field then reason.
    pub fn rejections(&self) -> impl Iterator<Item = (&str, &str, u64)> {
        self.rejections_by_field
            .iter()
            .flat_map(|(field, reasons)| {
                reasons
                    .iter()
                    .map(move |(reason, &count)| (field.as_str(), reason.as_str(), count))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_read_with_its_unknown_fields_ignored() {
        let quality = DataQuality::from_json(
            r#"{"format":"array","records_read":5,"records_valid":4,"records_rejected":1,
                "versions_superseded":1,"open_houses":3,
                "rejections_by_field":{"OpenHouseKey":{"null":1}},"insights":{}}"#,
        )
        .unwrap();
        assert_eq!(quality.open_houses, 3);
        assert_eq!(
            quality.rejections().collect::<Vec<_>>(),
            [("OpenHouseKey", "null", 1)]
        );
    }

    #[test]
    fn a_file_that_is_not_a_report_is_an_error() {
        assert!(DataQuality::from_json(r#"{"records_read":"many"}"#).is_err());
    }
}
