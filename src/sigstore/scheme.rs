//! Signature schemes and the hashes they sign over, as X.509, CMS, TLS and
//! trusted-root key details name them, and why a key could not be used:
//! the vocabulary every kind of key in [`super::keys`] shares.

/// A hash an ECDSA signature is computed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512 (RSA only: lockproof verifies no ECDSA over P-521).
    Sha512,
}

/// A signature scheme: what a signature was made with, as an X.509 or CMS
/// algorithm identifier, a TLS label or a trusted root's key details names
/// it. A scheme only verifies with a key of its own kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// ECDSA (DER signature) over this hash.
    Ecdsa(Hash),
    /// Ed25519 (RFC 8032), which hashes internally.
    Ed25519,
    /// RSASSA-PKCS1-v1_5 over this hash.
    RsaPkcs1v15(Hash),
    /// RSASSA-PSS over this hash (MGF1 with it, salt as long as the digest).
    RsaPss(Hash),
}

/// Why a key could not be read or a signature did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The bytes are not a SubjectPublicKeyInfo of a supported key type.
    #[error("not a P-256, P-384, Ed25519 or RSA public key")]
    Unsupported,
    /// An RSA key whose modulus is outside 2048 to 4096 bits.
    #[error("RSA key of {0} bits; only 2048 to 4096 bits are used")]
    RsaSize(usize),
    /// The scheme does not go with the key (an RSA scheme for an ECDSA key,
    /// a hash the curve does not take, a digest for Ed25519).
    #[error("signature scheme does not fit the key")]
    SchemeMismatch,
    /// A PEM key that is not valid PEM or base64.
    #[error("malformed PEM public key")]
    BadPem,
    /// The signature is not well-formed for the key type.
    #[error("malformed signature")]
    BadSignature,
    /// A well-formed signature that does not verify.
    #[error("signature does not verify")]
    Mismatch,
}
