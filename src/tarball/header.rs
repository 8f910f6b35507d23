//! Decoding of 512-byte tar headers and of the extension records (pax, GNU
//! long names) the way node-tar, npm's tar reader, decodes them.
//!
//! Fidelity to node-tar is the point: a tarball that one reader sees one way
//! and npm another is exactly the confusion this module must not miss. Where
//! node-tar would silently skip a header it finds invalid and go on reading
//! the next block as a header, we report the header instead of guessing.
//! npm ships more than one node-tar (tar 6 in npm 10, tar 7 in npm 11), and
//! they read pax sizes differently, so a size they could disagree on is
//! reported rather than decoded (see [`apply_pax`]).

use std::rc::Rc;

/// A tar block's size.
pub(super) const BLOCK: usize = 512;

/// node-tar ignores extension records larger than this (`maxMetaEntrySize`).
pub(super) const MAX_META_BYTES: u64 = 1024 * 1024;

/// What a header's type flag makes of the entry, as node-tar names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `0`, NUL, `7`: a regular file, the only kind npm extracts.
    File,
    /// `1`.
    HardLink,
    /// `2`.
    Symlink,
    /// `3`.
    CharDevice,
    /// `4`.
    BlockDevice,
    /// `5` (the walker also turns a `0` whose path ends in `/` into one).
    Directory,
    /// `6`.
    Fifo,
    /// `D`: a directory listing with data to skip.
    DumpDir,
    /// `x`, `X`: pax fields for the next entry.
    PaxLocal,
    /// `g`: pax fields for all later entries.
    PaxGlobal,
    /// `L`, `N`: the next entry's path.
    LongPath,
    /// `K`: the next entry's link target.
    LongLink,
    /// Anything else: node-tar skips it.
    Ignored,
}

impl Kind {
    fn from_flag(flag: u8) -> Self {
        match flag {
            b'0' | 0 | b'7' => Self::File,
            b'1' => Self::HardLink,
            b'2' => Self::Symlink,
            b'3' => Self::CharDevice,
            b'4' => Self::BlockDevice,
            b'5' => Self::Directory,
            b'6' => Self::Fifo,
            b'D' => Self::DumpDir,
            b'x' | b'X' => Self::PaxLocal,
            b'g' => Self::PaxGlobal,
            b'L' | b'N' => Self::LongPath,
            b'K' => Self::LongLink,
            _ => Self::Ignored,
        }
    }

    /// Entries that extension records apply to (node-tar's `normalFsTypes`).
    pub(super) fn is_filesystem(self) -> bool {
        matches!(
            self,
            Self::File
                | Self::HardLink
                | Self::Symlink
                | Self::CharDevice
                | Self::BlockDevice
                | Self::Directory
                | Self::Fifo
                | Self::DumpDir
        )
    }

    /// Extension records, whose data is read rather than skipped.
    pub(super) fn is_meta(self) -> bool {
        matches!(
            self,
            Self::PaxLocal | Self::PaxGlobal | Self::LongPath | Self::LongLink
        )
    }

    pub(super) fn is_link(self) -> bool {
        matches!(self, Self::HardLink | Self::Symlink)
    }
}

/// One decoded header block, before extension records are applied.
#[derive(Debug)]
pub(super) struct Header {
    pub kind: Kind,
    /// The name field, with the POSIX ustar prefix joined on when present.
    pub path: String,
    /// Type `0` or NUL, which node-tar makes a directory when its path
    /// (the pax or GNU one if any, else the bare name field) ends in `/`.
    pub plain_file: bool,
    /// Whether the bare name field ends in `/`.
    pub name_slash: bool,
    /// The link-name field.
    pub link: String,
    /// The size field; `None` when it holds no number (node-tar reads 0).
    pub size: Option<u64>,
}

