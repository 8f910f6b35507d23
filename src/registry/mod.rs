//! The npm registry: configuration as npm reads it, the HTTP client, the
//! compact per-package records lockproof keeps, and the disk cache.

pub mod cache;
pub mod client;
pub mod fetch;
pub mod npmrc;
pub mod packument;
pub mod tarballs;
