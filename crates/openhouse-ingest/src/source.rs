//! Where the bytes come from: a slice in memory, or any reader read in bounded blocks on a
//! thread of its own (decompressing gzip or zstd on the way), with back-pressure, while the
//! workers parse the blocks before.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::Duration;

use crate::detect::{Compression, compression};
use crate::timing::thread_cpu_nanos;
use crate::{CancelFlag, IngestError};

/// The input of a run.
pub enum Input<'a> {
    /// A feed in memory. Uncompressed JSON is read in place, without a copy.
    Bytes(&'a [u8]),
    /// Any reader: a file, standard input, a pipe. It is read on a thread of its own, so it
    /// must own what it reads from.
    Reader(Box<dyn Read + Send>),
}

impl std::fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Input::Bytes(bytes) => write!(f, "Input::Bytes({} bytes)", bytes.len()),
            Input::Reader(_) => f.write_str("Input::Reader(..)"),
        }
    }
}

/// What the reader thread has done so far, shared with the pipeline for progress and timing.
#[derive(Debug, Default)]
pub(crate) struct ReaderStats {
    /// Bytes read from the input as it is stored (before decompression).
    pub raw_bytes: AtomicU64,
    /// CPU time the reader thread has used.
    pub cpu_nanos: AtomicU64,
    /// Time the reader thread spent in `read` calls.
    pub wall_nanos: AtomicU64,
    /// The compression the reader found: 0 none, 1 gzip, 2 zstd.
    compression: AtomicU8,
}

impl ReaderStats {
    fn set_compression(&self, compression: Option<Compression>) {
        let code = match compression {
            None => 0,
            Some(Compression::Gzip) => 1,
            Some(Compression::Zstd) => 2,
        };
        self.compression.store(code, Ordering::Relaxed);
    }

    fn compression(&self) -> Option<Compression> {
        match self.compression.load(Ordering::Relaxed) {
            1 => Some(Compression::Gzip),
            2 => Some(Compression::Zstd),
            _ => None,
        }
    }
}

/// A growing window over the input: the bytes kept from the last window, then the next
/// block.
pub(crate) struct Blocks<'a> {
    source: Source<'a>,
    block_bytes: usize,
    pub stats: Arc<ReaderStats>,
    cancel: Option<CancelFlag>,
}

enum Source<'a> {
    /// The window is `bytes[start..end]`.
    Slice {
        bytes: &'a [u8],
        start: usize,
        end: usize,
    },
    /// The window is `buffer[start..]`; `offset` is where it starts in the decoded input.
    Thread {
        blocks: Receiver<io::Result<Block>>,
        recycle: SyncSender<Vec<u8>>,
        buffer: Vec<u8>,
        start: usize,
        offset: u64,
        ended: bool,
    },
}

/// Room the reader thread leaves before each block's bytes, where the unfinished record of
/// the window before is copied: the window then continues into the new block in place,
/// without the block itself being copied. A record longer than this takes the slow way.
const HEADROOM: usize = 64 << 10;

/// The reader's first block, at most: small, so that the workers start at once instead of
/// waiting for a whole block; each block after is twice the one before, up to the block
/// size.
const FIRST_BLOCK_BYTES: usize = 256 << 10;

/// One block from the reader thread: [`HEADROOM`] bytes of room, then what was read; and
/// whether the input ends with it.
struct Block {
    bytes: Vec<u8>,
    last: bool,
}

