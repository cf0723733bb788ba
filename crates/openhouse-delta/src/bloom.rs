//! Which data files may hold a batch's keys, from their OpenHouseKey bloom filters.

use std::fs::File;

use openhouse_parquet::columns::OPEN_HOUSE_KEY;
use parquet::bloom_filter::Sbbf;
use parquet::file::metadata::ParquetMetaDataReader;

use crate::{ActiveFile, Error, Table};

impl Table {
    /// Whether `file` may hold a row with any of `keys`: `false` means none of them is in
    /// the file; `true` means some may be (a bloom filter has false positives, about 5% per key
    /// and row group for the files this crate writes). A file without a bloom filter on
    /// OpenHouseKey (written by another engine) may hold any key.
    ///
    /// Reads the file's footer and the OpenHouseKey filter of each row group, not its data.
    pub fn file_may_contain_any<K: AsRef<str>>(
        &self,
        file: &ActiveFile,
        keys: &[K],
    ) -> Result<bool, Error> {
        if keys.is_empty() {
            return Ok(false);
        }
        let location = file.location();
        let reader = File::open(location).map_err(Error::io("opening", location))?;
        let metadata = ParquetMetaDataReader::new().parse_and_finish(&reader)?;
        let schema = metadata.file_metadata().schema_descr();
        let Some(column) = (0..schema.num_columns())
            .find(|&index| schema.column(index).path().parts() == [OPEN_HOUSE_KEY])
        else {
            return Ok(true);
        };
        for row_group in metadata.row_groups() {
            let Some(filter) = Sbbf::read_from_column_chunk(row_group.column(column), &reader)?
            else {
                return Ok(true);
            };
            if keys.iter().any(|key| filter.check(key.as_ref())) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::ArrowWriter;

    use super::*;
    use crate::Month;

    #[test]
    fn a_file_without_a_key_bloom_filter_may_contain_any_key() {
        let folder = tempfile::tempdir().unwrap();
        let table = Table::open_or_create(folder.path().join("table")).unwrap();
        // A file as another engine may write it: default properties, no bloom filters.
        let location = folder.path().join("foreign.parquet");
        let schema = Arc::new(Schema::new(vec![Field::new(
            OPEN_HOUSE_KEY,
            DataType::Utf8,
            false,
        )]));
        let keys: ArrayRef = Arc::new(StringArray::from(vec!["OH-1"]));
        let mut writer =
            ArrowWriter::try_new(File::create(&location).unwrap(), schema.clone(), None).unwrap();
        writer
            .write(&RecordBatch::try_new(schema, vec![keys]).unwrap())
            .unwrap();
        writer.close().unwrap();
        let file = ActiveFile {
            path: "foreign.parquet".into(),
            location,
            month: Month::new(2024, 5).unwrap(),
            size_bytes: 0,
            rows: None,
        };
        assert!(table.file_may_contain_any(&file, &["not-there"]).unwrap());
    }
}
