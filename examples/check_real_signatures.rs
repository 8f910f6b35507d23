//! Checks lockproof's registry-signature verification against real npm data.
//!
//! ```text
//! cargo run --release --example check_real_signatures -- ../shared/fixtures/real
//! ```
//!
//! Reads `npm-keys.v1.json` (a `/-/npm/v1/keys` body) and
//! `lodash.packument-with-signatures.json` (an abbreviated packument) from
//! the folder, in place. It
//! 1. loads the keys with [`KeySet::from_keys_json`] (ids recomputed),
//! 2. checks every signature of every version cryptographically,
//! 3. applies the key-expiry rule through [`signatures::verify`] with the
//!    best publish-time evidence the file holds, and says which it used,
//! 4. sweeps mutations: every single-byte change of each decoded signature
//!    and every single-character change of each integrity must be rejected.
//!
//! Exits 1 with a message if the folder or a file is missing, or anything
//! does not hold.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use lockproof::signatures::{self, KeySet, Signature, Verdict};
use serde_json::Value;

const KEYS_FILE: &str = "npm-keys.v1.json";
const PACKUMENT_FILE: &str = "lodash.packument-with-signatures.json";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("check_real_signatures: FAILED: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// Where a version's publish time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Evidence {
    /// `time[version]` of a full packument (registry-asserted).
    Time,
    /// The creation time inside `dist.npm-signature`, npm's former PGP
    /// signature (registry-asserted; the PGP signature is not verified).
    PgpSignature,
    /// The packument's `modified`: only an upper bound on the publish time.
    Modified,
    /// Nothing: `verify` bounds it by the current time.
    None,
}

impl Evidence {
    fn describe(self) -> &'static str {
        match self {
            Evidence::Time => "`time[version]` (registry-asserted publish time)",
            Evidence::PgpSignature => {
                "creation time of `dist.npm-signature` (npm's former PGP signature, made at publish; \
                 registry-asserted, PGP signature not verified)"
            }
            Evidence::Modified => {
                "the packument's `modified` (an upper bound on the publish time only)"
            }
            Evidence::None => "nothing; the current time as an upper bound",
        }
    }

    /// Whether the evidence dates the publish itself (not just bounds it).
    fn is_point(self) -> bool {
        matches!(self, Evidence::Time | Evidence::PgpSignature)
    }
}

fn short(keyid: &str) -> String {
    format!("{}...", &keyid[..keyid.len().min(11)])
}

