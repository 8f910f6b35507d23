//! Reading a lockfile's bytes, for every reader of one: the audit, the
//! lockfile a folder names, and the ones discovery finds.
//!
//! A large lockfile is read into memory of its own, which the kernel is
//! asked to back with huge pages: reading a 2 MB lockfile into ordinary
//! memory faulted in about 500 pages one by one, and took about twice as
//! long as reading it into one huge page. A small one is read into an
//! ordinary buffer, where a huge page would be mostly empty. Where huge
//! pages are off or none is free, the kernel backs the memory with
//! ordinary pages, as before.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::ops::Deref;
use std::path::Path;

use memmap2::MmapMut;

use super::LockfileError;

/// The size of a huge page on x86-64 and arm64 Linux: memory of a multiple
/// of it is placed on its boundary, where the kernel can back it with huge
/// pages.
const HUGE_PAGE: usize = 2 * 1024 * 1024;

/// Files from this size on are read into memory of their own.
const MAPPED_FROM: u64 = 1024 * 1024;

/// A lockfile's bytes.
pub struct Bytes(Store);

enum Store {
    Heap(Vec<u8>),
    Mapped { map: MmapMut, len: usize },
}

impl Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            Store::Heap(bytes) => bytes,
            Store::Mapped { map, len } => &map[..*len],
        }
    }
}

/// Reads the file at `path`, whole.
pub fn read(path: &Path) -> Result<Bytes, LockfileError> {
    let io = |source| LockfileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io)?;
    let size = file.metadata().map_err(io)?.len();
    read_from(&mut file, size).map(Bytes).map_err(io)
}

/// Reads `reader` to its end, `size` bytes as far as is known.
fn read_from(reader: &mut impl Read, size: u64) -> std::io::Result<Store> {
    // One byte more than the file: its end is found without a second
    // buffer.
    let mapped = (size >= MAPPED_FROM)
        .then(|| {
            usize::try_from(size)
                .ok()?
                .checked_add(1)?
                .checked_next_multiple_of(HUGE_PAGE)
        })
        .flatten()
        .and_then(|room| MmapMut::map_anon(room).ok());
    let Some(mut map) = mapped else {
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        reader.read_to_end(&mut bytes)?;
        return Ok(Store::Heap(bytes));
    };
    // Only advice: memory the kernel does not back with huge pages is
    // read into all the same.
    #[cfg(target_os = "linux")]
    let _ = map.advise(memmap2::Advice::HugePage);
    let len = fill(reader, &mut map)?;
    if len < map.len() {
        return Ok(Store::Mapped { map, len });
    }
    // The file grew past the room made for it: the rest goes after it.
    let mut bytes = map.to_vec();
    reader.read_to_end(&mut bytes)?;
    Ok(Store::Heap(bytes))
}

/// Reads from `reader` into `buf` until it ends or `buf` is full; says how
/// many bytes were read.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut len = 0;
    while len < buf.len() {
        match reader.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(size: usize) -> Vec<u8> {
        (0..size).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn small_and_large_files_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        for size in [
            0,
            1,
            4096,
            MAPPED_FROM as usize - 1,
            MAPPED_FROM as usize,
            HUGE_PAGE - 1,
            HUGE_PAGE,
            3_000_001,
        ] {
            let path = dir.path().join(format!("f{size}"));
            std::fs::write(&path, content(size)).unwrap();
            let bytes = read(&path).unwrap();
            assert_eq!(&bytes[..], &content(size)[..], "{size}");
            let mapped = matches!(bytes.0, Store::Mapped { .. });
            assert_eq!(mapped, size as u64 >= MAPPED_FROM, "{size}");
        }
    }

    #[test]
    fn a_file_larger_than_its_size_said_is_read_to_its_end() {
        for (said, real) in [
            (MAPPED_FROM, 3 * HUGE_PAGE + 5),
            (MAPPED_FROM, HUGE_PAGE),
            (10, 5000),
        ] {
            let bytes = content(real);
            let read = read_from(&mut &bytes[..], said).unwrap();
            assert_eq!(&Bytes(read)[..], &bytes[..], "{said} {real}");
        }
        // And one smaller than it said.
        let bytes = content(10);
        assert_eq!(
            &Bytes(read_from(&mut &bytes[..], MAPPED_FROM).unwrap())[..],
            &bytes[..]
        );
    }

    #[test]
    fn what_cannot_be_read_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let e = read(&missing).err().unwrap();
        assert!(e.to_string().contains("missing"), "{e}");
        let e = read(dir.path()).err().unwrap();
        assert!(matches!(e, LockfileError::Io { .. }), "{e}");
    }
}
