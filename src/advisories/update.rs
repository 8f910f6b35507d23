//! Getting an export into the cache as an index: downloading the OSV
//! export with a conditional request (`lockproof advisories update`), or
//! indexing a local export file (`--advisory-db FILE`) once.
//!
//! An update sends the `ETag` and `Last-Modified` of the index it has; an
//! unchanged export answers 304 and the update ends there, after exactly
//! one request. A changed one streams to a scratch file (size-limited,
//! reported to a progress callback), is indexed beside the old index and
//! renamed over it: until that rename succeeds, the old index is the one
//! in use, so a failed or interrupted update changes nothing.

use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::Path;

use jiff::Timestamp;
use thiserror::Error;
use url::Url;

use super::export::{self, ExportError, Limits};
use super::http::{Http, HttpError, Method, Request};
use super::index::{Builder, Index, IndexError, IndexMeta, Origin};
use super::store::{self, Store};

/// Where OSV publishes its npm export.
pub const DEFAULT_EXPORT_URL: &str =
    "https://osv-vulnerabilities.storage.googleapis.com/npm/all.zip";

/// What an update is doing, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The request is on its way.
    Requesting,
    /// Bytes received so far, of how many (when announced).
    Downloading {
        /// Received.
        done: u64,
        /// Announced by `Content-Length`.
        total: Option<u64>,
    },
    /// Archive entries indexed so far, of how many.
    Indexing {
        /// Read.
        done: u64,
        /// In the archive.
        total: u64,
    },
}

/// What an update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The server said the export has not changed (304); one request.
    Unchanged(IndexMeta),
    /// A new export was downloaded and indexed.
    Updated(IndexMeta),
}

