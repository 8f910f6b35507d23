//! Public keys met in Sigstore verification, one type for all of them.
//!
//! Fulcio CAs sign with ECDSA P-384, leaf certificates and Rekor v1 with
//! P-256, CT logs with P-256, Rekor v2 logs with Ed25519; trusted roots may
//! also hold RSA keys (staging CT logs, some CAs and timestamp authorities).
//! Every place that checks a signature goes through [`PublicKey::verify`]
//! or [`PublicKey::verify_scheme`], so the hash and padding that go with
//! each key are chosen once, here, and a caller that names another (an
//! X.509 signature algorithm) says so explicitly.
//!
//! Keys are parsed with RustCrypto; ECDSA over a whole message is checked
//! with `ring` (already linked for TLS), whose P-256 verification is about
//! 4.5 times faster here, and verification is most of the cost of a
//! bundle. RustCrypto still checks signatures over a given digest, which
//! `ring` does not offer.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use p256::pkcs8::DecodePublicKey as _;
use signature::Verifier as _;
use signature::hazmat::PrehashVerifier as _;

use super::rsa::{Padding, RsaKey};
pub use super::scheme::{Hash, KeyError, Scheme};

/// A verifying key of one of the kinds Sigstore uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    /// ECDSA over NIST P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// ECDSA over NIST P-384.
    P384(p384::ecdsa::VerifyingKey),
    /// Ed25519 (RFC 8032), as Rekor v2 logs sign.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// RSA, 2048 to 4096 bits, with the scheme its signatures use when
    /// nothing else says which (from the trusted root's key details; PKCS#1
    /// v1.5 with SHA-256 for a bare SPKI).
    Rsa(RsaKey, Padding, Hash),
}

