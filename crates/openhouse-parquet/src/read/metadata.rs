//! A file's footer, with its columns typed from the Parquet schema.
//!
//! The Arrow schema that writers embed (`ARROW:schema`, base64 of an IPC message) is never
//! decoded whole: arrow-ipc's decoder (`fb_to_schema`) panics on some corrupt values in it,
//! such as an unknown time unit (found by fuzzing: fuzz/, target `parquet_insight_rows`), and
//! a reader must not panic on a file. The Parquet schema alone types every column the
//! reader needs but one: a date column that arrow-rs wrote as plain INT64, without type
//! coercion (`Date64`, `Timestamp(Second)`). For that one, the embedded schema is read
//! field by field with the flatbuffer accessors, which return `None` on anything
//! unexpected.

use std::fs::File;
use std::sync::Arc;

use arrow_schema::{DataType, Schema, TimeUnit};
use base64::Engine;
use parquet::arrow::ARROW_SCHEMA_META_KEY;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::errors::ParquetError;
use parquet::file::metadata::FileMetaData;

/// The footer of `reader`, with `date_column` typed as the embedded Arrow schema says when
/// the Parquet schema says plain INT64 and the embedded one a date or timestamp.
pub(super) fn load(reader: &File, date_column: &str) -> Result<ArrowReaderMetadata, ParquetError> {
    let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    let metadata = ArrowReaderMetadata::load(reader, options.clone())?;
    let schema = metadata.schema();
    let Ok(index) = schema.index_of(date_column) else {
        return Ok(metadata);
    };
    if schema.field(index).data_type() != &DataType::Int64 {
        return Ok(metadata);
    }
    let Some(date_type) = embedded_date_type(metadata.metadata().file_metadata(), date_column)
    else {
        return Ok(metadata);
    };
    let fields: Vec<_> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(at, field)| match at == index {
            true => Arc::new(field.as_ref().clone().with_data_type(date_type.clone())),
            false => Arc::clone(field),
        })
        .collect();
    let hinted = Schema::new_with_metadata(fields, schema.metadata().clone());
    ArrowReaderMetadata::try_new(
        Arc::clone(metadata.metadata()),
        options.with_schema(Arc::new(hinted)),
    )
}

/// The type the embedded Arrow schema gives `column` when it is a 64-bit date or timestamp
/// (the zone left out: the reader takes the date as stored); `None` when there is no
/// embedded schema, it cannot be read, or it says something else.
fn embedded_date_type(file: &FileMetaData, column: &str) -> Option<DataType> {
    let encoded = file.key_value_metadata().and_then(|pairs| {
        pairs
            .iter()
            .find(|pair| pair.key == ARROW_SCHEMA_META_KEY)
            .and_then(|pair| pair.value.as_deref())
    })?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    // An IPC message may start with a continuation marker and its length, as parquet's own
    // reader allows.
    let message = match bytes.strip_prefix(&[0xff; 4]) {
        Some(rest) if rest.len() > 4 => &rest[4..],
        _ => &bytes[..],
    };
    let fields = arrow_ipc::root_as_message(message)
        .ok()?
        .header_as_schema()?
        .fields()?;
    let field = fields.iter().find(|field| field.name() == Some(column))?;
    if let Some(date) = field.type_as_date() {
        return (date.unit() == arrow_ipc::DateUnit::MILLISECOND).then_some(DataType::Date64);
    }
    let unit = match field.type_as_timestamp()?.unit() {
        arrow_ipc::TimeUnit::SECOND => TimeUnit::Second,
        arrow_ipc::TimeUnit::MILLISECOND => TimeUnit::Millisecond,
        arrow_ipc::TimeUnit::MICROSECOND => TimeUnit::Microsecond,
        arrow_ipc::TimeUnit::NANOSECOND => TimeUnit::Nanosecond,
        _ => return None,
    };
    Some(DataType::Timestamp(unit, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use parquet::file::metadata::KeyValue;
    use parquet::schema::types::Type;

    fn file_with(key_value: Option<&str>) -> FileMetaData {
        let schema = Type::group_type_builder("schema").build().unwrap();
        FileMetaData::new(
            1,
            0,
            None,
            key_value.map(|value| {
                vec![KeyValue::new(
                    ARROW_SCHEMA_META_KEY.to_owned(),
                    value.to_owned(),
                )]
            }),
            Arc::new(parquet::schema::types::SchemaDescriptor::new(Arc::new(
                schema,
            ))),
            None,
        )
    }

    #[test]
    fn dates_and_timestamps_of_64_bits_are_found_in_the_embedded_schema() {
        let schema = Schema::new(vec![
            arrow_schema::Field::new("Days", DataType::Date64, true),
            arrow_schema::Field::new(
                "Seconds",
                DataType::Timestamp(TimeUnit::Second, Some("UTC".into())),
                true,
            ),
            arrow_schema::Field::new("Other", DataType::Date32, true),
        ]);
        let file = file_with(Some(&parquet::arrow::encode_arrow_schema(&schema)));
        assert_eq!(embedded_date_type(&file, "Days"), Some(DataType::Date64));
        assert_eq!(
            embedded_date_type(&file, "Seconds"),
            Some(DataType::Timestamp(TimeUnit::Second, None))
        );
        assert_eq!(embedded_date_type(&file, "Other"), None);
        assert_eq!(embedded_date_type(&file, "Missing"), None);
    }

    #[test]
    fn no_embedded_schema_or_an_unreadable_one_gives_no_type() {
        for value in [
            None,
            Some("not base64!"),
            Some("AAAA"),
            Some("/////wAAAAA="),
        ] {
            assert_eq!(
                embedded_date_type(&file_with(value), "Days"),
                None,
                "{value:?}"
            );
        }
    }
}