impl<'a> Blocks<'a> {
    pub(crate) fn new(
        input: Input<'a>,
        block_bytes: usize,
        cancel: Option<CancelFlag>,
    ) -> Blocks<'a> {
        let stats = Arc::new(ReaderStats::default());
        let block_bytes = block_bytes.max(1);
        let source = match input {
            Input::Bytes(bytes) if compression(bytes).is_none() => {
                stats.raw_bytes.store(bytes.len() as u64, Ordering::Relaxed);
                Source::Slice {
                    bytes,
                    start: 0,
                    end: 0,
                }
            }
            // Compressed bytes in memory are decoded like any reader's.
            Input::Bytes(bytes) => spawn(
                Box::new(io::Cursor::new(bytes.to_vec())),
                block_bytes,
                &stats,
            ),
            Input::Reader(reader) => spawn(reader, block_bytes, &stats),
        };
        Blocks {
            source,
            block_bytes,
            stats,
            cancel,
        }
    }

    /// The compression the input had, once the first window has been read.
    pub(crate) fn compression(&self) -> Option<Compression> {
        self.stats.compression()
    }

    /// Where the current window starts in the decoded input.
    pub(crate) fn offset(&self) -> u64 {
        match &self.source {
            Source::Slice { start, .. } => *start as u64,
            Source::Thread { offset, .. } => *offset,
        }
    }

    pub(crate) fn window(&self) -> &[u8] {
        match &self.source {
            Source::Slice { bytes, start, end } => &bytes[*start..*end],
            Source::Thread { buffer, start, .. } => &buffer[*start..],
        }
    }

    /// Whether the window reaches the end of the input.
    pub(crate) fn at_end(&self) -> bool {
        match &self.source {
            Source::Slice { bytes, end, .. } => *end == bytes.len(),
            Source::Thread { ended, .. } => *ended,
        }
    }

    /// Drops the window's first `consumed` bytes, without reading more.
    pub(crate) fn skip(&mut self, consumed: usize) {
        match &mut self.source {
            Source::Slice { start, end, .. } => *start += consumed.min(*end - *start),
            Source::Thread {
                buffer,
                start,
                offset,
                ..
            } => {
                let consumed = consumed.min(buffer.len() - *start);
                *start += consumed;
                *offset += consumed as u64;
            }
        }
    }

    /// Drops the window's first `consumed` bytes and appends the next block. Returns false
    /// when the input had nothing more.
    pub(crate) fn advance(&mut self, consumed: usize) -> Result<bool, IngestError> {
        self.skip(consumed);
        match &mut self.source {
            Source::Slice { bytes, end, .. } => {
                let grown = (*end + self.block_bytes).min(bytes.len());
                let more = grown > *end;
                *end = grown;
                Ok(more)
            }
            Source::Thread {
                blocks,
                recycle,
                buffer,
                start,
                ended,
                ..
            } => {
                if *ended {
                    return Ok(false);
                }
                let received = loop {
                    match blocks.recv_timeout(Duration::from_millis(100)) {
                        Ok(block) => break block,
                        Err(RecvTimeoutError::Timeout) => {
                            if self.cancel.as_ref().is_some_and(CancelFlag::is_cancelled) {
                                return Err(IngestError::Cancelled);
                            }
                        }
                        Err(RecvTimeoutError::Disconnected) => {
                            break Ok(Block {
                                bytes: Vec::new(),
                                last: true,
                            });
                        }
                    }
                };
                let Block {
                    bytes: mut block,
                    last,
                } = received.map_err(|source| IngestError::Read { source })?;
                let fresh = block.len().saturating_sub(HEADROOM);
                *ended = last;
                let carry = buffer.len() - *start;
                let old = if carry <= HEADROOM && block.len() >= HEADROOM {
                    // The unfinished record moves into the new block's headroom.
                    block[HEADROOM - carry..HEADROOM].copy_from_slice(&buffer[*start..]);
                    *start = HEADROOM - carry;
                    std::mem::replace(buffer, block)
                } else {
                    buffer.drain(..*start);
                    buffer.extend_from_slice(block.get(HEADROOM..).unwrap_or_default());
                    *start = 0;
                    block
                };
                // The reader thread may have stopped; a lost buffer is only a lost reuse.
                let _ = recycle.try_send(old);
                Ok(fresh > 0)
            }
        }
    }
}

