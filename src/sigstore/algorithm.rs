//! Signature algorithm identifiers of X.509 certificates and CMS signer
//! infos, mapped to the [`Scheme`] they name.
//!
//! Certificate chains (Fulcio CAs, timestamp authorities) and RFC 3161
//! tokens both name their signature algorithm by OID; one mapping serves
//! both, so an algorithm is accepted in one place exactly when it is in the
//! other. RSASSA-PSS is accepted only with the parameters `ring` verifies:
//! MGF1 over the message hash and a salt as long as the digest.

use const_oid::ObjectIdentifier;
use der::asn1::AnyRef;
use der::{Decode as _, Encode as _, Reader as _, TagMode, TagNumber};
use x509_cert::spki::AlgorithmIdentifierRef;

use super::keys::{Hash, Scheme};

const fn oid(dotted: &str) -> ObjectIdentifier {
    ObjectIdentifier::new_unwrap(dotted)
}
/// `ecdsa-with-SHA256`.
pub const ECDSA_WITH_SHA256: ObjectIdentifier = oid("1.2.840.10045.4.3.2");
/// `ecdsa-with-SHA384`.
pub const ECDSA_WITH_SHA384: ObjectIdentifier = oid("1.2.840.10045.4.3.3");
/// `id-Ed25519`.
pub const ED25519: ObjectIdentifier = oid("1.3.101.112");
/// `id-ecPublicKey`: some CMS signers name the key type, not the scheme.
pub const EC_PUBLIC_KEY: ObjectIdentifier = oid("1.2.840.10045.2.1");
/// `rsaEncryption`: as a CMS signature algorithm, PKCS#1 v1.5 over the
/// signer's digest algorithm.
pub const RSA_ENCRYPTION: ObjectIdentifier = oid("1.2.840.113549.1.1.1");
/// `sha256WithRSAEncryption`.
pub const SHA256_WITH_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.11");
/// `sha384WithRSAEncryption`.
pub const SHA384_WITH_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.12");
/// `sha512WithRSAEncryption`.
pub const SHA512_WITH_RSA: ObjectIdentifier = oid("1.2.840.113549.1.1.13");
/// `id-RSASSA-PSS`.
pub const RSASSA_PSS: ObjectIdentifier = oid("1.2.840.113549.1.1.10");
/// `id-mgf1`.
const MGF1: ObjectIdentifier = oid("1.2.840.113549.1.1.8");
/// `id-sha256`.
pub const SHA256: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.1");
/// `id-sha384`.
pub const SHA384: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.2");
/// `id-sha512`.
pub const SHA512: ObjectIdentifier = oid("2.16.840.1.101.3.4.2.3");

/// The hash a digest algorithm OID names, if lockproof verifies with it.
pub fn hash(oid: ObjectIdentifier) -> Option<Hash> {
    match oid {
        SHA256 => Some(Hash::Sha256),
        SHA384 => Some(Hash::Sha384),
        SHA512 => Some(Hash::Sha512),
        _ => None,
    }
}

/// The scheme a certificate's signature algorithm names, or `None` when
/// lockproof does not verify it (SHA-1, P-521, PSS with other parameters).
pub fn scheme(oid: ObjectIdentifier, params: Option<AnyRef<'_>>) -> Option<Scheme> {
    match oid {
        ECDSA_WITH_SHA256 => Some(Scheme::Ecdsa(Hash::Sha256)),
        ECDSA_WITH_SHA384 => Some(Scheme::Ecdsa(Hash::Sha384)),
        ED25519 => Some(Scheme::Ed25519),
        SHA256_WITH_RSA => Some(Scheme::RsaPkcs1v15(Hash::Sha256)),
        SHA384_WITH_RSA => Some(Scheme::RsaPkcs1v15(Hash::Sha384)),
        SHA512_WITH_RSA => Some(Scheme::RsaPkcs1v15(Hash::Sha512)),
        RSASSA_PSS => pss(params?).map(Scheme::RsaPss),
        _ => None,
    }
}

/// The scheme a CMS SignerInfo names: its signature algorithm, which may be
/// a bare key type taking the hash from the digest algorithm, and must
/// otherwise agree with it.
pub fn cms_scheme(
    digest: ObjectIdentifier,
    signature: ObjectIdentifier,
    params: Option<AnyRef<'_>>,
) -> Option<Scheme> {
    let hash = hash(digest)?;
    let named = match signature {
        EC_PUBLIC_KEY => Scheme::Ecdsa(hash),
        RSA_ENCRYPTION => Scheme::RsaPkcs1v15(hash),
        other => scheme(other, params)?,
    };
    let agrees = match named {
        // lockproof verifies no ECDSA over SHA-512 (P-521).
        Scheme::Ecdsa(h) => h == hash && h != Hash::Sha512,
        Scheme::RsaPkcs1v15(h) | Scheme::RsaPss(h) => h == hash,
        Scheme::Ed25519 => false,
    };
    agrees.then_some(named)
}

