//! What the pipeline keeps of one chunk of input: its valid records, keyed for
//! deduplication, and its rejected records.

use std::convert::Infallible;
use std::sync::Mutex;

use openhouse_dedup::KeyedBatch;
use openhouse_model::{OpenHouseFields, RejectedRecord, Rejection, Sink};

/// The pipeline's sink: one per chunk, filled in parallel.
#[derive(Debug, Default)]
pub(crate) struct ChunkSink {
    pub batch: KeyedBatch,
    pub rejections: Vec<Rejection>,
}

impl Sink for ChunkSink {
    type Error = Infallible;

    fn open_house(&mut self, open_house: &OpenHouseFields<'_>) -> Result<bool, Infallible> {
        self.batch.push(open_house);
        Ok(true)
    }

    fn rejection(&mut self, rejection: &RejectedRecord<'_>) -> Result<bool, Infallible> {
        self.rejections.push(rejection.to_owned());
        Ok(true)
    }

    fn merge(&mut self, later: Self) -> Result<(), Infallible> {
        self.batch.append(&later.batch);
        self.rejections.extend(later.rejections);
        Ok(())
    }
}

/// Chunk sinks kept for reuse: a window's batches, once absorbed, are emptied and handed
/// to the next window's chunks, so their buffers are allocated once per run, not once per
/// chunk.
#[derive(Debug, Default)]
pub(crate) struct SinkPool(Mutex<Vec<ChunkSink>>);

impl SinkPool {
    /// An empty sink, reused when one is free.
    pub fn take(&self) -> ChunkSink {
        self.0
            .lock()
            .ok()
            .and_then(|mut free| free.pop())
            .unwrap_or_default()
    }

    /// Empties the batches and keeps them for later chunks.
    pub fn give_back(&self, batches: Vec<KeyedBatch>) {
        if let Ok(mut free) = self.0.lock() {
            free.extend(batches.into_iter().map(|mut batch| {
                batch.clear();
                ChunkSink {
                    batch,
                    rejections: Vec::new(),
                }
            }));
        }
    }
}
