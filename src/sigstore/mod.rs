//! Sigstore bundle verification, offline, to the Sigstore client
//! specification, on RustCrypto primitives.
//!
//! The `sigstore` crate skips the transparency log's signed entry timestamp
//! and inclusion proof, and refuses the `intoto` entries older npm
//! provenance uses, so lockproof verifies bundles itself. Each submodule owns
//! one check and its error type; [`verify`] runs them in order and says which
//! one failed.

pub mod algorithm;
pub mod authority;
pub mod bundle;
pub mod certificate;
pub mod dsse;
pub mod key_details;
pub mod keys;
pub mod merkle;
pub mod rsa;
pub mod scheme;
pub mod sct;
pub mod timestamp;
pub mod tlog;
pub mod trust_root;
pub mod verify;
