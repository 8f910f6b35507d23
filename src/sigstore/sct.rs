//! Embedded Signed Certificate Timestamps (RFC 6962 §3.2–3.3) on a Fulcio
//! leaf certificate.
//!
//! Fulcio submits each leaf to a CT log as a precertificate before issuing
//! it, and embeds the log's promise (the SCT) in the final certificate. The
//! Sigstore client specification requires at least one such promise from a
//! trusted log, so a certificate Fulcio issued without logging it is refused.
//! The SCT signs the precertificate, not the final leaf, so the signed bytes
//! are rebuilt here by taking the SCT list back out of the leaf's TBS.

use const_oid::ObjectIdentifier;
use const_oid::db::rfc6962::CT_PRECERT_SCTS;
use der::asn1::{AnyRef, ContextSpecific, OctetString};
use der::{Decode as _, Encode as _, Reader as _, Tag, TagMode, TagNumber, Tagged as _};
use jiff::Timestamp;
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::Extension;

use super::authority::LogKey;
use super::keys::{Hash, KeyError, PublicKey, Scheme};

/// The extension carrying the SCT list; also the one stripped to recover the
/// precertificate.
const SCT_LIST: ObjectIdentifier = CT_PRECERT_SCTS;

/// An SCT that verified against a trusted, then-valid CT log key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedSct {
    /// The log's ID: SHA-256 of its DER SubjectPublicKeyInfo.
    pub log_id: [u8; 32],
    /// When the log promised to include the precertificate, in milliseconds
    /// since the Unix epoch.
    pub timestamp_ms: u64,
}

/// Why the embedded SCTs did not vouch for the leaf.
///
/// Structural problems (no list, a malformed list, an unencodable TBS) are
/// fatal. Per-SCT problems make that SCT not count; when none counts, the
/// error is that of the SCT that got furthest through the checks, since it
/// says most about what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum SctError {
    /// The leaf has no SCT list extension at all.
    #[error("certificate has no embedded sct list extension")]
    NoSctList,
    /// The SCT list extension or an SCT in it is not well-formed.
    #[error("malformed sct list: {0}")]
    Malformed(&'static str),
    /// The precertificate's signed bytes could not be rebuilt.
    #[error("cannot rebuild the precertificate the scts sign: {0}")]
    Precert(der::Error),
    /// An SCT of a version other than v1, which RFC 6962 says to ignore.
    #[error("unsupported sct version {0}")]
    UnsupportedVersion(u8),
    /// An SCT from a log not in the trusted root.
    #[error("no sct is from a trusted ct log (saw log id {log_id})")]
    UnknownLog {
        /// The SCT's log ID, hex.
        log_id: String,
    },
    /// A trusted log whose key was not valid when the SCT was issued.
    #[error("ct log {log_id} key is not valid at the sct timestamp {}", show_ms(*timestamp_ms))]
    KeyNotValidAt {
        /// The log ID, hex.
        log_id: String,
        /// The SCT's timestamp, milliseconds since the Unix epoch.
        timestamp_ms: u64,
    },
    /// A signature/hash pair that is not allowed or does not fit the log key.
    #[error(
        "sct from ct log {log_id} uses unsupported algorithm (hash {hash}, signature {signature})"
    )]
    UnsupportedAlgorithm {
        /// The log ID, hex.
        log_id: String,
        /// TLS HashAlgorithm code.
        hash: u8,
        /// TLS SignatureAlgorithm code.
        signature: u8,
    },
    /// The SCT signature does not verify over the rebuilt precertificate.
    #[error("sct signature from ct log {log_id} is invalid: {reason}")]
    SignatureInvalid {
        /// The log ID, hex.
        log_id: String,
        /// What the key check said.
        reason: KeyError,
    },
    /// Some SCTs verified, but from fewer distinct logs than required.
    #[error("only {verified} of the required {required} ct logs vouched for the certificate")]
    TooFew {
        /// Distinct logs whose SCTs verified.
        verified: usize,
        /// Distinct logs required.
        required: usize,
    },
}

