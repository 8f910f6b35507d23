//! Checks lockproof's Sigstore verification against real npm attestations.
//!
//! ```text
//! cargo run --release --example check_real_bundles -- ../shared/fixtures/real
//! ```
//!
//! Reads, in place, every `*.attestations.json` (an
//! `/-/npm/v1/attestations/<name>@<version>` body), `tarball-digests.txt`,
//! `sigstore-trusted_root.json` and `npm-keys.v1.json`. It
//! 1. verifies every bundle in full: SLSA provenance against the trusted
//!    root (any Fulcio identity, reported), npm publish attestations against
//!    npm's keys, each bound to the tarball's sha512 and the package URL;
//! 2. sweeps single-field mutations over every bundle (signature, certificate,
//!    SET, inclusion proof hashes, root hash, tree size, checkpoint,
//!    integrated time, log index, log ID, body, subject digest and name,
//!    payload type, key hint, media type) and requires each to be rejected;
//! 3. prints the counts.
//!
//! Exits 1 with a message if a file is missing or anything does not hold.

#[path = "real_fixtures/mod.rs"]
mod real_fixtures;

use std::path::Path;
use std::process::ExitCode;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use lockproof::signatures::KeySet;
use lockproof::sigstore::bundle::Bundle;
use lockproof::sigstore::trust_root::TrustedRoot;
use lockproof::sigstore::verify::{Artifact, SignerPolicy, verify};
use serde_json::Value;

const PUBLISH: &str = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("check_real_bundles: FAILED: {msg}");
            ExitCode::FAILURE
        }
    }
}

struct Case {
    file: String,
    purl: String,
    sha512: String,
    predicate_type: String,
    bundle: Value,
}

fn run() -> Result<(), String> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: check_real_bundles <fixtures/real folder>")?;
    let dir = Path::new(&dir);
    let now = Timestamp::now();
    let (root, keys) = real_fixtures::trust(dir, now)?;
    let digests = real_fixtures::tarball_digests(&String::from_utf8_lossy(&real_fixtures::read(
        dir,
        "tarball-digests.txt",
    )?));

    let mut cases = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".attestations.json"))
        .collect();
    files.sort();
    for file in &files {
        let stem = file.trim_end_matches(".attestations.json");
        let (name, version) = stem
            .rsplit_once('-')
            .ok_or_else(|| format!("{file}: cannot tell name and version"))?;
        let sha512 = digests
            .get(&format!("{stem}.tgz"))
            .ok_or_else(|| format!("{file}: no digest for {stem}.tgz"))?
            .clone();
        let purl_name = match name {
            "playwright-cli" => "%40playwright/cli".to_owned(),
            other => other.to_owned(),
        };
        let body: Value = serde_json::from_slice(&real_fixtures::read(dir, file)?)
            .map_err(|e| format!("{file}: {e}"))?;
        for att in body["attestations"]
            .as_array()
            .ok_or(format!("{file}: no attestations"))?
        {
            cases.push(Case {
                file: file.clone(),
                purl: format!("pkg:npm/{purl_name}@{version}"),
                sha512: sha512.clone(),
                predicate_type: att["predicateType"].as_str().unwrap_or_default().to_owned(),
                bundle: att["bundle"].clone(),
            });
        }
    }
    if cases.is_empty() {
        return Err("no attestation bundles found".into());
    }

    for case in &cases {
        let summary = check(case, &root, &keys, now)?;
        println!(
            "verified  {:<40} {:<60} {summary}",
            case.file, case.predicate_type
        );
    }

    let mut tried = 0usize;
    let mut rejected = 0usize;
    for case in &cases {
        for (what, mutated) in mutations(&case.bundle) {
            tried += 1;
            let mut m = Case {
                bundle: mutated,
                file: case.file.clone(),
                purl: case.purl.clone(),
                sha512: case.sha512.clone(),
                predicate_type: case.predicate_type.clone(),
            };
            if what == "subject digest (artifact)" {
                m.sha512 = flip_hex(&case.sha512);
            }
            match check(&m, &root, &keys, now) {
                Err(_) => rejected += 1,
                Ok(_) => println!(
                    "ACCEPTED MUTATION: {} {}: {what}",
                    case.file, case.predicate_type
                ),
            }
        }
    }
    println!(
        "{} bundles verified; mutation sweep: {tried} mutations tried, {rejected} rejected",
        cases.len()
    );
    if rejected != tried {
        return Err(format!("{} mutations were accepted", tried - rejected));
    }
    if tried < 50 {
        return Err(format!("only {tried} mutations tried, want at least 50"));
    }
    Ok(())
}