/// Why an update or indexing failed; the previous index, if any, is intact.
#[derive(Debug, Error)]
pub enum UpdateError {
    /// No response.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// A status other than 200 or 304.
    #[error("{url}: HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// The download was larger than allowed.
    #[error("{url}: larger than the limit of {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// The download broke off.
    #[error("{url}: reading the download: {reason}")]
    Download {
        /// The URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// A local file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// The export is not usable.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The index could not be written.
    #[error(transparent)]
    Index(#[from] IndexError),
}

/// Downloads the export at `url` into `store` unless it is unchanged.
pub fn update(
    http: &dyn Http,
    store: &Store,
    url: &Url,
    limits: &Limits,
    progress: &mut dyn FnMut(Progress),
) -> Result<Outcome, UpdateError> {
    store.create().map_err(io_at(store.root()))?;
    let target = store.export_index(url.as_str());
    // An index that does not open is as good as none: download afresh.
    let current = Index::open(&target).ok().map(|i| i.meta().clone());
    let mut headers = vec![("Accept", "application/zip".to_string())];
    if let Some(meta) = &current {
        if let Some(etag) = &meta.etag {
            headers.push(("If-None-Match", etag.clone()));
        }
        if let Some(modified) = &meta.last_modified {
            headers.push(("If-Modified-Since", modified.clone()));
        }
    }
    progress(Progress::Requesting);
    let response = http.send(&Request {
        method: Method::Get,
        url,
        headers,
        body: None,
    })?;
    let shown = url.as_str().to_string();
    match (response.status, current) {
        (304, Some(meta)) => {
            // Only when the check happened is recorded; failing to record
            // it loses nothing but the line "checked …".
            let _ = fs::write(
                store.export_checked(url.as_str()),
                now().to_string().as_bytes(),
            );
            return Ok(Outcome::Unchanged(meta));
        }
        (200, _) => {}
        (status, _) => return Err(UpdateError::Status { url: shown, status }),
    }
    let limit = limits.max_archive_bytes;
    if response.content_length.is_some_and(|n| n > limit) {
        return Err(UpdateError::TooLarge { url: shown, limit });
    }
    let zip = store.scratch("download");
    let result = download(
        response.body,
        &zip,
        &shown,
        limit,
        response.content_length,
        progress,
    )
    .and_then(|()| {
        let origin = Origin::Export { url: shown.clone() };
        let meta = Pending {
            origin,
            etag: response.etag,
            last_modified: response.last_modified,
            downloaded_at: Some(now().to_string()),
        };
        build(&zip, meta, store, &target, limits, progress)
    });
    let _ = fs::remove_file(&zip);
    let meta = result?;
    let _ = fs::write(
        store.export_checked(url.as_str()),
        now().to_string().as_bytes(),
    );
    Ok(Outcome::Updated(meta))
}

/// The index of the export downloaded from `url`, if there is one.
pub fn open_export(store: &Store, url: &Url) -> Result<Option<Index>, IndexError> {
    let path = store.export_index(url.as_str());
    if !path.exists() {
        return Ok(None);
    }
    Index::open(&path).map(Some)
}

/// When the export of `url` was last confirmed current (RFC 3339).
pub fn checked_at(store: &Store, url: &Url) -> Option<String> {
    let text = fs::read_to_string(store.export_checked(url.as_str())).ok()?;
    text.trim().parse::<Timestamp>().ok().map(|t| t.to_string())
}

/// The index of the local export file `zip`, built on first use and
/// reused while the file is unchanged.
pub fn open_file(
    store: &Store,
    zip: &Path,
    limits: &Limits,
    progress: &mut dyn FnMut(Progress),
) -> Result<Index, UpdateError> {
    let target = store.file_index(zip).map_err(io_at(zip))?;
    if let Ok(index) = Index::open(&target) {
        return Ok(index);
    }
    store.create().map_err(io_at(store.root()))?;
    let meta = Pending {
        origin: Origin::File {
            path: zip.display().to_string(),
        },
        etag: None,
        last_modified: None,
        downloaded_at: None,
    };
    build(zip, meta, store, &target, limits, progress)?;
    Ok(Index::open(&target)?)
}

/// The parts of an index's meta known before indexing.
struct Pending {
    origin: Origin,
    etag: Option<String>,
    last_modified: Option<String>,
    downloaded_at: Option<String>,
}

fn build(
    zip: &Path,
    pending: Pending,
    store: &Store,
    target: &Path,
    limits: &Limits,
    progress: &mut dyn FnMut(Progress),
) -> Result<IndexMeta, UpdateError> {
    let mut builder = Builder::new(&store.scratch("records"))?;
    let counts = export::read(
        zip,
        limits,
        &mut |record| builder.add(&record).map_err(|e| e.to_string()),
        &mut |done, total| progress(Progress::Indexing { done, total }),
    );
    let counts = match counts {
        Ok(c) => c,
        Err(e) => {
            builder.discard();
            return Err(e.into());
        }
    };
    let meta = IndexMeta {
        origin: pending.origin,
        etag: pending.etag,
        last_modified: pending.last_modified,
        downloaded_at: pending.downloaded_at,
        indexed_at: now().to_string(),
        records: builder.records(),
        duplicates: builder.duplicates(),
        counts,
    };
    let built = store.scratch("index");
    builder.finish(&meta, &built)?;
    store::install(&built, target).map_err(io_at(target))?;
    Ok(meta)
}

fn download(
    mut body: Box<dyn Read + Send>,
    to: &Path,
    url: &str,
    limit: u64,
    total: Option<u64>,
    progress: &mut dyn FnMut(Progress),
) -> Result<(), UpdateError> {
    let mut file = File::create(to).map_err(io_at(to))?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut done = 0u64;
    let mut reported = 0u64;
    loop {
        let n = body.read(&mut buf).map_err(|e| UpdateError::Download {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
        if n == 0 {
            break;
        }
        done += n as u64;
        if done > limit {
            return Err(UpdateError::TooLarge {
                url: url.to_string(),
                limit,
            });
        }
        file.write_all(buf.get(..n).unwrap_or_default())
            .map_err(io_at(to))?;
        if done - reported >= 1 << 20 {
            reported = done;
            progress(Progress::Downloading { done, total });
        }
    }
    progress(Progress::Downloading { done, total });
    file.sync_all().map_err(io_at(to))
}

/// Now, to the second.
fn now() -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second()).unwrap_or_else(|_| Timestamp::now())
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> UpdateError + '_ {
    move |source| UpdateError::Io {
        path: path.display().to_string(),
        source,
    }
}
