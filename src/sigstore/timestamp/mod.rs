//! RFC 3161 signed timestamps, as Sigstore bundles carry them in
//! `verificationMaterial.timestampVerificationData.rfc3161Timestamps`.
//!
//! A timestamp authority (TSA) countersigns the artifact signature: the
//! token's TSTInfo holds a hash of the signature bytes and the time the TSA
//! saw them. Rekor v2 bundles carry no integrated time, so such a token is
//! what shows the short-lived signing certificate was used while valid.
//!
//! The token is CMS `SignedData` (RFC 5652) around a `TSTInfo` (RFC 3161).
//! It is read element by element on `der`'s reader: no `cms` release on
//! der 0.8 is final yet, and the signature must be checked over the signed
//! attributes exactly as sent, not as a decoder would re-encode them.

use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use der::{Decode as _, Encode as _, Reader as _, SliceReader, Tag, TagNumber, Tagged as _};
use jiff::Timestamp;
use sha2::Digest as _;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, ExtendedKeyUsage, SubjectKeyIdentifier};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use super::algorithm;
use super::authority::Authority;
use super::keys::{KeyError, PublicKey};

/// The largest token accepted; real ones, certificates included, are a few
/// kilobytes.
pub const MAX_TOKEN_LEN: usize = 64 * 1024;
/// At most this many elements are read from any one SET or SEQUENCE.
const MAX_ITEMS: usize = 64;
/// Authority chains longer than this are ignored.
const MAX_CHAIN: usize = 8;

