//! Defences against the parquet crate on damaged files, found by fuzzing (fuzz/, target
//! `parquet_insight_rows`). A reader of other engines' files must stop with an error on
//! any file, so:
//!
//! - **Panics.** The crate panics on some damaged files instead of returning an error (a
//!   data page that uses a dictionary the column chunk does not have). Each call into its
//!   decoding runs in [`decoding`], and a panic becomes [`Error::Damaged`] naming the file.
//!   The panic hook still runs (by default it prints the panic to standard error); a library
//!   does not replace the process's hook.
//! - **Endless skipping.** When a page header declares a long list of fields to skip, the
//!   crate skips each through a `Read` that returns 0 bytes at the end of the file without
//!   complaint, so a few bytes can make it read the end of the file 2^31 times (minutes).
//!   Files are read through [`FileChunks`], whose readers fail at the end of the file.
//!   (A skipped list of booleans consumes no bytes at all; that spin, seconds long, only
//!   the crate can fix.)

use std::any::Any;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use bytes::Bytes;
use parquet::file::reader::{ChunkReader, Length};

use crate::Error;

/// Runs `step`, a call into the parquet crate's decoding of the file at `path`.
pub(super) fn decoding<T>(path: &Path, step: impl FnOnce() -> T) -> Result<T, Error> {
    // Unwind safety: after a panic the decoder that panicked is dropped with the error, and
    // nothing it touched is used again.
    catch_unwind(AssertUnwindSafe(step)).map_err(|payload| Error::Damaged {
        path: path.to_path_buf(),
        message: panic_message(payload.as_ref()),
    })
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// A Parquet file whose readers fail at its end instead of returning 0 bytes: the crate
/// reads page headers through them, and a header never ends at the end of the file.
pub(super) struct FileChunks(File);

impl FileChunks {
    pub(super) fn new(file: File) -> FileChunks {
        FileChunks(file)
    }
}

impl Length for FileChunks {
    fn len(&self) -> u64 {
        self.0.len()
    }
}

impl ChunkReader for FileChunks {
    type T = EndIsAnError<BufReader<File>>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        self.0.get_read(start).map(EndIsAnError)
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.0.get_bytes(start, length)
    }
}

/// A reader for which the end of its input is an error.
pub(super) struct EndIsAnError<R>(R);

impl<R: Read> Read for EndIsAnError<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.0.read(buf)? {
            0 if !buf.is_empty() => Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file ends inside a page header",
            )),
            read => Ok(read),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_at_the_end_is_an_error_and_before_it_is_not() {
        let mut reader = EndIsAnError(&b"ab"[..]);
        let mut buf = [0; 4];
        assert_eq!(reader.read(&mut buf).unwrap(), 2);
        assert_eq!(reader.read(&mut []).unwrap(), 0);
        let end = reader.read(&mut buf).unwrap_err();
        assert_eq!(end.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn a_panic_becomes_an_error_naming_the_file_and_a_value_passes() {
        let path = Path::new("t.parquet");
        assert_eq!(decoding(path, || 7).unwrap(), 7);
        let error = decoding(path, || -> u8 { panic!("bad page") }).unwrap_err();
        assert_eq!(
            error.to_string(),
            "t.parquet is damaged: the Parquet decoder failed on it (bad page)"
        );
    }
}
