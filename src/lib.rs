//! lockproof verifies a JavaScript lockfile (npm, pnpm, Yarn, Bun) before
//! anything from it is installed.
//!
//! The data flow (`ARCHITECTURE.md` is the map): [`commands`] resolves the
//! command line into settings once; [`lockfile`] parses entries;
//! [`evidence`] collects what a [`evidence::source::Source`] (the registry
//! through [`fetch`], or memory in tests) says about them and judges it
//! cryptographically; [`checks`] turn entries and evidence into
//! [`finding`]s without I/O; [`policy`] applies the project's levels and
//! ignores; [`report`] renders the result. [`audit`] runs one lockfile
//! through these stages. Only [`commands`] touches the terminal and the
//! exit status.

pub mod advisories;
pub mod anchors;
pub mod audit;
pub mod cacache;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diff;
pub mod evidence;
pub mod fetch;
pub mod finding;
pub mod hashing;
pub mod installer;
pub mod integrity;
pub mod json;
pub mod jsonc;
pub mod lockfile;
pub mod platform;
pub mod policy;
pub mod registry;
pub mod report;
pub mod signatures;
pub mod sigstore;
pub mod store;
pub mod tarball;
pub mod trust;
pub mod yaml;
