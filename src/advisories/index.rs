//! The on-disk advisory index: the npm records of an export, stored once
//! and found by package name, so an audit reads only the records of the
//! names in its lockfile and never the zip.
//!
//! One file, written once and replaced whole (see [`super::store`]):
//!
//! ```text
//! header   64 bytes: magic "LPOSVIX1", then little-endian u32 meta length,
//!          u32 name count, u64 reference count, u64 records length,
//!          u64 names length, zero padding
//! meta     JSON (IndexMeta): where the data came from and when
//! table    per name, sorted by bytes: u32 name offset, u32 name length,
//!          u32 first reference, u32 reference count
//! names    the names, concatenated
//! refs     per (name, record): u64 record offset, u32 record length
//! records  each record once, as JSON (osv::Record)
//! ```
//!
//! Opening reads everything but the records (a few megabytes for the whole
//! npm export) and checks it: sizes add up to the file's, names are sorted
//! and every offset is in bounds, so a damaged file is an error, never a
//! silent miss. A record read back must name the package it was filed
//! under. Errors say "unknown", and the caller reports them as such.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::export::Counts;
use super::osv::Record;

const MAGIC: &[u8; 8] = b"LPOSVIX1";
const HEADER: usize = 64;
const SLOT: usize = 16;
const REF: usize = 12;
/// Largest meta block accepted when reading.
const MAX_META: usize = 1 << 20;

/// Where an index's data came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    /// Downloaded from this export URL.
    Export {
        /// The URL.
        url: String,
    },
    /// Read from a local export file (`--advisory-db`).
    File {
        /// The file, as given.
        path: String,
    },
}

/// What is known about the data in an index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexMeta {
    /// Where it came from.
    pub origin: Origin,
    /// The export's `ETag`, for the next conditional request.
    pub etag: Option<String>,
    /// The export's `Last-Modified`, as the server wrote it.
    pub last_modified: Option<String>,
    /// When it was downloaded (RFC 3339).
    pub downloaded_at: Option<String>,
    /// When the index was built (RFC 3339).
    pub indexed_at: String,
    /// What the export held.
    pub counts: Counts,
    /// Records in the index (one per id).
    pub records: u64,
    /// Records dropped because a newer record had the same id.
    pub duplicates: u64,
}

/// Why an index cannot be built or used.
#[derive(Debug, Error)]
pub enum IndexError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
    /// The file is not an index of this format, or is damaged.
    #[error("{path}: damaged advisory index ({reason}); run `lockproof advisories update` again")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// Collects records, then writes the index.
pub struct Builder {
    blob_path: PathBuf,
    blob: BufWriter<File>,
    len: u64,
    /// Per id: where its record sits in the blob, when it was modified and
    /// the names it affects.
    slots: HashMap<String, Slot>,
    duplicates: u64,
}

struct Slot {
    offset: u64,
    len: u32,
    modified: Option<Timestamp>,
    names: Vec<String>,
}

impl Builder {
    /// A builder keeping its scratch file at `scratch`.
    pub fn new(scratch: &Path) -> Result<Self, IndexError> {
        let file = File::create(scratch).map_err(io_at(scratch))?;
        Ok(Self {
            blob_path: scratch.to_path_buf(),
            blob: BufWriter::new(file),
            len: 0,
            slots: HashMap::new(),
            duplicates: 0,
        })
    }

