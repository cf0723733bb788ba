//! Any bytes as a feed (array, NDJSON, compressed, not JSON at all): ingestion never panics,
//! accounts for every record, and does not depend on block or chunk sizes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openhouse_fuzz::{Settings, check_ingest};

fuzz_target!(|data: &[u8]| {
    let (settings, feed) = Settings::split(data);
    check_ingest(feed, settings);
});
