//! The Sigstore trusted root: which Fulcio CAs, Rekor logs, CT logs and
//! timestamp authorities lockproof trusts, and for which time windows.
//!
//! The public-good root is embedded (from the `sigstore` wheel on PyPI, see
//! DESIGN.md); `--trusted-root FILE` replaces it. A key outside its
//! validity window is as good as absent, so every lookup takes a time.

use jiff::Timestamp;

use super::keys::PublicKey;

/// A validity window; an open end is unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ValidFor {
    /// First instant of validity, if bounded.
    pub start: Option<Timestamp>,
    /// Last instant of validity, if bounded.
    pub end: Option<Timestamp>,
}

impl ValidFor {
    /// Whether `at` lies inside the window (both ends inclusive).
    pub fn contains(&self, at: Timestamp) -> bool {
        self.start.is_none_or(|s| s <= at) && self.end.is_none_or(|e| at <= e)
    }
}

/// A log's key (a Rekor transparency log or a CT log), named by its log ID.
#[derive(Debug, Clone)]
pub struct LogKey {
    /// The log ID the trusted root gives: for Rekor v1 and CT logs the
    /// SHA-256 of the key's DER SubjectPublicKeyInfo.
    pub id: Vec<u8>,
    /// The log's verifying key.
    pub key: PublicKey,
    /// When the key may be used.
    pub valid_for: ValidFor,
    /// The log's base URL, e.g. `https://rekor.sigstore.dev`.
    pub base_url: String,
}

/// A certificate authority: its chain (DER, issuing certificate first, root
/// last) and its validity window.
#[derive(Debug, Clone)]
pub struct Authority {
    /// DER certificates, the one that issues leaves first, the root last.
    pub chain: Vec<Vec<u8>>,
    /// When this authority may have issued certificates.
    pub valid_for: ValidFor,
}

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
    /// A field that is not base64, a key of an unsupported type, or a date
    /// that does not parse.
    #[error("trusted root {what}: {why}")]
    Field {
        /// Which part of the root.
        what: String,
        /// What is wrong with it.
        why: String,
    },
    /// Nothing to verify against: no CA, or no transparency log.
    #[error("trusted root has no {0}")]
    Empty(&'static str),
    /// Every CA or every log has a validity window that ended.
    #[error("trusted root is expired: every {0} validity window has ended")]
    Expired(&'static str),
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

    /// Reads a `trusted_root.json` body. `now` decides expiry: a root whose
    /// every CA or every transparency log has ended can verify nothing new,
    /// which is worth saying rather than failing every bundle later.
    pub fn from_json(body: &[u8], now: Timestamp) -> Result<TrustedRoot, TrustRootError> {
        let raw: raw::Root = serde_json::from_slice(body)?;
        if !raw
            .media_type
            .starts_with("application/vnd.dev.sigstore.trustedroot")
        {
            return Err(TrustRootError::MediaType(raw.media_type));
        }
        let certificate_authorities = authorities(&raw.certificate_authorities, "CA", true)?;
        let timestamp_authorities =
            authorities(&raw.timestamp_authorities, "timestamp authority", false)?;
        let tlogs = logs(&raw.tlogs, "tlog")?;
        let ctlogs = logs(&raw.ctlogs, "ctlog")?;
        if certificate_authorities.is_empty() {
            return Err(TrustRootError::Empty("certificate authority"));
        }
        if tlogs.is_empty() {
            return Err(TrustRootError::Empty("transparency log"));
        }
        let ended = |v: &ValidFor| v.end.is_some_and(|e| e < now);
        if certificate_authorities.iter().all(|a| ended(&a.valid_for)) {
            return Err(TrustRootError::Expired("certificate authority"));
        }
        if tlogs.iter().all(|l| ended(&l.valid_for)) {
            return Err(TrustRootError::Expired("transparency log"));
        }
        Ok(TrustedRoot {
            certificate_authorities,
            tlogs,
            ctlogs,
            timestamp_authorities,
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
    Ok(ValidFor {
        start: parse(&raw.start)?,
        end: parse(&raw.end)?,
    })
}

/// `check_links`: verify the signatures inside each chain now, once (Fulcio
/// CAs; the verifier then only checks the leaf's link). Timestamp
/// authorities' chains are checked by the timestamp verifier itself.
fn authorities(
    raw: &[raw::Ca],
    kind: &str,
    check_links: bool,
) -> Result<Vec<Authority>, TrustRootError> {
    raw.iter()
        .enumerate()
        .map(|(i, ca)| {
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
            if check_links {
                super::certificate::verify_authority(&chain).map_err(|e| field(&what, e))?;
            }
            Ok(Authority {
                chain,
                valid_for: window(&what, ca.valid_for.as_ref())?,
            })
        })
        .collect()
}

fn logs(raw: &[raw::Log], kind: &str) -> Result<Vec<LogKey>, TrustRootError> {
    raw.iter()
        .enumerate()
        .map(|(i, log)| {
            let what = format!("{kind} #{i} ({})", log.base_url);
            let der = b64(&what, &log.public_key.raw_bytes)?;
            Ok(LogKey {
                id: b64(&what, &log.log_id.key_id)?,
                key: PublicKey::from_spki_der(&der).map_err(|e| field(&what, e))?,
                valid_for: window(&what, log.public_key.valid_for.as_ref())?,
                base_url: log.base_url.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_root_loads_with_its_logs_and_cas() {
        let root = TrustedRoot::public_good(Timestamp::now()).expect("embedded root");
        assert_eq!(root.certificate_authorities.len(), 2);
        assert_eq!(root.tlogs.len(), 2);
        assert!(matches!(root.tlogs[1].key, PublicKey::Ed25519(_)));
        assert!(root.ctlogs.len() >= 2);
        assert!(!root.timestamp_authorities.is_empty());
        let rekor = root.tlogs[0].id.clone();
        assert_eq!(
            root.tlog(&rekor).map(|l| l.base_url.as_str()),
            Some("https://rekor.sigstore.dev")
        );
    }

    #[test]
    fn malformed_and_expired_roots_are_refused_with_a_reason() {
        let now = Timestamp::now();
        assert!(matches!(
            TrustedRoot::from_json(b"{", now),
            Err(TrustRootError::Json(_))
        ));
        assert!(matches!(
            TrustedRoot::from_json(br#"{"mediaType":"text/plain"}"#, now),
            Err(TrustRootError::MediaType(_))
        ));
        assert!(matches!(
            TrustedRoot::from_json(
                br#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}"#,
                now
            ),
            Err(TrustRootError::Empty(_))
        ));
        let mut expired: serde_json::Value = serde_json::from_str(PUBLIC_GOOD).expect("json");
        for ca in expired["certificateAuthorities"]
            .as_array_mut()
            .expect("cas")
        {
            ca["validFor"]["end"] = "2001-01-01T00:00:00Z".into();
        }
        assert!(matches!(
            TrustedRoot::from_json(expired.to_string().as_bytes(), now),
            Err(TrustRootError::Expired("certificate authority"))
        ));
        let broken = PUBLIC_GOOD.replacen("\"rawBytes\": \"", "\"rawBytes\": \"!", 1);
        assert!(matches!(
            TrustedRoot::from_json(broken.as_bytes(), now),
            Err(TrustRootError::Field { .. })
        ));
    }
}
