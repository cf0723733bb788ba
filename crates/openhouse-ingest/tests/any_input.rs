//! No input makes ingestion panic, and every record is accounted for.

use openhouse_ingest::{Feed, IngestError, IngestOptions, ingest};
use openhouse_model::Collect;
use proptest::prelude::*;

/// Bytes that are mostly JSON's own punctuation, so that near-JSON is common.
fn json_ish() -> impl Strategy<Value = Vec<u8>> {
    let alphabet = b"[]{}\",:\\ \n\rtrue0e1.-aZ\xff\xc3".to_vec();
    prop::collection::vec(prop::sample::select(alphabet), 0..300)
}

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    match Feed::new(bytes) {
        Ok(feed) => match ingest(
            &feed,
            &IngestOptions::default().chunk_records(3),
            Collect::default,
        ) {
            Ok((collected, summary)) => {
                prop_assert_eq!(summary.records_read, feed.len() as u64);
                prop_assert_eq!(
                    summary.records_read,
                    summary.records_valid + summary.records_rejected
                );
                prop_assert_eq!(
                    collected.open_houses.len() as u64 + collected.rejections.len() as u64,
                    summary.records_read
                );
            }
            Err(IngestError::MalformedArray { offset, .. }) => {
                prop_assert!(offset <= bytes.len() as u64)
            }
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        },
        Err(IngestError::MalformedArray { offset, .. }) => {
            prop_assert!(offset <= bytes.len() as u64)
        }
        Err(other) => prop_assert!(false, "unexpected error {other}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn json_ish_bytes_never_panic(bytes in json_ish()) {
        check(&bytes)?;
    }

    #[test]
    fn arrays_of_json_ish_bytes_never_panic(bytes in json_ish()) {
        check(&[b"[".as_slice(), &bytes].concat())?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in any::<Vec<u8>>()) {
        check(&bytes)?;
    }
}

#[test]
fn a_backslash_at_the_end_of_an_array_is_an_error() {
    let error = Feed::new(b"[\"abc\\").unwrap_err();
    assert!(
        matches!(error, IngestError::MalformedArray { offset: 1, .. }),
        "{error}"
    );
}