/// What a block turned out to be.
#[derive(Debug)]
pub(super) enum Block {
    /// All zeros: one marks nothing, two in a row end the archive.
    Null,
    /// A header node-tar would skip with a warning.
    Invalid(&'static str),
    Header(Header),
}

/// Decodes a header block.
pub(super) fn decode(block: &[u8; BLOCK]) -> Block {
    // node-tar sums the block with the checksum field read as spaces and
    // compares it with the field as a number (unsigned sums only).
    let sum: u64 = block
        .iter()
        .enumerate()
        .map(|(i, b)| {
            if (148..156).contains(&i) {
                0x20
            } else {
                u64::from(*b)
            }
        })
        .sum();
    let Ok(checksum) = number(&block[148..160]) else {
        return Block::Invalid("malformed checksum field");
    };
    if checksum.is_none() && sum == 8 * 0x20 {
        return Block::Null;
    }
    if checksum != Some(sum as i128) {
        return Block::Invalid("header checksum mismatch");
    }
    // node-tar throws (and skips the block) on a malformed base-256 number
    // in any numeric field it decodes; pax values can stand in for some of
    // these, but no honest writer pairs them with a malformed field.
    let ustar = &block[257..265] == b"ustar\x0000";
    let mut numeric: Vec<(usize, usize)> = vec![(100, 8), (108, 8), (116, 8), (136, 12)];
    if ustar {
        numeric.extend([(329, 8), (337, 8)]);
        if block[475] == 0 {
            numeric.extend([(476, 12), (488, 12)]);
        }
    }
    if numeric
        .iter()
        .any(|&(at, len)| number(&block[at..at + len]).is_err())
    {
        return Block::Invalid("malformed numeric field");
    }
    let Ok(size) = number(&block[124..136]) else {
        return Block::Invalid("malformed size field");
    };
    let flag = block[156];
    // A flag byte that is not valid UTF-8 on its own decodes to U+FFFD in
    // node-tar, which is no type it knows.
    let kind = if flag >= 0x80 {
        Kind::Ignored
    } else {
        Kind::from_flag(flag)
    };
    let mut path = js_string(&block[..100]);
    let name_slash = path.ends_with('/');
    if ustar {
        // node-tar reads a 155-byte prefix when its last byte is set and a
        // 130-byte one otherwise (its own writer keeps times after that).
        let prefix = if block[475] != 0 {
            js_string(&block[345..500])
        } else {
            js_string(&block[345..475])
        };
        if !prefix.is_empty() {
            path = format!("{prefix}/{path}");
        }
    }
    let link = js_string(&block[157..257]);
    if kind.is_link() && link.is_empty() {
        return Block::Invalid("link without a target");
    }
    // node-tar allows a link name on `x` and `g` records, not on `X`.
    if !kind.is_link() && !matches!(flag, b'x' | b'g') && !link.is_empty() {
        return Block::Invalid("link target on an entry that is not a link");
    }
    Block::Header(Header {
        kind,
        path,
        plain_file: matches!(flag, b'0' | 0),
        name_slash,
        link,
        // Negative sizes read as absent, as in node-tar.
        size: size.and_then(|s| u64::try_from(s).ok()),
    })
}

/// Fields an extension record sets for the entries it applies to.
#[derive(Debug, Default, Clone)]
pub(super) struct Extension {
    pub path: Option<String>,
    /// Shared, as a global one applies to every later link.
    pub link: Option<Rc<str>>,
    /// A pax `size`; only ever plain decimal digits below 2^53.
    pub size: Option<u64>,
}

/// Largest size every node-tar reads exactly (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_SIZE: u64 = 9_007_199_254_740_991;

/// Merges a pax record's fields into `into`, as node-tar's `Pax.parse`
/// does: lines are `<len> <key>=<value>\n`, and a line whose length does not
/// match its prefix is dropped.
///
/// `Err` names a `size` that the node-tar versions npm ships would frame
/// differently: tar 6 and tar 7 before 7.5.16 keep anything but plain digits
/// as a string (a negative one reads as 0 bytes, so the entry's data is read
/// as headers), tar 7.5.16 drops it (and the header's size applies); tar 6
/// lets a global size override a local one, tar 7 the reverse. `npm pack`
/// (node-tar's writer) puts a size in every pax record it writes, but as
/// plain digits, equal to the header's, in a local record right before its
/// file, which every version reads alike; so refusing these costs honest
/// packages nothing.
pub(super) fn apply_pax(
    data: &[u8],
    into: &mut Extension,
    global: bool,
) -> Result<(), &'static str> {
    let text = String::from_utf8_lossy(data);
    let text = text.strip_suffix('\n').unwrap_or(&text);
    for line in text.split('\n') {
        let Some(n) = js_parse_int(line, 10) else {
            continue;
        };
        if n != line.len() as i128 + 1 {
            continue;
        }
        // node-tar skips as many characters as the number's canonical form
        // plus a space, whatever the line actually starts with.
        let skip = format!("{n} ").chars().count();
        let rest: String = line.chars().skip(skip).collect();
        let mut parts = rest.splitn(2, '=');
        let key = parts.next().unwrap_or_default();
        if key.is_empty() {
            continue;
        }
        let raw = parts.next().unwrap_or_default();
        match key {
            "path" => into.path = Some(js_strip_nul(raw)),
            "linkpath" => into.link = Some(js_strip_nul(raw).into()),
            "size" if global => return Err("a size in a global pax record"),
            // Checked before NUL stripping, which only tar 7.5.16 does.
            "size" => into.size = Some(plain_size(raw)?),
            _ => {}
        }
    }
    Ok(())
}

/// A pax size every node-tar version reads as the same byte count (`+v` of
/// text matching `/^[0-9]+$/`, exact below 2^53).
fn plain_size(value: &str) -> Result<u64, &'static str> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a pax size that is not plain decimal digits");
    }
    value
        .parse::<u64>()
        .ok()
        .filter(|n| *n <= MAX_SAFE_SIZE)
        .ok_or("a pax size beyond 2^53")
}

/// The text of a GNU long-name record, as node-tar reads it.
pub(super) fn long_name(data: &[u8]) -> String {
    js_strip_nul(&String::from_utf8_lossy(data))
}

