//! The Sigstore trusted root: which Fulcio CAs, Rekor logs, CT logs and
//! timestamp authorities lockproof trusts, and for which time windows.
//!
//! The public-good root is embedded (from the `sigstore` wheel on PyPI, see
//! DESIGN.md); `--trusted-root FILE` replaces it. A key outside its
//! validity window is as good as absent, so every lookup takes a time.
//!
//! As the Sigstore client specification intends, a root is read for what
//! lockproof can use: a key or CA of a kind it cannot verify with (P-521,
//! LMS, RSA outside 2048 to 4096 bits, a `keyDetails` it does not know) is
//! skipped and listed in [`TrustedRoot::skipped`], not a reason to refuse
//! the whole root. What is malformed (bad base64, a window without its
//! start, a CA chain whose signatures do not verify) still refuses it.

use jiff::Timestamp;

use super::authority::{Authority, LogKey, ValidFor};
use super::certificate::{CertError, verify_authority};
use super::key_details::KeyDetails;
use super::keys::KeyError;

/// The trusted root as lockproof uses it.
#[derive(Debug, Clone)]
pub struct TrustedRoot {
    /// Fulcio certificate authorities.
    pub certificate_authorities: Vec<Authority>,
    /// Rekor transparency logs.
    pub tlogs: Vec<LogKey>,
    /// Certificate-transparency logs.
    pub ctlogs: Vec<LogKey>,
    /// RFC 3161 timestamp authorities.
    pub timestamp_authorities: Vec<Authority>,
    /// What the root holds that lockproof cannot use, and why.
    pub skipped: Vec<Skipped>,
    /// Set when every CA's or every log's window ended before the time the
    /// root was read: it can then verify only bundles signed earlier.
    pub ended: Option<&'static str>,
}

/// A key or CA of the root that lockproof skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {why}")]
pub struct Skipped {
    /// Which part of the root, e.g. `ctlog #0 (https://ctfe.example)`.
    pub what: String,
    /// Why lockproof cannot use it.
    pub why: SkipReason,
}

/// Why a part of the root was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SkipReason {
    /// A `keyDetails` lockproof does not verify with.
    #[error("key type {0} is not one lockproof verifies with")]
    KeyDetails(String),
    /// The key is not one lockproof can read (or not the stated kind).
    #[error("{0}")]
    Key(KeyError),
    /// A CA certificate with a key or signature algorithm lockproof does
    /// not verify.
    #[error("{0}")]
    Certificate(CertError),
}

/// Why a trusted root could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TrustRootError {
    /// Not JSON of the trusted-root shape.
    #[error("trusted root is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    /// A media type this version does not read.
    #[error("unsupported trusted root media type {0:?}")]
    MediaType(String),
    /// A field that is not base64, a date that does not parse, a window
    /// without its start, or a CA chain that does not verify.
    #[error("trusted root {what}: {why}")]
    Field {
        /// Which part of the root.
        what: String,
        /// What is wrong with it.
        why: String,
    },
}

/// The Sigstore public-good trusted root, from the `sigstore` 4.5.1 wheel on
/// PyPI (see `assets/README.md`).
pub const PUBLIC_GOOD: &str = include_str!("../../assets/sigstore-trusted-root.json");