const fn oid(dotted: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(dotted)
}
const ID_SIGNED_DATA: ObjectIdentifier = oid("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: ObjectIdentifier = oid("1.2.840.113549.1.9.16.1.4");
const ID_CONTENT_TYPE: ObjectIdentifier = oid("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = oid("1.2.840.113549.1.9.4");
const ID_SHA256: ObjectIdentifier = algorithm::SHA256;
const ID_SHA384: ObjectIdentifier = algorithm::SHA384;
const ID_SHA512: ObjectIdentifier = algorithm::SHA512;
const KP_TIME_STAMPING: ObjectIdentifier = oid("1.3.6.1.5.5.7.3.8");

/// Why a signed timestamp was not accepted; each variant is one check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// The token is larger than [`MAX_TOKEN_LEN`].
    #[error("timestamp token is larger than {MAX_TOKEN_LEN} bytes")]
    TooLarge,
    /// The token, or a certificate in it, is not DER of its ASN.1 type.
    #[error("timestamp token does not parse: {0}")]
    Malformed(#[from] der::Error),
    /// A TimeStampResp whose status is not granted (with or without mods).
    #[error("timestamp response status {0} is not granted")]
    NotGranted(i64),
    /// The ContentInfo does not hold CMS SignedData.
    #[error("timestamp token is not cms signed data")]
    NotSignedData,
    /// The SignedData does not encapsulate an id-ct-TSTInfo.
    #[error("timestamp token does not encapsulate a tstinfo")]
    NotTstInfo,
    /// The message imprint's hash is not SHA-256, SHA-384 or SHA-512.
    #[error("unsupported message imprint hash algorithm {0}")]
    UnsupportedImprintAlgorithm(ObjectIdentifier),
    /// The message imprint is not the hash of the signature.
    #[error("message imprint does not match the signature")]
    ImprintMismatch,
    /// The SignedData does not have exactly one SignerInfo.
    #[error("timestamp token has {0} signer infos, expected exactly one")]
    SignerCount(usize),
    /// The SignerInfo has no signed attributes to bind it to the TSTInfo.
    #[error("timestamp signer info has no signed attributes")]
    MissingSignedAttributes,
    /// The signer's digest and signature algorithms are not one scheme
    /// lockproof verifies (ECDSA over SHA-256/384, RSA over SHA-256/384/512).
    #[error("unsupported timestamp signature algorithm {0}")]
    UnsupportedSignatureAlgorithm(ObjectIdentifier),
    /// The content-type signed attribute is missing, repeated or not TSTInfo.
    #[error("content-type signed attribute is missing or not id-ct-tstinfo")]
    ContentTypeAttribute,
    /// The message-digest signed attribute is missing, repeated or wrong.
    #[error("message-digest signed attribute is missing or does not match the tstinfo")]
    MessageDigestMismatch,
    /// No certificate (in the token, else first in an authority's chain)
    /// matches the SignerInfo's signer identifier.
    #[error("timestamp signing certificate not found")]
    SignerCertificateNotFound,
    /// The SignerInfo signature does not verify with the signer's key.
    #[error("timestamp signature does not verify: {0}")]
    BadSignature(KeyError),
    /// The signing certificate lacks the id-kp-timeStamping key purpose.
    #[error("timestamp signing certificate lacks the timestamping extended key usage")]
    MissingTimestampingEku,
    /// genTime is outside the validity of a certificate on the TSA's chain.
    #[error("timestamp time {0} is outside the tsa certificate validity")]
    OutsideCertificateValidity(Timestamp),
    /// The signing certificate does not chain to any trusted authority.
    #[error("timestamp signing certificate does not chain to a trusted timestamp authority")]
    UntrustedAuthority,
    /// The authority it chains to was not trusted at genTime.
    #[error("timestamp time {0} is outside the timestamp authority's validity window")]
    OutsideAuthorityValidity(Timestamp),
}

/// Verifies an RFC 3161 `token_der` (a TimeStampToken, or a TimeStampResp
/// wrapping one) over the artifact `signature` bytes against the trusted
/// timestamp `authorities`, and returns the time the TSA vouches for.
pub fn verify_timestamp(
    token_der: &[u8],
    signature: &[u8],
    authorities: &[Authority],
) -> Result<Timestamp, TimestampError> {
    use TimestampError as E;
    if token_der.len() > MAX_TOKEN_LEN {
        return Err(E::TooLarge);
    }
    let (tst_info, certificates, signer_infos) = parse_token(token_der)?;
    let (imprint_alg, imprint, gen_time) = parse_tst_info(tst_info)?;
    let expected = hash_with(imprint_alg, signature);
    match expected {
        None => return Err(E::UnsupportedImprintAlgorithm(imprint_alg)),
        Some(expected) if expected != imprint => return Err(E::ImprintMismatch),
        Some(_) => {}
    }

    let [signer] = signer_infos.as_slice() else {
        return Err(E::SignerCount(signer_infos.len()));
    };
    let signer = parse_signer_info(signer.raw)?;
    let attrs = signer.signed_attrs.ok_or(E::MissingSignedAttributes)?;
    let scheme = algorithm::cms_scheme(
        signer.digest_alg,
        signer.signature_alg,
        signer.signature_params,
    )
    .ok_or(E::UnsupportedSignatureAlgorithm(signer.signature_alg))?;
    let tst_digest = hash_with(signer.digest_alg, tst_info).unwrap_or_default();
    check_signed_attributes(attrs.value, &tst_digest)?;

    let (leaf_der, leaf) = find_signer(&certificates, &signer.sid, authorities)?;
    let key = match spki_key(&leaf).map_err(E::BadSignature)? {
        PublicKey::Ed25519(_) => return Err(E::BadSignature(KeyError::Unsupported)),
        key => key,
    };
    // RFC 5652 §5.4: the signature covers the attributes encoded as a SET
    // OF, not under the [0] IMPLICIT tag they travel with.
    let signed = AnyRef::new(Tag::Set, attrs.value)?.to_der()?;
    key.verify_scheme(scheme, &signed, signer.signature)
        .map_err(E::BadSignature)?;

    let eku = leaf.tbs_certificate().get_extension::<ExtendedKeyUsage>();
    if !matches!(eku, Ok(Some((_, ref eku))) if eku.0.contains(&KP_TIME_STAMPING)) {
        return Err(E::MissingTimestampingEku);
    }
    if !valid_at(&leaf, gen_time) {
        return Err(E::OutsideCertificateValidity(gen_time));
    }
    check_chain(leaf_der, &leaf, gen_time, authorities)?;
    Ok(gen_time)
}

/// One DER element: its tag, its contents and its whole encoding.
#[derive(Debug, Clone, Copy)]
struct Tlv<'a> {
    tag: Tag,
    value: &'a [u8],
    raw: &'a [u8],
}

/// A cursor over the elements inside a constructed value.
struct Items<'a> {
    reader: SliceReader<'a>,
    read: usize,
}