impl PublicKey {
    /// Reads a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(PublicKey::P256(key));
        }
        if let Ok(key) = p384::ecdsa::VerifyingKey::from_public_key_der(der) {
            return Ok(PublicKey::P384(key));
        }
        if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_der(der) {
            return Ok(PublicKey::Ed25519(key));
        }
        match RsaKey::from_spki_der(der)? {
            Some(key) => Ok(PublicKey::Rsa(key, Padding::Pkcs1v15, Hash::Sha256)),
            None => Err(KeyError::Unsupported),
        }
    }

    /// Reads a PEM `PUBLIC KEY` block, as Rekor entries embed keys.
    pub fn from_pem(pem: &[u8]) -> Result<PublicKey, KeyError> {
        PublicKey::from_spki_der(&pem_body(pem, "PUBLIC KEY").ok_or(KeyError::BadPem)?)
    }

    /// The scheme this key's signatures use when nothing else says which:
    /// for ECDSA the hash matched to the curve's strength, as Sigstore does;
    /// for RSA the one its key details named.
    pub fn default_scheme(&self) -> Scheme {
        match self {
            PublicKey::P384(_) => Scheme::Ecdsa(Hash::Sha384),
            PublicKey::P256(_) => Scheme::Ecdsa(Hash::Sha256),
            PublicKey::Ed25519(_) => Scheme::Ed25519,
            PublicKey::Rsa(_, Padding::Pkcs1v15, hash) => Scheme::RsaPkcs1v15(*hash),
            PublicKey::Rsa(_, Padding::Pss, hash) => Scheme::RsaPss(*hash),
        }
    }

    /// Verifies `signature` (DER for ECDSA, 64 raw bytes for Ed25519, the
    /// modulus-long block for RSA) over `message` with the key's default
    /// scheme.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        self.verify_scheme(self.default_scheme(), message, signature)
    }

    /// Verifies with the key's own kind of signature over an explicitly
    /// named hash (ignored for Ed25519, which hashes internally).
    pub fn verify_with(
        &self,
        hash: Hash,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), KeyError> {
        let scheme = match self {
            PublicKey::P256(_) | PublicKey::P384(_) => Scheme::Ecdsa(hash),
            PublicKey::Ed25519(_) => Scheme::Ed25519,
            PublicKey::Rsa(_, Padding::Pkcs1v15, _) => Scheme::RsaPkcs1v15(hash),
            PublicKey::Rsa(_, Padding::Pss, _) => Scheme::RsaPss(hash),
        };
        self.verify_scheme(scheme, message, signature)
    }

    /// Verifies `signature` over `message` with exactly this scheme, which
    /// must fit the key.
    pub fn verify_scheme(
        &self,
        scheme: Scheme,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), KeyError> {
        use ring::signature as rs;
        let (algorithm, point): (&'static rs::EcdsaVerificationAlgorithm, Box<[u8]>) =
            match (self, scheme) {
                (PublicKey::Ed25519(_), Scheme::Ed25519) => {
                    return self.verify_raw(message, signature);
                }
                (PublicKey::Rsa(key, _, _), Scheme::RsaPkcs1v15(hash)) => {
                    return key.verify(Padding::Pkcs1v15, hash, message, signature);
                }
                (PublicKey::Rsa(key, _, _), Scheme::RsaPss(hash)) => {
                    return key.verify(Padding::Pss, hash, message, signature);
                }
                (PublicKey::P256(k), Scheme::Ecdsa(Hash::Sha256)) => {
                    (&rs::ECDSA_P256_SHA256_ASN1, k.to_sec1_bytes())
                }
                (PublicKey::P256(k), Scheme::Ecdsa(Hash::Sha384)) => {
                    (&rs::ECDSA_P256_SHA384_ASN1, k.to_sec1_bytes())
                }
                (PublicKey::P384(k), Scheme::Ecdsa(Hash::Sha256)) => {
                    (&rs::ECDSA_P384_SHA256_ASN1, k.to_sec1_bytes())
                }
                (PublicKey::P384(k), Scheme::Ecdsa(Hash::Sha384)) => {
                    (&rs::ECDSA_P384_SHA384_ASN1, k.to_sec1_bytes())
                }
                _ => return Err(KeyError::SchemeMismatch),
            };
        // ring does not say why a signature failed: tell a malformed one
        // from a wrong one by parsing it as RustCrypto does.
        let well_formed = match self {
            PublicKey::P256(_) => p256::ecdsa::DerSignature::try_from(signature)
                .ok()
                .and_then(|d| p256::ecdsa::Signature::try_from(d).ok())
                .is_some(),
            _ => p384::ecdsa::DerSignature::try_from(signature)
                .ok()
                .and_then(|d| p384::ecdsa::Signature::try_from(d).ok())
                .is_some(),
        };
        if !well_formed {
            return Err(KeyError::BadSignature);
        }
        rs::UnparsedPublicKey::new(algorithm, &point)
            .verify(message, signature)
            .map_err(|_| KeyError::Mismatch)
    }

    /// Verifies an ECDSA signature over an already computed digest, as a
    /// message-signature bundle carries it. Ed25519 cannot sign a digest
    /// (it hashes internally), so an Ed25519 key refuses; `ring` checks RSA
    /// only over a whole message, so an RSA key refuses too.
    pub fn verify_digest(&self, digest: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        match self {
            PublicKey::Ed25519(_) => Err(KeyError::Mismatch),
            PublicKey::Rsa(..) => Err(KeyError::SchemeMismatch),
            _ => self.verify_raw(digest, signature),
        }
    }

    /// ECDSA: `input` is the digest; Ed25519: `input` is the message.
    fn verify_raw(&self, input: &[u8], signature: &[u8]) -> Result<(), KeyError> {
        match self {
            PublicKey::P256(key) => {
                let sig = p256::ecdsa::DerSignature::try_from(signature)
                    .map_err(|_| KeyError::BadSignature)?;
                let sig =
                    p256::ecdsa::Signature::try_from(sig).map_err(|_| KeyError::BadSignature)?;
                key.verify_prehash(input, &sig)
                    .map_err(|_| KeyError::Mismatch)
            }
            PublicKey::P384(key) => {
                let sig = p384::ecdsa::DerSignature::try_from(signature)
                    .map_err(|_| KeyError::BadSignature)?;
                let sig =
                    p384::ecdsa::Signature::try_from(sig).map_err(|_| KeyError::BadSignature)?;
                key.verify_prehash(input, &sig)
                    .map_err(|_| KeyError::Mismatch)
            }
            PublicKey::Ed25519(key) => {
                let sig = ed25519_dalek::Signature::from_slice(signature)
                    .map_err(|_| KeyError::BadSignature)?;
                key.verify(input, &sig).map_err(|_| KeyError::Mismatch)
            }
            PublicKey::Rsa(..) => Err(KeyError::SchemeMismatch),
        }
    }
}