mod raw {
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Root {
        pub media_type: String,
        #[serde(default)]
        pub tlogs: Vec<Log>,
        #[serde(default)]
        pub certificate_authorities: Vec<Ca>,
        #[serde(default)]
        pub ctlogs: Vec<Log>,
        #[serde(default)]
        pub timestamp_authorities: Vec<Ca>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Log {
        #[serde(default)]
        pub base_url: String,
        pub public_key: Key,
        pub log_id: LogId,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Key {
        pub raw_bytes: String,
        pub key_details: Option<String>,
        pub valid_for: Option<Window>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct LogId {
        pub key_id: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Ca {
        pub cert_chain: Chain,
        pub valid_for: Option<Window>,
    }

    #[derive(Deserialize)]
    pub struct Chain {
        pub certificates: Vec<Cert>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Cert {
        pub raw_bytes: String,
    }

    #[derive(Deserialize)]
    pub struct Window {
        pub start: Option<String>,
        pub end: Option<String>,
    }
}

impl TrustedRoot {
    /// The embedded public-good root, judged at `now`.
    pub fn public_good(now: Timestamp) -> Result<TrustedRoot, TrustRootError> {
        TrustedRoot::from_json(PUBLIC_GOOD.as_bytes(), now)
    }

    /// Reads a `trusted_root.json` body. Validity windows are judged at
    /// each signature's own verified time, not here; `now` only notes a
    /// root whose every CA or every log has ended.
    pub fn from_json(body: &[u8], now: Timestamp) -> Result<TrustedRoot, TrustRootError> {
        let raw: raw::Root = serde_json::from_slice(body)?;
        if !raw
            .media_type
            .starts_with("application/vnd.dev.sigstore.trustedroot")
        {
            return Err(TrustRootError::MediaType(raw.media_type));
        }
        let mut skipped = Vec::new();
        let certificate_authorities =
            authorities(&raw.certificate_authorities, "CA", true, &mut skipped)?;
        let timestamp_authorities = authorities(
            &raw.timestamp_authorities,
            "timestamp authority",
            false,
            &mut skipped,
        )?;
        let tlogs = logs(&raw.tlogs, "tlog", &mut skipped)?;
        let ctlogs = logs(&raw.ctlogs, "ctlog", &mut skipped)?;
        let ended = |v: &ValidFor| v.end.is_some_and(|e| e < now);
        let ended = if !certificate_authorities.is_empty()
            && certificate_authorities.iter().all(|a| ended(&a.valid_for))
        {
            Some("certificate authority")
        } else if !tlogs.is_empty() && tlogs.iter().all(|l| ended(&l.valid_for)) {
            Some("transparency log")
        } else {
            None
        };
        Ok(TrustedRoot {
            certificate_authorities,
            tlogs,
            ctlogs,
            timestamp_authorities,
            skipped,
            ended,
        })
    }

    /// The transparency log with this log ID.
    pub fn tlog(&self, id: &[u8]) -> Option<&LogKey> {
        self.tlogs.iter().find(|l| l.id == id)
    }
}

fn field(what: impl Into<String>, why: impl ToString) -> TrustRootError {
    TrustRootError::Field {
        what: what.into(),
        why: why.to_string(),
    }
}

fn b64(what: &str, text: &str) -> Result<Vec<u8>, TrustRootError> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| field(what, e))
}

fn window(what: &str, raw: Option<&raw::Window>) -> Result<ValidFor, TrustRootError> {
    let Some(raw) = raw else {
        return Ok(ValidFor::default());
    };
    let parse = |t: &Option<String>| {
        t.as_deref()
            .map(|t| t.parse::<Timestamp>().map_err(|e| field(what, e)))
            .transpose()
    };
    // The specification makes `start` required: a window without one is
    // malformed, not open towards the past.
    let start = parse(&raw.start)?.ok_or_else(|| field(what, "validFor has no start"))?;
    Ok(ValidFor {
        start: Some(start),
        end: parse(&raw.end)?,
    })
}

/// `check_links`: verify the signatures inside each chain now, once (Fulcio
/// CAs; the verifier then only checks the leaf's link). Timestamp
/// authorities' chains are checked by the timestamp verifier itself. A
/// chain lockproof cannot verify (key or algorithm it does not support) is
/// skipped; one that fails to verify refuses the root.
fn authorities(
    raw: &[raw::Ca],
    kind: &str,
    check_links: bool,
    skipped: &mut Vec<Skipped>,
) -> Result<Vec<Authority>, TrustRootError> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, ca) in raw.iter().enumerate() {
        let what = format!("{kind} #{i}");
        let chain = ca
            .cert_chain
            .certificates
            .iter()
            .map(|c| b64(&what, &c.raw_bytes))
            .collect::<Result<Vec<_>, _>>()?;
        if chain.is_empty() {
            return Err(field(what, "empty certificate chain"));
        }
        let valid_for = window(&what, ca.valid_for.as_ref())?;
        if check_links {
            match verify_authority(&chain) {
                Ok(()) => {}
                Err(e @ (CertError::Key(_) | CertError::Algorithm(_))) => {
                    let why = SkipReason::Certificate(e);
                    skipped.push(Skipped { what, why });
                    continue;
                }
                Err(e) => return Err(field(what, e)),
            }
        }
        out.push(Authority { chain, valid_for });
    }
    Ok(out)
}

fn logs(
    raw: &[raw::Log],
    kind: &str,
    skipped: &mut Vec<Skipped>,
) -> Result<Vec<LogKey>, TrustRootError> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, log) in raw.iter().enumerate() {
        let what = format!("{kind} #{i} ({})", log.base_url);
        let der = b64(&what, &log.public_key.raw_bytes)?;
        let id = b64(&what, &log.log_id.key_id)?;
        let valid_for = window(&what, log.public_key.valid_for.as_ref())?;
        let name = log.public_key.key_details.as_deref();
        let Some(details) = KeyDetails::parse(name) else {
            let why = SkipReason::KeyDetails(name.unwrap_or_default().to_owned());
            skipped.push(Skipped { what, why });
            continue;
        };
        // A kind lockproof knows but a size it does not use, or a bare SPKI
        // of a kind it does not read, is skipped; bytes that are not the
        // stated kind are a broken root.
        match details.key(&der) {
            Ok(key) => out.push(LogKey {
                id,
                key,
                valid_for,
                base_url: log.base_url.clone(),
            }),
            Err(e @ KeyError::RsaSize(_)) => {
                skipped.push(Skipped {
                    what,
                    why: SkipReason::Key(e),
                });
            }
            Err(e @ KeyError::Unsupported) if details == KeyDetails::Unstated => {
                skipped.push(Skipped {
                    what,
                    why: SkipReason::Key(e),
                });
            }
            Err(e) => return Err(field(what, e)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigstore::keys::{Hash, PublicKey, Scheme};
    use crate::sigstore::rsa::testkey;
    use base64::Engine as _;

    fn now() -> Timestamp {
        "2026-01-01T00:00:00Z".parse().expect("time")
    }

    fn public_good() -> serde_json::Value {
        serde_json::from_str(PUBLIC_GOOD).expect("json")
    }

    fn load(root: &serde_json::Value) -> Result<TrustedRoot, TrustRootError> {
        TrustedRoot::from_json(root.to_string().as_bytes(), now())
    }

    #[test]
    fn the_embedded_root_loads_with_its_logs_and_cas() {
        let root = TrustedRoot::public_good(Timestamp::now()).expect("embedded root");
        assert_eq!(root.certificate_authorities.len(), 2);
        assert_eq!(root.tlogs.len(), 2);
        assert!(matches!(root.tlogs[1].key, PublicKey::Ed25519(_)));
        assert!(root.ctlogs.len() >= 2);
        assert!(!root.timestamp_authorities.is_empty());
        assert_eq!(root.skipped, vec![]);
        let rekor = root.tlogs[0].id.clone();
        assert_eq!(
            root.tlog(&rekor).map(|l| l.base_url.as_str()),
            Some("https://rekor.sigstore.dev")
        );
    }

    #[test]
    fn rsa_log_keys_are_used_and_unknown_kinds_skipped_with_a_note() {
        let b64 = |der: Vec<u8>| base64::engine::general_purpose::STANDARD.encode(der);
        let mut root = public_good();
        let ctlogs = root["ctlogs"].as_array_mut().expect("ctlogs");
        let mut rsa = ctlogs[0].clone();
        rsa["publicKey"]["rawBytes"] = b64(testkey::pkcs1()).into();
        rsa["publicKey"]["keyDetails"] = "PKCS1_RSA_PKCS1V5".into();
        let mut pss = ctlogs[0].clone();
        pss["publicKey"]["rawBytes"] = b64(testkey::spki()).into();
        pss["publicKey"]["keyDetails"] = "PKIX_RSA_PSS_2048_SHA256".into();
        let mut future = ctlogs[0].clone();
        future["publicKey"]["keyDetails"] = "ML_DSA_65".into();
        let count = ctlogs.len();
        ctlogs.extend([rsa, pss, future]);
        let loaded = load(&root).expect("root with rsa and unknown keys");
        assert_eq!(loaded.ctlogs.len(), count + 2);
        let schemes: Vec<Scheme> = loaded.ctlogs[count..]
            .iter()
            .map(|l| l.key.default_scheme())
            .collect();
        let want = [
            Scheme::RsaPkcs1v15(Hash::Sha256),
            Scheme::RsaPss(Hash::Sha256),
        ];
        assert_eq!(schemes, want);
        assert_eq!(loaded.skipped.len(), 1);
        assert_eq!(
            loaded.skipped[0].why,
            SkipReason::KeyDetails("ML_DSA_65".into())
        );
    }

    #[test]
    fn windows_need_a_start_and_ended_roots_still_load() {
        let mut no_start = public_good();
        no_start["tlogs"][0]["publicKey"]["validFor"] =
            serde_json::json!({"end": "2030-01-01T00:00:00Z"});
        let err = load(&no_start).expect_err("a window without start");
        assert!(err.to_string().contains("no start"), "{err}");

        // Windows are judged at signing time: an ended root verifies older
        // bundles, and says that it has ended.
        let mut ended = public_good();
        for ca in ended["certificateAuthorities"].as_array_mut().expect("cas") {
            ca["validFor"]["end"] = "2001-01-01T00:00:00Z".into();
        }
        let root = load(&ended).expect("ended root loads");
        assert_eq!(root.ended, Some("certificate authority"));
        assert_eq!(root.certificate_authorities.len(), 2);
    }

    #[test]
    fn malformed_roots_are_refused_with_a_reason() {
        assert!(matches!(
            TrustedRoot::from_json(b"{", now()),
            Err(TrustRootError::Json(_))
        ));
        assert!(matches!(
            TrustedRoot::from_json(br#"{"mediaType":"text/plain"}"#, now()),
            Err(TrustRootError::MediaType(_))
        ));
        let empty = br#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#;
        let empty = TrustedRoot::from_json(empty, now()).expect("an empty root loads");
        assert!(empty.tlogs.is_empty() && empty.certificate_authorities.is_empty());
        let broken = PUBLIC_GOOD.replacen("\"rawBytes\": \"", "\"rawBytes\": \"!", 1);
        assert!(matches!(
            TrustedRoot::from_json(broken.as_bytes(), now()),
            Err(TrustRootError::Field { .. })
        ));
        // A P-256 name over RSA bytes is a broken root, not a skipped key.
        let mut lying = public_good();
        lying["ctlogs"][0]["publicKey"]["rawBytes"] = base64::engine::general_purpose::STANDARD
            .encode(testkey::spki())
            .into();
        assert!(matches!(load(&lying), Err(TrustRootError::Field { .. })));
    }
}