/// Verifies one bundle as lockproof's provenance check does; returns a
/// one-line summary.
fn check(case: &Case, root: &TrustedRoot, keys: &KeySet, now: Timestamp) -> Result<String, String> {
    let bundle = Bundle::from_value(case.bundle.clone()).map_err(|e| e.to_string())?;
    let policy = if case.predicate_type == PUBLISH {
        SignerPolicy::Keys(keys)
    } else {
        SignerPolicy::AnyIdentity
    };
    let digests = [("sha512", case.sha512.clone())];
    let verified = verify(&bundle, root, policy, Artifact::Digests(&digests), now)
        .map_err(|e| e.to_string())?;
    let statement = verified.statement.as_ref().ok_or("no statement")?;
    if statement.predicate_type != case.predicate_type {
        return Err(format!("predicate type {}", statement.predicate_type));
    }
    let subject = statement
        .subject_with_digest("sha512", &case.sha512)
        .ok_or("no subject with the tarball digest")?;
    if subject.name != case.purl {
        return Err(format!("subject {} is not {}", subject.name, case.purl));
    }
    Ok(format!(
        "signed {} by {}",
        verified.signed_at,
        verified.signer()
    ))
}

fn flip_hex(hex: &str) -> String {
    let mut chars: Vec<char> = hex.chars().collect();
    if let Some(c) = chars.get_mut(5) {
        *c = if *c == '0' { '1' } else { '0' };
    }
    chars.into_iter().collect()
}

/// Flips one bit of the base64-decoded value at `pos` (a fraction of its
/// length) and re-encodes.
fn flip_b64(text: &str, pos: f64) -> Option<String> {
    let mut bytes = STANDARD.decode(text).ok()?;
    let i = ((bytes.len() as f64 - 1.0) * pos) as usize;
    *bytes.get_mut(i)? ^= 0x01;
    Some(STANDARD.encode(bytes))
}

