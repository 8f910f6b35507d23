//! The on-disk advisory index: the npm records of an export, stored once
//! and found by package name, so an audit reads only the records of the
//! names in its lockfile and never the zip.
//!
//! One file, written once and replaced whole (see [`super::store`]):
//!
//! ```text
//! header   64 bytes: magic "LPOSVIX1", then little-endian u32 meta length,
//!          u32 name count, u64 groups length, u64 names length, padding
//! meta     JSON (IndexMeta): where the data came from and when
//! table    per name, sorted by bytes: u32 name offset, u32 name length,
//!          u64 group offset, u32 group length
//! names    the names, concatenated
//! groups   per name, the JSON array of the records affecting it (by id),
//!          raw-deflated as one stream
//! ```
//!
//! One group per name means one read and one inflate per name an audit
//! asks about, and compression across a package's records; a record about
//! several packages is stored in each of their groups. Opening reads
//! everything but the groups (a few megabytes for the whole npm export)
//! and checks it: sizes add up to the file's, names are sorted and every
//! offset is in bounds, so a damaged file is an error, never a silent
//! miss. Each record read back must name the package it was filed under.
//! Errors say "unknown", and the caller reports them as such.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{BufWriter, Cursor, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::export::Counts;
use super::osv::Record;

const MAGIC: &[u8; 8] = b"LPOSVIX1";
const HEADER: usize = 64;
const SLOT: usize = 20;
/// Largest meta block accepted when reading.
const MAX_META: usize = 1 << 20;
/// Largest group inflated when reading; far above any real package's
/// records, so more means damage (or a deflate bomb).
const MAX_GROUP: u64 = 256 << 20;

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
        // Groups in name order, records in id order within them, so the
        // same export gives the same file.
        let mut by_name: BTreeMap<&str, Vec<(&str, &Slot)>> = BTreeMap::new();
        for (id, slot) in &self.slots {
            for name in &slot.names {
                by_name.entry(name.as_str()).or_default().push((id, slot));
            }
        }
        let too_big = || self.corrupt("index over 4 GiB of names, or a group over 4 GiB");
        let mut blob = File::open(&self.blob_path).map_err(io_at(&self.blob_path))?;
        let groups_path = self.blob_path.with_extension("groups");
        let mut groups = BufWriter::new(File::create(&groups_path).map_err(io_at(&groups_path))?);
        let mut table: Vec<(u64, u32)> = Vec::with_capacity(by_name.len());
        let (mut offset, mut buf) = (0u64, Vec::new());
        for records in by_name.values_mut() {
            records.sort_by(|a, b| a.0.cmp(b.0));
            let mut deflate = DeflateEncoder::new(Vec::new(), Compression::fast());
            let mut put = |bytes: &[u8]| deflate.write_all(bytes).map_err(io_at(out));
            put(b"[")?;
            for (i, (_, slot)) in records.iter().enumerate() {
                if i > 0 {
                    put(b",")?;
                }
                buf.resize(slot.len as usize, 0);
                blob.seek(SeekFrom::Start(slot.offset))
                    .and_then(|_| blob.read_exact(&mut buf))
                    .map_err(io_at(&self.blob_path))?;
                put(&buf)?;
            }
            put(b"]")?;
            let bytes = deflate.finish().map_err(io_at(out))?;
            let len = u32::try_from(bytes.len()).map_err(|_| too_big())?;
            groups.write_all(&bytes).map_err(io_at(&groups_path))?;
            table.push((offset, len));
            offset += u64::from(len);
        }
        groups.flush().map_err(io_at(&groups_path))?;
        drop(groups);
        let result = self.assemble(meta, out, &by_name, &table, offset, &groups_path);
        let _ = fs::remove_file(&groups_path);
        result
    }

    /// Writes header, meta, table and names, then copies the groups.
    fn assemble(
        &self,
        meta: &IndexMeta,
        out: &Path,
        by_name: &BTreeMap<&str, Vec<(&str, &Slot)>>,
        table: &[(u64, u32)],
        groups_len: u64,
        groups_path: &Path,
    ) -> Result<(), IndexError> {
        let too_big = || self.corrupt("index over 4 GiB of names");
        let meta_json = serde_json::to_vec(meta).map_err(|e| self.corrupt(e.to_string()))?;
        let names_len: usize = by_name.keys().map(|n| n.len()).sum();
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
        header.extend_from_slice(&groups_len.to_le_bytes());
        header.extend_from_slice(&(names_len as u64).to_le_bytes());
        header.resize(HEADER, 0);

        let file = File::create(out).map_err(io_at(out))?;
        let mut w = BufWriter::new(file);
        let mut put = |bytes: &[u8]| w.write_all(bytes).map_err(io_at(out));
        put(&header)?;
        put(&meta_json)?;
        let mut name_off = 0u32;
        for (name, (offset, len)) in by_name.keys().zip(table) {
            let name_len = u32::try_from(name.len()).map_err(|_| too_big())?;
            put(&name_off.to_le_bytes())?;
            put(&name_len.to_le_bytes())?;
            put(&offset.to_le_bytes())?;
            put(&len.to_le_bytes())?;
            name_off = name_off.checked_add(name_len).ok_or_else(too_big)?;
        }
        for name in by_name.keys() {
            put(name.as_bytes())?;
        }
        let mut groups = File::open(groups_path).map_err(io_at(groups_path))?;
        std::io::copy(&mut groups, &mut w).map_err(io_at(out))?;
        let file = w.into_inner().map_err(|e| io_at(out)(e.into_error()))?;
        file.sync_all().map_err(io_at(out))
    }
}

