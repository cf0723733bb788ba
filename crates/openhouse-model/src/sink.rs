//! The seam between producing records (ingestion) and consuming them (deduplication, a
//! rejects log, a test collector, a service's own queue).

use crate::{OpenHouse, Rejection};

/// Receives every record of a feed: each valid [`OpenHouse`] and each [`Rejection`].
///
/// Ingestion pushes; a sink never pulls. Parallel ingestion gives each worker its own sink,
/// made by a factory, pushes each worker's share of the feed into it in input order, then
/// folds the sinks together with [`Sink::merge`] in an order that depends on scheduling.
/// A sink whose result must not depend on thread count therefore decides by the records'
/// [`crate::Position`]s, never by arrival order across sinks.
///
/// An `Err` from any method stops ingestion; the error is handed back to the caller.
pub trait Sink: Send + Sized {
    type Error: std::error::Error + Send + Sync + 'static;

    /// Called once for each valid record.
    fn open_house(&mut self, open_house: OpenHouse) -> Result<(), Self::Error>;

    /// Called once for each dropped record.
    fn rejection(&mut self, rejection: Rejection) -> Result<(), Self::Error>;

    /// Absorbs another worker's sink.
    fn merge(&mut self, other: Self) -> Result<(), Self::Error>;
}

/// Keeps everything, in the order merged: for tests and small feeds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Collect {
    pub open_houses: Vec<OpenHouse>,
    pub rejections: Vec<Rejection>,
}

impl Collect {
    /// Puts both lists in input order.
    pub fn sort_by_position(&mut self) {
        self.open_houses
            .sort_by_key(|open_house| open_house.position);
        self.rejections.sort_by_key(|rejection| rejection.position);
    }
}

impl Sink for Collect {
    type Error = std::convert::Infallible;

    fn open_house(&mut self, open_house: OpenHouse) -> Result<(), Self::Error> {
        self.open_houses.push(open_house);
        Ok(())
    }

    fn rejection(&mut self, rejection: Rejection) -> Result<(), Self::Error> {
        self.rejections.push(rejection);
        Ok(())
    }

    fn merge(&mut self, other: Self) -> Result<(), Self::Error> {
        self.open_houses.extend(other.open_houses);
        self.rejections.extend(other.rejections);
        Ok(())
    }
}