impl SctError {
    /// How far through the per-SCT checks an SCT got before failing; the
    /// deepest failure is the most useful one to report.
    fn depth(&self) -> u8 {
        match self {
            SctError::UnsupportedVersion(_) => 1,
            SctError::UnknownLog { .. } => 2,
            SctError::KeyNotValidAt { .. } => 3,
            SctError::UnsupportedAlgorithm { .. } => 4,
            SctError::SignatureInvalid { .. } => 5,
            _ => 0,
        }
    }
}

/// Verifies the SCTs embedded in `leaf` (issued by `issuer`) against the
/// trusted CT `logs`, requiring SCTs from at least `at_least` distinct logs.
///
/// Returns every SCT that verified. SCTs of unknown versions or from unknown
/// logs are skipped, as RFC 6962 asks, and only matter when too few remain.
pub fn verify_embedded_scts(
    leaf: &Certificate,
    issuer: &Certificate,
    logs: &[LogKey],
    at_least: usize,
) -> Result<Vec<VerifiedSct>, SctError> {
    let list = sct_list(leaf)?;
    let scts = split_list(list.as_bytes())?;
    let entry = precert_entry(leaf, issuer).map_err(SctError::Precert)?;

    let mut verified: Vec<VerifiedSct> = Vec::new();
    let mut deepest: Option<SctError> = None;
    for sct in scts {
        match verify_one(sct, &entry, logs) {
            Ok(ok) => verified.push(ok),
            Err(err @ SctError::Malformed(_)) => return Err(err),
            Err(err) => {
                if deepest.as_ref().is_none_or(|d| err.depth() > d.depth()) {
                    deepest = Some(err);
                }
            }
        }
    }

    // Two SCTs from one log are one witness, not two.
    let mut distinct: Vec<[u8; 32]> = verified.iter().map(|v| v.log_id).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() >= at_least {
        return Ok(verified);
    }
    match deepest {
        Some(err) if verified.is_empty() => Err(err),
        _ => Err(SctError::TooFew {
            verified: distinct.len(),
            required: at_least,
        }),
    }
}

/// The TLS-encoded `SignedCertificateTimestampList` from the leaf.
fn sct_list(leaf: &Certificate) -> Result<OctetString, SctError> {
    let mut found = leaf
        .tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .filter(|ext| ext.extn_id == SCT_LIST);
    let ext = found.next().ok_or(SctError::NoSctList)?;
    // With two lists, which one the precertificate lacked is ambiguous.
    if found.next().is_some() {
        return Err(SctError::Malformed("duplicate sct list extension"));
    }
    // The extension value wraps the TLS bytes in a second OCTET STRING.
    OctetString::from_der(ext.extn_value.as_bytes())
        .map_err(|_| SctError::Malformed("extension value is not an octet string"))
}

/// Splits a `SignedCertificateTimestampList` into its serialized SCTs.
fn split_list(tls: &[u8]) -> Result<Vec<&[u8]>, SctError> {
    let mut outer = Tls(tls);
    let mut list = Tls(outer.vec16("list length")?);
    outer.end("trailing bytes after the list")?;
    if list.0.is_empty() {
        return Err(SctError::Malformed("empty list"));
    }
    let mut scts = Vec::new();
    while !list.0.is_empty() {
        let sct = list.vec16("sct length")?;
        if sct.is_empty() {
            return Err(SctError::Malformed("empty sct"));
        }
        scts.push(sct);
    }
    Ok(scts)
}

/// A v1 SCT, fields borrowed from the list.
struct Sct<'a> {
    log_id: [u8; 32],
    timestamp_ms: u64,
    extensions: &'a [u8],
    hash: u8,
    signature_alg: u8,
    signature: &'a [u8],
}

/// Reads one serialized SCT; a version other than v1 is refused before the
/// rest is read, since its layout is unknown.
fn parse_sct(raw: &[u8]) -> Result<Sct<'_>, SctError> {
    let mut r = Tls(raw);
    let [version] = r.array("version")?;
    if version != 0 {
        return Err(SctError::UnsupportedVersion(version));
    }
    let log_id = r.array("log id")?;
    let timestamp_ms = u64::from_be_bytes(r.array("timestamp")?);
    let extensions = r.vec16("extensions")?;
    let [hash] = r.array("hash algorithm")?;
    let [signature_alg] = r.array("signature algorithm")?;
    let signature = r.vec16("signature")?;
    r.end("trailing bytes after an sct")?;
    Ok(Sct {
        log_id,
        timestamp_ms,
        extensions,
        hash,
        signature_alg,
        signature,
    })
}