/// An open index.
#[derive(Debug)]
pub struct Index {
    path: PathBuf,
    meta: IndexMeta,
    /// Header, meta, table and names, as read.
    head: Vec<u8>,
    table_at: usize,
    names_at: usize,
    names: usize,
    groups_at: u64,
    groups_len: u64,
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
        let (meta_len, names) = (le_u32(&header, 8), le_u32(&header, 12));
        let (groups_len, names_len) = (le_u64(&header, 16), le_u64(&header, 24));
        let (Some(meta_len), Some(names), Some(groups_len), Some(names_len)) =
            (meta_len, names, groups_len, names_len)
        else {
            return Err(corrupt("short header"));
        };
        if meta_len as usize > MAX_META {
            return Err(corrupt("meta block too large"));
        }
        let head_len = [
            u64::from(meta_len),
            u64::from(names) * SLOT as u64,
            names_len,
        ]
        .into_iter()
        .try_fold(HEADER as u64, u64::checked_add)
        .ok_or_else(|| corrupt("sizes overflow"))?;
        if head_len.checked_add(groups_len) != Some(file_len) {
            return Err(corrupt("sizes do not add up to the file's"));
        }
        let head_size = usize::try_from(head_len).map_err(|_| corrupt("too large"))?;
        let mut head = header.to_vec();
        head.resize(head_size, 0);
        let rest = head.get_mut(HEADER..).ok_or_else(|| corrupt("short"))?;
        file.read_exact(rest).map_err(io_at(path))?;
        let table_at = HEADER + meta_len as usize;
        let names_at = table_at + names as usize * SLOT;
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
            names: names as usize,
            groups_at: head_len,
            groups_len,
            file: Mutex::new(file),
        };
        index.check()?;
        Ok(index)
    }

    /// Every name in bounds and in strictly ascending order, every group in
    /// bounds: what binary search and reading rely on.
    fn check(&self) -> Result<(), IndexError> {
        let mut previous: Option<&[u8]> = None;
        for i in 0..self.names {
            let (name, offset, len) = self
                .slot(i)
                .ok_or_else(|| self.corrupt("a name is out of bounds"))?;
            if previous.is_some_and(|p| p >= name) {
                return Err(self.corrupt("names are not sorted"));
            }
            previous = Some(name);
            if offset
                .checked_add(u64::from(len))
                .is_none_or(|end| end > self.groups_len)
            {
                return Err(self.corrupt("a group is out of bounds"));
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

    /// Name `i`, and its group's offset and length.
    fn slot(&self, i: usize) -> Option<(&[u8], u64, u32)> {
        let at = self.table_at + i * SLOT;
        let off = le_u32(&self.head, at)? as usize;
        let len = le_u32(&self.head, at + 4)? as usize;
        let start = self.names_at.checked_add(off)?;
        let name = self.head.get(start..start.checked_add(len)?)?;
        Some((
            name,
            le_u64(&self.head, at + 8)?,
            le_u32(&self.head, at + 16)?,
        ))
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
    /// order asked; a record filed under several of them is one `Arc`.
    pub fn lookup(&self, names: &[&str]) -> Result<Vec<Vec<Arc<Record>>>, IndexError> {
        let mut known: HashMap<String, Arc<Record>> = HashMap::new();
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let (mut buf, mut json) = (Vec::new(), Vec::new());
        // One decoder for every group: its window is allocated once.
        let mut inflate = DeflateDecoder::new(Cursor::new(Vec::new()));
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let Some((offset, len)) = self.find(name.as_bytes()) else {
                out.push(Vec::new());
                continue;
            };
            buf.resize(len as usize, 0);
            file.seek(SeekFrom::Start(self.groups_at + offset))
                .and_then(|_| file.read_exact(&mut buf))
                .map_err(io_at(&self.path))?;
            buf = inflate.reset(Cursor::new(buf)).into_inner();
            json.clear();
            (&mut inflate)
                .take(MAX_GROUP + 1)
                .read_to_end(&mut json)
                .map_err(|_| self.corrupt("a group does not inflate"))?;
            if json.len() as u64 > MAX_GROUP {
                return Err(self.corrupt("a group inflates past the limit"));
            }
            let group: Vec<Record> = serde_json::from_slice(&json)
                .map_err(|_| self.corrupt("a group does not parse"))?;
            let mut records = Vec::with_capacity(group.len());
            for record in group {
                if !record.affected.iter().any(|a| a.name == *name) {
                    return Err(self.corrupt("a record is filed under a name it does not affect"));
                }
                let shared = known
                    .entry(record.id.clone())
                    .or_insert_with(|| Arc::new(record));
                records.push(Arc::clone(shared));
            }
            out.push(records);
        }
        Ok(out)
    }

    /// Binary search over the sorted table.
    fn find(&self, name: &[u8]) -> Option<(u64, u32)> {
        let (mut lo, mut hi) = (0usize, self.names);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (probe, offset, len) = self.slot(mid)?;
            match probe.cmp(name) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some((offset, len)),
            }
        }
        None
    }
}

fn le_u32(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at.checked_add(4)?)?
        .try_into()
        .ok()
        .map(u32::from_le_bytes)
}

fn le_u64(bytes: &[u8], at: usize) -> Option<u64> {
    bytes
        .get(at..at.checked_add(8)?)?
        .try_into()
        .ok()
        .map(u64::from_le_bytes)
}

fn io_at(path: &Path) -> impl Fn(std::io::Error) -> IndexError + '_ {
    move |source| IndexError::Io {
        path: path.to_path_buf(),
        source,
    }
}
