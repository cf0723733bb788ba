//! Any bytes as the body of a JSON array: the input is prefixed with `[` and a newline, so
//! the layout rule always picks the array path (the parallel structure scan, the sequential
//! diagnosis of malformed arrays, elements across windows).
#![no_main]

use libfuzzer_sys::fuzz_target;
use openhouse_fuzz::{Settings, check_ingest};

fuzz_target!(|data: &[u8]| {
    let (settings, body) = Settings::split(data);
    let mut feed = Vec::with_capacity(body.len() + 2);
    feed.extend_from_slice(b"[\n");
    feed.extend_from_slice(body);
    check_ingest(&feed, settings);
});
