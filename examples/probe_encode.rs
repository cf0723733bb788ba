//! Temporary probe: where the encode stage's time goes.
use std::time::Instant;

fn main() {
    let feed = std::fs::read("/tmp/oh/feed.ndjson").unwrap();
    let processed = openhouse::Pipeline::default().process(&feed).unwrap();
    let table = &processed.table;
    for _ in 0..2 {
        let started = Instant::now();
        let batches: Vec<_> = openhouse::parquet::record_batches(table, 1 << 20).collect();
        println!("gather {:?}", started.elapsed());
        let started = Instant::now();
        let (bytes, _) = openhouse::parquet::write_table(
            Vec::new(),
            table,
            &openhouse::parquet::WriteOptions::default(),
        )
        .unwrap();
        println!(
            "gather+encode {:?} {} bytes",
            started.elapsed(),
            bytes.len()
        );
        drop(batches);
        for level in [1, 3] {
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
}
