//! The npm registry: configuration as npm reads it, the HTTP client, the
//! compact per-package records lockproof keeps, and the disk cache.

pub mod cache;
pub mod client;
pub mod npmrc;
pub mod packument;

/// The public npm registry's host: it signs every version and publishes
/// its keys, which lockproof embeds.
pub const NPM_REGISTRY_HOST: &str = "registry.npmjs.org";