fn mutations(bundle: &Value) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let mut push = |what: &'static str, f: &dyn Fn(&mut Value) -> Option<()>| {
        let mut b = bundle.clone();
        if f(&mut b).is_some() {
            out.push((what, b));
        }
    };
    let set_b64 = |v: &mut Value, pos: f64| -> Option<()> {
        let new = flip_b64(v.as_str()?, pos)?;
        *v = Value::String(new);
        Some(())
    };
    let entry = "/verificationMaterial/tlogEntries/0";
    for pos in [0.1, 0.5, 0.95] {
        push("DSSE signature bytes", &|b| {
            set_b64(b.pointer_mut("/dsseEnvelope/signatures/0/sig")?, pos)
        });
        push("signed entry timestamp", &|b| {
            set_b64(
                b.pointer_mut(&format!("{entry}/inclusionPromise/signedEntryTimestamp"))?,
                pos,
            )
        });
    }
    for pos in [0.05, 0.3, 0.6, 0.99] {
        push("certificate", &|b| {
            let cert = b
                .pointer_mut("/verificationMaterial/certificate/rawBytes")
                .or(None)?;
            set_b64(cert, pos)
        });
        push("certificate (chain leaf)", &|b| {
            set_b64(
                b.pointer_mut(
                    "/verificationMaterial/x509CertificateChain/certificates/0/rawBytes",
                )?,
                pos,
            )
        });
    }
    push("canonicalized body", &|b| {
        set_b64(b.pointer_mut(&format!("{entry}/canonicalizedBody"))?, 0.5)
    });
    push("inclusion proof hash", &|b| {
        set_b64(
            b.pointer_mut(&format!("{entry}/inclusionProof/hashes/0"))?,
            0.5,
        )
    });
    push("inclusion proof last hash", &|b| {
        let hashes = b.pointer_mut(&format!("{entry}/inclusionProof/hashes"))?;
        let last = hashes.as_array_mut()?.last_mut()?;
        set_b64(last, 0.2)
    });
    push("inclusion proof root hash", &|b| {
        set_b64(
            b.pointer_mut(&format!("{entry}/inclusionProof/rootHash"))?,
            0.5,
        )
    });
    push("inclusion proof tree size", &|b| {
        bump(b.pointer_mut(&format!("{entry}/inclusionProof/treeSize"))?)
    });
    push("inclusion proof log index", &|b| {
        bump(b.pointer_mut(&format!("{entry}/inclusionProof/logIndex"))?)
    });
    push("checkpoint size line", &|b| {
        edit_checkpoint(b, |lines| bump_text(lines.get_mut(1)?))
    });
    push("checkpoint root line", &|b| {
        edit_checkpoint(b, |lines| {
            let root = lines.get_mut(2)?;
            *root = flip_b64(root, 0.5)?;
            Some(())
        })
    });
    push("checkpoint origin", &|b| {
        edit_checkpoint(b, |lines| {
            lines.get_mut(0)?.push('x');
            Some(())
        })
    });
    push("checkpoint signature", &|b| {
        edit_checkpoint(b, |lines| {
            let sig_line = lines.iter_mut().rev().find(|l| l.starts_with('\u{2014}'))?;
            let (head, sig) = sig_line.rsplit_once(' ')?;
            *sig_line = format!("{head} {}", flip_b64(sig, 0.9)?);
            Some(())
        })
    });
    push("integrated time", &|b| {
        bump(b.pointer_mut(&format!("{entry}/integratedTime"))?)
    });
    push("log index", &|b| {
        bump(b.pointer_mut(&format!("{entry}/logIndex"))?)
    });
    push("log ID", &|b| {
        set_b64(b.pointer_mut(&format!("{entry}/logId/keyId"))?, 0.5)
    });
    push("subject digest (artifact)", &|_| Some(()));
    push("subject digest (statement)", &|b| {
        edit_statement(b, |st| {
            let d = st.pointer_mut("/subject/0/digest/sha512")?;
            *d = Value::String(flip_hex(d.as_str()?));
            Some(())
        })
    });
    push("subject name", &|b| {
        edit_statement(b, |st| {
            let n = st.pointer_mut("/subject/0/name")?;
            *n = Value::String(format!("{}x", n.as_str()?));
            Some(())
        })
    });
    push("payload type", &|b| {
        *b.pointer_mut("/dsseEnvelope/payloadType")? = Value::String("application/json".into());
        Some(())
    });
    push("key hint", &|b| {
        let hint = b.pointer_mut("/verificationMaterial/publicKey/hint")?;
        *hint = Value::String(format!("{}A", hint.as_str()?));
        Some(())
    });
    push("media type v0.1 -> v0.2 (SET-only entry)", &|b| {
        if !b.pointer(&format!("{entry}/inclusionProof"))?.is_null() {
            return None;
        }
        *b.pointer_mut("/mediaType")? =
            Value::String("application/vnd.dev.sigstore.bundle+json;version=0.2".into());
        Some(())
    });
    out
}

fn bump(v: &mut Value) -> Option<()> {
    let n: i64 = match v {
        Value::String(s) => s.parse().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    *v = Value::String((n + 1).to_string());
    Some(())
}

fn bump_text(s: &mut String) -> Option<()> {
    let n: u64 = s.parse().ok()?;
    *s = (n + 1).to_string();
    Some(())
}

fn edit_checkpoint(b: &mut Value, f: impl Fn(&mut Vec<String>) -> Option<()>) -> Option<()> {
    let cp =
        b.pointer_mut("/verificationMaterial/tlogEntries/0/inclusionProof/checkpoint/envelope")?;
    let mut lines: Vec<String> = cp.as_str()?.split('\n').map(str::to_owned).collect();
    f(&mut lines)?;
    *cp = Value::String(lines.join("\n"));
    Some(())
}

fn edit_statement(b: &mut Value, f: impl Fn(&mut Value) -> Option<()>) -> Option<()> {
    let payload = b.pointer_mut("/dsseEnvelope/payload")?;
    let mut st: Value = serde_json::from_slice(&STANDARD.decode(payload.as_str()?).ok()?).ok()?;
    f(&mut st)?;
    *payload = Value::String(STANDARD.encode(st.to_string()));
    Some(())
}