/// Checks one serialized SCT against `entry` (the precert `signed_entry`).
fn verify_one(raw: &[u8], entry: &[u8], logs: &[LogKey]) -> Result<VerifiedSct, SctError> {
    let sct = parse_sct(raw)?;
    let log_id = hex(&sct.log_id);
    let mut known = logs
        .iter()
        .filter(|log| log.id.as_slice() == sct.log_id.as_slice())
        .peekable();
    if known.peek().is_none() {
        return Err(SctError::UnknownLog { log_id });
    }
    // A root may list one key twice with different windows; any fits.
    let log = at_ms(sct.timestamp_ms)
        .and_then(|at| known.find(|log| log.valid_for.contains(at)))
        .ok_or_else(|| SctError::KeyNotValidAt {
            log_id: log_id.clone(),
            timestamp_ms: sct.timestamp_ms,
        })?;

    let data = signed_data(&sct, entry)?;
    // The algorithm bytes are not signed, so they only select the check;
    // each must still match the key so a label cannot swap the hash.
    let checked = match (sct.hash, sct.signature_alg, &log.key) {
        (4, 3, PublicKey::P256(_) | PublicKey::P384(_)) => {
            log.key.verify_with(Hash::Sha256, &data, sct.signature)
        }
        // RFC 6962 §2.1.4: an RSA log signs with PKCS#1 v1.5 and SHA-256.
        (4, 1, PublicKey::Rsa(..)) => {
            log.key
                .verify_scheme(Scheme::RsaPkcs1v15(Hash::Sha256), &data, sct.signature)
        }
        // TLS 1.3 labels Ed25519 "intrinsic" (0x0807); SHA-256 is accepted
        // too because Ed25519 ignores the label.
        (8 | 4, 7, PublicKey::Ed25519(_)) => log.key.verify(&data, sct.signature),
        (hash, signature, _) => {
            return Err(SctError::UnsupportedAlgorithm {
                log_id,
                hash,
                signature,
            });
        }
    };
    checked.map_err(|reason| SctError::SignatureInvalid { log_id, reason })?;
    Ok(VerifiedSct {
        log_id: sct.log_id,
        timestamp_ms: sct.timestamp_ms,
    })
}

/// The bytes a v1 SCT signs for a precert entry (RFC 6962 §3.2).
fn signed_data(sct: &Sct<'_>, entry: &[u8]) -> Result<Vec<u8>, SctError> {
    let ext_len = u16::try_from(sct.extensions.len())
        .map_err(|_| SctError::Malformed("extensions too long"))?;
    // Version v1, type certificate_timestamp; then entry type precert_entry.
    let (head, precert) = ([0, 0], 1u16.to_be_bytes());
    let ts = sct.timestamp_ms.to_be_bytes();
    let tail = ext_len.to_be_bytes();
    Ok([&head[..], &ts, &precert, entry, &tail, sct.extensions].concat())
}

/// The precert `signed_entry`: the issuer key hash, then the leaf's TBS
/// without the SCT list, with a 24-bit length.
fn precert_entry(leaf: &Certificate, issuer: &Certificate) -> der::Result<Vec<u8>> {
    let issuer_spki = issuer.tbs_certificate().subject_public_key_info();
    let key_hash = Sha256::digest(issuer_spki.to_der()?);
    let tbs = precert_tbs(leaf)?;
    let len = u32::try_from(tbs.len())
        .ok()
        .filter(|&len| len < 1 << 24)
        .ok_or_else(|| der::Error::from(der::ErrorKind::Overflow))?;
    Ok([&key_hash[..], &len.to_be_bytes()[1..], &tbs].concat())
}