/// Starts the reader thread. Its first message is the decoded input's first block; before
/// that it peeks at the raw bytes and wraps the reader in a decoder when they are gzip or
/// zstd.
fn spawn<'a>(
    reader: Box<dyn Read + Send>,
    block_bytes: usize,
    stats: &Arc<ReaderStats>,
) -> Source<'a> {
    // Two blocks in flight at most: one being read, one waiting; memory stays bounded.
    let (send, blocks) = sync_channel::<io::Result<Block>>(1);
    let (recycle, recycled) = sync_channel::<Vec<u8>>(2);
    let thread_stats = Arc::clone(stats);
    let thread_send = send.clone();
    let spawned = std::thread::Builder::new()
        .name("openhouse-reader".into())
        .spawn(move || read_blocks(reader, block_bytes, &thread_stats, &thread_send, &recycled));
    if let Err(error) = spawned {
        // The error is the first block the run receives.
        let _ = send.send(Err(error));
    }
    Source::Thread {
        blocks,
        recycle,
        buffer: Vec::new(),
        start: 0,
        offset: 0,
        ended: false,
    }
}

fn read_blocks(
    reader: Box<dyn Read + Send>,
    block_bytes: usize,
    stats: &ReaderStats,
    send: &SyncSender<io::Result<Block>>,
    recycled: &Receiver<Vec<u8>>,
) {
    let counted = Counted {
        inner: reader,
        stats,
    };
    let mut decoded = match decoder(counted) {
        Ok(decoded) => decoded,
        Err(error) => {
            let _ = send.send(Err(error));
            return;
        }
    };
    let mut this_block_bytes = FIRST_BLOCK_BYTES.min(block_bytes);
    loop {
        let started = std::time::Instant::now();
        let cpu_before = thread_cpu_nanos();
        // Recycled blocks are reused as they are: their bytes are overwritten, never zeroed.
        let mut block = recycled.try_recv().unwrap_or_default();
        block.resize(HEADROOM + this_block_bytes, 0);
        let read = fill(&mut decoded, &mut block[HEADROOM..]);
        stats.cpu_nanos.fetch_add(
            thread_cpu_nanos().saturating_sub(cpu_before),
            Ordering::Relaxed,
        );
        stats
            .wall_nanos
            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        let (last, read) = match read {
            Ok(filled) => {
                block.truncate(HEADROOM + filled);
                let last = filled < this_block_bytes;
                (last, Ok(Block { bytes: block, last }))
            }
            Err(error) => (true, Err(error)),
        };
        // The receiver is gone when the run stopped early: nothing more to do.
        if send.send(read).is_err() || last {
            return;
        }
        this_block_bytes = (this_block_bytes * 2).min(block_bytes);
    }
}

/// Reads until `buffer` is full or the input ends; returns how many bytes were read.
fn fill(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

/// The reader, decompressing when its first bytes say it is gzip or zstd.
fn decoder<'s>(mut reader: Counted<'s>) -> io::Result<Box<dyn Read + 's>> {
    let mut head = Vec::with_capacity(4);
    (&mut reader).take(4).read_to_end(&mut head)?;
    let kind = compression(&head);
    reader.stats.set_compression(kind);
    let chained = io::Cursor::new(head).chain(reader);
    Ok(match kind {
        None => Box::new(chained),
        Some(Compression::Gzip) => Box::new(flate2::read::MultiGzDecoder::new(chained)),
        Some(Compression::Zstd) => Box::new(CorruptIsInvalidData(
            zstd::stream::read::Decoder::new(chained)?,
        )),
    })
}

/// A zstd decoder whose own errors (corrupt data) are `InvalidData`, as flate2's are, so
/// that a corrupt feed is bad input rather than an I/O failure: the zstd crate reports them
/// as `Other`. An error of the reader below carries an OS error code and passes unchanged.
struct CorruptIsInvalidData<R>(R);

impl<R: Read> Read for CorruptIsInvalidData<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|error| {
            if error.kind() == io::ErrorKind::Other && error.raw_os_error().is_none() {
                io::Error::new(io::ErrorKind::InvalidData, error)
            } else {
                error
            }
        })
    }
}

/// Counts the raw bytes read, for progress.
struct Counted<'s> {
    inner: Box<dyn Read + Send>,
    stats: &'s ReaderStats,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.stats
            .raw_bytes
            .fetch_add(read as u64, Ordering::Relaxed);
        Ok(read)
    }
}
