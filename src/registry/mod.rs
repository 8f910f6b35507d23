//! The npm registry: configuration as npm reads it (proxies included), the
//! HTTP client and the agents every HTTP client of lockproof sends through,
//! the compact per-package records lockproof keeps, and the disk cache.

pub mod agents;
pub mod cache;
pub mod client;
pub mod npmrc;
pub mod packument;
pub mod proxy;
pub mod secret;

/// The public npm registry's host: it signs every version and publishes
/// its keys, which lockproof embeds.
pub const NPM_REGISTRY_HOST: &str = "registry.npmjs.org";

/// Yarn's name for npm's public registry, which Yarn 1 writes into its
/// lockfiles' `resolved` URLs.
pub const YARN_REGISTRY_HOST: &str = "registry.yarnpkg.com";

/// Whether `host` names npm's public registry (under npm's or Yarn's
/// name): the hosts registry tarballs may come from by default, and whose
/// tarball URLs npm (and Yarn) rewrite to the configured registry.
pub fn is_public_registry_host(host: &str) -> bool {
    host == NPM_REGISTRY_HOST || host == YARN_REGISTRY_HOST
}
