//! The async runtime that delta-rs needs, kept inside the crate so that its API is synchronous.

use std::future::IntoFuture;

use tokio::runtime::{Builder, Handle, Runtime};

use crate::Error;

/// A current-thread tokio runtime owned by one table handle.
///
/// Current-thread, because the callers' parallelism is rayon's and the crate's I/O is a few
/// log and footer reads per call; a multi-thread runtime would add idle worker threads.
pub(crate) struct BlockingRuntime(Option<Runtime>);

impl BlockingRuntime {
    pub(crate) fn new() -> Result<BlockingRuntime, Error> {
        outside_async()?;
        let runtime = Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::io("starting an async runtime for", "delta-rs"))?;
        Ok(BlockingRuntime(Some(runtime)))
    }

    /// Runs `future` to completion on this thread.
    pub(crate) fn block_on<F: IntoFuture>(&self, future: F) -> Result<F::Output, Error> {
        outside_async()?;
        // `None` only while the handle is being dropped, when nothing calls this.
        let runtime = self.0.as_ref().ok_or(Error::InsideAsyncRuntime)?;
        Ok(runtime.block_on(future.into_future()))
    }
}

/// tokio panics when asked to block inside another runtime; that is a caller's mistake,
/// reported as an error instead.
fn outside_async() -> Result<(), Error> {
    match Handle::try_current() {
        Ok(_) => Err(Error::InsideAsyncRuntime),
        Err(_) => Ok(()),
    }
}

impl Drop for BlockingRuntime {
    fn drop(&mut self) {
        // Dropping a runtime normally blocks, which tokio forbids (by panicking) when the
        // handle is dropped inside an async context; nothing runs on it between calls, so
        // there is nothing to wait for.
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}
