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