    /// Adds a record. Of two records with one id, the one modified last
    /// stays (the first, when neither says or both say the same time).
    pub fn add(&mut self, record: &Record) -> Result<(), IndexError> {
        let modified = record
            .modified
            .as_deref()
            .and_then(|m| m.parse::<Timestamp>().ok());
        if let Some(old) = self.slots.get(&record.id) {
            self.duplicates += 1;
            let newer = match (old.modified, modified) {
                (Some(o), Some(n)) => n > o,
                (None, Some(_)) => true,
                _ => false,
            };
            if !newer {
                return Ok(());
            }
        }
        let bytes = serde_json::to_vec(record).map_err(|e| self.corrupt(e.to_string()))?;
        let len = u32::try_from(bytes.len()).map_err(|_| self.corrupt("record over 4 GiB"))?;
        self.blob
            .write_all(&bytes)
            .map_err(io_at(&self.blob_path))?;
        let mut names: Vec<String> = record.affected.iter().map(|a| a.name.clone()).collect();
        names.sort();
        names.dedup();
        self.slots.insert(
            record.id.clone(),
            Slot {
                offset: self.len,
                len,
                modified,
                names,
            },
        );
        self.len += u64::from(len);
        Ok(())
    }

    /// Records kept so far.
    pub fn records(&self) -> u64 {
        self.slots.len() as u64
    }

    /// Records dropped for a newer one with the same id.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    fn corrupt(&self, reason: impl Into<String>) -> IndexError {
        IndexError::Corrupt {
            path: self.blob_path.clone(),
            reason: reason.into(),
        }
    }

    /// Gives up: deletes the scratch file.
    pub fn discard(self) {
        let Self {
            blob, blob_path, ..
        } = self;
        drop(blob);
        let _ = fs::remove_file(blob_path);
    }

    /// Writes the index to `out` (a new file) and deletes the scratch
    /// file.
    pub fn finish(mut self, meta: &IndexMeta, out: &Path) -> Result<(), IndexError> {
        self.blob.flush().map_err(io_at(&self.blob_path))?;
        let result = self.write(meta, out);
        let _ = fs::remove_file(&self.blob_path);
        if result.is_err() {
            let _ = fs::remove_file(out);
        }
        result
    }

    fn write(&self, meta: &IndexMeta, out: &Path) -> Result<(), IndexError> {
        // Records in id order, so the same export gives the same file.
        let mut ids: Vec<&String> = self.slots.keys().collect();
        ids.sort();
        let mut placed: HashMap<&str, (u64, u32)> = HashMap::with_capacity(ids.len());
        let mut by_name: BTreeMap<&str, Vec<(u64, u32)>> = BTreeMap::new();
        let mut offset = 0u64;
        for id in &ids {
            let Some(slot) = self.slots.get(*id) else {
                continue;
            };
            placed.insert(id.as_str(), (offset, slot.len));
            for name in &slot.names {
                by_name
                    .entry(name.as_str())
                    .or_default()
                    .push((offset, slot.len));
            }
            offset += u64::from(slot.len);
        }
        let meta_json = serde_json::to_vec(meta).map_err(|e| self.corrupt(e.to_string()))?;
        let too_big = || self.corrupt("index over 4 GiB of names");
        let names_len: usize = by_name.keys().map(|n| n.len()).sum();
        let refs: usize = by_name.values().map(Vec::len).sum();
        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(
            &u32::try_from(meta_json.len())
                .map_err(|_| too_big())?
                .to_le_bytes(),
        );
        header.extend_from_slice(
            &u32::try_from(by_name.len())
                .map_err(|_| too_big())?
                .to_le_bytes(),
        );
        header.extend_from_slice(&(refs as u64).to_le_bytes());
        header.extend_from_slice(&offset.to_le_bytes());
        header.extend_from_slice(&(names_len as u64).to_le_bytes());
        header.resize(HEADER, 0);

        let file = File::create(out).map_err(io_at(out))?;
        let mut w = BufWriter::new(file);
        let mut put = |bytes: &[u8]| w.write_all(bytes).map_err(io_at(out));
        put(&header)?;
        put(&meta_json)?;
        let (mut name_off, mut ref_at) = (0u32, 0u32);
        for (name, list) in &by_name {
            let name_len = u32::try_from(name.len()).map_err(|_| too_big())?;
            let count = u32::try_from(list.len()).map_err(|_| too_big())?;
            for n in [name_off, name_len, ref_at, count] {
                put(&n.to_le_bytes())?;
            }
            name_off = name_off.checked_add(name_len).ok_or_else(too_big)?;
            ref_at = ref_at.checked_add(count).ok_or_else(too_big)?;
        }
        for name in by_name.keys() {
            put(name.as_bytes())?;
        }
        for (off, len) in by_name.values().flatten() {
            put(&off.to_le_bytes())?;
            put(&len.to_le_bytes())?;
        }
        let mut blob = File::open(&self.blob_path).map_err(io_at(&self.blob_path))?;
        let mut buf = Vec::new();
        for id in &ids {
            let Some(slot) = self.slots.get(*id) else {
                continue;
            };
            buf.resize(slot.len as usize, 0);
            blob.seek(SeekFrom::Start(slot.offset))
                .and_then(|_| blob.read_exact(&mut buf))
                .map_err(io_at(&self.blob_path))?;
            put(&buf)?;
        }
        let file = w.into_inner().map_err(|e| io_at(out)(e.into_error()))?;
        file.sync_all().map_err(io_at(out))
    }
}

