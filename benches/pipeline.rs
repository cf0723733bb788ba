//! Throughput of each stage, and of the whole pipeline at one and two threads, on a
//! generated feed shaped like the real one (32-hex-digit keys, millisecond fractions, about
//! 15% of keys with several versions), 0.5% of its records invalid as in the peer
//! comparison (`benches/peers/`). `cargo bench --bench pipeline`; compare runs with
//! criterion's saved baselines. Ratios against other engines come from `benches/peers/run`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use openhouse::Pipeline;
use openhouse::dedup::{LatestByKey, SharedLatestByKey};
use openhouse::ingest::{IngestOptions, Input, count_records, ingest};
use openhouse::model::{Collect, OpenHouse};
use openhouse::parquet::{WriteOptions, write_table};
use openhouse_generate::{Generator, Layout};

const EVENTS: usize = 200_000;

fn feeds() -> [(&'static str, Vec<u8>); 2] {
    let generator = Generator::new(2024).events(EVENTS).invalid(0.005);
    [
        ("array", generator.layout(Layout::PrettyArray).to_bytes()),
        ("ndjson", generator.layout(Layout::Ndjson).to_bytes()),
    ]
}

/// A sink that keeps nothing: parsing and validation alone.
#[derive(Default)]
struct Discard;

impl openhouse::model::Sink for Discard {
    type Error = std::convert::Infallible;

    fn open_house(
        &mut self,
        open_house: &openhouse::model::OpenHouseFields<'_>,
    ) -> Result<bool, Self::Error> {
        black_box(open_house);
        Ok(true)
    }

    fn rejection(
        &mut self,
        rejection: &openhouse::model::RejectedRecord<'_>,
    ) -> Result<bool, Self::Error> {
        black_box(rejection);
        Ok(true)
    }

    fn merge(&mut self, _: Self) -> Result<(), Self::Error> {
        Ok(())
    }
}

fn end_to_end(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    for (format, feed) in feeds() {
        group.throughput(Throughput::Bytes(feed.len() as u64));
        for threads in [1, 2] {
            let pipeline = Pipeline::builder().threads(threads).unwrap().build();
            group.bench_with_input(
                BenchmarkId::new(format!("process/{format}"), threads),
                &feed,
                |b, feed| b.iter(|| pipeline.process(black_box(feed)).unwrap()),
            );
        }
    }
    group.finish();
}

fn ingestion(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    for (format, feed) in feeds() {
        group.throughput(Throughput::Bytes(feed.len() as u64));
        group.bench_with_input(BenchmarkId::new("split", format), &feed, |b, feed| {
            b.iter(|| {
                count_records(Input::Bytes(black_box(feed)), &IngestOptions::default()).unwrap()
            })
        });
        group.bench_with_input(
            BenchmarkId::new("split+parse+validate", format),
            &feed,
            |b, feed| {
                b.iter(|| {
                    ingest(
                        Input::Bytes(black_box(feed)),
                        &IngestOptions::default(),
                        || Discard,
                    )
                    .unwrap()
                })
            },
        );
    }
    group.finish();
}

fn table_stages(c: &mut Criterion) {
    let (_, feed) = &feeds()[1];
    let (valid, _) = ingest(
        Input::Bytes(feed),
        &IngestOptions::default(),
        Collect::default,
    )
    .unwrap();
    let records: Vec<_> = valid.open_houses.iter().map(OpenHouse::fields).collect();
    let mut group = c.benchmark_group("table");
    group.sample_size(10);
    group.throughput(Throughput::Elements(records.len() as u64));
    group.bench_function("dedup/offer", |b| {
        b.iter(|| black_box(&records).iter().copied().collect::<LatestByKey>())
    });
    // As ingestion offers: through a handle, which offers records a batch at a time.
    group.bench_function("dedup/offers", |b| {
        b.iter(|| {
            let shared = SharedLatestByKey::new();
            let mut offers = shared.offers();
            black_box(&records)
                .iter()
                .for_each(|record| offers.offer(record));
            drop(offers);
            shared.into_latest()
        })
    });
    let (first, second) = records.split_at(records.len() / 2);
    let first: LatestByKey = first.iter().copied().collect();
    let second: LatestByKey = second.iter().copied().collect();
    group.bench_function("dedup/merge-halves", |b| {
        b.iter(|| {
            let mut merged = first.clone();
            merged.merge(black_box(second.clone()));
            merged
        })
    });
    let latest: LatestByKey = records.iter().copied().collect();
    group.throughput(Throughput::Elements(latest.len() as u64));
    group.bench_function("sort", |b| {
        b.iter(|| black_box(latest.clone()).into_table().unwrap())
    });
    let table = latest.into_table().unwrap();
    group.bench_function("gather+encode", |b| {
        b.iter(|| {
            write_table(std::io::sink(), black_box(&table), &WriteOptions::default()).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, end_to_end, ingestion, table_stages);
criterion_main!(benches);
