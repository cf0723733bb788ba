//! The pipeline's sink: valid records go straight to the shared deduplicating table, and
//! rejected records stay with their chunk, to be counted and written in input order.

use std::convert::Infallible;

use openhouse_dedup::{Offers, SharedLatestByKey};
use openhouse_model::{OpenHouseFields, RejectedRecord, Rejection, Sink};

/// One per chunk, filled in parallel.
#[derive(Debug)]
pub(crate) struct ChunkSink<'a> {
    offers: Offers<'a>,
    pub rejections: Vec<Rejection>,
}

impl<'a> ChunkSink<'a> {
    pub fn new(latest: &'a SharedLatestByKey) -> Self {
        ChunkSink {
            offers: latest.offers(),
            rejections: Vec::new(),
        }
    }
}

impl Sink for ChunkSink<'_> {
    type Error = Infallible;

    fn open_house(&mut self, open_house: &OpenHouseFields<'_>) -> Result<bool, Infallible> {
        self.offers.offer(open_house);
        Ok(true)
    }

    fn rejection(&mut self, rejection: &RejectedRecord<'_>) -> Result<bool, Infallible> {
        self.rejections.push(rejection.to_owned());
        Ok(true)
    }

    fn finish(&mut self) -> Result<(), Infallible> {
        self.offers.flush();
        Ok(())
    }

    fn merge(&mut self, later: Self) -> Result<(), Infallible> {
        self.rejections.extend(later.rejections);
        Ok(())
    }
}
