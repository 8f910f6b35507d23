//! lockproof verifies an npm lockfile before anything from it is installed.
//!
//! The pipeline: [`lockfile`] parses entries, [`checks`] turn them into
//! [`finding`]s, [`policy`] applies the project's levels and ignores, and
//! [`report`] renders the result. `main.rs` and [`app`] are the only places
//! that touch the terminal and the process exit code.

pub mod app;
pub mod artifact;
pub mod cacache;
pub mod checks;
pub mod cli;
pub mod config;
pub mod diff;
pub mod evidence;
pub mod finding;
pub mod install;
pub mod integrity;
pub mod json;
pub mod jsonc;
pub mod lockfile;
pub mod platform;
pub mod policy;
pub mod provenance;
pub mod registry;
pub mod report;
pub mod signatures;
pub mod sigstore;
pub mod store;
pub mod tarball;
pub mod trust;
pub mod verify_bundle;
pub mod yaml;