impl<'a> Items<'a> {
    fn new(value: &'a [u8]) -> der::Result<Self> {
        Ok(Items {
            reader: SliceReader::new(value)?,
            read: 0,
        })
    }

    /// The elements inside `raw`, which must be exactly one `tag` element.
    fn of(raw: &'a [u8], tag: Tag) -> der::Result<Self> {
        let any = AnyRef::from_der(raw)?;
        any.tag().assert_eq(tag)?;
        Items::new(any.value())
    }

    /// The next element, whatever its tag.
    fn any(&mut self) -> der::Result<Tlv<'a>> {
        self.read += 1;
        if self.read > MAX_ITEMS {
            return Err(der::ErrorKind::Overlength.into());
        }
        let raw = self.reader.tlv_bytes()?;
        let any = AnyRef::from_der(raw)?;
        Ok(Tlv {
            tag: any.tag(),
            value: any.value(),
            raw,
        })
    }

    /// The next element, which must have tag `tag`.
    fn next(&mut self, tag: Tag) -> der::Result<Tlv<'a>> {
        let tlv = self.any()?;
        tlv.tag.assert_eq(tag)?;
        Ok(tlv)
    }

    /// The elements inside the next element, which must have tag `tag`.
    fn open(&mut self, tag: Tag) -> der::Result<Items<'a>> {
        Items::new(self.next(tag)?.value)
    }

    /// The next element if it is there and has tag `tag` (an OPTIONAL).
    fn optional(&mut self, tag: Tag) -> der::Result<Option<Tlv<'a>>> {
        if self.reader.is_finished() || Tag::peek(&self.reader)? != tag {
            return Ok(None);
        }
        self.any().map(Some)
    }

    fn oid(&mut self) -> der::Result<ObjectIdentifier> {
        ObjectIdentifier::from_der(self.next(Tag::ObjectIdentifier)?.raw)
    }

    /// The OID of the next element, an AlgorithmIdentifier; parameters are
    /// ignored, as hash and ECDSA identifiers omit them or give NULL.
    fn algorithm(&mut self) -> der::Result<ObjectIdentifier> {
        let mut alg = self.open(Tag::Sequence)?;
        let oid = alg.oid()?;
        alg.rest()?;
        Ok(oid)
    }

    /// All remaining elements.
    fn rest(mut self) -> der::Result<Vec<Tlv<'a>>> {
        let mut all = Vec::new();
        while !self.reader.is_finished() {
            all.push(self.any()?);
        }
        Ok(all)
    }

    /// Fails if anything is left unread.
    fn finish(self) -> der::Result<()> {
        self.reader.finish()
    }
}

fn context(number: u32, constructed: bool) -> Tag {
    Tag::ContextSpecific {
        constructed,
        number: TagNumber(number),
    }
}

/// The parts of a TimeStampToken, or of a TimeStampResp around one (RFC
/// 3161 §2.4.2), that the checks need: the eContent octets (the DER TSTInfo,
/// as message-digest hashes it), the raw DER of the certificates it carries,
/// and its SignerInfos.
type Token<'a> = (&'a [u8], Vec<&'a [u8]>, Vec<Tlv<'a>>);

