//! End-to-end tests of the `lockproof` binary, run as a user runs it.
//!
//! One test binary (faster to build than one per file); shared helpers live
//! in `util`.

mod action;
mod advisories;
mod advisory_findings;
mod anchors;
mod audit;
mod bad_input;
mod diff;
mod explain;
mod fake_osv;
mod fake_proxy;
mod fake_registry;
mod formats;
mod grouping;
mod install;
mod installer;
mod installer_attacks;
mod installer_real_npm;
mod lockfile_formats;
mod nested_v1;
mod npm_cache;
mod path_bound;
mod policy;
mod proxy;
mod registry;
mod sigstore;
mod sigstore_pki;
mod tarballs;
mod test_tls;
mod tgz;
mod trust;
mod trust_ladder;
mod util;
