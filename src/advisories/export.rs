//! Reading the OSV per-ecosystem export (`npm/all.zip`): a zip of OSV JSON
//! records, one per advisory, read as hostile input.
//!
//! The archive is never extracted: each entry is read into memory, up to a
//! per-record limit, and parsed. Entry names are only looked at to skip
//! what is not a `.json` file; nothing is ever written under them. Entries
//! that are too large, cannot be decompressed (unsupported method,
//! encryption, bad CRC) or are not OSV records are skipped and counted, so
//! one bad record cannot hide the others. Limits on the archive's size,
//! its number of entries and the total bytes decompressed stop a zip bomb
//! with an error; memory stays linear in the archive's size (the zip
//! crate's central directory) plus one record.
//!
//! An archive that yields no live npm record at all is an error: an empty
//! or garbled download must never read as "no advisories".

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::osv::{self, Parsed, Record};

/// Bounds on the work an export can cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Size of the zip file (and of a download).
    pub max_archive_bytes: u64,
    /// Entries in the archive.
    pub max_entries: u64,
    /// One record, decompressed.
    pub max_record_bytes: u64,
    /// All records together, decompressed.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    /// The npm export is about 100 MB zipped (2026), its records a few
    /// kilobytes each; these leave it ten times the room.
    fn default() -> Self {
        Self {
            max_archive_bytes: 1 << 30,
            max_entries: 2_000_000,
            max_record_bytes: 16 << 20,
            max_total_bytes: 8 << 30,
        }
    }
}

/// What an export held, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Entries in the archive (folders included).
    pub entries: u64,
    /// Live records affecting npm packages.
    pub npm: u64,
    /// Withdrawn records (ignored).
    pub withdrawn: u64,
    /// Records about other ecosystems only (ignored).
    pub other_ecosystems: u64,
    /// Entries whose name does not end in `.json` (skipped).
    pub not_json: u64,
    /// Entries over the per-record limit (skipped).
    pub too_large: u64,
    /// Entries the zip reader could not decompress (skipped).
    pub unreadable: u64,
    /// Entries that are not OSV records (skipped).
    pub invalid: u64,
    /// The newest `modified` among the npm records (RFC 3339).
    pub newest_modified: Option<String>,
}

impl Counts {
    /// Entries skipped as unusable (not counting folders, withdrawn
    /// records and other ecosystems, which are skipped by design).
    pub fn skipped(&self) -> u64 {
        self.not_json + self.too_large + self.unreadable + self.invalid
    }
}

/// Why an export could not be read.
#[derive(Debug, Error)]
pub enum ExportError {
    /// The file cannot be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The archive.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// Not a zip archive, or its directory is damaged.
    #[error("{path}: not a readable zip archive: {reason}")]
    NotZip {
        /// The archive.
        path: PathBuf,
        /// The zip reader's complaint.
        reason: String,
    },
    /// A limit was exceeded.
    #[error("{path}: {what} exceeds the limit of {limit}; not an OSV export, or a zip bomb")]
    Limit {
        /// The archive.
        path: PathBuf,
        /// Which measure.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// Nothing usable in it.
    #[error(
        "{path}: holds no live npm advisory record ({entries} entries); refusing to treat it as a database"
    )]
    Empty {
        /// The archive.
        path: PathBuf,
        /// Entries it has.
        entries: u64,
    },
    /// The receiver of the records failed (writing the index).
    #[error("{0}")]
    Sink(String),
}

/// Reads every record of the export at `path`, handing each live npm
/// record to `sink` as it is read; `progress` hears the entries read so far
/// and how many there are, every thousand.
pub fn read(
    path: &Path,
    limits: &Limits,
    sink: &mut dyn FnMut(Record) -> Result<(), String>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Counts, ExportError> {
    let io = |source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let limit = |what, limit| ExportError::Limit {
        path: path.to_path_buf(),
        what,
        limit,
    };
    let file = File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.len() > limits.max_archive_bytes {
        return Err(limit("the archive size", limits.max_archive_bytes));
    }
    let mut archive = zip::ZipArchive::new(file).map_err(|e| ExportError::NotZip {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let entries = archive.len() as u64;
    if entries > limits.max_entries {
        return Err(limit("the number of entries", limits.max_entries));
    }
    let mut counts = Counts {
        entries,
        ..Counts::default()
    };
    let mut newest: Option<Timestamp> = None;
    let mut total = 0u64;
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        if i % 1000 == 0 {
            progress(i as u64, entries);
        }
        let mut entry = match archive.by_index(i) {
            Ok(e) => e,
            Err(_) => {
                counts.unreadable += 1;
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        if !entry.name().is_ok_and(|n| n.ends_with(".json")) {
            counts.not_json += 1;
            continue;
        }
        if entry.size() > limits.max_record_bytes {
            counts.too_large += 1;
            continue;
        }
        buf.clear();
        // The declared size may lie: the cut is on what decompresses.
        let read = (&mut entry)
            .take(limits.max_record_bytes + 1)
            .read_to_end(&mut buf);
        total += buf.len() as u64;
        if total > limits.max_total_bytes {
            return Err(limit(
                "the decompressed size of all records",
                limits.max_total_bytes,
            ));
        }
        if read.is_err() {
            counts.unreadable += 1;
            continue;
        }
        if buf.len() as u64 > limits.max_record_bytes {
            counts.too_large += 1;
            continue;
        }
        match osv::parse(&buf) {
            Ok(Parsed::Npm(record)) => {
                if let Some(t) = record
                    .modified
                    .as_deref()
                    .and_then(|m| m.parse::<Timestamp>().ok())
                    && newest.is_none_or(|n| t > n)
                {
                    newest = Some(t);
                }
                counts.npm += 1;
                sink(record).map_err(ExportError::Sink)?;
            }
            Ok(Parsed::Withdrawn { .. }) => counts.withdrawn += 1,
            Ok(Parsed::OtherEcosystems { .. }) => counts.other_ecosystems += 1,
            Err(_) => counts.invalid += 1,
        }
    }
    progress(entries, entries);
    if counts.npm == 0 {
        return Err(ExportError::Empty {
            path: path.to_path_buf(),
            entries,
        });
    }
    counts.newest_modified = newest.map(|t| t.to_string());
    Ok(counts)
}