fn parse_token(der: &[u8]) -> Result<Token<'_>, TimestampError> {
    let mut outer = Items::of(der, Tag::Sequence)?;
    // A TimeStampResp starts with its PKIStatusInfo, a bare token (a
    // ContentInfo) with its content type.
    let mut content_info = if Tag::peek(&outer.reader)? == Tag::Sequence {
        let status = i64::from_der(outer.open(Tag::Sequence)?.next(Tag::Integer)?.raw)?;
        // 0 is granted, 1 granted with modifications: only these carry one.
        if !matches!(status, 0 | 1) {
            return Err(TimestampError::NotGranted(status));
        }
        let token = outer.open(Tag::Sequence)?;
        outer.finish()?;
        token
    } else {
        outer
    };
    if content_info.oid()? != ID_SIGNED_DATA {
        return Err(TimestampError::NotSignedData);
    }
    let mut explicit = content_info.open(context(0, true))?;
    content_info.finish()?;
    let mut sd = explicit.open(Tag::Sequence)?;
    explicit.finish()?;
    sd.next(Tag::Integer)?; // version
    sd.next(Tag::Set)?; // digestAlgorithms: the SignerInfo names its own
    let mut encap = sd.open(Tag::Sequence)?;
    let certificates = match sd.optional(context(0, true))? {
        Some(certs) => Items::new(certs.value)?.rest()?,
        None => Vec::new(),
    };
    sd.optional(context(1, true))?; // crls
    let signer_infos = sd.open(Tag::Set)?.rest()?;
    sd.finish()?;

    if encap.oid()? != ID_CT_TST_INFO {
        return Err(TimestampError::NotTstInfo);
    }
    let mut content = encap.open(context(0, true))?;
    let tst_info = content.next(Tag::OctetString)?.value;
    content.finish()?;
    encap.finish()?;
    // Other CertificateChoices (attribute certificates and the like) cannot
    // be the signer's certificate.
    let certificates = certificates.iter().filter(|c| c.tag == Tag::Sequence);
    Ok((
        tst_info,
        certificates.map(|c| c.raw).collect(),
        signer_infos,
    ))
}

/// The message imprint's algorithm and digest, and genTime, of a TSTInfo.
fn parse_tst_info(der: &[u8]) -> Result<(ObjectIdentifier, &[u8], Timestamp), TimestampError> {
    let mut tst = Items::of(der, Tag::Sequence)?;
    tst.next(Tag::Integer)?; // version
    tst.oid()?; // policy
    let mut imprint = tst.open(Tag::Sequence)?;
    let alg = imprint.algorithm()?;
    let digest = imprint.next(Tag::OctetString)?.value;
    imprint.finish()?;
    tst.next(Tag::Integer)?; // serialNumber
    let gen_time = parse_generalized_time(tst.next(Tag::GeneralizedTime)?.value)
        .ok_or(der::Error::from(der::ErrorKind::DateTime))?;
    tst.rest()?; // accuracy, ordering, nonce, tsa, extensions: not needed
    Ok((alg, digest, gen_time))
}

/// Reads `YYYYMMDDhhmmss[.f*]Z`, the only GeneralizedTime form RFC 3161
/// allows; `der`'s own type rejects the fraction some TSAs send.
fn parse_generalized_time(text: &[u8]) -> Option<Timestamp> {
    let body = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
    let (whole, fraction) = body.split_once('.').unwrap_or((body, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if whole.len() != 14 || !digits(whole) || !digits(fraction) {
        return None;
    }
    let field = |at: usize| whole.get(at..at + 2)?.parse::<i8>().ok();
    let year = whole.get(..4)?.parse::<i16>().ok()?;
    // Precision past nanoseconds is dropped, not rounded.
    let fraction = fraction.get(..fraction.len().min(9))?;
    let scale = 10i32.pow(u32::try_from(9 - fraction.len()).ok()?);
    let nanos = fraction.parse::<i32>().ok()?.checked_mul(scale)?;
    let (month, day, hour, minute, second) =
        (field(4)?, field(6)?, field(8)?, field(10)?, field(12)?);
    let dt = jiff::civil::DateTime::new(year, month, day, hour, minute, second, nanos).ok()?;
    jiff::tz::Offset::UTC.to_timestamp(dt).ok()
}

/// How a SignerInfo names its certificate (RFC 5652 §5.3).
enum SignerId<'a> {
    /// issuerAndSerialNumber: raw DER Name and INTEGER.
    IssuerSerial { issuer: &'a [u8], serial: &'a [u8] },
    /// subjectKeyIdentifier.
    KeyId(&'a [u8]),
}

struct SignerInfo<'a> {
    sid: SignerId<'a>,
    digest_alg: ObjectIdentifier,
    signed_attrs: Option<Tlv<'a>>,
    signature_alg: ObjectIdentifier,
    signature_params: Option<AnyRef<'a>>,
    signature: &'a [u8],
}

fn parse_signer_info(der: &[u8]) -> der::Result<SignerInfo<'_>> {
    let mut si = Items::of(der, Tag::Sequence)?;
    si.next(Tag::Integer)?; // version
    let sid = si.any()?;
    let sid = if sid.tag == Tag::Sequence {
        let mut parts = Items::new(sid.value)?;
        let issuer = parts.next(Tag::Sequence)?.raw;
        let serial = parts.next(Tag::Integer)?.raw;
        parts.finish()?;
        SignerId::IssuerSerial { issuer, serial }
    } else {
        sid.tag.assert_eq(context(0, false))?;
        SignerId::KeyId(sid.value)
    };
    let digest_alg = si.algorithm()?;
    let signed_attrs = si.optional(context(0, true))?;
    let mut alg = si.open(Tag::Sequence)?;
    let signature_alg = alg.oid()?;
    let signature_params = match alg.rest()?.as_slice() {
        [] => None,
        [params] => Some(AnyRef::from_der(params.raw)?),
        _ => {
            return Err(der::ErrorKind::TrailingData {
                decoded: der::Length::ZERO,
                remaining: der::Length::ZERO,
            }
            .into());
        }
    };
    let signature = si.next(Tag::OctetString)?.value;
    si.optional(context(1, true))?; // unsignedAttrs
    si.finish()?;
    Ok(SignerInfo {
        sid,
        digest_alg,
        signed_attrs,
        signature_alg,
        signature_params,
        signature,
    })
}

