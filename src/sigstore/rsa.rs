//! RSA public keys as Sigstore trusted roots carry them (staging CT logs,
//! some CAs and timestamp authorities), and RSA signature checks.
//!
//! Keys come as a SubjectPublicKeyInfo (`PKIX_RSA_*`) or as a bare PKCS#1
//! `RSAPublicKey` (`PKCS1_RSA_*`); either way lockproof keeps the PKCS#1
//! form, which is what `ring` verifies with. The Sigstore algorithm registry
//! allows moduli of 2048 to 4096 bits; anything else is refused here, so a
//! key outside that range is never used at all. Signatures are checked with
//! `ring` (already linked for TLS): PKCS#1 v1.5, or PSS with MGF1 over the
//! same hash and a salt as long as the digest, SHA-256/384/512.

use der::asn1::{AnyRef, UintRef};
use der::{Decode as _, Reader as _};
use x509_cert::spki::SubjectPublicKeyInfoRef;

use super::scheme::{Hash, KeyError};

/// `rsaEncryption`, the usual SPKI algorithm of an RSA key.
const RSA_ENCRYPTION: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// `id-RSASSA-PSS`, an SPKI algorithm that restricts the key to PSS.
const RSASSA_PSS: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");

/// The smallest modulus accepted, in bits.
pub const MIN_BITS: usize = 2048;
/// The largest modulus accepted, in bits.
pub const MAX_BITS: usize = 4096;

/// An RSA signature padding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    /// RSASSA-PKCS1-v1_5.
    Pkcs1v15,
    /// RSASSA-PSS, MGF1 with the message hash, salt length = digest length.
    Pss,
}

/// An RSA public key of 2048 to 4096 bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaKey {
    /// DER `RSAPublicKey` (PKCS#1).
    pkcs1: Vec<u8>,
    /// Modulus length in bits.
    bits: usize,
    /// Whether the SPKI restricted the key to PSS.
    pss_only: bool,
}

impl RsaKey {
    /// Reads a DER SubjectPublicKeyInfo holding an RSA key; `Ok(None)` when
    /// it holds some other kind of key.
    pub fn from_spki_der(der: &[u8]) -> Result<Option<RsaKey>, KeyError> {
        let Ok(spki) = SubjectPublicKeyInfoRef::from_der(der) else {
            return Ok(None);
        };
        let pss_only = match spki.algorithm.oid {
            RSA_ENCRYPTION => false,
            RSASSA_PSS => true,
            _ => return Ok(None),
        };
        let pkcs1 = spki
            .subject_public_key
            .as_bytes()
            .ok_or(KeyError::Unsupported)?;
        let mut key = RsaKey::from_pkcs1_der(pkcs1)?;
        key.pss_only = pss_only;
        Ok(Some(key))
    }

    /// Reads a DER `RSAPublicKey` (PKCS#1): `SEQUENCE { n, e }`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<RsaKey, KeyError> {
        let (n, e) = AnyRef::from_der(der)
            .and_then(|seq| {
                seq.sequence(|r| {
                    let n: UintRef<'_> = r.decode()?;
                    let e: UintRef<'_> = r.decode()?;
                    Ok((n.as_bytes().to_vec(), e.as_bytes().to_vec()))
                })
            })
            .map_err(|_| KeyError::Unsupported)?;
        let bits = match n.first() {
            Some(top) => (n.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
            None => 0,
        };
        if !(MIN_BITS..=MAX_BITS).contains(&bits) {
            return Err(KeyError::RsaSize(bits));
        }
        // An even or tiny exponent is not a usable RSA key.
        if e.last().is_none_or(|low| low & 1 == 0) || (e.len() == 1 && e.first() < Some(&3)) {
            return Err(KeyError::Unsupported);
        }
        Ok(RsaKey {
            pkcs1: der.to_vec(),
            bits,
            pss_only: false,
        })
    }

    /// The modulus length in bits.
    pub fn bits(&self) -> usize {
        self.bits
    }

    /// Verifies `signature` over `message` with this padding and hash.
    pub fn verify(
        &self,
        padding: Padding,
        hash: Hash,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), KeyError> {
        use ring::signature as rs;
        if self.pss_only && padding == Padding::Pkcs1v15 {
            return Err(KeyError::Mismatch);
        }
        // A signature is exactly as long as the modulus; anything else is
        // malformed rather than wrong.
        if signature.len() != self.bits.div_ceil(8) {
            return Err(KeyError::BadSignature);
        }
        let algorithm: &'static rs::RsaParameters = match (padding, hash) {
            (Padding::Pkcs1v15, Hash::Sha256) => &rs::RSA_PKCS1_2048_8192_SHA256,
            (Padding::Pkcs1v15, Hash::Sha384) => &rs::RSA_PKCS1_2048_8192_SHA384,
            (Padding::Pkcs1v15, Hash::Sha512) => &rs::RSA_PKCS1_2048_8192_SHA512,
            (Padding::Pss, Hash::Sha256) => &rs::RSA_PSS_2048_8192_SHA256,
            (Padding::Pss, Hash::Sha384) => &rs::RSA_PSS_2048_8192_SHA384,
            (Padding::Pss, Hash::Sha512) => &rs::RSA_PSS_2048_8192_SHA512,
        };
        rs::UnparsedPublicKey::new(algorithm, &self.pkcs1)
            .verify(message, signature)
            .map_err(|_| KeyError::Mismatch)
    }
}

