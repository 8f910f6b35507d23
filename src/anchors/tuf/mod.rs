//! A TUF client (The Update Framework, specification 1.0) for Sigstore's
//! public-good repository, which distributes the Sigstore trusted root and
//! npm's registry keys.
//!
//! lockproof writes its own rather than use `tough`: that crate pulls an
//! async runtime and an HTTP stack lockproof does not otherwise build, and
//! the client side of the specification is small. Each attack the
//! specification names has its own check and its own test.
//!
//! - [`metadata`]: the documents and their canonical bytes ([`canonical`]);
//! - [`signatures`]: threshold signature checks;
//! - [`update`]: the client workflow (root rotation, timestamp, snapshot,
//!   targets, delegations, target length and hashes);
//! - [`remote`]: where files come from, with a byte limit on every fetch;
//! - [`store`]: the verified state on disk.

pub mod canonical;
pub mod metadata;
pub mod remote;
pub mod signatures;
pub mod store;
pub mod update;

/// The bootstrap `root.json` of Sigstore's public-good TUF repository, from
/// the `sigstore` 4.5.1 wheel on PyPI (see `assets/README.md`).
pub const SIGSTORE_ROOT: &str = include_str!("../../../assets/sigstore-tuf-root.json");

/// The default repository: Sigstore's public-good TUF CDN.
pub const SIGSTORE_TUF_URL: &str = "https://tuf-repo-cdn.sigstore.dev";

#[cfg(test)]
pub(crate) mod testrepo;
#[cfg(test)]
mod tests;