/// An open index.
#[derive(Debug)]
pub struct Index {
    path: PathBuf,
    meta: IndexMeta,
    /// Header, meta, table, names and references, as read.
    head: Vec<u8>,
    table_at: usize,
    names_at: usize,
    refs_at: usize,
    names: usize,
    records_at: u64,
    records_len: u64,
    file: Mutex<File>,
}

impl Index {
    /// Opens and checks the index at `path`.
    pub fn open(path: &Path) -> Result<Self, IndexError> {
        let corrupt = |reason: &str| IndexError::Corrupt {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let mut file = File::open(path).map_err(io_at(path))?;
        let file_len = file.metadata().map_err(io_at(path))?.len();
        let mut header = [0u8; HEADER];
        file.read_exact(&mut header)
            .map_err(|_| corrupt("shorter than its header"))?;
        if header.get(..8) != Some(MAGIC.as_slice()) {
            return Err(corrupt("not an advisory index of this format"));
        }
        let u32_at = |at: usize| {
            header
                .get(at..at + 4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_le_bytes)
                .unwrap_or(0) as u64
        };
        let u64_at = |at: usize| {
            header
                .get(at..at + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes)
                .unwrap_or(0)
        };
        let (meta_len, names, refs, records_len, names_len) =
            (u32_at(8), u32_at(12), u64_at(16), u64_at(24), u64_at(32));
        if meta_len > MAX_META as u64 {
            return Err(corrupt("meta block too large"));
        }
        let head_len = [meta_len, names * SLOT as u64, names_len]
            .into_iter()
            .chain([refs
                .checked_mul(REF as u64)
                .ok_or_else(|| corrupt("sizes overflow"))?])
            .try_fold(HEADER as u64, u64::checked_add)
            .ok_or_else(|| corrupt("sizes overflow"))?;
        if head_len.checked_add(records_len) != Some(file_len) {
            return Err(corrupt("sizes do not add up to the file's"));
        }
        let head_len = usize::try_from(head_len).map_err(|_| corrupt("too large"))?;
        let mut head = header.to_vec();
        head.resize(head_len, 0);
        let rest = head.get_mut(HEADER..).ok_or_else(|| corrupt("short"))?;
        file.read_exact(rest).map_err(io_at(path))?;
        let table_at = HEADER + meta_len as usize;
        let names_at = table_at + names as usize * SLOT;
        let refs_at = names_at + names_len as usize;
        let meta: IndexMeta = head
            .get(HEADER..table_at)
            .and_then(|m| serde_json::from_slice(m).ok())
            .ok_or_else(|| corrupt("unreadable meta block"))?;
        let index = Self {
            path: path.to_path_buf(),
            meta,
            head,
            table_at,
            names_at,
            refs_at,
            names: names as usize,
            records_at: head_len as u64,
            records_len,
            file: Mutex::new(file),
        };
        index.check(names_len, refs)?;
        Ok(index)
    }

    /// Every name in bounds and in strictly ascending order, every
    /// reference in bounds: what binary search and reading rely on.
    fn check(&self, names_len: u64, refs: u64) -> Result<(), IndexError> {
        let mut previous: Option<&[u8]> = None;
        for i in 0..self.names {
            let (name, first, count) = self
                .slot(i)
                .ok_or_else(|| self.corrupt("a name is out of bounds"))?;
            if name.len() as u64 > names_len || previous.is_some_and(|p| p >= name) {
                return Err(self.corrupt("names are not sorted"));
            }
            previous = Some(name);
            if u64::from(first) + u64::from(count) > refs {
                return Err(self.corrupt("a reference list is out of bounds"));
            }
        }
        for r in 0..refs as usize {
            let (off, len) = self
                .reference(r)
                .ok_or_else(|| self.corrupt("a reference is out of bounds"))?;
            if off
                .checked_add(u64::from(len))
                .is_none_or(|end| end > self.records_len)
            {
                return Err(self.corrupt("a record is out of bounds"));
            }
        }
        Ok(())
    }

    fn corrupt(&self, reason: &str) -> IndexError {
        IndexError::Corrupt {
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        self.head
            .get(at..at + 4)?
            .try_into()
            .ok()
            .map(u32::from_le_bytes)
    }

    /// Name `i`, its first reference and its reference count.
    fn slot(&self, i: usize) -> Option<(&[u8], u32, u32)> {
        let at = self.table_at + i * SLOT;
        let (off, len) = (self.u32_at(at)? as usize, self.u32_at(at + 4)? as usize);
        let name = self
            .head
            .get(self.names_at + off..self.names_at + off + len)
            .filter(|_| self.names_at + off + len <= self.refs_at)?;
        Some((name, self.u32_at(at + 8)?, self.u32_at(at + 12)?))
    }

    fn reference(&self, r: usize) -> Option<(u64, u32)> {
        let at = self.refs_at + r * REF;
        let off = u64::from_le_bytes(self.head.get(at..at + 8)?.try_into().ok()?);
        Some((off, self.u32_at(at + 8)?))
    }

    /// Where the data came from and when.
    pub fn meta(&self) -> &IndexMeta {
        &self.meta
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Names in the index.
    pub fn names(&self) -> usize {
        self.names
    }

    /// The records filed under each of `names` (empty when none), in the
    /// order asked; a record filed under several of them is read once.
    pub fn lookup(&self, names: &[&str]) -> Result<Vec<Vec<Arc<Record>>>, IndexError> {
        let mut read: HashMap<u64, Arc<Record>> = HashMap::new();
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let mut buf = Vec::new();
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let mut records = Vec::new();
            if let Some((first, count)) = self.find(name.as_bytes()) {
                for r in first as usize..first as usize + count as usize {
                    let (off, len) = self
                        .reference(r)
                        .ok_or_else(|| self.corrupt("a reference is out of bounds"))?;
                    if let Some(record) = read.get(&off) {
                        records.push(Arc::clone(record));
                        continue;
                    }
                    buf.resize(len as usize, 0);
                    file.seek(SeekFrom::Start(self.records_at + off))
                        .and_then(|_| file.read_exact(&mut buf))
                        .map_err(io_at(&self.path))?;
                    let record: Record = serde_json::from_slice(&buf)
                        .map_err(|_| self.corrupt("a record does not parse"))?;
                    if !record.affected.iter().any(|a| a.name == *name) {
                        return Err(
                            self.corrupt("a record is filed under a name it does not affect")
                        );
                    }
                    let record = Arc::new(record);
                    read.insert(off, Arc::clone(&record));
                    records.push(record);
                }
            }
            out.push(records);
        }
        Ok(out)
    }

    /// Binary search over the sorted table.
    fn find(&self, name: &[u8]) -> Option<(u32, u32)> {
        let (mut lo, mut hi) = (0usize, self.names);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (probe, first, count) = self.slot(mid)?;
            match probe.cmp(name) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some((first, count)),
            }
        }
        None
    }
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    }
}
