//! Throughput of each stage on a generated feed shaped like the real one, with 0.5% of the
//! records invalid as in the peer comparison (`benches/peers/`).
//! `cargo bench --bench pipeline`; compare runs with criterion's saved baselines.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use openhouse::Pipeline;
use openhouse::dedup::LatestByKey;
use openhouse::ingest::{Feed, IngestOptions, ingest};
use openhouse::model::Collect;
use openhouse::parquet::{WriteOptions, write_parquet};
use openhouse_generate::{Generator, Layout};

const EVENTS: usize = 100_000;

fn feeds() -> [(&'static str, Vec<u8>); 2] {
    let generator = Generator::new(2024).events(EVENTS).invalid(0.005);
    [
        ("array", generator.layout(Layout::PrettyArray).to_bytes()),
        ("ndjson", generator.layout(Layout::Ndjson).to_bytes()),
    ]
}

fn stages(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    for (format, feed) in feeds() {
        group.throughput(Throughput::Bytes(feed.len() as u64));
        for threads in [1, 2] {
            let pipeline = Pipeline::builder().threads(threads).build();
            group.bench_with_input(
                BenchmarkId::new(format!("process/{format}"), threads),
                &feed,
                |b, feed| b.iter(|| pipeline.process(black_box(feed)).unwrap()),
            );
        }
        group.bench_with_input(BenchmarkId::new("split", format), &feed, |b, feed| {
            b.iter(|| Feed::new(black_box(feed)).unwrap().len())
        });
    }
    group.finish();

    let (_, feed) = &feeds()[1];
    let parsed = Feed::new(feed).unwrap();
    let (collected, _) = ingest(&parsed, &IngestOptions::default(), Collect::default).unwrap();
    let mut group = c.benchmark_group("stages");
    group.sample_size(10);
    group.throughput(Throughput::Elements(collected.open_houses.len() as u64));
    group.bench_function("dedup", |b| {
        b.iter(|| {
            collected
                .open_houses
                .iter()
                .cloned()
                .collect::<LatestByKey>()
                .into_sorted_vec()
        })
    });
    let table = collected
        .open_houses
        .iter()
        .cloned()
        .collect::<LatestByKey>()
        .into_sorted_vec();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("bench.parquet");
    group.bench_function("write_parquet", |b| {
        b.iter(|| write_parquet(&path, black_box(&table), &WriteOptions::default()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
