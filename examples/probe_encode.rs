//! Temporary probe: each column's encoding cost, and the table's size by dictionary choice.
use std::sync::Arc;
use std::time::Instant;

use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};

fn main() {
    let feed = std::fs::read("/tmp/oh/feed.ndjson").unwrap();
    let processed = openhouse::Pipeline::default().process(&feed).unwrap();
    let table = &processed.table;
    let started = Instant::now();
    let batch = openhouse::parquet::record_batch(table, 0..122_880).unwrap();
    println!("gather 122880 rows: {:?}", started.elapsed());
    for (index, field) in batch.schema().fields().iter().enumerate() {
        let schema = Arc::new(batch.schema().project(&[index]).unwrap());
        let column = batch.project(&[index]).unwrap();
        for dictionary in [true, false] {
            let properties = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap()))
                .set_dictionary_enabled(dictionary)
                .set_statistics_enabled(EnabledStatistics::Chunk)
                .build();
            let started = Instant::now();
            let mut out = Vec::new();
            for _ in 0..5 {
                out.clear();
                let mut writer =
                    ArrowWriter::try_new(&mut out, schema.clone(), Some(properties.clone()))
                        .unwrap();
                writer.write(&column).unwrap();
                writer.close().unwrap();
            }
            println!(
                "{:<20} dictionary {dictionary:<5} {:>8.2} ms {:>9} bytes",
                field.name(),
                started.elapsed().as_secs_f64() * 1000.0 / 5.0,
                out.len()
            );
        }
    }
}