/// A fixed-width text field: UTF-8 (lossy) with node-tar's NUL handling.
fn js_string(field: &[u8]) -> String {
    js_strip_nul(&String::from_utf8_lossy(field))
}

/// JavaScript's `s.replace(/\0.*/, '')`: removes the first NUL and what
/// follows it, but `.` stops at a line terminator, which is kept.
fn js_strip_nul(s: &str) -> String {
    let Some(start) = s.find('\0') else {
        return s.to_owned();
    };
    let end = s[start..]
        .find(['\n', '\r', '\u{2028}', '\u{2029}'])
        .map_or(s.len(), |i| start + i);
    format!("{}{}", &s[..start], &s[end..])
}

/// node-tar's `decNumber`: base-256 when the high bit is set (`Err` when
/// malformed or past 2^53, where node-tar throws), otherwise octal text read
/// the way `parseInt(text, 8)` reads it (`None` when there is no digit).
fn number(field: &[u8]) -> Result<Option<i128>, ()> {
    let Some(&first) = field.first() else {
        return Ok(None);
    };
    if first & 0x80 == 0 {
        return Ok(js_parse_int(js_string(field).trim(), 8));
    }
    let magnitude = |bytes: &[u8]| {
        bytes.iter().try_fold(0i128, |acc, b| {
            acc.checked_mul(256)?.checked_add(i128::from(*b))
        })
    };
    let value = match first {
        0x80 => magnitude(&field[1..]).ok_or(())?,
        0xff => {
            // Two's complement over the whole field.
            let inverted: Vec<u8> = field.iter().map(|b| !b).collect();
            -(magnitude(&inverted).ok_or(())? + 1)
        }
        _ => return Err(()),
    };
    if value.abs() > 9_007_199_254_740_991 {
        return Err(());
    }
    Ok(Some(value))
}

/// `parseInt(s, radix)` for radix 8 or 10: leading whitespace, an optional
/// sign, then digits up to the first non-digit; `None` for no digits.
fn js_parse_int(s: &str, radix: u32) -> Option<i128> {
    let s = s.trim_start();
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let end = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    if end == 0 {
        return None;
    }
    // Saturate rather than overflow: the caller rejects huge values anyway.
    let value = digits[..end].chars().fold(0i128, |acc, c| {
        acc.saturating_mul(i128::from(radix))
            .saturating_add(i128::from(c.to_digit(radix).unwrap_or(0)))
    });
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_node_tar() {
        assert_eq!(number(b"0000644\0"), Ok(Some(0o644)));
        assert_eq!(number(b" 12x\0"), Ok(Some(0o12)));
        assert_eq!(number(b"\0\0\0\0"), Ok(None));
        assert_eq!(number(&[0x80, 0, 0, 1, 0]), Ok(Some(256)));
        assert_eq!(number(&[0xff, 0xff, 0xff, 0xfe]), Ok(Some(-2)));
        assert_eq!(number(&[0x81, 0, 0]), Err(()));
        assert_eq!(
            number(&[0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Err(())
        );
    }

    #[test]
    fn nul_stripping_keeps_what_follows_a_line_break() {
        assert_eq!(js_strip_nul("a\0junk"), "a");
        assert_eq!(js_strip_nul("a\0junk\nb"), "a\nb");
        assert_eq!(js_strip_nul("plain"), "plain");
    }

    #[test]
    fn pax_records_follow_node_tar() {
        let mut ext = Extension::default();
        apply_pax(
            b"29 path=package/package.json\n13 size=1024\n9 bad=x\n",
            &mut ext,
            false,
        )
        .unwrap();
        assert_eq!(ext.path.as_deref(), Some("package/package.json"));
        assert_eq!(ext.size, Some(1024));
        // A line whose length prefix is wrong is dropped, size or not.
        apply_pax(b"99 size=-1\n", &mut ext, false).unwrap();
        assert_eq!(ext.size, Some(1024));
    }

    #[test]
    fn pax_sizes_other_than_plain_digits_are_refused() {
        let not_digits = Err("a pax size that is not plain decimal digits");
        for value in [
            "-5", "-0x10", "0x10", "1.5", "", " 5", "5 ", "+5", "1e3", "5\0x",
        ] {
            let body = format!(" size={value}\n");
            // The length prefix counts its own digits.
            let len = (body.len() + 1..)
                .find(|n| n.to_string().len() + body.len() == *n)
                .unwrap_or_default();
            let record = format!("{len}{body}");
            let mut ext = Extension::default();
            assert_eq!(
                apply_pax(record.as_bytes(), &mut ext, false),
                not_digits,
                "{value:?}"
            );
        }
        let mut ext = Extension::default();
        assert_eq!(
            apply_pax(b"29 size=99999999999999999999\n", &mut ext, false),
            Err("a pax size beyond 2^53")
        );
        assert_eq!(
            apply_pax(b"12 size=512\n", &mut ext, true),
            Err("a size in a global pax record")
        );
        assert_eq!(apply_pax(b"13 size=0512\n", &mut ext, false), Ok(()));
        assert_eq!(ext.size, Some(512));
    }
}
