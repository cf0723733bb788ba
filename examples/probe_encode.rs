//! Temporary probe: the encode stage's time and size by zstd level.
use std::time::Instant;

fn main() {
    let feed = std::fs::read("/tmp/oh/feed.ndjson").unwrap();
    let processed = openhouse::Pipeline::default().process(&feed).unwrap();
    let table = &processed.table;
    for level in [1, 1, 1] {
        let options = openhouse::parquet::WriteOptions::default()
            .zstd_level(level)
            .unwrap();
        let started = Instant::now();
        let (bytes, _) = openhouse::parquet::write_table(Vec::new(), table, &options).unwrap();
        println!(
            "level {level}: {:?} {} bytes",
            started.elapsed(),
            bytes.len()
        );
    }
}