/// Checks content-type and message-digest among the signed attributes (the
/// contents of their SET OF Attribute).
fn check_signed_attributes(attrs: &[u8], tst_digest: &[u8]) -> Result<(), TimestampError> {
    let mut parsed = Vec::new();
    for attr in Items::new(attrs)?.rest()? {
        let mut attr = Items::of(attr.raw, Tag::Sequence)?;
        let oid = attr.oid()?;
        parsed.push((oid, attr.open(Tag::Set)?.rest()?));
        attr.finish()?;
    }
    // RFC 5652 §11: each occurs once, with a single value.
    let single = |oid| match parsed.iter().filter(|(o, _)| *o == oid).collect::<Vec<_>>()[..] {
        [(_, values)] if values.len() == 1 => values.first().copied(),
        _ => None,
    };
    let content_type = single(ID_CONTENT_TYPE).map(|v| ObjectIdentifier::from_der(v.raw));
    if content_type != Some(Ok(ID_CT_TST_INFO)) {
        return Err(TimestampError::ContentTypeAttribute);
    }
    let digest = single(ID_MESSAGE_DIGEST).filter(|v| v.tag == Tag::OctetString);
    if digest.is_none_or(|v| v.value != tst_digest) {
        return Err(TimestampError::MessageDigestMismatch);
    }
    Ok(())
}

/// The certificate the SignerInfo names, with its DER: from the token's
/// certificates when it carries any, else first in an authority's chain
/// (Sigstore trusted roots list the TSA's own certificate there).
fn find_signer<'a>(
    token_certs: &[&'a [u8]],
    sid: &SignerId<'_>,
    authorities: &'a [Authority],
) -> Result<(&'a [u8], Certificate), TimestampError> {
    if token_certs.is_empty() {
        return authorities
            .iter()
            .filter_map(|a| a.chain.first())
            .filter_map(|der| Some((der.as_slice(), Certificate::from_der(der).ok()?)))
            .find(|(_, cert)| names(sid, cert))
            .ok_or(TimestampError::SignerCertificateNotFound);
    }
    for der in token_certs {
        let cert = Certificate::from_der(der)?;
        if names(sid, &cert) {
            return Ok((der, cert));
        }
    }
    Err(TimestampError::SignerCertificateNotFound)
}

/// Whether `sid` identifies `cert`.
fn names(sid: &SignerId<'_>, cert: &Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    match *sid {
        SignerId::IssuerSerial { issuer, serial } => {
            Name::from_der(issuer).is_ok_and(|n| &n == tbs.issuer())
                && SerialNumber::from_der(serial).is_ok_and(|s| &s == tbs.serial_number())
        }
        SignerId::KeyId(id) => matches!(tbs.get_extension::<SubjectKeyIdentifier>(),
            Ok(Some((_, ski))) if ski.0.as_bytes() == id),
    }
}