/// The leaf's TBSCertificate as the precertificate had it: the same fields,
/// byte for byte, with the SCT list dropped from the extensions.
///
/// x509-cert keeps TBS fields private, so the DER is rewritten field by
/// field instead of editing the struct.
fn precert_tbs(leaf: &Certificate) -> der::Result<Vec<u8>> {
    let extensions_tag = Tag::ContextSpecific {
        constructed: true,
        number: TagNumber(3),
    };
    let tbs = leaf.tbs_certificate();
    let kept: Vec<Extension> = tbs
        .extensions()
        .into_iter()
        .flatten()
        .filter(|ext| ext.extn_id != SCT_LIST)
        .cloned()
        .collect();
    let extensions = ContextSpecific {
        tag_number: TagNumber(3),
        tag_mode: TagMode::Explicit,
        value: kept,
    };
    let der = tbs.to_der()?;
    let mut body = Vec::with_capacity(der.len());
    AnyRef::from_der(&der)?.sequence(|fields| {
        while !fields.is_finished() {
            let field: AnyRef<'_> = fields.decode()?;
            if field.tag() != extensions_tag {
                field.encode_to_vec(&mut body)?;
            } else if !extensions.value.is_empty() {
                // RFC 5280 forbids an empty extensions list: omit it instead.
                extensions.encode_to_vec(&mut body)?;
            }
        }
        Ok::<_, der::Error>(())
    })?;
    AnyRef::new(Tag::Sequence, &body)?.to_der()
}

/// A bounds-checked reader over TLS presentation-language bytes.
struct Tls<'a>(&'a [u8]);