fn read(dir: &Path, file: &str) -> Result<Vec<u8>, String> {
    let path = dir.join(file);
    std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn run() -> Result<(), String> {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next(), args.next()) else {
        return Err("usage: check_real_signatures <fixtures/real folder>".to_string());
    };
    let dir = PathBuf::from(dir);
    if !dir.is_dir() {
        return Err(format!(
            "the real-data folder {} is missing: nothing was checked",
            dir.display()
        ));
    }

    let keys =
        KeySet::from_keys_json(&read(&dir, KEYS_FILE)?).map_err(|e| format!("{KEYS_FILE}: {e}"))?;
    if keys.is_empty() {
        return Err(format!("{KEYS_FILE} holds no keys"));
    }
    let embedded = if keys == KeySet::npm_public() {
        "identical to the embedded npm keys"
    } else {
        "DIFFERENT from the embedded npm keys"
    };
    println!(
        "keys: {} from {KEYS_FILE}, every id recomputed from its key material; {embedded}",
        keys.len()
    );
    for k in keys.iter() {
        match k.expires {
            Some(t) => println!("  {}  expires {t}", k.keyid),
            None => println!("  {}  never expires", k.keyid),
        }
    }

    let doc: Value = serde_json::from_slice(&read(&dir, PACKUMENT_FILE)?)
        .map_err(|e| format!("{PACKUMENT_FILE}: not JSON: {e}"))?;
    let name = doc["name"]
        .as_str()
        .ok_or(format!("{PACKUMENT_FILE}: no name"))?;
    let versions = doc["versions"]
        .as_object()
        .filter(|v| !v.is_empty())
        .ok_or(format!("{PACKUMENT_FILE}: no versions"))?;
    let times = doc["time"].as_object();
    let modified = doc["modified"]
        .as_str()
        .and_then(|t| t.parse::<Timestamp>().ok());

    let mut failures: Vec<String> = Vec::new();
    let mut total_sigs = 0usize;
    let mut good_by_key: BTreeMap<String, usize> = BTreeMap::new();
    let mut evidence_used: BTreeMap<Evidence, (usize, Option<Timestamp>, Option<Timestamp>)> =
        BTreeMap::new();
    // (verdict kind, keyid, evidence) -> count
    let mut verdicts: BTreeMap<(&'static str, String, Evidence), usize> = BTreeMap::new();
    let mut expired_keys: BTreeMap<String, Timestamp> = BTreeMap::new();
    let mut sweep = Sweep::default();

    for (version, vdoc) in versions {
        let dist = &vdoc["dist"];
        let Some(integrity) = dist["integrity"].as_str() else {
            failures.push(format!("{name}@{version}: no dist.integrity"));
            continue;
        };
        let sigs: Vec<Signature> = match serde_json::from_value(dist["signatures"].clone()) {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{name}@{version}: dist.signatures unreadable: {e}"));
                continue;
            }
        };

        // 1. Cryptography alone.
        for s in &sigs {
            total_sigs += 1;
            match keys.get(&s.keyid) {
                None => failures.push(format!("{name}@{version}: unknown key {}", s.keyid)),
                Some(k) => match k.check(name, version, integrity, &s.sig) {
                    Ok(()) => *good_by_key.entry(s.keyid.clone()).or_default() += 1,
                    Err(e) => failures.push(format!("{name}@{version}: {}: {e}", s.keyid)),
                },
            }
        }

        // 2. The expiry rule, with the best publish-time evidence present.
        let (published, evidence) = publish_time(times, version, dist, modified);
        let e = evidence_used.entry(evidence).or_insert((0, None, None));
        e.0 += 1;
        if let Some(t) = published {
            e.1 = Some(e.1.map_or(t, |m| m.min(t)));
            e.2 = Some(e.2.map_or(t, |m| m.max(t)));
        }
        let verdict = signatures::verify(
            &keys,
            name,
            version,
            integrity,
            &sigs,
            published,
            jiff::Timestamp::now(),
        );
        let (kind, keyid) = match &verdict {
            Verdict::Verified { keyid } => ("Verified", keyid.clone()),
            Verdict::ExpiredKey { keyid, expires } => {
                expired_keys.insert(keyid.clone(), *expires);
                if evidence.is_point() {
                    failures.push(format!(
                        "{name}@{version}: signed by {keyid}, but published {} per {:?}, \
                         not before its expiry {expires}",
                        published.map(|t| t.to_string()).unwrap_or_default(),
                        evidence
                    ));
                }
                ("ExpiredKey", keyid.clone())
            }
            other => {
                failures.push(format!("{name}@{version}: verdict {other:?}"));
                ("other", String::new())
            }
        };
        *verdicts.entry((kind, keyid, evidence)).or_default() += 1;

        // 3. Mutations.
        sweep.run(
            &keys,
            name,
            version,
            integrity,
            &sigs,
            published,
            &mut failures,
        );
    }

    let n = versions.len();
    println!("{name}: {n} versions checked");
    let mut by_count: Vec<(&String, &usize)> = good_by_key.iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let by_key: Vec<String> = by_count
        .iter()
        .map(|(k, c)| format!("{c} by {}", short(k)))
        .collect();
    let good: usize = good_by_key.values().sum();
    println!(
        "{name}: {good}/{total_sigs} signatures verify ({})",
        by_key.join(", ")
    );

    println!(
        "publish time: the file has {}; used:",
        match times {
            Some(_) => "a `time` object",
            None => "no `time` object (abbreviated packuments carry none)",
        }
    );
    for (ev, (count, lo, hi)) in &evidence_used {
        let range = match (lo, hi) {
            (Some(l), Some(h)) if l == h => format!(" [{l}]"),
            (Some(l), Some(h)) => format!(" [{l} .. {h}]"),
            _ => String::new(),
        };
        println!("  {count:>4} versions: {}{range}", ev.describe());
    }

    println!("verdicts with the expiry rule (valid iff publish time < expires):");
    for ((kind, keyid, ev), count) in &verdicts {
        let why = match (*kind, keys.get(keyid).and_then(|k| k.expires)) {
            ("Verified", None) => "key never expires".to_string(),
            ("Verified", Some(x)) => format!("publish time before the key's expiry {x}"),
            ("ExpiredKey", Some(x)) => format!(
                "key expired {x}; the evidence does not put the publish before that \
                 (a signature cannot date itself)"
            ),
            _ => String::new(),
        };
        println!(
            "  {kind:<10} {count:>4}  {}  evidence: {ev:?}; {why}",
            short(keyid)
        );
    }
    let expired: usize = verdicts
        .iter()
        .filter(|((k, _, _), _)| *k == "ExpiredKey")
        .map(|(_, c)| c)
        .sum();
    if expired > 0 {
        println!(
            "  note: the {expired} ExpiredKey verdicts are not failures here: their signatures \
             verify, but the file holds no publish time that predates {}; with `time[version]` \
             from the full packument they would be judged on it",
            expired_keys
                .iter()
                .map(|(k, t)| format!("{}'s expiry {t}", short(k)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }

    println!("mutation sweep (every version, every position):");
    println!(
        "  signature byte flips (decoded DER, xor 0x01): {} tried, {} rejected ({} Invalid, {} Malformed)",
        sweep.sig_tried,
        sweep.sig_rejected(),
        sweep.sig_invalid,
        sweep.sig_malformed
    );
    println!(
        "  integrity character changes:                  {} tried, {} rejected ({} Invalid)",
        sweep.int_tried, sweep.int_invalid, sweep.int_invalid
    );

    if failures.is_empty() {
        println!("OK");
        Ok(())
    } else {
        for f in failures.iter().take(20) {
            eprintln!("  {f}");
        }
        if failures.len() > 20 {
            eprintln!("  ... and {} more", failures.len() - 20);
        }
        Err(format!("{} problem(s), listed above", failures.len()))
    }
}

/// The best publish-time evidence for one version, and what it was.
fn publish_time(
    times: Option<&serde_json::Map<String, Value>>,
    version: &str,
    dist: &Value,
    modified: Option<Timestamp>,
) -> (Option<Timestamp>, Evidence) {
    if let Some(t) = times
        .and_then(|t| t.get(version))
        .and_then(Value::as_str)
        .and_then(|t| t.parse().ok())
    {
        return (Some(t), Evidence::Time);
    }
    if let Some(t) = dist["npm-signature"].as_str().and_then(pgp_creation_time) {
        return (Some(t), Evidence::PgpSignature);
    }
    match modified {
        Some(t) => (Some(t), Evidence::Modified),
        None => (None, Evidence::None),
    }
}

/// The signature creation time (hashed subpacket 2) of an ASCII-armored
/// OpenPGP signature, v3 or v4. Not a verification of the signature.
fn pgp_creation_time(armored: &str) -> Option<Timestamp> {
    let mut body = String::new();
    let mut in_body = false;
    for line in armored.lines().map(str::trim_end) {
        if line.starts_with("-----END") || (in_body && line.starts_with('=')) {
            break;
        }
        if in_body {
            body.push_str(line);
        } else if line.is_empty() {
            in_body = true;
        }
    }
    let b = STANDARD.decode(body).ok()?;
    let first = *b.first()?;
    if first & 0x80 == 0 {
        return None;
    }
    let (tag, body) = if first & 0x40 != 0 {
        let l0 = *b.get(1)? as usize;
        let (len, off) = match l0 {
            0..192 => (l0, 2),
            192..224 => (((l0 - 192) << 8) + *b.get(2)? as usize + 192, 3),
            255 => (
                u32::from_be_bytes(b.get(2..6)?.try_into().ok()?) as usize,
                6,
            ),
            _ => return None,
        };
        (first & 0x3f, b.get(off..off + len)?)
    } else {
        let (len, off) = match first & 3 {
            0 => (*b.get(1)? as usize, 2),
            1 => (
                u16::from_be_bytes(b.get(1..3)?.try_into().ok()?) as usize,
                3,
            ),
            2 => (
                u32::from_be_bytes(b.get(1..5)?.try_into().ok()?) as usize,
                5,
            ),
            _ => return None,
        };
        ((first >> 2) & 0x0f, b.get(off..off + len)?)
    };
    if tag != 2 {
        return None;
    }
    let secs = match *body.first()? {
        3 => u32::from_be_bytes(body.get(3..7)?.try_into().ok()?),
        4 => {
            let hl = u16::from_be_bytes(body.get(4..6)?.try_into().ok()?) as usize;
            let mut sub = body.get(6..6 + hl)?;
            let mut found = None;
            while !sub.is_empty() {
                let o = sub[0] as usize;
                let (len, off) = match o {
                    0..192 => (o, 1),
                    192..255 => (((o - 192) << 8) + *sub.get(1)? as usize + 192, 2),
                    _ => (
                        u32::from_be_bytes(sub.get(1..5)?.try_into().ok()?) as usize,
                        5,
                    ),
                };
                let packet = sub.get(off..off + len)?;
                if packet.first()? & 0x7f == 2 {
                    found = Some(u32::from_be_bytes(packet.get(1..5)?.try_into().ok()?));
                }
                sub = &sub[off + len..];
            }
            found?
        }
        _ => return None,
    };
    Timestamp::from_second(i64::from(secs)).ok()
}

#[derive(Default)]
struct Sweep {
    sig_tried: usize,
    sig_invalid: usize,
    sig_malformed: usize,
    int_tried: usize,
    int_invalid: usize,
}

impl Sweep {
    fn sig_rejected(&self) -> usize {
        self.sig_invalid + self.sig_malformed
    }

    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        keys: &KeySet,
        name: &str,
        version: &str,
        integrity: &str,
        sigs: &[Signature],
        published: Option<Timestamp>,
        failures: &mut Vec<String>,
    ) {
        for (i, s) in sigs.iter().enumerate() {
            let Ok(der) = STANDARD.decode(&s.sig) else {
                continue; // already reported
            };
            for pos in 0..der.len() {
                let mut d = der.clone();
                d[pos] ^= 0x01;
                let mut mutated = sigs.to_vec();
                mutated[i].sig = STANDARD.encode(&d);
                self.sig_tried += 1;
                match signatures::verify(
                    keys,
                    name,
                    version,
                    integrity,
                    &mutated,
                    published,
                    jiff::Timestamp::now(),
                ) {
                    Verdict::Invalid { .. } => self.sig_invalid += 1,
                    Verdict::Malformed { .. } => self.sig_malformed += 1,
                    v => failures.push(format!(
                        "{name}@{version}: signature byte {pos} flipped, yet {v:?}"
                    )),
                }
            }
        }
        for (pos, c) in integrity.char_indices() {
            let other = if c == 'A' { "B" } else { "A" };
            let mut mutated = integrity.to_string();
            mutated.replace_range(pos..pos + c.len_utf8(), other);
            self.int_tried += 1;
            match signatures::verify(
                keys,
                name,
                version,
                &mutated,
                sigs,
                published,
                jiff::Timestamp::now(),
            ) {
                Verdict::Invalid { .. } => self.int_invalid += 1,
                v => failures.push(format!(
                    "{name}@{version}: integrity character {pos} changed, yet {v:?}"
                )),
            }
        }
    }
}