/// The decoded body of the first PEM block labelled `label`, or `None`.
pub fn pem_body(pem: &[u8], label: &str) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(pem).ok()?;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let b64: String = text[start..stop]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD.decode(b64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::pkcs8::EncodePublicKey as _;
    use signature::Signer as _;

    fn p256_pair() -> (p256::ecdsa::SigningKey, PublicKey) {
        let sk = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).expect("scalar");
        let der = sk.verifying_key().to_public_key_der().expect("spki");
        (sk, PublicKey::from_spki_der(der.as_bytes()).expect("p256"))
    }

    #[test]
    fn p256_signature_verifies_and_a_flipped_message_does_not() {
        let (sk, key) = p256_pair();
        let sig: p256::ecdsa::Signature = sk.sign(b"hello");
        let der = sig.to_der();
        assert_eq!(key.verify(b"hello", der.as_bytes()), Ok(()));
        assert_eq!(
            key.verify(b"hellp", der.as_bytes()),
            Err(KeyError::Mismatch)
        );
        assert_eq!(
            key.verify_with(Hash::Sha384, b"hello", der.as_bytes()),
            Err(KeyError::Mismatch)
        );
        assert_eq!(key.verify(b"hello", b"junk"), Err(KeyError::BadSignature));
    }

    #[test]
    fn p384_and_ed25519_keys_are_read_and_verify() {
        let sk = p384::ecdsa::SigningKey::from_bytes(&[9u8; 48].into()).expect("scalar");
        let der = sk.verifying_key().to_public_key_der().expect("spki");
        let key = PublicKey::from_spki_der(der.as_bytes()).expect("p384");
        assert_eq!(key.default_scheme(), Scheme::Ecdsa(Hash::Sha384));
        let sig: p384::ecdsa::Signature = sk.sign(b"m");
        assert_eq!(key.verify(b"m", sig.to_der().as_bytes()), Ok(()));

        let ed = ed25519_dalek::SigningKey::from_bytes(&[3u8; 32]);
        let der = ed.verifying_key().to_public_key_der().expect("spki");
        let key = PublicKey::from_spki_der(der.as_bytes()).expect("ed25519");
        let sig = ed.sign(b"m");
        assert_eq!(key.verify(b"m", &sig.to_bytes()), Ok(()));
        assert_eq!(key.verify(b"n", &sig.to_bytes()), Err(KeyError::Mismatch));
    }

    #[test]
    fn pem_keys_are_read_and_garbage_is_refused() {
        let (_, key) = p256_pair();
        let PublicKey::P256(vk) = &key else {
            panic!("p256 expected")
        };
        let pem = vk
            .to_public_key_pem(p256::pkcs8::LineEnding::LF)
            .expect("pem");
        assert!(matches!(
            PublicKey::from_pem(pem.as_bytes()),
            Ok(PublicKey::P256(_))
        ));
        assert_eq!(
            PublicKey::from_pem(b"-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----").err(),
            Some(KeyError::BadPem)
        );
        assert_eq!(
            PublicKey::from_spki_der(b"\x30\x00").err(),
            Some(KeyError::Unsupported)
        );
    }
}