#[cfg(test)]
pub(crate) mod testkey {
    //! A fixed 2048-bit RSA test key (made for these tests with
    //! `openssl genpkey`, PKCS#1 DER), and helpers that sign and encode with
    //! it.

    use base64::Engine as _;
    use der::Encode as _;
    use der::asn1::{BitString, Null};
    use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

    use super::*;

    const PRIVATE_2048: &str = "MIIEpAIBAAKCAQEAjfkm1PE3x/EaD6bOmWyCT8zGX5HXuAxOM18GTOhVcg39VSyrefwxFWxsNHn2HUtM5Uous+s5s8dZiNONz8vTLSaBxj5plBVixt14XmnqdbTF3ZdciedwYqs6DQOr/cDcDRIgk6/GeHV9sfw6necZIAMpgD/kdNBCOfdmtSwsN5lp/iEGVr8rNOVngodKIsPWH4QmjIkDZgsJ51HjwaNtF+CeuSQVD49lu6XvpFOVtVDX16HfBMyxn/5Rcrow23Bl+dwVEOC/rH30Uo2s8PXVqtXq/TQHupkAfjTZpwHK6sr56X8M/p7ID++ARzg79ETxMjSC7oSxM6DAlYVkGcE6BQIDAQABAoIBABPH0fQ7Q4VU/0eM+x3/M0zBACaSoFahSEf6Bluyxyzj7Bbw6VdOntwYRh8tmu/L7QPJSSaCMIDu1nes2gZIpLyWr+AaFAWw0RlaBApLgYIy1JqiGx+PomXs62Kiz1TEiSQ9EVLiW6mu3PtuZBBaAXMnXaHjxQXNelyvLp0xcVuxjCA214ArYoEQhl7LP3w9Dad2MqudUjnOK6u4OeTWVqoUygllWP8Jj/g1Mva0dliYTkgepiuccv9uwV4w5AEsEodkMcyIpK1ehJBLBkzyGmUv5ajcq4GGZmu53Mb2+uX85+yY8vwC3QqwRJQcxw9VMuGshYgWz2OVcGKBgWhfukUCgYEAxGWj4jdHuESIc1jCfMn850VbAZ4Jfh1IPzhJia9/aY+YdzpgbMajZAw6yDDeCvp6CM+X23F14CoqQSffo2aogh6Vxj+S41OH0B3iwhqwrk2l9BUZvl8wiR18xyPXe81suIJ9u5msWQbIy8qbjezIPzLv/rFy+52mg7Y327KU8ssCgYEAuQ9Ac0wai66zfWRnSwUoVZdMU4FaUiRxVS+474fqN3//l8aN/BpPT6kpZ27D38M0JSzaUOR8raIToK5gI+zxR7WEdYsd4nWGax1v4lfCPhC5WND90b+c1vpvOEEP9W1jsm5MU7HFWYtfFCLbj36bOIwVPdJ3IaesWolKVs9hXG8CgYEAhf+/SHplMcF4xBKcaB48suLsS/czDNwXziKucgXOzgxOf5LR9YW2N23ssWg+J4lsuBRDzVLllTPPrrLw8ID7mgQaNrBrnTUB5ipt6/ff8p1CDH5VGUHDUNpQp2K6BFtNwbou5U/desSZPgqYBca3ff9YJhOWmzyePyGVjQ2UeO8CgYAP4jA89SY+IPOE6q428S1iE0dYz3xqGnijwCHWZUsEEndkloUvQy7VfoZwO0CSnxWFr1DZqpLM8GFQ5EaaLscSyZCh6hvZiQ7NeMxWmAOzAgp2hhGTBCg5B2uuX184SHhLI05nzJVMtzqk5s0DhvFZrCRSlxLkj5iqeKgpxUjs/wKBgQC6VLUA0qJxjRA07tY0+aHC8Aj2pjSw1UJU/lfROSsON/CGiBtRQ+4++j657UluZ2AI19rPzSkyH+lQnbq1Zg6EHwPtpI4VlfOKVaElf/ACqXG62L7kWfVEkzTx4zZQnm+dIJLQjXvT9zxvP/9Hp9zUhz/3rAkF5avnhzp7oae39A==";

    /// The test key pair.
    pub fn pair() -> ring::signature::RsaKeyPair {
        let der = base64::engine::general_purpose::STANDARD
            .decode(PRIVATE_2048)
            .expect("test key base64");
        ring::signature::RsaKeyPair::from_der(&der).expect("test key")
    }

