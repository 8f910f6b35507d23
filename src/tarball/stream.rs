//! The decompressed byte stream a tarball walk reads, with the size limit
//! enforced as bytes come out of the decoder, so a gzip bomb is stopped
//! after `limit` bytes rather than after it has filled memory or disk.

use std::io::{self, BufRead, BufReader, Read};

use flate2::bufread::GzDecoder;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The caller's reader, remembering its first failure so that a failing
/// file is reported as a read error and not mistaken for bad gzip data.
/// It also replays the bytes sniffed for the gzip magic.
struct Source<R> {
    sniffed: Vec<u8>,
    inner: R,
    error: Option<io::Error>,
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.sniffed.is_empty() {
            let n = buf.len().min(self.sniffed.len());
            buf[..n].copy_from_slice(&self.sniffed[..n]);
            self.sniffed.drain(..n);
            return Ok(n);
        }
        self.inner.read(buf).map_err(|e| {
            // Interrupted is retried by our callers; it is not a failure.
            if e.kind() == io::ErrorKind::Interrupted {
                return e;
            }
            let copy = io::Error::new(e.kind(), e.to_string());
            self.error.get_or_insert(e);
            copy
        })
    }
}

type Buffered<R> = BufReader<Source<R>>;

enum Layer<R> {
    /// Inside a gzip member.
    Gzip(GzDecoder<Buffered<R>>),
    /// Not gzip: the bytes are passed through as they are.
    Plain(Buffered<R>),
    /// A gzip member ended; what follows decides what comes next.
    Between(Buffered<R>),
    /// Nothing more will be produced.
    Finished(Buffered<R>),
    /// Only while a state change is in progress.
    Moving,
}

/// A reader of decompressed bytes that counts them against a limit.
pub(super) struct Decompressed<R> {
    layer: Layer<R>,
    gzip: bool,
    total: u64,
    limit: u64,
    limit_hit: bool,
    trailing_garbage: bool,
}

impl<R: Read> Decompressed<R> {
    /// Sniffs the gzip magic and sets up the decoder. Input that is not
    /// gzip is passed through, as npm's tar reader also accepts it.
    pub(super) fn new(mut inner: R, limit: u64) -> io::Result<Self> {
        let mut sniffed = Vec::with_capacity(2);
        let mut byte = [0u8; 1];
        while sniffed.len() < 2 {
            match inner.read(&mut byte) {
                Ok(0) => break,
                Ok(_) => sniffed.push(byte[0]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let gzip = sniffed == GZIP_MAGIC;
        let source = BufReader::new(Source {
            sniffed,
            inner,
            error: None,
        });
        let layer = if gzip {
            Layer::Gzip(GzDecoder::new(source))
        } else {
            Layer::Plain(source)
        };
        Ok(Self {
            layer,
            gzip,
            total: 0,
            limit,
            limit_hit: false,
            trailing_garbage: false,
        })
    }

    /// Whether the input started with the gzip magic.
    pub(super) fn is_gzip(&self) -> bool {
        self.gzip
    }

    /// Decompressed bytes produced so far.
    pub(super) fn total(&self) -> u64 {
        self.total
    }

    /// Whether a read failed because the limit was reached.
    pub(super) fn limit_hit(&self) -> bool {
        self.limit_hit
    }

    /// Whether bytes that do not start a gzip member follow the last one.
    pub(super) fn trailing_garbage(&self) -> bool {
        self.trailing_garbage
    }

    /// The caller's reader's own failure, if it had one.
    pub(super) fn take_source_error(&mut self) -> Option<io::Error> {
        let source = match &mut self.layer {
            Layer::Gzip(d) => d.get_mut().get_mut(),
            Layer::Plain(r) | Layer::Between(r) | Layer::Finished(r) => r.get_mut(),
            Layer::Moving => return None,
        };
        source.error.take()
    }

    fn read_layer(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match std::mem::replace(&mut self.layer, Layer::Moving) {
                Layer::Gzip(mut d) => {
                    let result = d.read(buf);
                    match result {
                        Ok(0) => self.layer = Layer::Between(d.into_inner()),
                        other => {
                            self.layer = Layer::Gzip(d);
                            return other;
                        }
                    }
                }
                Layer::Plain(mut r) => {
                    let result = r.read(buf);
                    self.layer = Layer::Plain(r);
                    return result;
                }
                Layer::Between(mut r) => {
                    // Node's gunzip goes on into a further member, so
                    // concatenated members are one stream to npm; anything
                    // else after the last member is never decompressed.
                    let next = match r.fill_buf() {
                        Ok(next) => next,
                        Err(e) => {
                            self.layer = Layer::Between(r);
                            return Err(e);
                        }
                    };
                    if next.is_empty() {
                        self.layer = Layer::Finished(r);
                    } else if next[0] == GZIP_MAGIC[0]
                        && next.get(1).is_none_or(|b| *b == GZIP_MAGIC[1])
                    {
                        self.layer = Layer::Gzip(GzDecoder::new(r));
                    } else {
                        self.trailing_garbage = true;
                        self.layer = Layer::Finished(r);
                    }
                }
                Layer::Finished(r) => {
                    self.layer = Layer::Finished(r);
                    return Ok(0);
                }
                Layer::Moving => return Ok(0),
            }
        }
    }
}

impl<R: Read> Read for Decompressed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // Ask for at most one byte past the limit: reaching the limit
        // exactly is allowed, passing it is not.
        let allowed = self.limit.saturating_sub(self.total).saturating_add(1);
        let want = usize::try_from(allowed).map_or(buf.len(), |a| a.min(buf.len()));
        let n = self.read_layer(&mut buf[..want])?;
        self.total += n as u64;
        if self.total > self.limit {
            self.limit_hit = true;
            return Err(io::Error::other("decompressed size limit exceeded"));
        }
        Ok(n)
    }
}