impl<'a> Tls<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], SctError> {
        let (head, rest) = self
            .0
            .split_at_checked(n)
            .ok_or(SctError::Malformed(what))?;
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], SctError> {
        let bytes = self.take(N, what)?;
        bytes.try_into().map_err(|_| SctError::Malformed(what))
    }

    /// An `opaque <0..2^16-1>`: a big-endian u16 length, then that many bytes.
    fn vec16(&mut self, what: &'static str) -> Result<&'a [u8], SctError> {
        let len = u16::from_be_bytes(self.array(what)?);
        self.take(usize::from(len), what)
    }

    fn end(&self, what: &'static str) -> Result<(), SctError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(SctError::Malformed(what))
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn at_ms(ms: u64) -> Option<Timestamp> {
    Timestamp::from_millisecond(i64::try_from(ms).ok()?).ok()
}

/// Milliseconds since the epoch as RFC 3339 when representable, else raw.
fn show_ms(ms: u64) -> String {
    at_ms(ms).map_or_else(|| format!("{ms} ms"), |at| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigstore::authority::ValidFor;
    use signature::Signer as _;
    use std::str::FromStr as _;
    use std::time::{Duration, UNIX_EPOCH};
    use x509_cert::builder::profile::BuilderProfile;
    use x509_cert::builder::{Builder as _, CertificateBuilder};
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::{EncodePublicKey, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
    use x509_cert::time::{Time, Validity};

    /// 2024-01-01T00:00:00Z, when the test leaf is issued.
    const ISSUED_S: u64 = 1_704_067_200;
    const SCT_MS: u64 = ISSUED_S * 1000 + 1_234;
    const ANY: ValidFor = ValidFor {
        start: None,
        end: None,
    };

    /// Names the certificate as told and adds no extensions of its own.
    struct Plain(&'static str);

    impl BuilderProfile for Plain {
        fn get_issuer(&self, _: &Name) -> Name {
            Name::from_str("CN=test ca").expect("name")
        }
        fn get_subject(&self) -> Name {
            Name::from_str(self.0).expect("name")
        }
        fn build_extensions(
            &self,
            _: SubjectPublicKeyInfoRef<'_>,
            _: SubjectPublicKeyInfoRef<'_>,
            _: &x509_cert::TbsCertificate,
        ) -> x509_cert::builder::Result<Vec<Extension>> {
            Ok(Vec::new())
        }
    }

    fn ca_key(seed: u8) -> p384::ecdsa::SigningKey {
        p384::ecdsa::SigningKey::from_bytes(&[seed; 48].into()).expect("scalar")
    }

    fn p256_key(seed: u8) -> p256::ecdsa::SigningKey {
        p256::ecdsa::SigningKey::from_bytes(&[seed; 32].into()).expect("scalar")
    }

    /// A certificate for `key` named `subject`, signed by CA key `ca_seed`.
    fn issue<K: EncodePublicKey>(
        ca_seed: u8,
        subject: &'static str,
        key: &K,
        exts: &[Extension],
    ) -> Certificate {
        let at = |s| Time::try_from(UNIX_EPOCH + Duration::from_secs(s)).expect("time");
        let validity = Validity::new(at(ISSUED_S), at(ISSUED_S + 600));
        let spki = SubjectPublicKeyInfoOwned::from_key(key).expect("spki");
        let serial = SerialNumber::new(&[7]).expect("serial");
        let mut builder =
            CertificateBuilder::new(Plain(subject), serial, validity, spki).expect("builder");
        for ext in exts {
            builder.add_extension(ext.clone()).expect("extension");
        }
        builder
            .build::<_, p384::ecdsa::DerSignature>(&ca_key(ca_seed))
            .expect("certificate")
    }

    fn ca(seed: u8) -> Certificate {
        issue(seed, "CN=test ca", ca_key(seed).verifying_key(), &[])
    }

    fn leaf(exts: &[Extension]) -> Certificate {
        issue(1, "CN=leaf", p256_key(2).verifying_key(), exts)
    }

    fn other_ext(oid: &str, value: &[u8]) -> Extension {
        let extn_id = ObjectIdentifier::new(oid).expect("oid");
        let extn_value = OctetString::new(value).expect("octets");
        Extension {
            extn_id,
            critical: false,
            extn_value,
        }
    }

    /// Stands in for Fulcio's own extensions (issuer, workflow, ...).
    fn fulcio_ext() -> Extension {
        other_ext("1.3.6.1.4.1.57264.1.1", b"https://token.actions.example")
    }

    /// A v1 SCT from `log` over the precertificate, built independently of
    /// the code under test: the TBS is the precertificate's own encoding.
    fn one_sct(log: &LogSigner) -> Vec<u8> {
        let spki = ca(1).tbs_certificate().subject_public_key_info().to_der();
        let key_hash = Sha256::digest(spki.expect("spki"));
        let tbs = leaf(&[fulcio_ext()])
            .tbs_certificate()
            .to_der()
            .expect("tbs");
        let len = (tbs.len() as u32).to_be_bytes();
        let ts = SCT_MS.to_be_bytes();
        let head = [&[0, 0][..], &ts, &[0, 1], &key_hash, &len[1..]].concat();
        let data = [head, tbs, vec![0, 0]].concat();
        let (alg, sig) = log.sign(&data);
        let sig_len = (sig.len() as u16).to_be_bytes();
        [&[0][..], &log.id(), &ts, &[0, 0], &alg, &sig_len, &sig].concat()
    }

    enum LogSigner {
        P256(p256::ecdsa::SigningKey),
        Ed25519(ed25519_dalek::SigningKey),
        Rsa,
    }

    impl LogSigner {
        fn spki(&self) -> Vec<u8> {
            let der = match self {
                LogSigner::P256(k) => k.verifying_key().to_public_key_der(),
                LogSigner::Ed25519(k) => k.verifying_key().to_public_key_der(),
                LogSigner::Rsa => return crate::sigstore::rsa::testkey::spki(),
            };
            der.expect("spki").into_vec()
        }
        fn id(&self) -> [u8; 32] {
            Sha256::digest(self.spki()).into()
        }
        fn sign(&self, data: &[u8]) -> ([u8; 2], Vec<u8>) {
            match self {
                LogSigner::P256(k) => {
                    let sig: p256::ecdsa::Signature = k.sign(data);
                    ([4, 3], sig.to_der().as_bytes().to_vec())
                }
                LogSigner::Ed25519(k) => ([8, 7], k.sign(data).to_vec()),
                LogSigner::Rsa => {
                    use crate::sigstore::rsa::{Padding, testkey};
                    ([4, 1], testkey::sign(Padding::Pkcs1v15, Hash::Sha256, data))
                }
            }
        }
        fn trusted(&self, valid_for: ValidFor) -> LogKey {
            let key = PublicKey::from_spki_der(&self.spki()).expect("key");
            let (id, base_url) = (self.id().to_vec(), "https://ct.example".into());
            LogKey {
                id,
                key,
                valid_for,
                base_url,
            }
        }
    }

    fn log() -> LogSigner {
        LogSigner::P256(p256_key(3))
    }

    /// The SCT list extension holding `scts`, TLS-encoded.
    fn list_ext(scts: &[Vec<u8>]) -> Extension {
        let mut body = Vec::new();
        for sct in scts {
            body.extend((sct.len() as u16).to_be_bytes());
            body.extend(sct);
        }
        let mut tls = (body.len() as u16).to_be_bytes().to_vec();
        tls.extend(body);
        raw_list_ext(&tls)
    }

    fn raw_list_ext(tls: &[u8]) -> Extension {
        let inner = OctetString::new(tls).and_then(|o| o.to_der());
        other_ext("1.3.6.1.4.1.11129.2.4.2", &inner.expect("der"))
    }

    /// A leaf carrying `scts` after Fulcio's extension, then `after`.
    fn leaf_with(scts: &[Vec<u8>], after: &[Extension]) -> Certificate {
        let mut exts = vec![fulcio_ext(), list_ext(scts)];
        exts.extend_from_slice(after);
        leaf(&exts)
    }

    fn flip_last(mut bytes: Vec<u8>) -> Vec<u8> {
        if let Some(last) = bytes.last_mut() {
            *last ^= 1;
        }
        bytes
    }

    fn check(leaf: &Certificate, logs: &[LogKey]) -> Result<Vec<VerifiedSct>, SctError> {
        verify_embedded_scts(leaf, &ca(1), logs, 1)
    }

    macro_rules! fails_with {
        ($res:expr, $pat:pat) => {{
            let res = $res;
            assert!(matches!(res, Err($pat)), "{res:?}");
        }};
    }

    #[test]
    fn valid_p256_and_ed25519_scts_verify() {
        let log = log();
        let leaf = leaf_with(&[one_sct(&log)], &[]);
        let got = check(&leaf, &[log.trusted(ANY)]).expect("verifies");
        let want = VerifiedSct {
            log_id: log.id(),
            timestamp_ms: SCT_MS,
        };
        assert_eq!(got, vec![want]);

        let ed = LogSigner::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[6; 32]));
        let leaf = leaf_with(&[one_sct(&ed)], &[]);
        assert!(check(&leaf, &[ed.trusted(ANY)]).is_ok());
    }

    #[test]
    fn an_rsa_ct_log_signs_with_pkcs1_and_sha256_only() {
        let rsa = LogSigner::Rsa;
        let leaf = leaf_with(&[one_sct(&rsa)], &[]);
        assert!(check(&leaf, &[rsa.trusted(ANY)]).is_ok());
        let leaf = leaf_with(&[flip_last(one_sct(&rsa))], &[]);
        fails_with!(
            check(&leaf, &[rsa.trusted(ANY)]),
            SctError::SignatureInvalid { .. }
        );
        // An ECDSA label on an RSA log's SCT selects no check.
        let mut relabelled = one_sct(&rsa);
        relabelled[1 + 32 + 8 + 2 + 1] = 3;
        let leaf = leaf_with(&[relabelled], &[]);
        fails_with!(
            check(&leaf, &[rsa.trusted(ANY)]),
            SctError::UnsupportedAlgorithm { .. }
        );
    }

    #[test]
    fn tampering_fails_the_signature() {
        let log = log();
        let logs = [log.trusted(ANY)];
        let leaf = leaf_with(&[one_sct(&log)], &[]);
        let other_issuer = verify_embedded_scts(&leaf, &ca(5), &logs, 1);
        fails_with!(other_issuer, SctError::SignatureInvalid { .. });

        let leaf = leaf_with(&[flip_last(one_sct(&log))], &[]);
        let err = check(&leaf, &logs);
        fails_with!(
            err,
            SctError::SignatureInvalid {
                reason: KeyError::Mismatch,
                ..
            }
        );

        // An extension added after logging changes the TBS the SCT signed.
        let extra = other_ext("1.3.6.1.4.1.57264.1.9", b"added later");
        let leaf = leaf_with(&[one_sct(&log)], &[extra]);
        fails_with!(check(&leaf, &logs), SctError::SignatureInvalid { .. });
    }

    #[test]
    fn an_sct_from_an_untrusted_log_does_not_count() {
        let leaf = leaf_with(&[one_sct(&log())], &[]);
        let stranger = LogSigner::P256(p256_key(4)).trusted(ANY);
        fails_with!(check(&leaf, &[stranger]), SctError::UnknownLog { .. });
        fails_with!(check(&leaf, &[]), SctError::UnknownLog { .. });
    }

    #[test]
    fn a_log_key_outside_its_window_does_not_count() {
        let log = log();
        let leaf = leaf_with(&[one_sct(&log)], &[]);
        let at = |ms: u64| Timestamp::from_millisecond(ms as i64).ok();
        let (expired, current) = (
            ValidFor {
                end: at(SCT_MS - 1),
                ..ANY
            },
            ValidFor {
                start: at(SCT_MS),
                ..ANY
            },
        );
        let err = check(&leaf, &[log.trusted(expired)]);
        fails_with!(
            err,
            SctError::KeyNotValidAt {
                timestamp_ms: SCT_MS,
                ..
            }
        );
        // The same key listed again with a window that fits is accepted.
        assert!(check(&leaf, &[log.trusted(expired), log.trusted(current)]).is_ok());
    }

    #[test]
    fn missing_and_malformed_lists_are_refused_without_panicking() {
        let log = log();
        let logs = [log.trusted(ANY)];
        fails_with!(check(&leaf(&[fulcio_ext()]), &logs), SctError::NoSctList);

        let good = list_ext(&[one_sct(&log)]);
        let inner = OctetString::from_der(good.extn_value.as_bytes()).expect("inner");
        let tls = inner.as_bytes();
        // Every truncation, and a trailing byte, breaks some length.
        let mut broken: Vec<Vec<u8>> = (0..tls.len()).map(|n| tls[..n].to_vec()).collect();
        broken.push([tls, &[0]].concat());
        broken.push(vec![0, 2, 0, 0]); // an empty sct
        broken.push(vec![0xff, 0xff, 0]); // a length past the end
        for bad in broken {
            let leaf = leaf(&[fulcio_ext(), raw_list_ext(&bad)]);
            fails_with!(check(&leaf, &logs), SctError::Malformed(_));
        }
        // Not an OCTET STRING inside the extension, and a duplicate list.
        let not_octets = other_ext("1.3.6.1.4.1.11129.2.4.2", &[2, 1, 0]);
        let leaf = leaf(&[fulcio_ext(), not_octets]);
        fails_with!(check(&leaf, &logs), SctError::Malformed(_));
        let leaf = leaf_with(&[one_sct(&log)], &[good]);
        fails_with!(check(&leaf, &logs), SctError::Malformed(_));
    }

    #[test]
    fn unknown_versions_and_algorithms_are_refused() {
        let log = log();
        let logs = [log.trusted(ANY)];
        let mut v2 = one_sct(&log);
        v2[0] = 1;
        fails_with!(
            check(&leaf_with(&[v2], &[]), &logs),
            SctError::UnsupportedVersion(1)
        );

        let mut sha1 = one_sct(&log);
        sha1[1 + 32 + 8 + 2] = 2;
        let err = check(&leaf_with(&[sha1], &[]), &logs);
        fails_with!(
            err,
            SctError::UnsupportedAlgorithm {
                hash: 2,
                signature: 3,
                ..
            }
        );
    }

    #[test]
    fn the_threshold_counts_distinct_logs_and_the_deepest_failure_is_told() {
        let (a, b) = (log(), LogSigner::P256(p256_key(4)));
        let logs = [a.trusted(ANY), b.trusted(ANY)];
        let stranger = one_sct(&LogSigner::P256(p256_key(8)));
        let leaf = leaf_with(&[stranger.clone(), one_sct(&a), one_sct(&a)], &[]);
        assert_eq!(check(&leaf, &logs).map(|v| v.len()).ok(), Some(2));
        let err = verify_embedded_scts(&leaf, &ca(1), &logs, 2);
        fails_with!(
            err,
            SctError::TooFew {
                verified: 1,
                required: 2
            }
        );
        let leaf = leaf_with(&[one_sct(&a), one_sct(&b)], &[]);
        assert!(verify_embedded_scts(&leaf, &ca(1), &logs, 2).is_ok());

        // A bad signature says more than an unknown log, whatever the order.
        let leaf = leaf_with(&[stranger, flip_last(one_sct(&a))], &[]);
        fails_with!(check(&leaf, &logs), SctError::SignatureInvalid { .. });
    }
}