    /// The public key as PKCS#1 DER.
    pub fn pkcs1() -> Vec<u8> {
        use ring::signature::KeyPair as _;
        pair().public_key().as_ref().to_vec()
    }

    /// The public key as a DER SubjectPublicKeyInfo (`rsaEncryption`).
    pub fn spki() -> Vec<u8> {
        let algorithm = AlgorithmIdentifierOwned {
            oid: RSA_ENCRYPTION,
            parameters: Some(Null.into()),
        };
        let subject_public_key = BitString::from_bytes(&pkcs1()).expect("bits");
        SubjectPublicKeyInfoOwned {
            algorithm,
            subject_public_key,
        }
        .to_der()
        .expect("spki")
    }

    /// A signature over `message` with this padding and hash.
    pub fn sign(padding: Padding, hash: Hash, message: &[u8]) -> Vec<u8> {
        use ring::signature as rs;
        let scheme: &'static dyn rs::RsaEncoding = match (padding, hash) {
            (Padding::Pkcs1v15, Hash::Sha256) => &rs::RSA_PKCS1_SHA256,
            (Padding::Pkcs1v15, Hash::Sha384) => &rs::RSA_PKCS1_SHA384,
            (Padding::Pkcs1v15, Hash::Sha512) => &rs::RSA_PKCS1_SHA512,
            (Padding::Pss, Hash::Sha256) => &rs::RSA_PSS_SHA256,
            (Padding::Pss, Hash::Sha384) => &rs::RSA_PSS_SHA384,
            (Padding::Pss, Hash::Sha512) => &rs::RSA_PSS_SHA512,
        };
        let pair = pair();
        let mut sig = vec![0; pair.public().modulus_len()];
        pair.sign(scheme, &ring::rand::SystemRandom::new(), message, &mut sig)
            .expect("sign");
        sig
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spki_and_pkcs1_forms_read_the_same_key() {
        let from_spki = RsaKey::from_spki_der(&testkey::spki())
            .expect("rsa")
            .expect("an rsa key");
        let bare = RsaKey::from_pkcs1_der(&testkey::pkcs1()).expect("pkcs1");
        assert_eq!(from_spki, bare);
        assert_eq!(bare.bits(), 2048);
    }

    #[test]
    fn both_paddings_and_every_hash_verify_and_a_changed_message_does_not() {
        let key = RsaKey::from_pkcs1_der(&testkey::pkcs1()).expect("key");
        for padding in [Padding::Pkcs1v15, Padding::Pss] {
            for hash in [Hash::Sha256, Hash::Sha384, Hash::Sha512] {
                let sig = testkey::sign(padding, hash, b"message");
                assert_eq!(key.verify(padding, hash, b"message", &sig), Ok(()));
                let wrong = key.verify(padding, hash, b"messagf", &sig);
                assert_eq!(wrong, Err(KeyError::Mismatch));
            }
        }
        let pkcs1 = testkey::sign(Padding::Pkcs1v15, Hash::Sha256, b"m");
        let as_pss = key.verify(Padding::Pss, Hash::Sha256, b"m", &pkcs1);
        assert_eq!(as_pss, Err(KeyError::Mismatch));
        let as_sha384 = key.verify(Padding::Pkcs1v15, Hash::Sha384, b"m", &pkcs1);
        assert_eq!(as_sha384, Err(KeyError::Mismatch));
        let short = key.verify(Padding::Pkcs1v15, Hash::Sha256, b"m", &pkcs1[1..]);
        assert_eq!(short, Err(KeyError::BadSignature));
    }

    #[test]
    fn small_keys_and_other_key_types_are_refused() {
        use base64::Engine as _;
        // A 1024-bit public key, made with openssl for this test.
        let small = base64::engine::general_purpose::STANDARD
            .decode("MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDqKSb6Fh0pZpAvYCUw1G49QKIG0Q9BHa1dlQQjg3j1oQbGRQx9ia51Prt9VnH42TiNM6snezGn1KHfsYN9rrkJQSAchX2eYSA7BfVvnQAvr1DerJCm6zq9GWF9oI8r25grRH5HP1j8qdZTaMj5Bm+hHX3i+JiRbUZNANl3eDwiXwIDAQAB")
            .expect("base64");
        assert_eq!(RsaKey::from_spki_der(&small), Err(KeyError::RsaSize(1024)));
        let p256 = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).expect("scalar");
        let der = p256::pkcs8::EncodePublicKey::to_public_key_der(p256.verifying_key());
        let der = der.expect("spki");
        assert_eq!(RsaKey::from_spki_der(der.as_bytes()), Ok(None));
        assert_eq!(
            RsaKey::from_pkcs1_der(b"\x30\x00"),
            Err(KeyError::Unsupported)
        );
    }
}
