//! The seam between producing records (ingestion) and consuming them (deduplication, a
//! rejects file, a test collector, a service's own queue).

use crate::{OpenHouse, OpenHouseFields, RejectedRecord, Rejection};

/// Receives every record of a feed: each valid open house and each rejected record, as
/// borrowed views that live only for the call, so nothing is allocated unless the sink
/// keeps it.
///
/// Ingestion pushes; a sink never pulls. Parallel ingestion cuts the input into chunks of
/// whole records and gives each chunk a sink of its own, made by a factory; within a chunk,
/// records arrive in input order. The chunks' sinks are then merged **in input order**: a
/// sink only ever absorbs, through [`Sink::merge`], the sink of the input that immediately
/// follows its own (later input merges into earlier). A sink that writes what it receives
/// somewhere (a file, a queue) can therefore buffer in every sink but the first and append
/// on merge, and the result does not depend on the thread count or chunk size.
///
/// Each call returns `Ok(true)` to go on or `Ok(false)` to stop: after `Ok(false)` the sink
/// receives nothing more, and ingestion stops with the input up to and including that record
/// accounted for. An `Err` stops ingestion too and is handed back to the caller.
pub trait Sink: Send {
    /// What the sink can fail with.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Called once for each valid record.
    fn open_house(&mut self, open_house: &OpenHouseFields<'_>) -> Result<bool, Self::Error>;

    /// Called once for each dropped record.
    fn rejection(&mut self, rejection: &RejectedRecord<'_>) -> Result<bool, Self::Error>;

    /// Called once after the last record of the sink's stretch of input (also when the sink
    /// stopped the run), on the thread that filled it, before any merge: a sink that holds
    /// records back to batch its work hands them on here. Does nothing unless implemented.
    fn finish(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }

    /// Absorbs the sink of the input that immediately follows this one's.
    fn merge(&mut self, later: Self) -> Result<(), Self::Error>
    where
        Self: Sized;
}

impl<S: Sink> Sink for Box<S> {
    type Error = S::Error;

    fn open_house(&mut self, open_house: &OpenHouseFields<'_>) -> Result<bool, Self::Error> {
        (**self).open_house(open_house)
    }

    fn rejection(&mut self, rejection: &RejectedRecord<'_>) -> Result<bool, Self::Error> {
        (**self).rejection(rejection)
    }

    fn finish(&mut self) -> Result<(), Self::Error> {
        (**self).finish()
    }

    fn merge(&mut self, later: Self) -> Result<(), Self::Error> {
        (**self).merge(*later)
    }
}

/// Keeps everything, owned and in input order: for tests and small feeds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Collect {
    /// Every valid record.
    pub open_houses: Vec<OpenHouse>,
    /// Every dropped record.
    pub rejections: Vec<Rejection>,
}

impl Sink for Collect {
    type Error = std::convert::Infallible;

    fn open_house(&mut self, open_house: &OpenHouseFields<'_>) -> Result<bool, Self::Error> {
        self.open_houses.push(OpenHouse::new(*open_house));
        Ok(true)
    }

    fn rejection(&mut self, rejection: &RejectedRecord<'_>) -> Result<bool, Self::Error> {
        self.rejections.push(rejection.to_owned());
        Ok(true)
    }

    fn merge(&mut self, later: Self) -> Result<(), Self::Error> {
        self.open_houses.extend(later.open_houses);
        self.rejections.extend(later.rejections);
        Ok(())
    }
}
