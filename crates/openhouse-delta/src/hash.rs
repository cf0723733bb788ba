//! What identifies a batch: the SHA-256 of its bytes, computed at once or while the batch is
//! read.

use std::fmt;
use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

use crate::Error;

/// The prefix of the `txn` application id that marks a batch as applied; the id is the
/// prefix followed by the batch's hash in hexadecimal.
pub const BATCH_APP_ID_PREFIX: &str = "openhouse.batch.";

/// The SHA-256 of a batch's content: what identifies a batch across runs, so that applying
/// the same batch again is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BatchHash([u8; 32]);

impl BatchHash {
    /// The hash of `content`, e.g. the bytes of the batch's feed file.
    pub fn of(content: &[u8]) -> BatchHash {
        BatchHash(Sha256::digest(content).into())
    }

    /// A hash computed elsewhere (e.g. while streaming the feed through a hasher).
    pub fn from_digest(digest: [u8; 32]) -> BatchHash {
        BatchHash(digest)
    }

    /// A hash written as 64 hexadecimal digits.
    pub fn from_hex(text: &str) -> Result<BatchHash, Error> {
        let bad = || Error::BadBatchHash { text: text.into() };
        if text.len() != 64 || !text.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let mut digest = [0u8; 32];
        for (byte, pair) in digest.iter_mut().zip(text.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| bad())?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
        }
        Ok(BatchHash(digest))
    }

    /// The digest's bytes.
    pub fn digest(&self) -> [u8; 32] {
        self.0
    }

    /// The application id of the `txn` action that marks this batch as applied.
    pub fn app_id(&self) -> String {
        format!("{BATCH_APP_ID_PREFIX}{self}")
    }
}

/// Lower-case hexadecimal.
impl fmt::Display for BatchHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

/// A reader that hashes the bytes it passes on, so that a batch read once (from standard
/// input, say) is identified by the bytes as they were read; see [`BatchHash::reading`].
pub struct HashingReader<R> {
    inner: R,
    state: Arc<Mutex<HashState>>,
}

/// The hash of a [`HashingReader`]'s bytes, once it has read them all.
#[derive(Debug, Clone)]
pub struct PendingBatchHash(Arc<Mutex<HashState>>);

#[derive(Debug, Default)]
struct HashState {
    hasher: Sha256,
    at_end: bool,
}

impl BatchHash {
    /// Wraps `reader` so that what it reads is hashed on the way; the
    /// [`PendingBatchHash`] gives the hash once the reader has reached the end.
    pub fn reading<R: Read>(reader: R) -> (HashingReader<R>, PendingBatchHash) {
        let state = Arc::new(Mutex::new(HashState::default()));
        let pending = PendingBatchHash(Arc::clone(&state));
        (
            HashingReader {
                inner: reader,
                state,
            },
            pending,
        )
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.hasher.update(&buf[..read]);
        if read == 0 && !buf.is_empty() {
            state.at_end = true;
        }
        Ok(read)
    }
}

impl PendingBatchHash {
    /// The hash of every byte read, if the reader reached the end of its input; `None` while
    /// it has not (a hash of part of a batch identifies nothing).
    pub fn finish(&self) -> Option<BatchHash> {
        let state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        state
            .at_end
            .then(|| BatchHash(state.hasher.clone().finalize().into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_hash_is_the_sha256_of_the_content_in_lower_case_hex() {
        // The FIPS 180-2 test vector for "abc".
        let text = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(BatchHash::of(b"abc").to_string(), text);
        assert_eq!(BatchHash::from_hex(text).unwrap(), BatchHash::of(b"abc"));
        assert_eq!(
            BatchHash::from_hex(&text.to_uppercase()).unwrap(),
            BatchHash::of(b"abc")
        );
    }

    #[test]
    fn a_batch_hashed_while_read_has_the_hash_of_its_bytes_once_read_to_the_end() {
        let content = vec![7u8; 20_000];
        let (mut reader, pending) = BatchHash::reading(&content[..]);
        let mut head = [0u8; 100];
        reader.read_exact(&mut head).unwrap();
        assert_eq!(pending.finish(), None);
        io::copy(&mut reader, &mut io::sink()).unwrap();
        assert_eq!(pending.finish(), Some(BatchHash::of(&content)));
    }

    #[test]
    fn text_that_is_not_64_hex_digits_is_not_a_batch_hash() {
        for text in [
            "",
            "ab",
            &"g".repeat(64),
            &"a".repeat(63),
            &"é".repeat(32),
            &"+a".repeat(32),
        ] {
            assert!(
                matches!(BatchHash::from_hex(text), Err(Error::BadBatchHash { .. })),
                "{text}"
            );
        }
    }
}