/// Checks that `leaf` chains to one of `authorities`, every certificate on
/// the way valid at `at`, and that authority trusted at `at`.
fn check_chain(
    leaf_der: &[u8],
    leaf: &Certificate,
    at: Timestamp,
    authorities: &[Authority],
) -> Result<(), TimestampError> {
    use TimestampError as E;
    let mut outcome = E::UntrustedAuthority;
    'authorities: for authority in authorities {
        // A trusted chain may start with the TSA certificate itself, as
        // Sigstore's do, or with its issuer. An empty one trusts nothing.
        let issuers = match authority.chain.split_first() {
            None => continue,
            _ if authority.chain.len() > MAX_CHAIN => continue,
            Some((first, rest)) if first == leaf_der => rest,
            Some(_) => &authority.chain[..],
        };
        // Each certificate from the leaf up is issued by the next; the last
        // is the trust anchor.
        let (mut child, mut in_validity) = ((leaf_der, leaf.clone()), true);
        for issuer_der in issuers {
            let issuer = Certificate::from_der(issuer_der).ok();
            let Some(issuer) = issuer.filter(|i| issued_by(child.0, &child.1, i)) else {
                continue 'authorities;
            };
            in_validity &= valid_at(&issuer, at);
            child = (issuer_der, issuer);
        }
        outcome = match (in_validity, authority.valid_for.contains(at)) {
            (true, true) => return Ok(()),
            (true, false) => E::OutsideAuthorityValidity(at),
            (false, _) if outcome == E::UntrustedAuthority => E::OutsideCertificateValidity(at),
            (false, _) => outcome,
        };
    }
    Err(outcome)
}

/// Whether CA `issuer` issued `cert`: the names match and its key verifies
/// the signature over the TBSCertificate bytes as received.
fn issued_by(cert_der: &[u8], cert: &Certificate, issuer: &Certificate) -> bool {
    let is_ca = matches!(issuer.tbs_certificate().get_extension::<BasicConstraints>(),
        Ok(Some((_, bc))) if bc.ca);
    let alg = cert.signature_algorithm();
    let Some(scheme) = algorithm::scheme(alg.oid, alg.parameters.as_ref().map(AnyRef::from)) else {
        return false;
    };
    let tbs = Items::of(cert_der, Tag::Sequence).and_then(|mut c| c.any());
    is_ca
        && cert.tbs_certificate().issuer() == issuer.tbs_certificate().subject()
        && match (tbs, cert.signature().as_bytes(), spki_key(issuer)) {
            (Ok(tbs), Some(sig), Ok(key)) => key.verify_scheme(scheme, tbs.raw, sig).is_ok(),
            _ => false,
        }
}

fn spki_key(cert: &Certificate) -> Result<PublicKey, KeyError> {
    let spki = cert.tbs_certificate().subject_public_key_info();
    PublicKey::from_spki_der(&spki.to_der().map_err(|_| KeyError::Unsupported)?)
}

/// Whether `at` lies within `cert`'s notBefore..=notAfter.
fn valid_at(cert: &Certificate, at: Timestamp) -> bool {
    let validity = cert.tbs_certificate().validity();
    let to_ts = |t: x509_cert::time::Time| {
        Timestamp::from_second(i64::try_from(t.to_unix_duration().as_secs()).ok()?).ok()
    };
    match (to_ts(validity.not_before), to_ts(validity.not_after)) {
        (Some(start), Some(end)) => start <= at && at <= end,
        _ => false,
    }
}

/// `data` hashed with the SHA-2 function `alg` names, if it names one.
fn hash_with(alg: ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    match alg {
        ID_SHA256 => Some(sha2::Sha256::digest(data).to_vec()),
        ID_SHA384 => Some(sha2::Sha384::digest(data).to_vec()),
        ID_SHA512 => Some(sha2::Sha512::digest(data).to_vec()),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
