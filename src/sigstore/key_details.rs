//! The `keyDetails` of a trusted root's public keys (protobuf-specs
//! `PublicKeyDetails`): how the key's bytes are encoded and which signature
//! scheme goes with it.
//!
//! lockproof verifies ECDSA P-256/P-384, Ed25519 and RSA (PKCS#1 v1.5 and
//! PSS, 2048 to 4096 bits). A key of any other kind (P-521, LMS, ML-DSA,
//! Ed25519ph, a name this version does not know) is not an error: the
//! trusted root skips it with a note, and what needs it fails later as
//! "not in the trusted root".

use super::keys::{Hash, KeyError, PublicKey};
use super::rsa::{Padding, RsaKey};

/// A key kind a trusted root names, as lockproof reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyDetails {
    /// ECDSA P-256 with SHA-256, SPKI.
    EcdsaP256Sha256,
    /// ECDSA P-384 with SHA-384, SPKI.
    EcdsaP384Sha384,
    /// Ed25519, SPKI.
    Ed25519,
    /// RSA: whether the bytes are a bare PKCS#1 key (else SPKI), the
    /// padding and hash, and the modulus size the name promises, if any.
    Rsa {
        /// `PKCS1_RSA_*`: a bare `RSAPublicKey`, not an SPKI.
        pkcs1: bool,
        /// The padding its signatures use.
        padding: Padding,
        /// The hash its signatures use.
        hash: Hash,
        /// The modulus size the name states (`…_2048_…`), if it states one.
        bits: Option<usize>,
    },
    /// No `keyDetails`: the kind is read from the SPKI itself, as trusted
    /// roots written before the field existed expect.
    Unstated,
}

impl KeyDetails {
    /// Reads a `keyDetails` name (absent: [`KeyDetails::Unstated`]); `None`
    /// for a kind lockproof cannot use.
    pub fn parse(name: Option<&str>) -> Option<KeyDetails> {
        let rsa = |pkcs1, padding, bits| KeyDetails::Rsa {
            pkcs1,
            padding,
            hash: Hash::Sha256,
            bits,
        };
        let (v15, pss) = (Padding::Pkcs1v15, Padding::Pss);
        let Some(name) = name else {
            return Some(KeyDetails::Unstated);
        };
        Some(match name {
            "PKIX_ECDSA_P256_SHA_256" => KeyDetails::EcdsaP256Sha256,
            "PKIX_ECDSA_P384_SHA_384" => KeyDetails::EcdsaP384Sha384,
            "PKIX_ED25519" => KeyDetails::Ed25519,
            "PKCS1_RSA_PKCS1V5" => rsa(true, v15, None),
            "PKCS1_RSA_PSS" => rsa(true, pss, None),
            "PKIX_RSA_PKCS1V5" => rsa(false, v15, None),
            "PKIX_RSA_PSS" => rsa(false, pss, None),
            "PKIX_RSA_PKCS1V15_2048_SHA256" => rsa(false, v15, Some(2048)),
            "PKIX_RSA_PKCS1V15_3072_SHA256" => rsa(false, v15, Some(3072)),
            "PKIX_RSA_PKCS1V15_4096_SHA256" => rsa(false, v15, Some(4096)),
            "PKIX_RSA_PSS_2048_SHA256" => rsa(false, pss, Some(2048)),
            "PKIX_RSA_PSS_3072_SHA256" => rsa(false, pss, Some(3072)),
            "PKIX_RSA_PSS_4096_SHA256" => rsa(false, pss, Some(4096)),
            _ => return None,
        })
    }

    /// Reads the key bytes as this kind names them. A key that is not of
    /// the stated kind is an error: the root says one thing and holds
    /// another.
    pub fn key(self, raw: &[u8]) -> Result<PublicKey, KeyError> {
        match self {
            KeyDetails::Unstated => PublicKey::from_spki_der(raw),
            KeyDetails::Rsa {
                pkcs1,
                padding,
                hash,
                bits,
            } => {
                let key = if pkcs1 {
                    RsaKey::from_pkcs1_der(raw)?
                } else {
                    RsaKey::from_spki_der(raw)?.ok_or(KeyError::Unsupported)?
                };
                if bits.is_some_and(|b| b != key.bits()) {
                    return Err(KeyError::RsaSize(key.bits()));
                }
                Ok(PublicKey::Rsa(key, padding, hash))
            }
            stated => {
                let key = PublicKey::from_spki_der(raw)?;
                let fits = matches!(
                    (stated, &key),
                    (KeyDetails::EcdsaP256Sha256, PublicKey::P256(_))
                        | (KeyDetails::EcdsaP384Sha384, PublicKey::P384(_))
                        | (KeyDetails::Ed25519, PublicKey::Ed25519(_))
                );
                if fits {
                    Ok(key)
                } else {
                    Err(KeyError::Unsupported)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigstore::keys::Scheme;
    use crate::sigstore::rsa::testkey;

    #[test]
    fn rsa_key_details_set_encoding_padding_and_size() {
        let pkcs1 = KeyDetails::parse(Some("PKCS1_RSA_PKCS1V5")).expect("known");
        let key = pkcs1.key(&testkey::pkcs1()).expect("pkcs1 key");
        assert_eq!(key.default_scheme(), Scheme::RsaPkcs1v15(Hash::Sha256));
        let pss = KeyDetails::parse(Some("PKIX_RSA_PSS_2048_SHA256")).expect("known");
        let key = pss.key(&testkey::spki()).expect("spki key");
        assert_eq!(key.default_scheme(), Scheme::RsaPss(Hash::Sha256));
        let sig = testkey::sign(Padding::Pss, Hash::Sha256, b"m");
        assert_eq!(key.verify(b"m", &sig), Ok(()));
        // The name promises 4096 bits; the key has 2048.
        let big = KeyDetails::parse(Some("PKIX_RSA_PKCS1V15_4096_SHA256")).expect("known");
        assert_eq!(big.key(&testkey::spki()), Err(KeyError::RsaSize(2048)));
        // SPKI bytes under a PKCS#1 name, and the reverse, are refused.
        assert!(pkcs1.key(&testkey::spki()).is_err());
        assert!(pss.key(&testkey::pkcs1()).is_err());
    }

    #[test]
    fn unknown_kinds_are_none_and_a_mismatched_kind_is_an_error() {
        for name in ["PKIX_ECDSA_P521_SHA_512", "LMS_SHA256", "ML_DSA_65", "x"] {
            assert_eq!(KeyDetails::parse(Some(name)), None, "{name}");
        }
        assert_eq!(KeyDetails::parse(None), Some(KeyDetails::Unstated));
        let p256 = KeyDetails::parse(Some("PKIX_ECDSA_P256_SHA_256")).expect("known");
        assert_eq!(p256.key(&testkey::spki()), Err(KeyError::Unsupported));
        assert!(matches!(
            KeyDetails::Unstated.key(&testkey::spki()),
            Ok(PublicKey::Rsa(..))
        ));
    }
}