/// The hash of RSASSA-PSS parameters (RFC 4055 §3.1) when they are the ones
/// `ring` verifies: an explicit hash, MGF1 over the same hash, a salt as
/// long as its digest, the standard trailer. The defaults (SHA-1, salt 20)
/// are not among them.
fn pss(params: AnyRef<'_>) -> Option<Hash> {
    params
        .sequence(|r| {
            let explicit = |n| (TagNumber(n), TagMode::Explicit);
            let (hash_tag, mode) = explicit(0);
            let hash_alg: Option<AlgorithmIdentifierRef<'_>> =
                r.context_specific(hash_tag, mode)?;
            let (mgf_tag, mode) = explicit(1);
            let mgf: Option<AlgorithmIdentifierRef<'_>> = r.context_specific(mgf_tag, mode)?;
            let (salt_tag, mode) = explicit(2);
            let salt: Option<u32> = r.context_specific(salt_tag, mode)?;
            let (trailer_tag, mode) = explicit(3);
            let trailer: Option<u32> = r.context_specific(trailer_tag, mode)?;
            Ok::<_, der::Error>((hash_alg, mgf, salt, trailer))
        })
        .ok()
        .and_then(|(hash_alg, mgf, salt, trailer)| {
            let digest = hash(hash_alg?.oid)?;
            let mgf = mgf?;
            let mgf_params = mgf.parameters?.to_der().ok()?;
            let mgf_hash = AlgorithmIdentifierRef::from_der(&mgf_params).ok()?;
            let salt = salt?;
            let trailer_ok = trailer.is_none_or(|t| t == 1);
            let salt_len = match digest {
                Hash::Sha256 => 32,
                Hash::Sha384 => 48,
                Hash::Sha512 => 64,
            };
            (mgf.oid == MGF1
                && hash(mgf_hash.oid) == Some(digest)
                && salt == salt_len
                && trailer_ok)
                .then_some(digest)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DER of one element with short contents.
    fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
        let body = parts.concat();
        let len = u8::try_from(body.len()).expect("short");
        [vec![tag, len], body].concat()
    }

    fn alg(oid: ObjectIdentifier) -> Vec<u8> {
        tlv(0x30, &[&oid.to_der().expect("oid")])
    }

    /// RSASSA-PSS parameters: hash, MGF1 hash, salt length.
    fn pss_params(hash: ObjectIdentifier, mgf_hash: ObjectIdentifier, salt: u8) -> Vec<u8> {
        let mgf = tlv(0x30, &[&MGF1.to_der().expect("oid"), &alg(mgf_hash)]);
        tlv(
            0x30,
            &[
                &tlv(0xa0, &[&alg(hash)]),
                &tlv(0xa1, &[&mgf]),
                &tlv(0xa2, &[&[2, 1, salt]]),
            ],
        )
    }

    fn pss_scheme(params: &[u8]) -> Option<Scheme> {
        scheme(RSASSA_PSS, Some(AnyRef::from_der(params).expect("der")))
    }

    #[test]
    fn pss_is_accepted_only_with_parameters_ring_verifies() {
        let good = pss_params(SHA256, SHA256, 32);
        assert_eq!(pss_scheme(&good), Some(Scheme::RsaPss(Hash::Sha256)));
        let sha512 = pss_params(SHA512, SHA512, 64);
        assert_eq!(pss_scheme(&sha512), Some(Scheme::RsaPss(Hash::Sha512)));
        assert_eq!(pss_scheme(&pss_params(SHA256, SHA256, 20)), None);
        assert_eq!(pss_scheme(&pss_params(SHA256, SHA384, 32)), None);
        // Absent fields mean SHA-1 and salt 20, which lockproof refuses.
        assert_eq!(pss_scheme(&tlv(0x30, &[])), None);
        assert_eq!(scheme(RSASSA_PSS, None), None);
    }

    #[test]
    fn cms_algorithms_must_agree_with_the_digest() {
        let cms = |d, s| cms_scheme(d, s, None);
        assert_eq!(
            cms(SHA384, EC_PUBLIC_KEY),
            Some(Scheme::Ecdsa(Hash::Sha384))
        );
        assert_eq!(
            cms(SHA512, RSA_ENCRYPTION),
            Some(Scheme::RsaPkcs1v15(Hash::Sha512))
        );
        assert_eq!(cms(SHA256, ECDSA_WITH_SHA384), None);
        assert_eq!(cms(SHA384, SHA256_WITH_RSA), None);
        assert_eq!(cms(SHA512, EC_PUBLIC_KEY), None);
        assert_eq!(cms(SHA256, ED25519), None);
    }
}
