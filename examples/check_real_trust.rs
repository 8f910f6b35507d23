//! Checks lockproof's trust ladder against real npm version documents.
//!
//! ```text
//! cargo run --release --example check_real_trust -- ../shared/fixtures/real
//! ```
//!
//! Reads, in place, `x402-stellar-2.12.0.version-doc.excerpt.json` (a real
//! 2026 trusted publish with provenance) and
//! `staged-publish-approver.quoted-example.json` (a quoted staged publish
//! approved by a maintainer), and `npm-keys.v1.json`. For each it requires
//! that the fields are read as the evidence they claim (trusted publisher,
//! staged publish), and that the *verified* level, with no attestation
//! bundle at hand, says the provenance is unverified instead of claiming
//! what the fields claim. Exits 1 if anything does not hold.

use std::path::Path;
use std::process::ExitCode;

use lockproof::evidence::model::{EntryEvidence, Metadata, Signatures};
use lockproof::evidence::provenance::Provenance;
use lockproof::evidence::unknown::Unknown;
use lockproof::registry::packument;
use lockproof::signatures::{self, KeySet};
use lockproof::trust::TrustLevel;
use serde_json::{Value, json};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("check_real_trust: FAILED: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn read_json(dir: &Path, name: &str) -> Result<Value, String> {
    let path = dir.join(name);
    let text = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn run() -> Result<(), String> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: check_real_trust <fixtures/real folder>")?;
    let dir = Path::new(&dir);
    let keys_text = std::fs::read(dir.join("npm-keys.v1.json")).map_err(|e| e.to_string())?;
    let keys = KeySet::from_keys_json(&keys_text).map_err(|e| e.to_string())?;
    let cases = [
        (
            "x402-stellar-2.12.0.version-doc.excerpt.json",
            TrustLevel::TrustedPublisher,
            TrustLevel::Signed,
        ),
        (
            "staged-publish-approver.quoted-example.json",
            TrustLevel::Staged,
            TrustLevel::None,
        ),
    ];
    for (file, claimed_want, verified_want) in cases {
        let doc = read_json(dir, file)?;
        let name = doc["name"].as_str().ok_or(format!("{file}: no name"))?;
        let version = doc["version"]
            .as_str()
            .ok_or(format!("{file}: no version"))?;
        // A one-version packument around the document, as the registry
        // would serve it, read by the same streaming extraction.
        let packument = json!({"name": name, "versions": {version: doc}});
        let wanted = packument::Versions::from(vec![version]);
        let record = packument::extract(packument.to_string().as_bytes(), &wanted)
            .map_err(|e| format!("{file}: {e}"))?;
        let rec = record
            .versions
            .get(version)
            .ok_or(format!("{file}: version not read"))?
            .clone();
        let claimed = TrustLevel::claimed(&rec.trust_fields());
        let signatures = match (&rec.integrity, &rec.signatures) {
            (Some(integrity), Some(sigs)) => Signatures::Judged(signatures::verify(
                &keys,
                name,
                version,
                integrity,
                sigs,
                None,
                jiff::Timestamp::now(),
            )),
            _ => Signatures::Judged(signatures::Verdict::Missing),
        };
        let approver = rec
            .npm_user
            .as_ref()
            .and_then(|u| u.approver.as_ref())
            .map(|a| a.name.clone());
        let trusted = rec
            .npm_user
            .as_ref()
            .and_then(|u| u.trusted_publisher.as_ref())
            .map(|t| t.id.clone());
        let ev = EntryEvidence {
            registry: std::sync::Arc::new(
                url::Url::parse("https://registry.npmjs.org/").map_err(|e| e.to_string())?,
            ),
            metadata: Metadata::Found(Box::new(rec)),
            signatures,
            provenance: Provenance::Unknown(Unknown::AttestationsNotFetched),
            previous_provenance: None,
        };
        let verified = ev.trust_level().ok_or(format!("{file}: level unknown"))?;
        println!(
            "{name}@{version}: trusted publisher {}, staged approver {}; fields claim {}, verified {} (provenance unverified: no bundle)",
            trusted.as_deref().unwrap_or("none"),
            approver.as_deref().unwrap_or("none"),
            claimed.as_str(),
            verified.as_str()
        );
        if claimed != claimed_want {
            return Err(format!(
                "{file}: fields read as {}, expected {}",
                claimed.as_str(),
                claimed_want.as_str()
            ));
        }
        if verified != verified_want {
            return Err(format!(
                "{file}: verified level {}, expected {}",
                verified.as_str(),
                verified_want.as_str()
            ));
        }
    }
    println!("trust ladder: real version documents read as claimed, judged as verified");
    Ok(())
}
